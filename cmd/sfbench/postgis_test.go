package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/safezones/safezones/geo"
)

func TestHasPostGISFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-postgis", "postgres://x"}, true},
		{[]string{"--postgis=postgres://x", "-zones", "10"}, true},
		{[]string{"-zones", "10", "-postgis", "u"}, true},
		{[]string{"-zones", "10"}, false},
		{[]string{"-test.run=PostGIS"}, false},
		{[]string{"--", "-postgis"}, false},
	} {
		if got := hasPostGISFlag(tc.args); got != tc.want {
			t.Errorf("hasPostGISFlag(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestAppendWKT(t *testing.T) {
	ring := geo.Ring{{Lon: 35, Lat: 32}, {Lon: 35.1, Lat: 32}, {Lon: 35.1, Lat: 32.000000000000014}, {Lon: 35, Lat: 32}}
	got := string(appendWKT(nil, geo.Polygon{ring, ring[:3]}))
	want := "POLYGON((35 32,35.1 32,35.1 32.000000000000014,35 32),(35 32,35.1 32,35.1 32.000000000000014,35 32))"
	if got != want {
		t.Errorf("appendWKT = %s\nwant         %s", got, want)
	}
}

func TestPostGISUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-zones", "10"}, // no URL
		{"-postgis", "u", "-clients", "0"},
		{"-postgis", "u", "-clients", "1,x"},
		{"-postgis", "u", "-duration", "0s"},
		{"-postgis", "u", "extra"},
	} {
		var out, errb bytes.Buffer
		if err := RunPostGIS(context.Background(), args, &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("RunPostGIS(%q) = %v, want a usage error", args, err)
		}
	}
}

// TestPostGISLive runs the -postgis mode on a small workload against the
// database named by SAFEZONES_TEST_POSTGRES (a URL of a PostgreSQL with
// PostGIS available, e.g. the cluster bench/postgis.sh starts; the test
// creates or replaces the table sfbench_test_zones).
func TestPostGISLive(t *testing.T) {
	url := os.Getenv("SAFEZONES_TEST_POSTGRES")
	if url == "" {
		t.Skip("SAFEZONES_TEST_POSTGRES is unset: set it to a PostgreSQL URL with PostGIS available to run this test")
	}
	var out, errb bytes.Buffer
	args := []string{"-postgis", url, "-table", "sfbench_test_zones", "-zones", "300", "-points", "3000",
		"-clients", "1,2", "-duration", "300ms", "-warmup", "0s", "-check", "3000"}
	if err := RunPostGIS(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("RunPostGIS: %v; stderr %s; stdout %s", err, errb.String(), out.String())
	}
	report := out.String()
	if !strings.Contains(report, "CHECK zones=300 sample=3000 mismatches=0 ") {
		t.Errorf("PostGIS answers differ from the fence engine's:\n%s", report)
	}
	if n := len(regexp.MustCompile(`(?m)^RESULT engine=postgis zones=300 clients=[12] queries=[1-9][0-9]* .*qps=[1-9]`).FindAllString(report, -1)); n != 2 {
		t.Errorf("want 2 RESULT lines, got %d:\n%s", n, report)
	}
}
