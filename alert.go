package safezones

import (
	"context"
	"time"

	"github.com/safezones/safezones/geo"
)

// LedgerAlert is the ledger type of an alert. Webhook subscriptions and
// deliveries are not logged: a subscription holds a secret and, like
// members and tokens, is access configuration; delivery receipts are
// operational state that changes with every attempt.
const LedgerAlert = "alert"

// AlertKind says what the engine concluded.
type AlertKind string

// The kinds of Alert.
const (
	// AlertViolation: an object entered a zone it must not be in (an
	// aircraft inside a no-fly zone's altitude band, or an incident inside
	// an active zone or within its precision of a protected site).
	AlertViolation AlertKind = "violation"
	// AlertViolationEnd: the object of an open violation left the zone, went
	// silent, or the zone ended (Reason says which).
	AlertViolationEnd AlertKind = "violation_end"
	// AlertWarning: an object is predicted to reach a zone (ETA and its
	// interval, predicted entry point). A warning for the same object and
	// zone is re-issued when its ETA moves.
	AlertWarning AlertKind = "warning"
	// AlertWarningCancelled: the prediction no longer reaches the zone.
	AlertWarningCancelled AlertKind = "warning_cancelled"
)

// ValidAlertKind reports whether k is one of the kinds above.
func ValidAlertKind(k AlertKind) bool {
	switch k {
	case AlertViolation, AlertViolationEnd, AlertWarning, AlertWarningCancelled:
		return true
	}
	return false
}

// Alert is one conclusion of the engine, stored, logged in the ledger and
// pushed to people. Seq orders all alerts of a store (1, 2, 3, ...; it is
// the SSE event id and the webhook delivery order); ID is a stable string
// form ("al-<seq>") used in receipts and CAP identifiers.
type Alert struct {
	Seq  int64     `json:"seq"`
	ID   string    `json:"id"`
	Kind AlertKind `json:"kind"`
	// ObjectID names the aircraft, convoy or incident the alert is about.
	ObjectID string `json:"object_id"`
	// ZoneID, ZoneVersion and ZoneKind name the zone version concerned.
	ZoneID      string `json:"zone_id"`
	ZoneVersion int    `json:"zone_version"`
	ZoneKind    Kind   `json:"zone_kind"`
	ZoneName    string `json:"zone_name,omitempty"`
	// At is when it happened (the position's time; for a warning, when it
	// was predicted). Point is the object's position then; AltM its
	// altitude when known.
	At    time.Time `json:"at"`
	Point geo.Point `json:"-"`
	AltM  *float64  `json:"alt_m,omitempty"`
	// AltitudeKnown is false when the position had no altitude, so a
	// no-fly zone was matched without its band.
	AltitudeKnown bool `json:"altitude_known"`
	// Warning fields: ETA in seconds from At, its interval, and the
	// predicted entry point.
	ETASeconds    *float64   `json:"eta_s,omitempty"`
	ETAMinSeconds *float64   `json:"eta_min_s,omitempty"`
	ETAMaxSeconds *float64   `json:"eta_max_s,omitempty"`
	Entry         *geo.Point `json:"-"`
	// Reason explains an end or cancellation ("exited", "stale",
	// "zone_ended", "path_changed", ...).
	Reason string `json:"reason,omitempty"`
	// Dwell is how long the object was inside, on a violation end.
	DwellSeconds *float64 `json:"dwell_s,omitempty"`
	// Source says whether the alert comes from real feeds or a simulated
	// scenario (the demo's replayed tracks are simulated).
	Source Source `json:"source"`
	// Created is when the store recorded it.
	Created time.Time `json:"created"`
}

// AlertFilter selects alerts for ListAlerts. Zero fields do not filter.
type AlertFilter struct {
	// AfterSeq keeps alerts with Seq > AfterSeq (resuming a stream).
	AfterSeq int64
	Kinds    []AlertKind
	ZoneIDs  []string
	ObjectID string
	// Limit caps the page (implementations apply a default and a maximum).
	Limit int
}

// AlertService stores alerts. Implementations are safe for concurrent use;
// a call that returned nil has made its change durable, ledger entries
// included.
type AlertService interface {
	// AppendAlerts stores the alerts in order, assigning Seq, ID and
	// Created, appends each to the ledger, and queues one webhook delivery
	// per matching subscription in the same transaction, so that nothing
	// acknowledged is lost on a crash. It fills in the fields it assigns.
	// Codes: invalid (names the index, e.g. "alerts[3].kind").
	AppendAlerts(ctx context.Context, alerts []Alert) error
	// ListAlerts returns alerts in Seq order.
	ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error)
	// LastAlertSeq returns the highest Seq stored (0 when none).
	LastAlertSeq(ctx context.Context) (int64, error)
}

// WebhookSubscription is a party's request to receive alerts by HTTP POST
// at URL, signed with HMAC-SHA256 under Secret (shown once at creation,
// never logged or listed).
type WebhookSubscription struct {
	ID      string      `json:"id"`
	PartyID string      `json:"party_id"`
	URL     string      `json:"url"`
	Secret  string      `json:"secret,omitempty"`
	Kinds   []AlertKind `json:"kinds,omitempty"`
	ZoneIDs []string    `json:"zone_ids,omitempty"`
	Created time.Time   `json:"created"`
	// Disabled subscriptions keep their queue but receive nothing.
	Disabled bool `json:"disabled"`
}

// Matches reports whether the subscription wants alert a.
func (w *WebhookSubscription) Matches(a *Alert) bool {
	if w.Disabled {
		return false
	}
	if len(w.Kinds) > 0 && !containsValue(w.Kinds, a.Kind) {
		return false
	}
	if len(w.ZoneIDs) > 0 && !containsValue(w.ZoneIDs, a.ZoneID) {
		return false
	}
	return true
}

func containsValue[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// DeliveryState is where one webhook delivery stands.
type DeliveryState string

// The states of a Delivery.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed" // gave up after the last retry
)

// WebhookDelivery is one alert queued for one subscription: the outbox row and,
// once sent, its receipt.
type WebhookDelivery struct {
	SubscriptionID string        `json:"subscription_id"`
	AlertSeq       int64         `json:"alert_seq"`
	State          DeliveryState `json:"state"`
	Attempts       int           `json:"attempts"`
	NextAttempt    time.Time     `json:"next_attempt"`
	// LastStatus is the HTTP status of the last attempt (0: no response);
	// LastError what went wrong.
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitempty"`
}

// WebhookService stores subscriptions and their outbox.
type WebhookService interface {
	// CreateWebhook stores a subscription (ID, Secret and Created are
	// filled in when empty). Codes: invalid, conflict.
	CreateWebhook(ctx context.Context, w *WebhookSubscription) (*WebhookSubscription, error)
	// Webhooks lists subscriptions (secrets left empty); partyID "" lists
	// all.
	Webhooks(ctx context.Context, partyID string) ([]WebhookSubscription, error)
	// Webhook returns one subscription with its secret. Codes: not_found.
	Webhook(ctx context.Context, id string) (*WebhookSubscription, error)
	// DisableWebhook stops deliveries to a subscription. Codes: not_found.
	DisableWebhook(ctx context.Context, id string) error
	// DueDeliveries returns up to limit pending deliveries whose
	// NextAttempt is at or before now, each subscription's in AlertSeq
	// order and only its oldest pending one (so that a subscription
	// receives alerts in order), with their alerts.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, []Alert, error)
	// RecordAttempt stores the outcome of one attempt: delivered, or
	// pending again at next, or failed for good. Codes: not_found.
	RecordAttempt(ctx context.Context, d WebhookDelivery) error
	// Deliveries lists a subscription's deliveries after afterSeq
	// (receipts). Codes: not_found.
	Deliveries(ctx context.Context, subscriptionID string, afterSeq int64, limit int) ([]WebhookDelivery, error)
}
