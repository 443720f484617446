package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/safezones/safezones/aircraft"
)

type replayCmd struct{ env *environment }

const replayUsage = `Usage: safezones replay [flags] FILE

Serves a recorded SBS-1 BaseStation file (port 30003 format) as a live
feed on --listen, for 'safezones serve --sbs' or any SBS-1 client.
Playback starts when the first client connects; every client gets the
lines from when it connected. Lines with date/time fields are paced by
those times divided by --speed; lines without (many feeders leave them
empty) at --rate lines a second, or 100 x --speed when --rate is 0. A
progress bar shows on stderr. Stops at the end of the file, or with
--loop starts over until interrupted.

Examples:
  safezones replay --listen 127.0.0.1:30003 recording.txt
  safezones replay recording.txt --speed 10
  safezones replay --rate 2000 --loop recording.txt
`

func (c *replayCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.env, "replay", replayUsage)
	listen := fs.String("listen", "127.0.0.1:30003", "`address` (host:port) to serve the feed on")
	speed := fs.Float64("speed", 1, "pace `factor`: times faster than recorded (or than 100 lines/s)")
	rate := fs.Float64("rate", 0, "pace at this many `lines` a second, ignoring the lines' times; 0 to use --speed")
	loop := fs.Bool("loop", false, "start over at the end of the file, until interrupted")
	// Flags may come before or after FILE.
	var files []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		return usagef("replay takes one FILE, got %d", len(files))
	case !(*speed > 0) || *speed > 1e6:
		return usagef("--speed %s must be above 0 (and at most 1e6)", strconv.FormatFloat(*speed, 'g', -1, 64))
	case !(*rate >= 0) || *rate > 1e7:
		return usagef("--rate %s must be 0 or positive (at most 1e7)", strconv.FormatFloat(*rate, 'g', -1, 64))
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return usagef("--listen %q: %v", *listen, err)
	}
	if st, err := os.Stat(files[0]); err != nil {
		return err
	} else if st.IsDir() {
		return usagef("%s is a directory, not a recording", files[0])
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	fmt.Fprintf(c.env.stderr, "replaying %s on %s; waiting for a client\n", files[0], ln.Addr())
	if c.env.ready != nil {
		c.env.ready(ln.Addr().String())
	}
	r := &aircraft.Replayer{Path: files[0], Speed: *speed, Rate: *rate, Loop: *loop,
		Progress: progressBar(c.env.stderr, "replay")}
	return r.Serve(ctx, ln)
}
