package tracks

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safezones/safezones"
)

// memStore is a TrackService in memory that can be told to fail.
type memStore struct {
	mu      sync.Mutex
	batches []safezones.TrackBatch
	fail    error
	delay   time.Duration
}

func (m *memStore) AppendTrackBatch(ctx context.Context, b *safezones.TrackBatch) error {
	time.Sleep(m.delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	b.ID = int64(len(m.batches) + 1)
	m.batches = append(m.batches, *b)
	return nil
}

func (m *memStore) TrackBatches(ctx context.Context, objectID string, from, to time.Time, limit int) ([]safezones.TrackBatch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []safezones.TrackBatch
	for _, b := range m.batches {
		for _, o := range b.Objects {
			if o == objectID && (from.IsZero() || !b.LastAt.Before(from)) && (to.IsZero() || !b.FirstAt.After(to)) {
				out = append(out, b)
				break
			}
		}
	}
	return out, nil
}

// TestArchiveGroupCommit appends from many goroutines while each write
// takes a while: the requests share batches, every Append returns only
// after its positions are stored, and every position can be read back.
func TestArchiveGroupCommit(t *testing.T) {
	store := &memStore{delay: 5 * time.Millisecond}
	a := NewArchive(store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	rng := rand.New(rand.NewPCG(1, 1))
	const requests = 64
	reqs := make([][]Position, requests)
	total := 0
	for i := range reqs {
		reqs[i] = randomPositions(rng, 1+rng.IntN(50))
		total += len(reqs[i])
	}
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Append(context.Background(), reqs[i]); err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			// Durable before Append returned: the store holds it now.
			store.mu.Lock()
			n := 0
			for _, b := range store.batches {
				n += b.Positions
			}
			store.mu.Unlock()
			if n < len(reqs[i]) {
				t.Errorf("request %d returned with %d positions stored", i, n)
			}
		}()
	}
	wg.Wait()
	cancel()
	<-done
	st := a.Stats()
	if st.Positions != int64(total) || st.Requests != requests {
		t.Fatalf("stats %+v, want %d positions from %d requests", st, total, requests)
	}
	if st.Batches >= requests {
		t.Errorf("%d batches for %d concurrent requests: no group commit", st.Batches, requests)
	}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		want := 0
		for _, r := range reqs {
			for _, p := range r {
				if p.ObjectID == id {
					want++
				}
			}
		}
		got, err := Track(context.Background(), store, id, time.Time{}, time.Time{}, 0)
		if err != nil || len(got) != want {
			t.Fatalf("track %s: %d positions (%v), want %d", id, len(got), err, want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].At.Before(got[i-1].At) {
				t.Fatalf("track %s not in time order at %d", id, i)
			}
		}
	}
	t.Logf("%d requests in %d batches", requests, st.Batches)
	if err := a.Append(context.Background(), reqs[0]); !errors.Is(err, ErrStopped) {
		t.Errorf("Append after Run returned: %v, want ErrStopped", err)
	}
}

// TestArchiveFailure: when the store fails, every waiting request gets the
// error (so the ingest does not acknowledge) and nothing counts as written.
func TestArchiveFailure(t *testing.T) {
	store := &memStore{fail: errors.New("disk full")}
	a := NewArchive(store)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	rng := rand.New(rand.NewPCG(2, 2))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		ps := randomPositions(rng, 10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Append(context.Background(), ps); err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("Append = %v, want the store's error", err)
			}
		}()
	}
	wg.Wait()
	if st := a.Stats(); st.Positions != 0 || st.Failures == 0 {
		t.Errorf("stats %+v after failures", st)
	}
}

// TestTrackDetectsTampering changes one byte of a stored batch: Track
// refuses it, naming the batch.
func TestTrackDetectsTampering(t *testing.T) {
	store := &memStore{}
	b, err := NewBatch(randomPositions(rand.New(rand.NewPCG(3, 3)), 100))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AppendTrackBatch(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	store.batches[0].Data[20] ^= 1
	if _, err := Track(context.Background(), store, b.Objects[0], time.Time{}, time.Time{}, 0); err == nil || !strings.Contains(err.Error(), "batch 1 does not hash") {
		t.Errorf("Track on a changed batch: %v", err)
	}
}

// TestObjectFilter: the filter never misses an object it holds, and
// rarely claims one it does not.
func TestObjectFilter(t *testing.T) {
	var ids []string
	for i := 0; i < 1000; i++ {
		ids = append(ids, "icao:"+strings.Repeat("A", i%5)+string(rune('a'+i%26))+string(rune('0'+i%10))+string(rune(i)))
	}
	f := ObjectFilter(ids)
	for _, id := range ids {
		if !FilterMayHold(f, id) {
			t.Fatalf("filter misses %q", id)
		}
	}
	falsePos := 0
	for i := 0; i < 100000; i++ {
		if FilterMayHold(f, "other-"+string(rune(i))) {
			falsePos++
		}
	}
	if falsePos > 1000 {
		t.Errorf("%d of 100,000 absent ids pass the filter (want about 0.25%%)", falsePos)
	}
	if !FilterMayHold(nil, "x") {
		t.Error("an empty filter must let everything through")
	}
}
