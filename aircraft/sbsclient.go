package aircraft

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/safezones/safezones/fence"
)

// Defaults of the feed clients' batching. A sink call stores its batch
// (archive and alerts, each a durable transaction), so a busy feed needs
// large batches: with 100 positions a call the whole path took about 6k
// positions/s on the standard workload (docs/benchmarks.md). A quiet feed
// still flushes every DefaultBatchDelay.
const (
	DefaultBatchSize  = 1000
	DefaultBatchDelay = 200 * time.Millisecond
)

// SBSClient reads an SBS-1 BaseStation feed (port 30003 of dump1090,
// readsb and similar) over TCP, decodes and merges its messages and hands
// positions to a sink in small batches. It reconnects after any failure
// with capped, jittered exponential backoff, reset once a connection has
// stayed up for HealthyAfter. A partial line cut by a disconnect is
// dropped, never joined to the next connection's data.
type SBSClient struct {
	// Addr is the feed's host:port.
	Addr string
	// Name labels the feed in logs and metrics; Addr when empty.
	Name string
	// Merger combines the messages; its zero value is ready.
	Merger Merger
	// BatchSize and BatchDelay bound a batch: the sink is called with at
	// most BatchSize updates, and no update waits longer than BatchDelay.
	BatchSize  int
	BatchDelay time.Duration
	// MinBackoff, MaxBackoff and HealthyAfter shape reconnection.
	MinBackoff, MaxBackoff, HealthyAfter time.Duration
	// DialTimeout bounds one connection attempt; 10 s when 0.
	DialTimeout time.Duration
	// IdleTimeout, when positive, drops a connection that sent nothing
	// for that long (a receiver that hung without closing). TCP
	// keep-alives catch dead peers in any case.
	IdleTimeout time.Duration
	// Logger receives state changes (Info), disconnects and bad lines
	// (Warn, the first of each connection; the rest at Debug); discards
	// when nil.
	Logger *slog.Logger
	// Now returns the receive time; time.Now when nil.
	Now func() time.Time

	c counters
}

// Stats returns a snapshot of the client's state and counters.
func (c *SBSClient) Stats() Stats { return c.c.snapshot(c.name(), "sbs") }

func (c *SBSClient) name() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Addr
}

func (c *SBSClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Run connects and reads until ctx ends, then returns nil. sink receives
// each batch in order and must not keep the slice after it returns. Run
// never gives up on a failing feed; it logs and retries.
func (c *SBSClient) Run(ctx context.Context, sink func([]fence.Update)) error {
	log := discardLogger(c.Logger).With("feed", c.name())
	if c.Name != "" {
		log = log.With("addr", c.Addr)
	}
	bo := backoff{min: orDuration(c.MinBackoff, DefaultMinBackoff), max: orDuration(c.MaxBackoff, DefaultMaxBackoff)}
	healthy := orDuration(c.HealthyAfter, DefaultHealthyAfter)
	d := net.Dialer{Timeout: orDuration(c.DialTimeout, 10*time.Second), KeepAlive: 30 * time.Second}
	defer c.c.state.Store(int32(StateStopped))
	c.c.state.Store(int32(StateConnecting))
	connectedBefore := false
	failures := 0
	for {
		conn, err := d.DialContext(ctx, "tcp", c.Addr)
		if err == nil {
			if connectedBefore || failures > 0 {
				c.c.reconnects.Add(1)
			}
			connectedBefore = true
			failures = 0
			c.c.state.Store(int32(StateConnected))
			log.Info("feed connected")
			start := time.Now()
			err = c.read(ctx, conn, sink, log)
			conn.Close()
			if time.Since(start) >= healthy {
				bo.reset()
			}
		}
		if ctx.Err() != nil {
			log.Info("feed stopped")
			return nil
		}
		failures++
		c.c.setErr(err)
		c.c.state.Store(int32(StateReconnecting))
		wait := bo.next()
		// Every failure while the feed was up is worth a warning; repeated
		// dial failures of a feed that is down are logged once, then at
		// Debug, so a dead receiver does not flood the log.
		if failures == 1 {
			log.Warn("feed disconnected", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			log.Debug("feed reconnect failed", "err", err, "attempt", failures, "retry_in", wait.Round(time.Millisecond))
		}
		if !sleep(ctx, wait) {
			log.Info("feed stopped")
			return nil
		}
	}
}

// read reads lines from conn until it fails or ctx ends.
func (c *SBSClient) read(ctx context.Context, conn net.Conn, sink func([]fence.Update), log *slog.Logger) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	batchSize := c.BatchSize
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	batchDelay := orDuration(c.BatchDelay, DefaultBatchDelay)
	var (
		buf        = make([]byte, 64<<10)
		start, end int
		discarding bool // inside a line longer than MaxSBSLine
		batch      = make([]fence.Update, 0, batchSize)
		batchStart time.Time
		deadline   time.Time
		lastSweep  = c.now()
		warned     bool
	)
	flush := func() {
		if len(batch) > 0 {
			c.c.positions.Add(uint64(len(batch)))
			sink(batch)
			batch = batch[:0]
		}
	}
	defer flush()
	for {
		var want time.Time
		batchDeadline := len(batch) > 0
		switch {
		case batchDeadline:
			want = batchStart.Add(batchDelay)
		case c.IdleTimeout > 0:
			want = time.Now().Add(c.IdleTimeout)
		}
		if !want.Equal(deadline) {
			conn.SetReadDeadline(want)
			deadline = want
		}
		if start > 0 && end == len(buf) {
			end = copy(buf, buf[start:end])
			start = 0
		}
		n, err := conn.Read(buf[end:])
		end += n
		now := c.now()
		for {
			i := bytes.IndexByte(buf[start:end], '\n')
			if i < 0 {
				break
			}
			line := buf[start : start+i]
			start += i + 1
			if discarding {
				discarding = false
				continue
			}
			c.line(line, now, &batch, &batchStart, &warned, log)
			if len(batch) >= batchSize {
				flush()
			}
		}
		if start == end {
			start, end = 0, 0
		}
		if end-start > MaxSBSLine+1 {
			// No line end within the limit: count one bad line and skip
			// to the next line end.
			if !discarding {
				c.c.lines.Add(1)
				c.c.bad.Add(1)
				c.badLine(ErrLineTooLong, &warned, log)
			}
			discarding = true
			start, end = 0, 0
		}
		if now.Sub(lastSweep) > 10*time.Second {
			c.Merger.Sweep(now)
			lastSweep = now
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				if batchDeadline {
					flush()
					continue
				}
				return fmt.Errorf("no data for %v", c.IdleTimeout)
			}
			if errors.Is(err, io.EOF) {
				return errors.New("connection closed by the feed")
			}
			return err
		}
	}
}

// line handles one complete line received at now.
func (c *SBSClient) line(line []byte, now time.Time, batch *[]fence.Update, batchStart *time.Time, warned *bool, log *slog.Logger) {
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) == 0 {
		return
	}
	c.c.lines.Add(1)
	msg, err := ParseSBS(line)
	if err != nil {
		c.c.bad.Add(1)
		c.badLine(err, warned, log)
		return
	}
	if msg.Kind != KindMSG {
		return
	}
	c.c.lastMsg.Store(now.UnixNano())
	u, ok := c.Merger.Add(&msg, now)
	if !ok {
		return
	}
	if len(*batch) == 0 {
		*batchStart = time.Now()
	}
	*batch = append(*batch, u)
}

func (c *SBSClient) badLine(err error, warned *bool, log *slog.Logger) {
	if !*warned {
		*warned = true
		log.Warn("bad feed line (further ones this connection at debug)", "err", err)
		return
	}
	log.Debug("bad feed line", "err", err)
}
