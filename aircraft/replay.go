package aircraft

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// Defaults and limits of a Replayer.
const (
	// DefaultReplayRate is the pace, in lines per second at speed 1, of a
	// recording whose lines carry no times.
	DefaultReplayRate = 100
	// MaxReplayBytes caps the recording read into memory.
	MaxReplayBytes = 512 << 20
	// replayClientQueue is how many chunks a slow client may lag behind
	// before it is dropped.
	replayClientQueue = 1024
)

// Replayer serves a recorded SBS-1 file as an SBS-1 TCP source, the way a
// receiver's port 30003 would: every connected client gets every line
// from when it connected. Playback starts when the first client connects.
// When the lines carry date/time fields and Rate is 0, they are paced by
// those times divided by Speed; otherwise at Rate lines per second
// (DefaultReplayRate × Speed when Rate is 0). A client too slow to keep up
// is dropped rather than buffered without bound.
type Replayer struct {
	// Path is the recording, one SBS-1 line a line.
	Path string
	// Speed multiplies the pace; 1 when 0.
	Speed float64
	// Rate, when positive, paces at that many lines per second and
	// ignores the lines' times.
	Rate float64
	// Loop replays the file again from the start at its end, until ctx
	// ends.
	Loop bool
	// Progress, when set, is called with the lines sent so far and the
	// total, after each chunk (from one goroutine).
	Progress func(sent, total int)
	// Logger receives clients coming and going; discards when nil.
	Logger *slog.Logger
}

type replayClient struct {
	conn net.Conn
	ch   chan []byte   // closed by whoever removes the client from the list
	gone chan struct{} // closed by the writer when the connection failed
}

// LoadRecording reads an SBS-1 recording into lines (each ending with
// "\r\n", empty lines left out) and, when every line with a time can be
// placed, the offset of each line from the first time (timed is false
// when no line carries a time).
func LoadRecording(r io.Reader) (lines [][]byte, offsets []time.Duration, timed bool, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxReplayBytes+1))
	if err != nil {
		return nil, nil, false, err
	}
	if len(data) > MaxReplayBytes {
		return nil, nil, false, fmt.Errorf("recording is larger than %d bytes", MaxReplayBytes)
	}
	var first, last time.Time
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		var off time.Duration
		if m, err := ParseSBS(line); err == nil && m.Has&HasTime != 0 {
			if first.IsZero() {
				first, timed = m.Time, true
			}
			if m.Time.After(last) {
				last = m.Time
			}
			off = last.Sub(first)
		} else if len(offsets) > 0 {
			off = offsets[len(offsets)-1]
		}
		lines = append(lines, append(line[:len(line):len(line)], '\r', '\n'))
		offsets = append(offsets, off)
	}
	return lines, offsets, timed, nil
}

// Serve replays the recording to the clients of ln until the end of the
// file (or ctx, with Loop), then closes ln and the clients' connections
// after writing what they were sent, and returns nil. It returns an error
// if the file cannot be read or is empty.
func (r *Replayer) Serve(ctx context.Context, ln net.Listener) error {
	defer ln.Close()
	f, err := os.Open(r.Path)
	if err != nil {
		return err
	}
	lines, offsets, timed, err := LoadRecording(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", r.Path, err)
	}
	if len(lines) == 0 {
		return fmt.Errorf("%s has no lines", r.Path)
	}
	log := discardLogger(r.Logger)
	speed := r.Speed
	if speed <= 0 {
		speed = 1
	}
	due := make([]time.Duration, len(lines))
	switch {
	case timed && r.Rate <= 0:
		for i, off := range offsets {
			due[i] = time.Duration(float64(off) / speed)
		}
	default:
		rate := r.Rate
		if rate <= 0 {
			rate = DefaultReplayRate * speed
		}
		for i := range due {
			due[i] = time.Duration(float64(i) / rate * float64(time.Second))
		}
	}

	var (
		mu      sync.Mutex
		clients []*replayClient
		first   = make(chan struct{})
		once    sync.Once
		wg      sync.WaitGroup
		closed  bool
	)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c := &replayClient{conn: conn, ch: make(chan []byte, replayClientQueue), gone: make(chan struct{})}
			mu.Lock()
			if closed {
				mu.Unlock()
				conn.Close()
				return
			}
			clients = append(clients, c)
			wg.Add(1)
			mu.Unlock()
			log.Info("replay client connected", "remote", conn.RemoteAddr().String())
			go func() {
				defer wg.Done()
				defer conn.Close()
				for chunk := range c.ch {
					conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
					if _, err := conn.Write(chunk); err != nil {
						log.Info("replay client gone", "remote", conn.RemoteAddr().String(), "err", err)
						close(c.gone)
						conn.Close()
						for range c.ch {
						}
						return
					}
				}
			}()
			once.Do(func() { close(first) })
		}
	}()
	broadcast := func(chunk []byte) {
		mu.Lock()
		defer mu.Unlock()
		kept := clients[:0]
		for _, c := range clients {
			select {
			case <-c.gone:
				close(c.ch)
				continue
			default:
			}
			select {
			case c.ch <- chunk:
				kept = append(kept, c)
			default:
				log.Warn("replay client too slow, dropped", "remote", c.conn.RemoteAddr().String())
				close(c.ch)
				c.conn.Close()
			}
		}
		clients = kept
	}
	finish := func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, c := range clients {
			close(c.ch)
		}
		clients = nil
		mu.Unlock()
		wg.Wait()
	}
	defer finish()

	select {
	case <-ctx.Done():
		return nil
	case <-first:
	}
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for {
		start := time.Now()
		for i := 0; i < len(lines); {
			elapsed := time.Since(start)
			j := i
			size := 0
			for j < len(lines) && due[j] <= elapsed && size < 256<<10 {
				size += len(lines[j])
				j++
			}
			if j > i {
				chunk := make([]byte, 0, size)
				for _, l := range lines[i:j] {
					chunk = append(chunk, l...)
				}
				broadcast(chunk)
				i = j
				if r.Progress != nil {
					r.Progress(i, len(lines))
				}
				continue
			}
			timer.Reset(due[i] - elapsed)
			select {
			case <-ctx.Done():
				return nil
			case <-timer.C:
			}
		}
		if !r.Loop || ctx.Err() != nil {
			return nil
		}
	}
}
