package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const sampleSBS = "../../aircraft/testdata/sbs1_losangeles_2013.txt"

func TestReplayFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"replay"}, "replay takes one FILE, got 0"},
		{"two files", []string{"replay", "a.txt", "b.txt"}, "replay takes one FILE, got 2"},
		{"zero speed", []string{"replay", "--speed", "0", sampleSBS}, "--speed 0 must be above 0"},
		{"speed after the file", []string{"replay", sampleSBS, "--speed", "-2"}, "--speed -2 must be above 0"},
		{"NaN speed", []string{"replay", "--speed", "NaN", sampleSBS}, "--speed NaN"},
		{"negative rate", []string{"replay", "--rate", "-1", sampleSBS}, "--rate -1 must be 0 or positive"},
		{"bad listen", []string{"replay", "--listen", "30003", sampleSBS}, `--listen "30003"`},
		{"unknown flag", []string{"replay", "--fast", sampleSBS}, "flag provided but not defined"},
		{"bad sbs for serve", []string{"serve", "--sbs", "receiver"}, `--sbs "receiver" is not host:port`},
		{"bad aircraft-json for serve", []string{"serve", "--aircraft-json", "ftp://u:secret@x/a.json"}, `--aircraft-json "ftp://u:xxxxx@x/a.json" is not an http or https URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &environment{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }}
			err := e.run(context.Background(), tt.args)
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want a usage error with %q", tt.args, err, tt.want)
			}
		})
	}
	e := &environment{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	if err := e.run(context.Background(), []string{"replay", "no-such-file.txt"}); err == nil || !strings.Contains(err.Error(), "no-such-file.txt") {
		t.Errorf("replay of a missing file = %v, want an error naming it", err)
	}
}

func TestFeedEnv(t *testing.T) {
	cfg := DefaultConfig()
	env := map[string]string{"SAFEZONES_SBS": "127.0.0.1:30003, 10.0.0.2:30003", "SAFEZONES_AIRCRAFT_JSON": "http://127.0.0.1:8504/data/aircraft.json"}
	if err := cfg.applyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	fs := newFlagSet(&environment{stderr: io.Discard}, "serve", "")
	cfg.bindFeedFlags(fs)
	if err := fs.Parse([]string{"--sbs", "127.0.0.1:30004", "--sbs", "127.0.0.1:30005"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.SBS, " "); got != "127.0.0.1:30004 127.0.0.1:30005" {
		t.Errorf("SBS = %q, want the flags replacing the environment", got)
	}
	if len(cfg.AircraftJSON) != 1 || cfg.Validate() != nil {
		t.Errorf("AircraftJSON = %q, Validate() = %v", cfg.AircraftJSON, cfg.Validate())
	}
}

// TestReplayServes runs `safezones replay` on a loopback port and reads
// the whole sample from it.
func TestReplayServes(t *testing.T) {
	ready := make(chan string, 1)
	var stderr bytes.Buffer
	e := &environment{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" },
		ready: func(addr string) { ready <- addr }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- e.run(ctx, []string{"replay", sampleSBS, "--listen", "127.0.0.1:0", "--rate", "50000"})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("replay ended early: %v", err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := 0
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "MSG,") {
			t.Fatalf("line %d = %q", n+1, sc.Text())
		}
		n++
	}
	if err := <-done; err != nil {
		t.Fatalf("replay: %v", err)
	}
	if n != 4184 {
		t.Errorf("read %d lines, want 4184", n)
	}
	if !strings.Contains(stderr.String(), "4184/4184") {
		t.Errorf("stderr has no final progress:\n%s", stderr.String())
	}
}
