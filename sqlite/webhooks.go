package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/safezones/safezones"
)

var _ safezones.WebhookService = (*DB)(nil)

// Limits of webhook subscriptions.
const (
	minSecretLen  = 16
	maxSecretLen  = 256
	maxURLLen     = 2048
	maxZoneFilter = 1000
	// maxDeliveryError caps last_error: a receiver's answer is not ours to
	// store in full.
	maxDeliveryError = 500
)

const webhookColumns = `id, party_id, url, secret, kinds, zone_ids, created, disabled`

// CreateWebhook stores a subscription of party PartyID (an existing
// party, or the operator). An empty ID gets "wh-" and a random suffix; an
// empty Secret gets 32 random bytes in hex; a zero Created the store's
// time. The URL must be an
// absolute http or https URL; whether its host may be reached is the
// dispatcher's allow-list to say (webhooks.CheckTarget), checked by the
// caller. The returned subscription holds the secret: show it once.
// Codes: invalid (party_id, url, secret, kinds, zone_ids), conflict (id).
func (d *DB) CreateWebhook(ctx context.Context, w *safezones.WebhookSubscription) (*safezones.WebhookSubscription, error) {
	out := *w
	out.Kinds = append([]safezones.AlertKind{}, w.Kinds...)
	out.ZoneIDs = append([]string{}, w.ZoneIDs...)
	if err := assignID(&out.ID, "wh-"); err != nil {
		return nil, err
	}
	if out.Secret == "" {
		out.Secret = newSecret()
	}
	if out.Created.IsZero() {
		out.Created = d.Now()
	}
	out.Created = out.Created.UTC()
	if err := validateWebhook(&out); err != nil {
		return nil, err
	}
	kinds, err := json.Marshal(out.Kinds)
	if err != nil {
		return nil, err
	}
	zones, err := json.Marshal(out.ZoneIDs)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if err := partyMustExist(ctx, tx, out.PartyID); out.PartyID != safezones.OperatorPartyID && err != nil {
			return safezones.FieldErrorf(safezones.CodeInvalid, "party_id", "party %q does not exist", out.PartyID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks(`+webhookColumns+`) VALUES (?,?,?,?,?,?,?,?)`,
			out.ID, out.PartyID, out.URL, out.Secret, string(kinds), string(zones), formatTime(out.Created), out.Disabled)
		if isConstraint(err, codePrimaryKey) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "webhook %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert webhook %s: %w", out.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// newSecret returns 32 random bytes in hex.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validateWebhook(w *safezones.WebhookSubscription) error {
	if err := validateWebhookURL(w.URL); err != nil {
		return err
	}
	switch {
	case len(w.Secret) < minSecretLen || len(w.Secret) > maxSecretLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "secret", "secret must be %d-%d bytes (leave it empty to have one made)", minSecretLen, maxSecretLen)
	case len(w.ZoneIDs) > maxZoneFilter:
		return safezones.FieldErrorf(safezones.CodeInvalid, "zone_ids", "at most %d zone ids", maxZoneFilter)
	}
	for i, k := range w.Kinds {
		if !safezones.ValidAlertKind(k) {
			return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("kinds[%d]", i), "%q is not an alert kind", k)
		}
	}
	for i, z := range w.ZoneIDs {
		if !safezones.ValidID(z) {
			return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("zone_ids[%d]", i), "%q is not a valid zone id", z)
		}
	}
	return nil
}

func validateWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case len(raw) > maxURLLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url is longer than %d bytes", maxURLLen)
	case err != nil:
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url does not parse: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url scheme must be http or https, not %q", u.Scheme)
	case u.Hostname() == "":
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url has no host")
	case u.User != nil:
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url must not carry credentials: the signature authenticates deliveries")
	}
	return nil
}

// Webhooks lists the subscriptions of partyID ("" for all) by creation
// time, with Secret left empty.
func (d *DB) Webhooks(ctx context.Context, partyID string) ([]safezones.WebhookSubscription, error) {
	ws, err := queryRows(ctx, d.db, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks
		WHERE ? = '' OR party_id = ? ORDER BY created, id`, partyID, partyID)
	for i := range ws {
		ws[i].Secret = ""
	}
	return ws, err
}

// Webhook returns one subscription with its secret. Codes: not_found.
func (d *DB) Webhook(ctx context.Context, id string) (*safezones.WebhookSubscription, error) {
	return webhook(ctx, d.db, id)
}

func webhook(ctx context.Context, q querier, id string) (*safezones.WebhookSubscription, error) {
	w, err := scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", id)
	}
	return w, err
}

// enabledWebhooks returns every enabled subscription, for queueing.
func enabledWebhooks(ctx context.Context, q querier) ([]safezones.WebhookSubscription, error) {
	return queryRows(ctx, q, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE disabled = 0 ORDER BY id`)
}

func scanWebhook(s scanner) (*safezones.WebhookSubscription, error) {
	var w safezones.WebhookSubscription
	var kinds, zones, created string
	if err := s.Scan(&w.ID, &w.PartyID, &w.URL, &w.Secret, &kinds, &zones, &created, &w.Disabled); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(kinds), &w.Kinds); err != nil {
		return nil, fmt.Errorf("webhook %s kinds: %w", w.ID, err)
	}
	if err := json.Unmarshal([]byte(zones), &w.ZoneIDs); err != nil {
		return nil, fmt.Errorf("webhook %s zone_ids: %w", w.ID, err)
	}
	var err error
	w.Created, err = parseTime(created)
	return &w, err
}

// DisableWebhook stops deliveries to a subscription; its pending
// deliveries stay queued (receipts of what it missed). Codes: not_found.
func (d *DB) DisableWebhook(ctx context.Context, id string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE webhooks SET disabled = 1 WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("disable webhook %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", id)
	}
	return nil
}

const deliveryRowColumns = `subscription_id, alert_seq, state, attempts, next_attempt, last_status, last_error, delivered_at`

// DueDeliveries returns, for each enabled subscription, its oldest pending
// delivery when that is due (NextAttempt at or before now), earliest due
// first, at most limit; alerts[i] is the alert of deliveries[i]. A
// subscription whose oldest pending delivery waits for a retry yields
// nothing, so that its alerts are sent one at a time in Seq order.
func (d *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]safezones.WebhookDelivery, []safezones.Alert, error) {
	if limit <= 0 {
		return []safezones.WebhookDelivery{}, []safezones.Alert{}, nil
	}
	ds, err := queryRows(ctx, d.db, scanWebhookDelivery, `SELECT d.subscription_id, d.alert_seq, d.state, d.attempts, d.next_attempt, d.last_status, d.last_error, d.delivered_at
		FROM (SELECT subscription_id, min(alert_seq) AS alert_seq FROM webhook_deliveries
		      WHERE state = 'pending' GROUP BY subscription_id) h
		JOIN webhook_deliveries d ON d.subscription_id = h.subscription_id AND d.alert_seq = h.alert_seq
		JOIN webhooks w ON w.id = d.subscription_id
		WHERE w.disabled = 0 AND d.next_attempt <= ?
		ORDER BY d.next_attempt, d.subscription_id LIMIT ?`, formatTime(now), limit)
	if err != nil {
		return nil, nil, err
	}
	seqs := make([]int64, len(ds))
	for i := range ds {
		seqs[i] = ds[i].AlertSeq
	}
	byseq, err := alertsBySeq(ctx, d.db, seqs)
	if err != nil {
		return nil, nil, err
	}
	alerts := make([]safezones.Alert, len(ds))
	for i := range ds {
		a := byseq[ds[i].AlertSeq]
		if a == nil {
			return nil, nil, fmt.Errorf("delivery %s/%d: alert missing", ds[i].SubscriptionID, ds[i].AlertSeq)
		}
		alerts[i] = *a
	}
	return ds, alerts, nil
}

// PendingDeliveries returns the number of pending deliveries of enabled
// subscriptions: the outbox backlog the dispatcher still has to send.
func (d *DB) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.subscription_id
		WHERE d.state = 'pending' AND w.disabled = 0`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending deliveries: %w", err)
	}
	return n, nil
}

// RecordAttempt stores the outcome of one attempt on a pending delivery:
// State delivered (with DeliveredAt), pending again at NextAttempt, or
// failed; Attempts, LastStatus and LastError as given (LastError is cut to
// 500 bytes). Codes: invalid (state), not_found, conflict (the delivery
// is no longer pending: a receipt is written once).
func (d *DB) RecordAttempt(ctx context.Context, dl safezones.WebhookDelivery) error {
	switch dl.State {
	case safezones.DeliveryPending, safezones.DeliveryDelivered, safezones.DeliveryFailed:
	default:
		return safezones.FieldErrorf(safezones.CodeInvalid, "state", "state %q is not pending, delivered or failed", dl.State)
	}
	if dl.State == safezones.DeliveryDelivered && dl.DeliveredAt.IsZero() {
		dl.DeliveredAt = d.Now()
	}
	if len(dl.LastError) > maxDeliveryError {
		dl.LastError = dl.LastError[:maxDeliveryError]
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt = ?, last_status = ?,
			last_error = ?, delivered_at = ? WHERE subscription_id = ? AND alert_seq = ? AND state = 'pending'`,
			string(dl.State), dl.Attempts, formatTime(dl.NextAttempt), dl.LastStatus, dl.LastError, nullTime(dl.DeliveredAt),
			dl.SubscriptionID, dl.AlertSeq)
		if err != nil {
			return fmt.Errorf("record attempt %s/%d: %w", dl.SubscriptionID, dl.AlertSeq, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var state string
		err = tx.QueryRowContext(ctx, `SELECT state FROM webhook_deliveries WHERE subscription_id = ? AND alert_seq = ?`,
			dl.SubscriptionID, dl.AlertSeq).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return safezones.Errorf(safezones.CodeNotFound, "no delivery of alert %d to webhook %q", dl.AlertSeq, dl.SubscriptionID)
		}
		if err != nil {
			return err
		}
		return safezones.Errorf(safezones.CodeConflict, "delivery of alert %d to webhook %q is already %s", dl.AlertSeq, dl.SubscriptionID, state)
	})
}

// Deliveries lists a subscription's deliveries with alert_seq > afterSeq
// in Seq order, at most limit (default 100, at most 1000): the receipts.
// Codes: not_found.
func (d *DB) Deliveries(ctx context.Context, subscriptionID string, afterSeq int64, limit int) ([]safezones.WebhookDelivery, error) {
	if _, err := webhook(ctx, d.db, subscriptionID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultAlertLimit
	}
	return queryRows(ctx, d.db, scanWebhookDelivery, `SELECT `+deliveryRowColumns+` FROM webhook_deliveries
		WHERE subscription_id = ? AND alert_seq > ? ORDER BY alert_seq LIMIT ?`, subscriptionID, afterSeq, min(limit, maxAlertLimit))
}

func scanWebhookDelivery(s scanner) (*safezones.WebhookDelivery, error) {
	var dl safezones.WebhookDelivery
	var state, next string
	var delivered sql.NullString
	if err := s.Scan(&dl.SubscriptionID, &dl.AlertSeq, &state, &dl.Attempts, &next, &dl.LastStatus, &dl.LastError, &delivered); err != nil {
		return nil, err
	}
	dl.State = safezones.DeliveryState(state)
	var err error
	if dl.NextAttempt, err = parseTime(next); err != nil {
		return nil, fmt.Errorf("delivery %s/%d next_attempt: %w", dl.SubscriptionID, dl.AlertSeq, err)
	}
	if delivered.Valid {
		if dl.DeliveredAt, err = parseTime(delivered.String); err != nil {
			return nil, fmt.Errorf("delivery %s/%d delivered_at: %w", dl.SubscriptionID, dl.AlertSeq, err)
		}
	}
	return &dl, nil
}
