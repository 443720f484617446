package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/safezones/safezones"
)

// Errors that end a Subscription.
var (
	// ErrSlow: the subscriber fell so far behind the live alerts that its
	// buffer filled; it was disconnected so that the producer never waits.
	// It resumes without loss from the last Seq it received.
	ErrSlow = errors.New("subscriber too slow: its buffer of live alerts filled; resume from the last alert received")
	// ErrClosed: the hub was closed (the server is shutting down).
	ErrClosed = errors.New("alert hub closed: the server is shutting down")
)

// Defaults of Hub.
const (
	DefaultBuffer   = 1024 // live alerts a subscriber may fall behind
	DefaultPageSize = 500  // alerts per store query while replaying
)

// Filter selects alerts for a subscriber; empty fields do not filter.
type Filter struct {
	Kinds   []safezones.AlertKind
	ZoneIDs []string
}

// Matches reports whether a passes the filter.
func (f *Filter) Matches(a *safezones.Alert) bool {
	return (len(f.Kinds) == 0 || slices.Contains(f.Kinds, a.Kind)) &&
		(len(f.ZoneIDs) == 0 || slices.Contains(f.ZoneIDs, a.ZoneID))
}

// Hub fans stored alerts out to subscribers. Publish never blocks: each
// subscriber has a bounded buffer, and one whose buffer is full is
// disconnected with ErrSlow. Subscribers resume from a Seq: they replay
// what the store holds after it, then continue live with no gap and no
// duplicate. Alerts must be published after they are stored and in Seq
// order (Producer does both). It is safe for concurrent use.
type Hub struct {
	store    safezones.AlertService
	buffer   int
	pageSize int
	// Logger receives subscriber disconnections; discards when nil.
	Logger *slog.Logger

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// HubOptions tune a Hub; the zero value gives the defaults.
type HubOptions struct {
	Buffer   int // live alerts per subscriber (DefaultBuffer when 0)
	PageSize int // alerts per replay query (DefaultPageSize when 0)
}

// NewHub returns a Hub that replays from store (nil: live only).
func NewHub(store safezones.AlertService, opts HubOptions) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	return &Hub{store: store, buffer: opts.Buffer, pageSize: opts.PageSize, subs: map[*Subscription]struct{}{}}
}

func (h *Hub) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return h.Logger
}

// Subscribers returns the number of live subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish hands stored alerts, in Seq order, to every subscriber whose
// filter they match. It never blocks.
func (h *Hub) Publish(alerts []safezones.Alert) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for i := range alerts {
			if !s.filter.Matches(&alerts[i]) {
				continue
			}
			select {
			case s.live <- alerts[i]:
			default:
				h.dropLocked(s, ErrSlow)
			}
			if s.dropped != nil {
				break
			}
		}
	}
}

// Close disconnects every subscriber with ErrClosed and refuses new ones.
// Call it when the server shuts down, so that streams end.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.dropLocked(s, ErrClosed)
	}
}

// dropLocked ends s's live feed with err; the caller holds h.mu, which
// also guards s.live's sends, so closing it here is safe.
func (h *Hub) dropLocked(s *Subscription, err error) {
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	s.dropped = err
	close(s.live)
	if err == ErrSlow && !s.replaying.Load() {
		h.logger().Warn("alert subscriber disconnected", "reason", err.Error(), "last_seq", s.lastSent.Load())
	}
}

// register adds a fresh live feed for s.
func (h *Hub) register(s *Subscription) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || s.closed {
		return ErrClosed
	}
	s.live = make(chan safezones.Alert, h.buffer)
	s.dropped = nil
	h.subs[s] = struct{}{}
	return nil
}

// Subscribe returns a subscription to the alerts matching f. With
// afterSeq >= 0 it first delivers the stored alerts with Seq > afterSeq
// (the SSE Last-Event-ID), then live ones; with afterSeq < 0 it delivers
// only alerts stored from now on. Close it when done. It fails with
// ErrClosed after Close, or when the store cannot say its last Seq.
func (h *Hub) Subscribe(ctx context.Context, afterSeq int64, f Filter) (*Subscription, error) {
	s := &Subscription{hub: h, filter: f, last: afterSeq}
	// Register before reading the store: every alert is stored before it
	// is published, so one published from now on is in the feed and one
	// published before is in the store. Seq <= last is skipped later.
	if err := h.register(s); err != nil {
		return nil, err
	}
	if afterSeq < 0 {
		s.last = 0
		if h.store != nil {
			last, err := h.store.LastAlertSeq(ctx)
			if err != nil {
				s.Close()
				return nil, fmt.Errorf("subscribe to alerts: last seq: %w", err)
			}
			s.last = last
		}
	} else if h.store != nil {
		s.replaying.Store(true)
	}
	s.lastSent.Store(s.last)
	return s, nil
}

// Subscription is one subscriber's view of the alerts: Next returns them
// in Seq order, each once. One goroutine calls Next; Close may be called
// from any.
type Subscription struct {
	hub    *Hub
	filter Filter

	// Guarded by hub.mu.
	live    chan safezones.Alert
	dropped error

	// Owned by the goroutine calling Next.
	last    int64             // highest Seq delivered (or the resume point)
	page    []safezones.Alert // replayed alerts not yet delivered
	pageEnd bool              // the last store page was short: caught up

	replaying atomic.Bool
	lastSent  atomic.Int64
	closed    bool // guarded by hub.mu
}

// Next returns the next alert. It waits for a live one until ctx ends
// (returning ctx's error, after which Next may be called again), and
// fails with ErrSlow when the subscriber fell behind, ErrClosed when the
// hub closed, or a store error while replaying.
func (s *Subscription) Next(ctx context.Context) (safezones.Alert, error) {
	for s.replaying.Load() {
		a, ok, err := s.nextReplayed(ctx)
		if err != nil || ok {
			return a, err
		}
	}
	for {
		s.hub.mu.Lock()
		live := s.live
		s.hub.mu.Unlock()
		select {
		case <-ctx.Done():
			return safezones.Alert{}, ctx.Err()
		case a, ok := <-live:
			if !ok {
				return safezones.Alert{}, s.droppedErr()
			}
			if a.Seq <= s.last {
				continue // replayed already
			}
			s.deliver(a.Seq)
			return a, nil
		}
	}
}

// nextReplayed returns the next stored alert while replaying; ok is false
// when the replay caught up (then the subscription is live, or replays
// again from the store when its live feed overflowed meanwhile).
func (s *Subscription) nextReplayed(ctx context.Context) (safezones.Alert, bool, error) {
	if len(s.page) == 0 && !s.pageEnd {
		f := safezones.AlertFilter{AfterSeq: s.last, Kinds: s.filter.Kinds, ZoneIDs: s.filter.ZoneIDs, Limit: s.hub.pageSize}
		page, err := s.hub.store.ListAlerts(ctx, f)
		if err != nil {
			return safezones.Alert{}, false, fmt.Errorf("replay alerts after seq %d: %w", s.last, err)
		}
		s.page, s.pageEnd = page, len(page) == 0
	}
	for len(s.page) > 0 {
		a := s.page[0]
		s.page = s.page[1:]
		if a.Seq <= s.last || !s.filter.Matches(&a) {
			continue
		}
		s.deliver(a.Seq)
		return a, true, nil
	}
	if !s.pageEnd {
		return safezones.Alert{}, false, nil // fetch the next page
	}
	s.pageEnd = false
	if err := s.droppedErr(); err == ErrSlow {
		// The live feed overflowed while replaying (expected when the
		// replay is long): the store holds everything, so subscribe
		// afresh and replay again from the last delivered.
		if err := s.hub.register(s); err != nil {
			return safezones.Alert{}, false, err
		}
		return safezones.Alert{}, false, nil
	} else if err != nil {
		return safezones.Alert{}, false, err
	}
	s.replaying.Store(false)
	return safezones.Alert{}, false, nil
}

func (s *Subscription) deliver(seq int64) {
	s.last = seq
	s.lastSent.Store(seq)
}

func (s *Subscription) droppedErr() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.dropped
}

// LastSeq returns the Seq of the last alert delivered (or the resume
// point): where a reconnecting client resumes.
func (s *Subscription) LastSeq() int64 { return s.lastSent.Load() }

// Close ends the subscription; Next then fails. Safe to call more than
// once and from any goroutine.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.closed = true
	if _, ok := s.hub.subs[s]; ok {
		delete(s.hub.subs, s)
		s.dropped = ErrClosed
		close(s.live)
	}
}
