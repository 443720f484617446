package sqlite_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/sqlite"
)

// notificationWorld is a store with a notifier (ngo), two addressed
// parties with keys (syria, russia) and one that is not addressed (iran).
type notificationWorld struct {
	db   *sqlite.DB
	path string
	now  time.Time
	keys map[string]ed25519.PrivateKey
	kids map[string]string
}

func newNotificationWorld(t *testing.T) *notificationWorld {
	t.Helper()
	ctx := context.Background()
	w := &notificationWorld{path: filepath.Join(t.TempDir(), "n.db"), now: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
		keys: map[string]ed25519.PrivateKey{}, kids: map[string]string{}}
	db, err := sqlite.Open(ctx, w.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	w.db.Now = func() time.Time { return w.now }
	for _, p := range []struct {
		id   string
		kind safezones.PartyKind
	}{{"msf", safezones.PartyNGO}, {"syria", safezones.PartyState}, {"russia", safezones.PartyState}, {"iran", safezones.PartyState}} {
		if _, err := w.db.CreateParty(ctx, &safezones.Party{ID: p.id, Name: p.id, Kind: p.kind}); err != nil {
			t.Fatal(err)
		}
		pub, priv, _ := consent.GenerateKey()
		k, err := w.db.RegisterKey(ctx, p.id, pub, "operator")
		if err != nil {
			t.Fatal(err)
		}
		w.keys[p.id], w.kids[p.id] = priv, k.ID
	}
	return w
}

func hospitalTerms(at time.Time) safezones.NotificationTerms {
	return safezones.NotificationTerms{Kind: safezones.NotificationSite, Type: "hospital", Name: "Kafr Nabl surgical hospital",
		Geometry: geo.Point{Lon: 36.56071, Lat: 35.61393}, BufferM: 150, Governorate: "Idleb", VerifiedAt: at.Add(-24 * time.Hour),
		Addressed: []string{"syria", "russia"}, Contact: "+000 0000 0000"}
}

func (w *notificationWorld) ack(t *testing.T, n *safezones.Notification, party string, r safezones.AcknowledgementResponse, reason string) safezones.SignedAcknowledgement {
	t.Helper()
	canonical, sig, err := consent.SignAck(w.keys[party], consent.NewAckPayload(n, party, w.kids[party], r, reason, w.now))
	if err != nil {
		t.Fatal(err)
	}
	return safezones.SignedAcknowledgement{Payload: canonical, Signature: sig}
}

// TestNotificationLifecycle stores a site, a new version and a
// cancellation; answers, disclosures, the sweep and the stats; and checks
// that every ledger record matches the tables and holds no coordinates.
func TestNotificationLifecycle(t *testing.T) {
	ctx := context.Background()
	w := newNotificationWorld(t)
	n, err := w.db.CreateNotification(ctx, &safezones.Notification{ID: "kafr-nabl", Notifier: "msf", NotificationTerms: hospitalTerms(w.now), CreatedBy: "msf-admin"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Version != 1 || n.Latest != 1 || len(n.Hash) != 64 || len(n.Salt) != 32 || strings.Join(n.Addressed, ",") != "russia,syria" {
		t.Errorf("created %+v", n)
	}
	if h, _ := consent.NotificationHash(n); h != n.Hash {
		t.Errorf("hash %s does not recompute (%s)", n.Hash, h)
	}
	got, err := w.db.Notification(ctx, "kafr-nabl", 0)
	if err != nil || got.Hash != n.Hash || got.Geometry.(geo.Point) != (geo.Point{Lon: 36.56071, Lat: 35.61393}) {
		t.Fatalf("Notification = %+v, %v", got, err)
	}

	// Refusals change nothing.
	for name, tc := range map[string]struct {
		n    safezones.Notification
		code safezones.Code
	}{
		"duplicate id": {safezones.Notification{ID: "kafr-nabl", Notifier: "msf", NotificationTerms: hospitalTerms(w.now)}, safezones.CodeConflict},
		"unknown addressee": {safezones.Notification{Notifier: "msf", NotificationTerms: func() safezones.NotificationTerms {
			x := hospitalTerms(w.now)
			x.Addressed = []string{"atlantis"}
			return x
		}()}, safezones.CodeInvalid},
		"notifies itself": {safezones.Notification{Notifier: "msf", NotificationTerms: func() safezones.NotificationTerms { x := hospitalTerms(w.now); x.Addressed = []string{"msf"}; return x }()}, safezones.CodeInvalid},
		"site as a line": {safezones.Notification{Notifier: "msf", NotificationTerms: func() safezones.NotificationTerms {
			x := hospitalTerms(w.now)
			x.Geometry = geo.LineString{{Lon: 36, Lat: 35}, {Lon: 36.1, Lat: 35}}
			return x
		}()}, safezones.CodeInvalid},
		"no verified_at": {safezones.Notification{Notifier: "msf", NotificationTerms: func() safezones.NotificationTerms { x := hospitalTerms(w.now); x.VerifiedAt = time.Time{}; return x }()}, safezones.CodeInvalid},
	} {
		size, _ := w.db.LedgerSize(ctx)
		if _, err := w.db.CreateNotification(ctx, &tc.n); safezones.ErrorCode(err) != tc.code {
			t.Errorf("%s: CreateNotification = %v, want %s", name, err, tc.code)
		}
		if after, _ := w.db.LedgerSize(ctx); after != size {
			t.Errorf("%s: the ledger grew", name)
		}
	}

	// Answers: acknowledged is not objected; each is signed over the version.
	w.now = w.now.Add(time.Hour)
	a, err := w.db.RecordAcknowledgement(ctx, w.ack(t, n, "syria", safezones.ResponseAcknowledge, ""), "syria-signer")
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != n.Hash || a.Version != 1 || a.Source.Kind != safezones.SourceReal {
		t.Errorf("acknowledgement %+v", a)
	}
	refusals := map[string]struct {
		sa   func() safezones.SignedAcknowledgement
		code safezones.Code
	}{
		"replay": {func() safezones.SignedAcknowledgement { return w.ack(t, n, "syria", safezones.ResponseAcknowledge, "") }, safezones.CodeConflict},
		"not addressed": {func() safezones.SignedAcknowledgement {
			return w.ack(t, n, "iran", safezones.ResponseAcknowledge, "")
		}, safezones.CodeForbidden},
		"another party's key": {func() safezones.SignedAcknowledgement {
			p := consent.NewAckPayload(n, "russia", w.kids["syria"], safezones.ResponseAcknowledge, "", w.now)
			c, s, _ := consent.SignAck(w.keys["syria"], p)
			return safezones.SignedAcknowledgement{Payload: c, Signature: s}
		}, safezones.CodeForbidden},
		"a changed hash": {func() safezones.SignedAcknowledgement {
			p := consent.NewAckPayload(n, "russia", w.kids["russia"], safezones.ResponseAcknowledge, "", w.now)
			p.Hash = strings.Repeat("0", 64)
			c, s, _ := consent.SignAck(w.keys["russia"], p)
			return safezones.SignedAcknowledgement{Payload: c, Signature: s}
		}, safezones.CodeConflict},
		"a bad signature": {func() safezones.SignedAcknowledgement {
			sa := w.ack(t, n, "russia", safezones.ResponseAcknowledge, "")
			sa.Signature[0] ^= 1
			return sa
		}, safezones.CodeInvalid},
		"an objection without reason": {func() safezones.SignedAcknowledgement {
			return w.ack(t, n, "russia", safezones.ResponseObject, "")
		}, safezones.CodeInvalid},
		"an old signature": {func() safezones.SignedAcknowledgement {
			p := consent.NewAckPayload(n, "russia", w.kids["russia"], safezones.ResponseAcknowledge, "", w.now.Add(-48*time.Hour))
			c, s, _ := consent.SignAck(w.keys["russia"], p)
			return safezones.SignedAcknowledgement{Payload: c, Signature: s}
		}, safezones.CodeInvalid},
	}
	for name, tc := range refusals {
		size, _ := w.db.LedgerSize(ctx)
		if _, err := w.db.RecordAcknowledgement(ctx, tc.sa(), "x"); safezones.ErrorCode(err) != tc.code {
			t.Errorf("%s: RecordAcknowledgement = %v, want %s", name, err, tc.code)
		}
		if after, _ := w.db.LedgerSize(ctx); after != size {
			t.Errorf("%s: the ledger grew", name)
		}
	}
	if _, err := w.db.RecordAcknowledgement(ctx, w.ack(t, n, "russia", safezones.ResponseObject, "the site is a military post"), "russia-signer"); err != nil {
		t.Fatal(err)
	}
	if err := w.db.RecordDisclosures(ctx, []safezones.Disclosure{{NotificationID: "kafr-nabl", Version: 1, PartyID: "syria", By: "syria-viewer", Via: "GET /v1/notifications/{id}"}}); err != nil {
		t.Fatal(err)
	}
	rs, err := w.db.Receipts(ctx, "kafr-nabl", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].PartyID != "russia" || !rs[0].AcknowledgedAt.IsZero() || rs[0].ObjectedAt.IsZero() || rs[0].Objection == "" || !rs[0].DeliveredAt.IsZero() ||
		rs[1].PartyID != "syria" || rs[1].AcknowledgedAt.IsZero() || !rs[1].ObjectedAt.IsZero() || rs[1].DeliveredAt.IsZero() ||
		!rs[1].DueAt.Equal(n.CreatedAt.Add(72*time.Hour)) {
		t.Errorf("receipts = %+v", rs)
	}

	// An update is a new version that needs new answers; a stale base is refused.
	t2 := hospitalTerms(w.now)
	t2.Geometry = geo.Point{Lon: 36.5611, Lat: 35.6142}
	t2.Addressed = []string{"syria", "iran"}
	if _, err := w.db.AddNotificationVersion(ctx, "kafr-nabl", 0, t2, nil, "msf-admin", "moved"); safezones.ErrorCode(err) != safezones.CodeConflict {
		t.Errorf("stale base: %v", err)
	}
	n2, err := w.db.AddNotificationVersion(ctx, "kafr-nabl", 1, t2, []safezones.CheckOverride{{Code: safezones.ProblemDuplicate, Reason: "the annex is a separate building"}}, "msf-admin", "entrance moved")
	if err != nil {
		t.Fatal(err)
	}
	if n2.Version != 2 || n2.Hash == n.Hash || len(n2.Overrides) != 1 {
		t.Errorf("version 2 = %+v", n2)
	}
	if _, err := w.db.RecordAcknowledgement(ctx, w.ack(t, n, "iran", safezones.ResponseAcknowledge, ""), "x"); safezones.ErrorCode(err) != safezones.CodeForbidden {
		t.Errorf("iran answering version 1 (not addressed to it): %v", err)
	}

	// The sweep: a reminder at half time, an escalation at the deadline, each once.
	w.now = n2.CreatedAt.Add(37 * time.Hour)
	alerts, err := w.db.SweepNotifications(ctx, w.now)
	if err != nil || len(alerts) != 2 || alerts[0].Kind != safezones.NotificationReminder {
		t.Fatalf("sweep at 37 h = %+v, %v; want reminders for iran and syria", alerts, err)
	}
	if _, err := w.db.RecordAcknowledgement(ctx, w.ack(t, n2, "syria", safezones.ResponseAcknowledge, ""), "x"); err != nil {
		t.Fatal(err)
	}
	w.now = n2.CreatedAt.Add(73 * time.Hour)
	alerts, err = w.db.SweepNotifications(ctx, w.now)
	if err != nil || len(alerts) != 1 || alerts[0].Kind != safezones.NotificationOverdue || alerts[0].PartyID != "iran" || alerts[0].Notifier != "msf" {
		t.Fatalf("sweep at 73 h = %+v, %v; want iran overdue", alerts, err)
	}
	if again, _ := w.db.SweepNotifications(ctx, w.now); len(again) != 0 {
		t.Errorf("a second sweep recorded %+v", again)
	}
	stats, err := w.db.NotificationStats(ctx, w.now)
	if err != nil {
		t.Fatal(err)
	}
	want := []safezones.PartyNotificationStats{{PartyID: "iran", Notified: 1, Unacknowledged: 1, Overdue: 1}, {PartyID: "syria", Notified: 1, Acknowledged: 1}}
	if len(stats) != 2 || stats[0] != want[0] || stats[1] != want[1] {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}

	// A cancellation is a version too; then no more versions.
	t3 := t2
	t3.Cancelled = true
	if _, err := w.db.AddNotificationVersion(ctx, "kafr-nabl", 2, t3, nil, "msf-admin", "hospital closed"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.AddNotificationVersion(ctx, "kafr-nabl", 3, t2, nil, "msf-admin", "reopened"); safezones.ErrorCode(err) != safezones.CodeConflict {
		t.Errorf("a version after the cancellation: %v", err)
	}
	if ns, _ := w.db.ListNotifications(ctx, safezones.NotificationFilter{}); len(ns) != 0 {
		t.Errorf("cancelled notification listed: %+v", ns)
	}
	if ns, _ := w.db.ListNotifications(ctx, safezones.NotificationFilter{IncludeCancelled: true, Addressed: "iran"}); len(ns) != 1 || ns[0].Version != 3 {
		t.Errorf("with cancelled, addressed to iran: %+v", ns)
	}
	if err := w.db.RecordCheck(ctx, &safezones.DeconflictionCheck{PartyID: "russia", By: "russia-signer", Query: []byte(`{"geometry":{"type":"Point","coordinates":[36.56071,35.61393]}}`), Found: []string{"notification/kafr-nabl/v3"}}); err != nil {
		t.Fatal(err)
	}

	checkLedgerRecords(t, w.db)
	size, _ := w.db.LedgerSize(ctx)
	entries, _ := w.db.LedgerEntries(ctx, 0, int(size))
	types := map[string]int{}
	for _, e := range entries {
		types[e.Type]++
		for _, secret := range []string{"36.56", "35.61", "Kafr Nabl", "0000 0000", "entrance moved", "annex"} {
			if strings.Contains(string(e.Data), secret) {
				t.Errorf("ledger entry %d (%s) holds %q: %s", e.Index, e.RecordID, secret, e.Data)
			}
		}
	}
	for typ, n := range map[string]int{safezones.LedgerNotification: 3, safezones.LedgerAcknowledgement: 3, safezones.LedgerDisclosure: 1,
		safezones.LedgerNotificationAlert: 3, safezones.LedgerDeconfliction: 1} {
		if types[typ] != n {
			t.Errorf("%d ledger entries of type %s, want %d", types[typ], typ, n)
		}
	}
}

// TestNotificationTamperDetected rewrites a stored coordinate behind the
// store's back: the ledger's record of the version no longer matches what
// the tables hold, so a verifier names it.
func TestNotificationTamperDetected(t *testing.T) {
	ctx := context.Background()
	w := newNotificationWorld(t)
	n, err := w.db.CreateNotification(ctx, &safezones.Notification{ID: "h", Notifier: "msf", NotificationTerms: hospitalTerms(w.now)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.db.LedgerEntryByRecord(ctx, "notification/h/v1")
	if err != nil {
		t.Fatal(err)
	}
	before, err := w.db.LedgerCurrentRecord(ctx, *e)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", w.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE notification_versions SET coordinates = '[36.6,35.7]' WHERE id = 'h'`); err != nil {
		t.Fatal(err)
	}
	after, err := w.db.LedgerCurrentRecord(ctx, *e)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) == string(after) || !strings.Contains(string(before), n.Hash) {
		t.Errorf("a moved coordinate left the record unchanged:\n%s\n%s", before, after)
	}
}
