package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/webhooks"
)

// alertIDs returns "al-from" ... "al-to".
func alertIDs(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("al-%d", i))
	}
	return out
}

// TestDeliversSignedInOrder: a receiver gets every alert once, in Seq
// order, each signed so that Verify accepts it, with the documented
// headers and body; receipts and metrics say so.
func TestDeliversSignedInOrder(t *testing.T) {
	db, _ := newDB(t)
	rc := newReceiver(t, nil)
	subscribe(t, db, "ops", rc.srv.URL+"/hook?token=abc")
	as := appendAlerts(t, db, 20)
	opts := testOptions()
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	start(t, db, opts)
	waitFor(t, "20 receipts", settled(t, db, "ops"))

	if d := cmp.Diff(alertIDs(1, 20), rc.ids()); d != "" {
		t.Errorf("alert ids received (-want +got):\n%s", d)
	}
	for i, r := range rc.requests() {
		if r.VerifyErr != nil {
			t.Errorf("request %d (%s): Verify = %v", i, r.AlertID, r.VerifyErr)
		}
		if r.Attempt != 1 || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Idempotency-Key") != r.AlertID {
			t.Errorf("request %d headers: %v", i, r.Header)
		}
	}
	body := decodeBody(t, rc.requests()[0].Body)
	if body["id"] != "al-1" || body["kind"] != "violation" || body["zone_id"] != "idlib-nfz" ||
		fmt.Sprint(body["position"]) != "[36.6 35.9]" || body["seq"] != 1.0 {
		t.Errorf("first body = %v; want the alert's JSON with position [36.6 35.9]", body)
	}
	for _, d := range deliveries(t, db, "ops") {
		if d.State != safezones.DeliveryDelivered || d.LastStatus != 200 || d.Attempts != 1 || d.DeliveredAt.Before(as[0].Created) {
			t.Errorf("receipt %+v; want delivered at the first attempt with status 200", d)
		}
	}
	waitFor(t, "pending gauge to drop to 0", func() bool { return metric(t, reg, "safezones_webhook_pending", "") == 0 })
	// Metrics are counted just after the receipt is written.
	waitFor(t, "20 delivered counted", func() bool { return metric(t, reg, "safezones_webhook_deliveries_total", "delivered") == 20 })
	for name, want := range map[string]float64{"delivered": 20, "retried": 0, "failed": 0} {
		if got := metric(t, reg, "safezones_webhook_deliveries_total", name); got != want {
			t.Errorf("safezones_webhook_deliveries_total{result=%q} = %v, want %v", name, got, want)
		}
	}
	if n := metric(t, reg, "safezones_webhook_lag_seconds", ""); n != 20 {
		t.Errorf("lag observations = %v, want 20", n)
	}
	if n := metric(t, reg, "safezones_webhook_delivery_duration_seconds", ""); n != 20 {
		t.Errorf("duration observations = %v, want 20", n)
	}
}

// TestRetriesWithBackoff: a receiver that fails twice gets the same alert
// a third time after growing waits, and the next alert only after it.
func TestRetriesWithBackoff(t *testing.T) {
	db, _ := newDB(t)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= 2 {
			http.Error(w, "database\nlocked", http.StatusServiceUnavailable)
		}
	})
	subscribe(t, db, "ops", rc.srv.URL)
	appendAlerts(t, db, 2)
	opts := testOptions()
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	start(t, db, opts)
	waitFor(t, "both delivered", settled(t, db, "ops"))

	reqs := rc.requests()
	var got []string
	for _, r := range reqs {
		got = append(got, fmt.Sprintf("%s#%d", r.AlertID, r.Attempt))
	}
	if d := cmp.Diff([]string{"al-1#1", "al-1#2", "al-1#3", "al-2#1"}, got); d != "" {
		t.Fatalf("requests (alert#attempt) (-want +got):\n%s", d)
	}
	// Waits of base·2^(k-1) with jitter of at most -20%: 16 ms, then 32 ms.
	for i, min := range []time.Duration{16 * time.Millisecond, 32 * time.Millisecond} {
		if gap := reqs[i+1].At.Sub(reqs[i].At); gap < min {
			t.Errorf("wait before attempt %d = %v, want at least %v", i+2, gap, min)
		}
	}
	ds := deliveries(t, db, "ops")
	if ds[0].State != safezones.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].LastStatus != 200 || ds[0].LastError != "" {
		t.Errorf("receipt of al-1 = %+v; want delivered at attempt 3, status 200", ds[0])
	}
	// Metrics are counted just after the receipt is written.
	waitFor(t, "2 delivered counted", func() bool { return metric(t, reg, "safezones_webhook_deliveries_total", "delivered") == 2 })
	for name, want := range map[string]float64{"delivered": 2, "retried": 2, "failed": 0} {
		if got := metric(t, reg, "safezones_webhook_deliveries_total", name); got != want {
			t.Errorf("safezones_webhook_deliveries_total{result=%q} = %v, want %v", name, got, want)
		}
	}
}

// TestGivesUp: after MaxAttempts failures a delivery is failed, with the
// receiver's last answer in its receipt, and the queue moves on.
func TestGivesUp(t *testing.T) {
	db, _ := newDB(t)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get(webhooks.HeaderAlertID) == "al-1" {
			http.Error(w, "no\x00thanks", http.StatusInternalServerError)
		}
	})
	subscribe(t, db, "ops", rc.srv.URL)
	appendAlerts(t, db, 2)
	opts := testOptions()
	opts.MaxAttempts = 3
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	start(t, db, opts)
	waitFor(t, "both settled", settled(t, db, "ops"))
	ds := deliveries(t, db, "ops")
	if ds[0].State != safezones.DeliveryFailed || ds[0].Attempts != 3 || ds[0].LastStatus != 500 || ds[0].LastError != "status 500: no thanks" {
		t.Errorf("receipt of al-1 = %+v; want failed after 3 attempts, status 500, the answer cleaned", ds[0])
	}
	if ds[1].State != safezones.DeliveryDelivered {
		t.Errorf("receipt of al-2 = %+v; want delivered after al-1 was given up", ds[1])
	}
	waitFor(t, "1 failed and 1 delivered counted", func() bool {
		return metric(t, reg, "safezones_webhook_deliveries_total", "failed") == 1 &&
			metric(t, reg, "safezones_webhook_deliveries_total", "delivered") == 1
	})
	if got := metric(t, reg, "safezones_webhook_deliveries_total", "retried"); got != 2 {
		t.Errorf("retried = %v, want 2", got)
	}
}

// TestGoneDisables: 410 Gone disables the subscription; its later alerts
// stay queued and are not sent.
func TestGoneDisables(t *testing.T) {
	db, _ := newDB(t)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusGone) })
	subscribe(t, db, "ops", rc.srv.URL)
	appendAlerts(t, db, 3)
	start(t, db, testOptions())
	waitFor(t, "the subscription disabled", func() bool {
		w, err := db.Webhook(context.Background(), "ops")
		return err == nil && w.Disabled
	})
	ds := deliveries(t, db, "ops")
	if ds[0].State != safezones.DeliveryFailed || ds[0].LastStatus != 410 || ds[1].State != safezones.DeliveryPending {
		t.Errorf("receipts = %+v; want al-1 failed with 410, the rest pending", ds)
	}
	if n := len(rc.requests()); n != 1 {
		t.Errorf("receiver got %d requests, want 1 (nothing after 410)", n)
	}
}

// TestSlowReceiverDoesNotBlockOthers: while one receiver holds its request
// open, another subscription receives all its alerts.
func TestSlowReceiverDoesNotBlockOthers(t *testing.T) {
	db, _ := newDB(t)
	release := make(chan struct{})
	slow := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	fast := newReceiver(t, nil)
	subscribe(t, db, "a-slow", slow.srv.URL)
	subscribe(t, db, "b-fast", fast.srv.URL)
	appendAlerts(t, db, 10)
	opts := testOptions()
	opts.Timeout = time.Minute
	start(t, db, opts)
	waitFor(t, "the fast receiver to get all 10", func() bool { return len(fast.ids()) == 10 })
	if n := len(slow.ids()); n != 1 {
		t.Errorf("slow receiver got %d requests while holding the first, want 1", n)
	}
	close(release)
	waitFor(t, "the slow receiver to catch up", settled(t, db, "a-slow"))
	if d := cmp.Diff(alertIDs(1, 10), slow.ids()); d != "" {
		t.Errorf("slow receiver ids (-want +got):\n%s", d)
	}
}

// TestTimeout: an attempt that outlasts Timeout is abandoned and retried.
func TestTimeout(t *testing.T) {
	db, _ := newDB(t)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			<-r.Context().Done() // hang until the dispatcher gives up on the attempt
		}
	})
	subscribe(t, db, "ops", rc.srv.URL)
	appendAlerts(t, db, 1)
	opts := testOptions()
	opts.Timeout = 50 * time.Millisecond
	start(t, db, opts)
	waitFor(t, "delivery", settled(t, db, "ops"))
	ds := deliveries(t, db, "ops")
	if ds[0].State != safezones.DeliveryDelivered || ds[0].Attempts != 2 {
		t.Errorf("receipt = %+v; want delivered at attempt 2 after a timeout", ds[0])
	}
}

// TestCrashMidDelivery stops the dispatcher abruptly while a request is in
// flight, closes the database, reopens the file and starts a new
// dispatcher: the receiver ends with every alert id, in Seq order.
//
// Delivery is at-least-once. The at-least-once window is the one attempt
// in flight per subscription: here the receiver has taken al-20 when the
// dispatcher is stopped, no receipt is written, and al-20 is sent again
// after the restart. Deduplicated by id (the Safezones-Alert-Id header),
// the receiver has each alert exactly once; no other alert may repeat.
func TestCrashMidDelivery(t *testing.T) {
	const total, crashAt = 50, 20
	db, path := newDB(t)
	inFlight := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == crashAt {
			close(inFlight)
			<-r.Context().Done() // the dispatcher dies before an answer
		}
	})
	subscribe(t, db, "ops", rc.srv.URL)
	for range total / 10 {
		appendAlerts(t, db, 10)
	}
	_, stop := start(t, db, testOptions())
	<-inFlight
	stop()
	db.Close()

	db = openDB(t, path)
	if ds := deliveries(t, db, "ops"); ds[crashAt-1].State != safezones.DeliveryPending || ds[crashAt-2].State != safezones.DeliveryDelivered {
		t.Fatalf("after the crash al-%d is %s and al-%d %s; want pending and delivered",
			crashAt, ds[crashAt-1].State, crashAt-1, ds[crashAt-2].State)
	}
	start(t, db, testOptions())
	waitFor(t, "every receipt", settled(t, db, "ops"))

	seen := map[string]int{}
	var unique, dups []string
	for _, id := range rc.ids() {
		if seen[id]++; seen[id] == 1 {
			unique = append(unique, id)
		} else {
			dups = append(dups, id)
		}
	}
	if d := cmp.Diff(alertIDs(1, total), unique); d != "" {
		t.Errorf("alert ids after dedupe, in arrival order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{fmt.Sprintf("al-%d", crashAt)}, dups); d != "" {
		t.Errorf("repeated ids (-want +got): only the one in flight may repeat\n%s", d)
	}
	t.Logf("%d requests for %d alerts; repeated: %s", len(rc.ids()), total, strings.Join(dups, ", "))
	for _, d := range deliveries(t, db, "ops") {
		if d.State != safezones.DeliveryDelivered {
			t.Errorf("receipt %+v; want delivered", d)
		}
	}
}
