package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := Run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("Run(%q) = %v; stderr %s", args, err, errb.String())
	}
	return out.String()
}

// stable keeps the lines of a report that do not depend on timing.
func stable(report string) string {
	var keep []string
	for _, l := range strings.Split(report, "\n") {
		if strings.HasPrefix(l, "coverage:") || strings.HasPrefix(l, "verify") || strings.HasPrefix(l, "events:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestRoundTripThroughFiles generates a small workload, writes it, reads it
// back and checks that both runs give the same answers and that the
// verification passes.
func TestRoundTripThroughFiles(t *testing.T) {
	dir := t.TempDir()
	gen := []string{"-zones", "200", "-points", "3000", "-objects", "20", "-updates", "20", "-rounds", "1", "-verify"}
	out := run(t, append(gen, "-write", dir)...)
	for _, f := range []string{"zones.geojson", "points.csv", "tracks.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	if !strings.Contains(out, "verify points: 0 of 3000") || !strings.Contains(out, "MATCH") {
		t.Errorf("verification failed:\n%s", out)
	}
	back := run(t, "-zones-file", filepath.Join(dir, "zones.geojson"), "-points-file", filepath.Join(dir, "points.csv"),
		"-tracks-file", filepath.Join(dir, "tracks.csv"), "-rounds", "1", "-verify")
	if stable(out) != stable(back) {
		t.Errorf("generated and file runs differ:\n%s\n---\n%s", stable(out), stable(back))
	}
	if !regexp.MustCompile(`point queries: .* q/s, .* ns/query mean, 0\.000 allocs/query`).MatchString(out) {
		t.Errorf("no allocation-free point query line:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-zones", "-1"}, {"-write-only"}, {"extra"}, {"-nope"}} {
		var out, errb bytes.Buffer
		err := Run(context.Background(), args, &out, &errb)
		if !errors.Is(err, errUsage) {
			t.Errorf("Run(%q) = %v, want a usage error", args, err)
		}
	}
	var out, errb bytes.Buffer
	if err := Run(context.Background(), []string{"-h"}, &out, &errb); !strings.Contains(errb.String(), "Examples:") || err == nil {
		t.Errorf("-h: err %v, usage %q", err, errb.String())
	}
}
