package aircraft

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/safezones/safezones/fence"
)

// Defaults of a JSONPoller.
const (
	DefaultPollInterval = time.Second
	DefaultPollTimeout  = 5 * time.Second
)

// JSONPoller polls a readsb/dump1090 aircraft.json URL and hands new
// positions to a sink. A position is new when its time (now - seen_pos)
// is later than the last one handed on for that aircraft, so a receiver
// that repeats an old position is not counted twice. After a failed poll it
// retries with capped, jittered exponential backoff.
type JSONPoller struct {
	// URL is the aircraft.json address.
	URL string
	// Name labels the feed in logs and metrics; URL (without any
	// password) when empty.
	Name string
	// Interval between polls; DefaultPollInterval when 0.
	Interval time.Duration
	// Timeout bounds one poll; DefaultPollTimeout when 0.
	Timeout time.Duration
	// MaxBytes caps the response body; MaxAircraftJSONBytes when 0.
	MaxBytes int64
	// Client makes the requests; http.DefaultClient when nil.
	Client *http.Client
	// BatchSize bounds each sink call; DefaultBatchSize when 0.
	BatchSize int
	// MinBackoff and MaxBackoff shape retries after failures.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives state changes (Info), failures and bad entries
	// (Warn, once per change; then Debug); discards when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	c counters
}

// Stats returns a snapshot of the poller's state and counters.
func (p *JSONPoller) Stats() Stats { return p.c.snapshot(p.name(), "aircraft_json") }

func (p *JSONPoller) name() string {
	if p.Name != "" {
		return p.Name
	}
	// Never show a password written into the URL.
	if u, err := url.Parse(p.URL); err == nil {
		return u.Redacted()
	}
	return "aircraft.json"
}

// Run polls until ctx ends, then returns nil. sink receives batches in
// order and must not keep the slice after it returns.
func (p *JSONPoller) Run(ctx context.Context, sink func([]fence.Update)) error {
	log := discardLogger(p.Logger).With("feed", p.name())
	bo := backoff{min: orDuration(p.MinBackoff, DefaultMinBackoff), max: orDuration(p.MaxBackoff, DefaultMaxBackoff)}
	interval := orDuration(p.Interval, DefaultPollInterval)
	batchSize := p.BatchSize
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	defer p.c.state.Store(int32(StateStopped))
	p.c.state.Store(int32(StateConnecting))
	seen := map[string]time.Time{}
	failures := 0
	warnedEntries := false
	var updates []fence.Update
	for {
		started := time.Now()
		list, err := p.poll(ctx)
		if ctx.Err() != nil {
			log.Info("feed stopped")
			return nil
		}
		wait := interval - time.Since(started)
		if err != nil {
			failures++
			p.c.setErr(err)
			p.c.state.Store(int32(StateReconnecting))
			wait = bo.next()
			if failures == 1 {
				log.Warn("feed poll failed", "err", err, "retry_in", wait.Round(time.Millisecond))
			} else {
				log.Debug("feed poll failed", "err", err, "attempt", failures, "retry_in", wait.Round(time.Millisecond))
			}
		} else {
			if failures > 0 {
				p.c.reconnects.Add(1)
			}
			if State(p.c.state.Load()) != StateConnected {
				log.Info("feed connected", "aircraft", list.Entries)
			}
			failures = 0
			bo.reset()
			p.c.state.Store(int32(StateConnected))
			p.c.lines.Add(uint64(list.Entries))
			p.c.bad.Add(uint64(len(list.Errors)))
			for _, e := range list.Errors {
				if !warnedEntries {
					warnedEntries = true
					log.Warn("bad aircraft.json entry (further ones at debug)", "err", e)
				} else {
					log.Debug("bad aircraft.json entry", "err", e)
				}
			}
			if list.Entries > 0 {
				p.c.lastMsg.Store(p.now().UnixNano())
			}
			updates = updates[:0]
			next := make(map[string]time.Time, len(list.Aircraft))
			for i := range list.Aircraft {
				u := list.Aircraft[i].Update()
				last, ok := seen[u.ObjectID]
				if ok && !u.Time.After(last) {
					next[u.ObjectID] = last
					continue
				}
				next[u.ObjectID] = u.Time
				updates = append(updates, u)
			}
			// Only aircraft in the latest file are remembered: the map
			// stays as small as the receiver's own list.
			seen = next
			for len(updates) > 0 {
				n := min(batchSize, len(updates))
				p.c.positions.Add(uint64(n))
				sink(updates[:n])
				updates = updates[n:]
			}
		}
		if wait > 0 && !sleep(ctx, wait) {
			log.Info("feed stopped")
			return nil
		}
	}
}

func (p *JSONPoller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// poll fetches and decodes the file once.
func (p *JSONPoller) poll(ctx context.Context) (*AircraftList, error) {
	ctx, cancel := context.WithTimeout(ctx, orDuration(p.Timeout, DefaultPollTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("GET aircraft.json: status %s", resp.Status)
	}
	limit := p.MaxBytes
	if limit <= 0 {
		limit = MaxAircraftJSONBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read aircraft.json: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("aircraft.json is larger than %d bytes", limit)
	}
	return DecodeAircraftJSON(body)
}
