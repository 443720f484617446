package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// AlertStore is a Store that also keeps alerts and the webhook outbox.
// The alert tests skip stores that are not one, so that a new store can
// pass the rest of the suite first.
type AlertStore interface {
	Store
	safezones.AlertService
	safezones.WebhookService
}

func alertStore(t *testing.T, s Store) AlertStore {
	t.Helper()
	as, ok := s.(AlertStore)
	if !ok {
		t.Skip("store does not implement AlertService and WebhookService")
	}
	return as
}

// sampleAlert returns a valid alert of kind k about object obj in zone.
func sampleAlert(k safezones.AlertKind, obj, zone string, at time.Time) safezones.Alert {
	alt := 3000.0
	a := safezones.Alert{Kind: k, ObjectID: obj, ZoneID: zone, ZoneVersion: 1, ZoneKind: safezones.KindNoFly,
		ZoneName: "Zone " + zone, At: at, Point: geo.Point{Lon: 36.5, Lat: 35.9}, AltM: &alt, AltitudeKnown: true,
		Source: safezones.Source{Kind: safezones.SourceSimulated, Description: "storetest"}}
	if k == safezones.AlertWarning {
		eta, lo, hi := 240.0, 200.0, 300.0
		a.ETASeconds, a.ETAMinSeconds, a.ETAMaxSeconds = &eta, &lo, &hi
		a.Entry = &geo.Point{Lon: 36.6, Lat: 35.95}
	}
	if k == safezones.AlertViolationEnd {
		dwell := 95.5
		a.Reason, a.DwellSeconds = "exited", &dwell
	}
	return a
}

func mustAppendAlerts(t *testing.T, s AlertStore, as []safezones.Alert) {
	t.Helper()
	if err := s.AppendAlerts(ctx, as); err != nil {
		t.Fatalf("AppendAlerts(%d alerts) = %v", len(as), err)
	}
}

func testAlerts(t *testing.T, st Store, c *Clock) {
	s := alertStore(t, st)
	// A time outside UTC is stored as the same instant in UTC.
	at := c.T.Add(-time.Minute).In(time.FixedZone("EEST", 3*3600))
	batch := []safezones.Alert{
		sampleAlert(safezones.AlertWarning, "ac-1", "z1", at),
		sampleAlert(safezones.AlertViolation, "ac-1", "z1", at.Add(4*time.Minute)),
		sampleAlert(safezones.AlertViolationEnd, "ac-1", "z1", at.Add(6*time.Minute)),
	}
	size0, _ := s.LedgerSize(ctx)
	mustAppendAlerts(t, s, batch)
	for i, a := range batch {
		if want := int64(i + 1); a.Seq != want || a.ID != "al-"+strconv.FormatInt(want, 10) || !a.Created.Equal(c.T) || a.At.Location() != time.UTC {
			t.Errorf("batch[%d] after AppendAlerts: seq %d, id %q, created %v, at %v; want seq %d, id al-%d, created %v, at in UTC",
				i, a.Seq, a.ID, a.Created, a.At, want, want, c.T)
		}
	}
	if size, _ := s.LedgerSize(ctx); size != size0+3 {
		t.Errorf("ledger grew from %d to %d for 3 alerts", size0, size)
	}
	got, err := s.ListAlerts(ctx, safezones.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(batch, got); d != "" {
		t.Errorf("ListAlerts() differs from the alerts AppendAlerts filled in (-appended +listed):\n%s", d)
	}

	c.T = c.T.Add(time.Second)
	more := []safezones.Alert{
		sampleAlert(safezones.AlertViolation, "ac-2", "z2", c.T),
		sampleAlert(safezones.AlertWarningCancelled, "ac-3", "z1", c.T),
	}
	mustAppendAlerts(t, s, more)
	if more[0].Seq != 4 || more[1].Seq != 5 {
		t.Errorf("second batch seqs %d, %d; want 4, 5 (consecutive across batches)", more[0].Seq, more[1].Seq)
	}

	// One bad alert refuses the whole batch, naming its index.
	bad := []safezones.Alert{sampleAlert(safezones.AlertViolation, "ac-9", "z1", c.T), sampleAlert("bombing", "ac-9", "z1", c.T)}
	wantCode(t, "AppendAlerts(bad kind at 1)", s.AppendAlerts(ctx, bad), safezones.CodeInvalid, "alerts[1].kind")
	noPoint := []safezones.Alert{sampleAlert(safezones.AlertViolation, "ac-9", "z1", c.T)}
	noPoint[0].Point = geo.Point{Lon: 200, Lat: 10}
	wantCode(t, "AppendAlerts(lon 200)", s.AppendAlerts(ctx, noPoint), safezones.CodeInvalid, "alerts[0].position")
	noSource := []safezones.Alert{sampleAlert(safezones.AlertViolation, "ac-9", "z1", c.T)}
	noSource[0].Source = safezones.Source{}
	wantCode(t, "AppendAlerts(no source)", s.AppendAlerts(ctx, noSource), safezones.CodeInvalid, "alerts[0].source.kind")
	if last, err := s.LastAlertSeq(ctx); err != nil || last != 5 {
		t.Errorf("LastAlertSeq() after refused batches = %d, %v; want 5 (nothing of a refused batch stored)", last, err)
	}
	if size, _ := s.LedgerSize(ctx); size != size0+5 {
		t.Errorf("ledger size %d after refused batches; want %d", size, size0+5)
	}

	seqs := func(as []safezones.Alert) []int64 {
		out := []int64{}
		for _, a := range as {
			out = append(out, a.Seq)
		}
		return out
	}
	cases := []struct {
		name string
		f    safezones.AlertFilter
		want []int64
	}{
		{"all", safezones.AlertFilter{}, []int64{1, 2, 3, 4, 5}},
		{"after seq", safezones.AlertFilter{AfterSeq: 3}, []int64{4, 5}},
		{"after the last", safezones.AlertFilter{AfterSeq: 5}, []int64{}},
		{"kinds", safezones.AlertFilter{Kinds: []safezones.AlertKind{safezones.AlertViolation, safezones.AlertWarning}}, []int64{1, 2, 4}},
		{"zone", safezones.AlertFilter{ZoneIDs: []string{"z2"}}, []int64{4}},
		{"object", safezones.AlertFilter{ObjectID: "ac-1"}, []int64{1, 2, 3}},
		{"limit", safezones.AlertFilter{AfterSeq: 1, Limit: 2}, []int64{2, 3}},
	}
	for _, tc := range cases {
		got, err := s.ListAlerts(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListAlerts(%s): %v", tc.name, err)
		}
		if d := cmp.Diff(tc.want, seqs(got)); d != "" {
			t.Errorf("ListAlerts(%s) seqs (-want +got):\n%s", tc.name, d)
		}
	}
}

func mustWebhook(t *testing.T, s AlertStore, w safezones.WebhookSubscription) *safezones.WebhookSubscription {
	t.Helper()
	out, err := s.CreateWebhook(ctx, &w)
	if err != nil {
		t.Fatalf("CreateWebhook(%s) = %v", w.ID, err)
	}
	return out
}

func testWebhooks(t *testing.T, st Store, c *Clock) {
	s := alertStore(t, st)
	mustParty(t, s, "sarc", safezones.PartyNGO)
	size0, _ := s.LedgerSize(ctx)

	all := mustWebhook(t, s, safezones.WebhookSubscription{ID: "all", PartyID: "sarc", URL: "https://hooks.example.org/all"})
	if len(all.Secret) < 16 || all.ID != "all" || !all.Created.Equal(c.T) {
		t.Errorf("CreateWebhook(all) = %+v; want a generated secret of 16+ bytes, created now", all)
	}
	gen := mustWebhook(t, s, safezones.WebhookSubscription{PartyID: "sarc", URL: "http://hooks.example.org/w",
		Secret: "a-secret-of-enough-length", Kinds: []safezones.AlertKind{safezones.AlertWarning}})
	if !safezones.ValidID(gen.ID) || gen.Secret != "a-secret-of-enough-length" {
		t.Errorf("CreateWebhook(no id) = id %q; want a generated valid id and the given secret kept", gen.ID)
	}
	// The operator, who is no stored party, may subscribe too; a given
	// creation time is kept.
	given := c.T.Add(-time.Hour)
	zone := mustWebhook(t, s, safezones.WebhookSubscription{ID: "zone-2", PartyID: safezones.OperatorPartyID,
		URL: "https://hooks.example.org/z", ZoneIDs: []string{"z2"}, Created: given})
	if !zone.Created.Equal(given) {
		t.Errorf("CreateWebhook(created given) = created %v, want %v", zone.Created, given)
	}
	off := mustWebhook(t, s, safezones.WebhookSubscription{ID: "off", PartyID: "sarc", URL: "https://hooks.example.org/off"})
	if err := s.DisableWebhook(ctx, off.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "DisableWebhook(ghost)", s.DisableWebhook(ctx, "ghost"), safezones.CodeNotFound, "")

	refusals := []struct {
		name  string
		w     safezones.WebhookSubscription
		code  safezones.Code
		field string
	}{
		{"duplicate id", safezones.WebhookSubscription{ID: "all", PartyID: "sarc", URL: "https://x.example/"}, safezones.CodeConflict, "id"},
		{"ftp url", safezones.WebhookSubscription{PartyID: "sarc", URL: "ftp://x.example/"}, safezones.CodeInvalid, "url"},
		{"relative url", safezones.WebhookSubscription{PartyID: "sarc", URL: "/hook"}, safezones.CodeInvalid, "url"},
		{"short secret", safezones.WebhookSubscription{PartyID: "sarc", URL: "https://x.example/", Secret: "short"}, safezones.CodeInvalid, "secret"},
		{"bad kind", safezones.WebhookSubscription{PartyID: "sarc", URL: "https://x.example/", Kinds: []safezones.AlertKind{"strike"}}, safezones.CodeInvalid, "kinds[0]"},
		{"unknown party", safezones.WebhookSubscription{PartyID: "ghost", URL: "https://x.example/"}, safezones.CodeInvalid, "party_id"},
		{"no party", safezones.WebhookSubscription{URL: "https://x.example/"}, safezones.CodeInvalid, "party_id"},
	}
	for _, tc := range refusals {
		_, err := s.CreateWebhook(ctx, &tc.w)
		wantCode(t, "CreateWebhook("+tc.name+")", err, tc.code, tc.field)
	}

	// Secrets are never listed; Webhook(id) returns it for signing.
	list, err := s.Webhooks(ctx, "")
	if err != nil || len(list) != 4 {
		t.Fatalf("Webhooks(\"\") = %d subscriptions, %v; want 4", len(list), err)
	}
	for _, w := range list {
		if w.Secret != "" {
			t.Errorf("Webhooks() returned the secret of %s", w.ID)
		}
	}
	if l, _ := s.Webhooks(ctx, "other-party"); len(l) != 0 {
		t.Errorf("Webhooks(other-party) = %d subscriptions, want 0", len(l))
	}
	one, err := s.Webhook(ctx, all.ID)
	if err != nil || one.Secret != all.Secret {
		t.Errorf("Webhook(all) secret kept: %v (err %v); want the secret it was created with", one != nil && one.Secret == all.Secret, err)
	}
	_, err = s.Webhook(ctx, "ghost")
	wantCode(t, "Webhook(ghost)", err, safezones.CodeNotFound, "")
	if size, _ := s.LedgerSize(ctx); size != size0 {
		t.Errorf("webhook subscriptions added %d ledger entries; they are not logged", size-size0)
	}

	// One outbox row per matching enabled subscription.
	mustAppendAlerts(t, s, []safezones.Alert{
		sampleAlert(safezones.AlertViolation, "ac-1", "z1", c.T), // 1: all
		sampleAlert(safezones.AlertWarning, "ac-2", "z1", c.T),   // 2: all, gen
		sampleAlert(safezones.AlertViolation, "ac-3", "z2", c.T), // 3: all, zone-2
		sampleAlert(safezones.AlertWarning, "ac-4", "z2", c.T),   // 4: all, gen, zone-2
	})
	queued := func(id string) []int64 {
		t.Helper()
		ds, err := s.Deliveries(ctx, id, 0, 100)
		if err != nil {
			t.Fatalf("Deliveries(%s) = %v", id, err)
		}
		out := []int64{}
		for _, d := range ds {
			out = append(out, d.AlertSeq)
		}
		return out
	}
	for id, want := range map[string][]int64{all.ID: {1, 2, 3, 4}, gen.ID: {2, 4}, zone.ID: {3, 4}, off.ID: {}} {
		if d := cmp.Diff(want, queued(id)); d != "" {
			t.Errorf("deliveries queued for %s (-want +got):\n%s", id, d)
		}
	}
	_, err = s.Deliveries(ctx, "ghost", 0, 10)
	wantCode(t, "Deliveries(ghost)", err, safezones.CodeNotFound, "")
	testDueDeliveries(t, s, c, all.ID, gen.ID, zone.ID)
}

// heads maps each subscription in due to the alert seq it is due with,
// checking that alerts[i] is the alert of due[i].
func heads(t *testing.T, due []safezones.WebhookDelivery, alerts []safezones.Alert) map[string]int64 {
	t.Helper()
	if len(due) != len(alerts) {
		t.Fatalf("DueDeliveries returned %d deliveries and %d alerts", len(due), len(alerts))
	}
	out := map[string]int64{}
	for i, d := range due {
		if alerts[i].Seq != d.AlertSeq || d.State != safezones.DeliveryPending {
			t.Errorf("due[%d] = %+v with alert %d; want a pending delivery with its own alert", i, d, alerts[i].Seq)
		}
		if _, dup := out[d.SubscriptionID]; dup {
			t.Errorf("DueDeliveries returned two deliveries of %s", d.SubscriptionID)
		}
		out[d.SubscriptionID] = d.AlertSeq
	}
	return out
}

func testDueDeliveries(t *testing.T, s AlertStore, c *Clock, all, gen, zone string) {
	due := func(now time.Time, limit int) map[string]int64 {
		t.Helper()
		ds, as, err := s.DueDeliveries(ctx, now, limit)
		if err != nil {
			t.Fatalf("DueDeliveries(%v, %d) = %v", now, limit, err)
		}
		return heads(t, ds, as)
	}
	check := func(name string, got, want map[string]int64) {
		t.Helper()
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("DueDeliveries %s (-want +got):\n%s", name, d)
		}
	}
	now := c.T
	check("at first", due(now, 10), map[string]int64{all: 1, gen: 2, zone: 3})
	check("before they are due", due(now.Add(-time.Second), 10), map[string]int64{})
	if n := len(due(now, 2)); n != 2 {
		t.Errorf("DueDeliveries(limit 2) returned %d", n)
	}
	// A failed attempt holds the subscription's later alerts back until
	// its retry is due: order per subscription survives retries.
	retry := now.Add(time.Minute)
	record := func(d safezones.WebhookDelivery) {
		t.Helper()
		if err := s.RecordAttempt(ctx, d); err != nil {
			t.Fatalf("RecordAttempt(%+v) = %v", d, err)
		}
	}
	record(safezones.WebhookDelivery{SubscriptionID: all, AlertSeq: 1, State: safezones.DeliveryPending, Attempts: 1,
		NextAttempt: retry, LastStatus: 503, LastError: "status 503"})
	check("while all's head waits", due(now, 10), map[string]int64{gen: 2, zone: 3})
	check("when the retry is due", due(retry, 10), map[string]int64{all: 1, gen: 2, zone: 3})
	record(safezones.WebhookDelivery{SubscriptionID: all, AlertSeq: 1, State: safezones.DeliveryDelivered, Attempts: 2,
		NextAttempt: retry, LastStatus: 200, DeliveredAt: retry})
	record(safezones.WebhookDelivery{SubscriptionID: gen, AlertSeq: 2, State: safezones.DeliveryFailed, Attempts: 9,
		NextAttempt: retry, LastStatus: 500, LastError: "status 500"})
	check("after a receipt and a give-up", due(retry, 10), map[string]int64{all: 2, gen: 4, zone: 3})

	receipts, _ := s.Deliveries(ctx, all, 0, 1)
	want := safezones.WebhookDelivery{SubscriptionID: all, AlertSeq: 1, State: safezones.DeliveryDelivered, Attempts: 2,
		NextAttempt: retry, LastStatus: 200, DeliveredAt: retry}
	if len(receipts) != 1 || !cmp.Equal(receipts[0], want) {
		t.Errorf("Deliveries(all, 0, 1) = %+v; want the receipt %+v", receipts, want)
	}
	err := s.RecordAttempt(ctx, safezones.WebhookDelivery{SubscriptionID: all, AlertSeq: 1, State: safezones.DeliveryPending, NextAttempt: retry})
	wantCode(t, "RecordAttempt(already delivered)", err, safezones.CodeConflict, "")
	err = s.RecordAttempt(ctx, safezones.WebhookDelivery{SubscriptionID: all, AlertSeq: 99, State: safezones.DeliveryDelivered, NextAttempt: retry})
	wantCode(t, "RecordAttempt(no such delivery)", err, safezones.CodeNotFound, "")

	// A disabled subscription keeps its queue but is not offered, and
	// later alerts are not queued for it.
	if err := s.DisableWebhook(ctx, zone); err != nil {
		t.Fatal(err)
	}
	check("after disabling zone-2", due(retry, 10), map[string]int64{all: 2, gen: 4})
	mustAppendAlerts(t, s, []safezones.Alert{sampleAlert(safezones.AlertViolation, "ac-5", "z2", c.T)})
	ds, _ := s.Deliveries(ctx, zone, 0, 10)
	if len(ds) != 2 || ds[0].State != safezones.DeliveryPending {
		t.Errorf("zone-2 deliveries after disabling = %+v; want its 2 pending kept and none added", ds)
	}
}

// checkAlertLedger checks that every stored alert has its ledger entry
// (their records are compared by checkLedger).
func checkAlertLedger(t *testing.T, s Store, byType map[string]int) {
	t.Helper()
	as, ok := s.(AlertStore)
	if !ok {
		return
	}
	n, after := 0, int64(0)
	for {
		page, err := as.ListAlerts(ctx, safezones.AlertFilter{AfterSeq: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		n += len(page)
		after = page[len(page)-1].Seq
	}
	if byType[safezones.LedgerAlert] != n {
		t.Errorf("ledger has %d alert entries; the tables hold %d alerts", byType[safezones.LedgerAlert], n)
	}
}
