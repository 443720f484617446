package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/webhooks"
)

var _ webhooks.Outbox = (*sqlite.DB)(nil)

const secret = "test-secret-0123456789abcdef"

// openDB opens a database file at path with the party that subscribes.
func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newDB opens a fresh database with party "sarc".
func newDB(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "webhooks.db")
	db := openDB(t, path)
	p := &safezones.Party{ID: "sarc", Name: "SARC", Kind: safezones.PartyNGO, Source: safezones.Source{Kind: safezones.SourceSimulated}}
	if _, err := db.CreateParty(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func subscribe(t *testing.T, db *sqlite.DB, id, url string) {
	t.Helper()
	w := &safezones.WebhookSubscription{ID: id, PartyID: "sarc", URL: url, Secret: secret}
	if _, err := db.CreateWebhook(context.Background(), w); err != nil {
		t.Fatalf("CreateWebhook(%s) = %v", id, err)
	}
}

// appendAlerts stores n violations and returns them as stored.
func appendAlerts(t *testing.T, db *sqlite.DB, n int) []safezones.Alert {
	t.Helper()
	as := make([]safezones.Alert, n)
	for i := range as {
		as[i] = safezones.Alert{Kind: safezones.AlertViolation, ObjectID: "ac-" + strconv.Itoa(i), ZoneID: "idlib-nfz",
			ZoneVersion: 1, ZoneKind: safezones.KindNoFly, At: time.Now(), Point: geo.Point{Lon: 36.6, Lat: 35.9},
			Source: safezones.Source{Kind: safezones.SourceSimulated}}
	}
	if err := db.AppendAlerts(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	return as
}

// request is one delivery request as a receiver saw it.
type request struct {
	AlertID string
	Attempt int
	At      time.Time
	Body    []byte
	// VerifyErr is what webhooks.Verify said of the signature.
	VerifyErr error
	Header    http.Header
}

// receiver is a webhook endpoint on 127.0.0.1 that records every request
// and answers with respond (200 when nil).
type receiver struct {
	srv     *httptest.Server
	respond func(w http.ResponseWriter, r *http.Request, n int)

	mu   sync.Mutex
	reqs []request
}

func newReceiver(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	attempt, _ := strconv.Atoi(r.Header.Get(webhooks.HeaderAttempt))
	req := request{AlertID: r.Header.Get(webhooks.HeaderAlertID), Attempt: attempt, At: time.Now(), Body: body,
		VerifyErr: webhooks.Verify(secret, r.Header.Get(webhooks.HeaderTimestamp), body, r.Header.Get(webhooks.HeaderSignature)),
		Header:    r.Header.Clone()}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, req)
	n := len(rc.reqs)
	rc.mu.Unlock()
	if rc.respond != nil {
		rc.respond(w, r, n)
	}
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.reqs...)
}

// ids returns the alert ids received, in arrival order.
func (rc *receiver) ids() []string {
	var out []string
	for _, r := range rc.requests() {
		out = append(out, r.AlertID)
	}
	return out
}

// testOptions are short settings for tests, allowing 127.0.0.1 (the
// receivers' address) explicitly.
func testOptions() webhooks.Options {
	return webhooks.Options{PollInterval: 10 * time.Millisecond, Timeout: 5 * time.Second, Workers: 4,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, Allow: []string{"127.0.0.1"},
		Registerer: prometheus.NewRegistry()}
}

// start runs a dispatcher over store until the test ends or stop is
// called; stop returns once Run has.
func start(t *testing.T, store webhooks.Outbox, opts webhooks.Options) (d *webhooks.Dispatcher, stop func()) {
	t.Helper()
	d, err := webhooks.New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
		})
	}
	t.Cleanup(stop)
	d.Notify()
	return d, stop
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// deliveries returns a subscription's receipts.
func deliveries(t *testing.T, db *sqlite.DB, sub string) []safezones.WebhookDelivery {
	t.Helper()
	ds, err := db.Deliveries(context.Background(), sub, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// settled reports whether no delivery of sub is pending.
func settled(t *testing.T, db *sqlite.DB, sub string) func() bool {
	return func() bool {
		for _, d := range deliveries(t, db, sub) {
			if d.State == safezones.DeliveryPending {
				return false
			}
		}
		return true
	}
}

// metric returns the value of the named counter or gauge (with label
// result=result when given), or the sample count of a histogram.
func metric(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if result != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != result) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	t.Fatalf("metric %s{result=%q} not found", name, result)
	return 0
}

func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return m
}
