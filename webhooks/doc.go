// Package webhooks delivers alerts to subscribers by signed HTTP POST from
// the store's persistent outbox.
//
// Every alert that matches a subscription is queued in the outbox in the
// transaction that stores the alert (safezones.AlertService.AppendAlerts),
// so an acknowledged alert is never lost. A Dispatcher sends each
// subscription's queue one alert at a time, in alert Seq order, retrying a
// failed attempt with exponential backoff and jitter before moving on;
// different subscriptions are served concurrently by a bounded pool of
// workers, so a slow or dead receiver delays only its own queue.
//
// Delivery is at-least-once: a delivery is marked delivered only after the
// receiver answered 2xx and the receipt was written. An attempt cut short
// by a crash or shutdown, or whose receipt could not be written, is sent
// again, so a receiver may see the same alert twice and must deduplicate by
// the Safezones-Alert-Id header (also the body's "id"): it is the
// idempotency key, stable across retries and restarts. Only the one
// in-flight delivery of each subscription can repeat.
//
// Requests are signed with HMAC-SHA256 under the subscription's secret
// (see Sign and Verify), may reach only public addresses unless the
// operator allow-lists others (see Allowlist), and are never redirected.
// docs/webhooks.md describes the protocol for receivers.
package webhooks
