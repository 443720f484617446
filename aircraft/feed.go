package aircraft

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// State is a feed client's connection state.
type State int32

// The states of a feed client.
const (
	StateStopped      State = iota // not running (before Run, after ctx ended)
	StateConnecting                // first connection attempt
	StateConnected                 // reading (SBS) or last poll succeeded (aircraft.json)
	StateReconnecting              // waiting to retry after a failure
)

var stateNames = [...]string{"stopped", "connecting", "connected", "reconnecting"}

// String returns "stopped", "connecting", "connected" or "reconnecting".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Stats is a snapshot of a feed client's state and counters.
type Stats struct {
	Feed   string // the client's Name
	Format string // "sbs" or "aircraft_json"
	State  State
	// Lines counts SBS-1 lines, or aircraft.json entries, read; BadLines
	// those that did not decode.
	Lines, BadLines uint64
	// Positions counts the updates handed to the sink.
	Positions uint64
	// Reconnects counts connections (SBS) or successful polls
	// (aircraft.json) made after a failure.
	Reconnects uint64
	// LastError is the last connection or poll error, "" if none.
	LastError string
	// LastMessage is when the last aircraft message was received; zero
	// if none yet.
	LastMessage time.Time
}

// counters hold a client's Stats; updated by its Run, read by anyone.
type counters struct {
	state                             atomic.Int32
	lines, bad, positions, reconnects atomic.Uint64
	lastMsg                           atomic.Int64 // Unix nanoseconds
	mu                                sync.Mutex
	lastErr                           string
}

func (c *counters) snapshot(feed, format string) Stats {
	s := Stats{Feed: feed, Format: format, State: State(c.state.Load()),
		Lines: c.lines.Load(), BadLines: c.bad.Load(), Positions: c.positions.Load(), Reconnects: c.reconnects.Load()}
	if ns := c.lastMsg.Load(); ns != 0 {
		s.LastMessage = time.Unix(0, ns)
	}
	c.mu.Lock()
	s.LastError = c.lastErr
	c.mu.Unlock()
	return s
}

func (c *counters) setErr(err error) {
	c.mu.Lock()
	c.lastErr = err.Error()
	c.mu.Unlock()
}

// Backoff defaults shared by the clients.
const (
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
	DefaultHealthyAfter = 30 * time.Second
)

// backoff is capped exponential backoff with jitter: attempt n waits a
// random time in [d/2, d] where d = min·2ⁿ, at most max.
type backoff struct {
	min, max time.Duration
	n        int
}

func (b *backoff) next() time.Duration {
	d := b.max
	if b.n < 30 {
		if x := b.min << b.n; x > 0 && x < b.max {
			d = x
			b.n++
		}
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

func (b *backoff) reset() { b.n = 0 }

// sleep waits d or until ctx ends; false if ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func discardLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return l
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
