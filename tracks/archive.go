package tracks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/safezones/safezones"
)

// Archive writes positions to a TrackService with group commit: the
// positions of requests that arrive while a batch is being written go into
// the next batch together, so that a busy ingest pays for one durable
// transaction (and one ledger entry) per batch rather than per request.
// Append returns only once its positions are durable, so an ingest that
// acknowledges after Append loses nothing on a crash.
type Archive struct {
	store safezones.TrackService
	// MaxDelay is how long the first request of a batch waits for others
	// (default 0: a batch is whatever queued while the previous one was
	// being written, which is group commit without added latency);
	// MaxPositions closes a batch early (default 200,000).
	MaxDelay     time.Duration
	MaxPositions int

	mu      sync.Mutex
	queue   []*pending
	wake    chan struct{}
	stopped bool

	statsMu sync.Mutex
	stats   Stats
}

type pending struct {
	ps   []Position
	done chan error
}

// Stats counts what the archive wrote.
type Stats struct {
	Batches, Positions, Bytes, Requests int64
	Failures                            int64
}

// NewArchive returns an archive writing to store; call Run to write.
func NewArchive(store safezones.TrackService) *Archive {
	return &Archive{store: store, MaxPositions: 200_000, wake: make(chan struct{}, 1)}
}

// ErrStopped is returned by Append after Run has returned.
var ErrStopped = errors.New("tracks: the archive is stopped")

// Append queues ps for the next batch and waits until it is durable (nil)
// or failed; ps must not change until Append returns. An empty ps returns
// at once.
func (a *Archive) Append(ctx context.Context, ps []Position) error {
	if len(ps) == 0 {
		return nil
	}
	p := &pending{ps: ps, done: make(chan error, 1)}
	a.mu.Lock()
	if a.stopped {
		a.mu.Unlock()
		return ErrStopped
	}
	a.queue = append(a.queue, p)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		// The positions may still be written; the caller must not
		// acknowledge them.
		return ctx.Err()
	}
}

// Run writes batches until ctx ends, then writes what is queued and
// refuses further appends.
func (a *Archive) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			a.mu.Lock()
			a.stopped = true
			a.mu.Unlock()
			a.flush(context.WithoutCancel(ctx))
			return
		case <-a.wake:
		}
		// Let concurrent requests join the batch.
		if d := a.MaxDelay; d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
			}
		}
		a.flush(ctx)
	}
}

// flush writes everything queued now, in batches of at most MaxPositions.
func (a *Archive) flush(ctx context.Context) {
	for {
		a.mu.Lock()
		var take []*pending
		n := 0
		for len(a.queue) > 0 && (n == 0 || n+len(a.queue[0].ps) <= a.MaxPositions) {
			take = append(take, a.queue[0])
			n += len(a.queue[0].ps)
			a.queue = a.queue[1:]
		}
		a.mu.Unlock()
		if len(take) == 0 {
			return
		}
		err := a.write(ctx, take, n)
		for _, p := range take {
			p.done <- err
		}
	}
}

func (a *Archive) write(ctx context.Context, take []*pending, n int) error {
	all := make([]Position, 0, n)
	for _, p := range take {
		all = append(all, p.ps...)
	}
	b, err := NewBatch(all)
	if err == nil {
		err = a.store.AppendTrackBatch(ctx, b)
	}
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	if err != nil {
		a.stats.Failures++
		return err
	}
	a.stats.Batches++
	a.stats.Positions += int64(n)
	a.stats.Bytes += int64(len(b.Data))
	a.stats.Requests += int64(len(take))
	return nil
}

// Stats returns what the archive has written so far.
func (a *Archive) Stats() Stats {
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	return a.stats
}

// NewBatch encodes ps into a TrackBatch ready to store.
func NewBatch(ps []Position) (*safezones.TrackBatch, error) {
	data, err := Encode(ps)
	if err != nil {
		return nil, safezones.Errorf(safezones.CodeInvalid, "%v", err)
	}
	b := &safezones.TrackBatch{Positions: len(ps), Objects: Objects(ps), Data: data}
	for i := range ps {
		t := ps[i].At.UTC().Truncate(time.Millisecond)
		if i == 0 || t.Before(b.FirstAt) {
			b.FirstAt = t
		}
		if i == 0 || t.After(b.LastAt) {
			b.LastAt = t
		}
	}
	sum := sha256.Sum256(data)
	b.SHA256 = hex.EncodeToString(sum[:])
	return b, nil
}

// Track returns objectID's archived positions between from and to
// (inclusive; zero times do not bound) in time order, repeats dropped, at
// most limit
// (the most recent kept when there are more). It checks each batch against
// its SHA-256 and says which batch is damaged.
func Track(ctx context.Context, store safezones.TrackService, objectID string, from, to time.Time, limit int) ([]Position, error) {
	batches, err := store.TrackBatches(ctx, objectID, from, to, 0)
	if err != nil {
		return nil, err
	}
	var out []Position
	for _, b := range batches {
		sum := sha256.Sum256(b.Data)
		if hex.EncodeToString(sum[:]) != b.SHA256 {
			return nil, fmt.Errorf("tracks: batch %d does not hash to the SHA-256 the ledger holds", b.ID)
		}
		ps, err := Decode(b.Data)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", b.ID, err)
		}
		for _, p := range ps {
			if p.ObjectID == objectID && (from.IsZero() || !p.At.Before(from)) && (to.IsZero() || !p.At.After(to)) {
				out = append(out, p)
			}
		}
	}
	sortByTime(out)
	out = dropRepeats(out)
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// dropRepeats removes positions equal to the one before (sorted input): a
// client that retried a batch after a failed answer sends it again.
func dropRepeats(ps []Position) []Position {
	n := 0
	for i := range ps {
		if n > 0 && ps[i] == ps[n-1] {
			continue
		}
		ps[n] = ps[i]
		n++
	}
	return ps[:n]
}

func sortByTime(ps []Position) {
	slices.SortStableFunc(ps, func(a, b Position) int { return a.At.Compare(b.At) })
}
