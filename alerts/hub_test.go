package alerts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
)

// appendN stores and publishes n violations through a Producer, one batch
// per alert, cycling over zones z0..z2.
func appendN(t testing.TB, p *alerts.Producer, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		e := ev(fence.EventEnter, fmt.Sprintf("z%d", i%3), safezones.KindNoFly, func(e *fence.Event) { e.ObjectID = fmt.Sprintf("o%d", i) })
		if err := p.Handle(context.Background(), []fence.Event{e}); err != nil {
			t.Error(err)
			return
		}
	}
}

// collect reads from a subscription until it has an alert with Seq last,
// resubscribing from the last Seq received when disconnected as slow (as
// an SSE client reconnects with Last-Event-ID). It returns the Seqs.
func collect(t *testing.T, hub *alerts.Hub, after int64, f alerts.Filter, last int64) []int64 {
	t.Helper()
	sub, err := hub.Subscribe(context.Background(), after, f)
	if err != nil {
		t.Fatal(err)
	}
	return collectFrom(t, hub, sub, f, last)
}

// collectFrom is collect on a subscription made already.
func collectFrom(t *testing.T, hub *alerts.Hub, sub *alerts.Subscription, f alerts.Filter, last int64) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var seqs []int64
	var err error
	for {
		var a safezones.Alert
		a, err = sub.Next(ctx)
		if errors.Is(err, alerts.ErrSlow) {
			after := sub.LastSeq()
			sub.Close()
			if sub, err = hub.Subscribe(ctx, after, f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Next after %d alerts: %v", len(seqs), err)
		}
		seqs = append(seqs, a.Seq)
		if a.Seq >= last {
			sub.Close()
			return seqs
		}
	}
}

// want returns the Seqs in (after, last] that the filter keeps, for
// alerts made by appendN (zone z(i%3) for Seq i+1).
func wantSeqs(after, last int64, zone string) []int64 {
	var out []int64
	for s := after + 1; s <= last; s++ {
		if zone == "" || fmt.Sprintf("z%d", (s-1)%3) == zone {
			out = append(out, s)
		}
	}
	return out
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHubResumeUnderConcurrentAppends subscribes at several resume points
// while alerts are being appended, with buffers small enough to overflow
// during replay and live, and checks each subscriber receives every alert
// after its resume point exactly once, in order.
func TestHubResumeUnderConcurrentAppends(t *testing.T) {
	for _, buffer := range []int{1, 4, 1024} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			store := alerts.NewMemoryStore()
			hub := alerts.NewHub(store, alerts.HubOptions{Buffer: buffer, PageSize: 7})
			p := alerts.NewProducer(store, hub, nil)
			const before, during = 100, 400
			appendN(t, p, 0, before)
			last := int64(before + during)

			// The subscriber from now subscribes before the appends
			// start, so that it has something to receive.
			fromNow, err := hub.Subscribe(context.Background(), -1, alerts.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Go(func() { appendN(t, p, before, during) })
			type sub struct {
				after int64
				zone  string
			}
			subs := []sub{{-1, ""}, {0, ""}, {50, ""}, {99, "z1"}, {100, ""}, {0, "z2"}}
			results := make([][]int64, len(subs))
			for i, s := range subs {
				wg.Go(func() {
					f := alerts.Filter{}
					if s.zone != "" {
						f.ZoneIDs = []string{s.zone}
					}
					last := last
					if s.zone != "" {
						w := wantSeqs(max(s.after, 0), last, s.zone)
						last = w[len(w)-1]
					}
					if s.after < 0 {
						results[i] = collectFrom(t, hub, fromNow, f, last)
						return
					}
					results[i] = collect(t, hub, s.after, f, last)
				})
			}
			wg.Wait()
			for i, s := range subs {
				got := results[i]
				after := s.after
				if after < 0 {
					after = before // subscribed from now, before the appends
				}
				if want := wantSeqs(after, last, s.zone); !equalSeqs(got, want) {
					t.Errorf("subscriber after %d zone %q got %d alerts %v, want %d", s.after, s.zone, len(got), head(got), len(want))
				}
			}
		})
	}
}

func head(s []int64) []int64 {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

// TestHubSlowSubscriberDisconnected checks that Publish never waits for a
// subscriber that does not read, and that the subscriber learns why after
// receiving what was buffered.
func TestHubSlowSubscriberDisconnected(t *testing.T) {
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{Buffer: 2})
	p := alerts.NewProducer(store, hub, nil)
	sub, err := hub.Subscribe(context.Background(), -1, alerts.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		appendN(t, p, 0, 10) // would block forever if Publish waited
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the producer blocked on a subscriber that does not read")
	}
	if n := hub.Subscribers(); n != 0 {
		t.Errorf("Subscribers() = %d after overflow, want 0", n)
	}
	for want := int64(1); want <= 2; want++ {
		a, err := sub.Next(context.Background())
		if err != nil || a.Seq != want {
			t.Fatalf("Next = %d, %v; want the buffered alert %d", a.Seq, err, want)
		}
	}
	if _, err := sub.Next(context.Background()); !errors.Is(err, alerts.ErrSlow) {
		t.Errorf("Next after overflow = %v, want ErrSlow", err)
	}
}

// TestHubFilterAndClose checks kind filters and that Close ends waiting
// subscribers with ErrClosed and refuses new ones.
func TestHubFilterAndClose(t *testing.T) {
	store := alerts.NewMemoryStore()
	hub := alerts.NewHub(store, alerts.HubOptions{})
	p := alerts.NewProducer(store, hub, nil)
	sub, err := hub.Subscribe(context.Background(), 0, alerts.Filter{Kinds: []safezones.AlertKind{safezones.AlertViolationEnd}})
	if err != nil {
		t.Fatal(err)
	}
	evs := []fence.Event{
		ev(fence.EventEnter, "nfz", safezones.KindNoFly),
		ev(fence.EventExit, "nfz", safezones.KindNoFly, func(e *fence.Event) { e.Reason = fence.ReasonStale }),
	}
	if err := p.Handle(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	a, err := sub.Next(context.Background())
	if err != nil || a.Kind != safezones.AlertViolationEnd || a.Reason != "stale" {
		t.Fatalf("Next = %+v, %v; want the violation_end (stale)", a, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := sub.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing to deliver = %v, want the context's deadline", err)
	}
	go hub.Close()
	if _, err := sub.Next(context.Background()); !errors.Is(err, alerts.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
	if _, err := hub.Subscribe(context.Background(), 0, alerts.Filter{}); !errors.Is(err, alerts.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
}
