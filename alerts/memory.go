package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/safezones/safezones"
)

// Limits of MemoryStore.ListAlerts.
const (
	DefaultListLimit = 100
	MaxListLimit     = 10_000
)

// MemoryStore keeps alerts, webhook subscriptions and their outbox in
// memory: for tests and for a demo that need not survive a restart. It
// implements safezones.AlertService and safezones.WebhookService (without
// a ledger) and is safe for concurrent use.
type MemoryStore struct {
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	mu         sync.Mutex
	alerts     []safezones.Alert
	hooks      []safezones.WebhookSubscription // with secrets
	deliveries map[string][]safezones.WebhookDelivery
	// fail, when set, makes AppendAlerts return it (FailAppends).
	fail error
}

var (
	_ safezones.AlertService   = (*MemoryStore)(nil)
	_ safezones.WebhookService = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{deliveries: map[string][]safezones.WebhookDelivery{}}
}

// FailAppends makes every AppendAlerts fail with err until called with nil.
func (m *MemoryStore) FailAppends(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

func (m *MemoryStore) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

// AppendAlerts implements safezones.AlertService: all or nothing.
func (m *MemoryStore) AppendAlerts(ctx context.Context, alerts []safezones.Alert) error {
	for i := range alerts {
		if !safezones.ValidAlertKind(alerts[i].Kind) {
			return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("alerts[%d].kind", i), "unknown alert kind %q", alerts[i].Kind)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	now := m.now()
	for i := range alerts {
		a := &alerts[i]
		a.Seq = int64(len(m.alerts)) + 1
		a.ID = "al-" + strconv.FormatInt(a.Seq, 10)
		a.Created = now
		m.alerts = append(m.alerts, *a)
		for _, w := range m.hooks {
			if w.Matches(a) {
				m.deliveries[w.ID] = append(m.deliveries[w.ID], safezones.WebhookDelivery{
					SubscriptionID: w.ID, AlertSeq: a.Seq, State: safezones.DeliveryPending, NextAttempt: now})
			}
		}
	}
	return nil
}

// ListAlerts implements safezones.AlertService.
func (m *MemoryStore) ListAlerts(ctx context.Context, f safezones.AlertFilter) ([]safezones.Alert, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	m.mu.Lock()
	defer m.mu.Unlock()
	start := int(max(f.AfterSeq, 0)) // Seq n is at index n-1
	var out []safezones.Alert
	for i := start; i < len(m.alerts) && len(out) < limit; i++ {
		a := &m.alerts[i]
		if (len(f.Kinds) > 0 && !slices.Contains(f.Kinds, a.Kind)) ||
			(len(f.ZoneIDs) > 0 && !slices.Contains(f.ZoneIDs, a.ZoneID)) ||
			(f.ObjectID != "" && f.ObjectID != a.ObjectID) {
			continue
		}
		out = append(out, *a)
	}
	return out, nil
}

// LastAlertSeq implements safezones.AlertService.
func (m *MemoryStore) LastAlertSeq(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.alerts)), nil
}

// CreateWebhook implements safezones.WebhookService.
func (m *MemoryStore) CreateWebhook(ctx context.Context, w *safezones.WebhookSubscription) (*safezones.WebhookSubscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := *w
	if out.ID == "" {
		out.ID = "wh-" + randomHex(8)
	}
	if out.Secret == "" {
		out.Secret = randomHex(32)
	}
	if out.Created.IsZero() {
		out.Created = m.now()
	}
	for _, h := range m.hooks {
		if h.ID == out.ID {
			return nil, safezones.Errorf(safezones.CodeConflict, "webhook %q exists", out.ID)
		}
	}
	m.hooks = append(m.hooks, out)
	return &out, nil
}

// Webhooks implements safezones.WebhookService.
func (m *MemoryStore) Webhooks(ctx context.Context, partyID string) ([]safezones.WebhookSubscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []safezones.WebhookSubscription
	for _, h := range m.hooks {
		if partyID == "" || h.PartyID == partyID {
			h.Secret = ""
			out = append(out, h)
		}
	}
	return out, nil
}

// Webhook implements safezones.WebhookService.
func (m *MemoryStore) Webhook(ctx context.Context, id string) (*safezones.WebhookSubscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.hookIndex(id)
	if i < 0 {
		return nil, safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", id)
	}
	h := m.hooks[i]
	return &h, nil
}

// DisableWebhook implements safezones.WebhookService.
func (m *MemoryStore) DisableWebhook(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := m.hookIndex(id)
	if i < 0 {
		return safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", id)
	}
	m.hooks[i].Disabled = true
	return nil
}

// DueDeliveries implements safezones.WebhookService.
func (m *MemoryStore) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]safezones.WebhookDelivery, []safezones.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ds []safezones.WebhookDelivery
	var as []safezones.Alert
	ids := make([]string, 0, len(m.deliveries))
	for id := range m.deliveries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if len(ds) >= limit {
			break
		}
		if i := m.hookIndex(id); i < 0 || m.hooks[i].Disabled {
			continue
		}
		for _, d := range m.deliveries[id] {
			if d.State != safezones.DeliveryPending {
				continue
			}
			if !d.NextAttempt.After(now) {
				ds = append(ds, d)
				as = append(as, m.alerts[d.AlertSeq-1])
			}
			break // only the oldest pending one, to keep the order
		}
	}
	return ds, as, nil
}

// RecordAttempt implements safezones.WebhookService.
func (m *MemoryStore) RecordAttempt(ctx context.Context, d safezones.WebhookDelivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, old := range m.deliveries[d.SubscriptionID] {
		if old.AlertSeq == d.AlertSeq {
			m.deliveries[d.SubscriptionID][i] = d
			return nil
		}
	}
	return safezones.Errorf(safezones.CodeNotFound, "no delivery of alert %d to webhook %q", d.AlertSeq, d.SubscriptionID)
}

// Deliveries implements safezones.WebhookService.
func (m *MemoryStore) Deliveries(ctx context.Context, subscriptionID string, afterSeq int64, limit int) ([]safezones.WebhookDelivery, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hookIndex(subscriptionID) < 0 {
		return nil, safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", subscriptionID)
	}
	var out []safezones.WebhookDelivery
	for _, d := range m.deliveries[subscriptionID] {
		if d.AlertSeq > afterSeq && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *MemoryStore) hookIndex(id string) int {
	for i := range m.hooks {
		if m.hooks[i].ID == id {
			return i
		}
	}
	return -1
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
