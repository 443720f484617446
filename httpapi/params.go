package httpapi

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// parseBBox reads "minLon,minLat,maxLon,maxLat" (or the 6-number form with
// heights, which are ignored). A box whose west edge is east of its east
// edge crosses the antimeridian and is rejected: ask for two boxes.
func parseBBox(v, field string) (*geo.Rect, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "bbox needs 4 numbers minLon,minLat,maxLon,maxLat (or 6 with heights), got %d", len(parts))
	}
	n := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "bbox value %d (%q) is not a number", i, p)
		}
		n[i] = f
	}
	if len(n) == 6 {
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	r := geo.Rect{Min: geo.Point{Lon: n[0], Lat: n[1]}, Max: geo.Point{Lon: n[2], Lat: n[3]}}
	switch {
	case r.Min.Lon < -180 || r.Max.Lon > 180 || r.Min.Lat < -90 || r.Max.Lat > 90:
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "bbox is outside [-180,-90,180,90]")
	case r.Min.Lat > r.Max.Lat:
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "bbox minLat %v is above maxLat %v", r.Min.Lat, r.Max.Lat)
	case r.Min.Lon > r.Max.Lon:
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "bbox crosses the antimeridian (minLon %v > maxLon %v): query each side separately", r.Min.Lon, r.Max.Lon)
	}
	return &r, nil
}

// parseTime reads an RFC 3339 time.
func parseTime(v, field string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, field, "%q is not an RFC 3339 time such as 2017-05-06T00:00:00Z", v)
	}
	t = t.UTC()
	return &t, nil
}

// parseDatetime reads the OGC API datetime parameter: an instant, or an
// interval "start/end" where either side may be ".." or empty (open).
// An instant t becomes the window [t, t+1ns).
func parseDatetime(v string) (*safezones.TimeWindow, error) {
	if v == "" {
		return nil, nil
	}
	start, end, isInterval := strings.Cut(v, "/")
	if !isInterval {
		t, err := parseTime(v, "datetime")
		if err != nil {
			return nil, err
		}
		return &safezones.TimeWindow{From: *t, To: t.Add(time.Nanosecond)}, nil
	}
	var w safezones.TimeWindow
	if start != "" && start != ".." {
		t, err := parseTime(start, "datetime")
		if err != nil {
			return nil, err
		}
		w.From = *t
	}
	if end != "" && end != ".." {
		t, err := parseTime(end, "datetime")
		if err != nil {
			return nil, err
		}
		w.To = *t
	}
	open := func(s string) bool { return s == "" || s == ".." }
	if open(start) && open(end) {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "datetime", "an interval needs at least one end that is a time")
	}
	if !w.To.IsZero() && w.To.Before(w.From) {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "datetime", "interval end is before its start")
	}
	if !w.To.IsZero() {
		w.To = w.To.Add(time.Nanosecond) // OGC intervals are closed
	}
	return &w, nil
}

// parseInt reads a non-negative integer parameter with a default and cap.
func parseInt(q url.Values, name string, def, max int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, safezones.FieldErrorf(safezones.CodeInvalid, name, "%s must be a non-negative integer, got %q", name, v)
	}
	if max > 0 && n > max {
		return 0, safezones.FieldErrorf(safezones.CodeInvalid, name, "%s %d is above the maximum %d", name, n, max)
	}
	return n, nil
}

// parseFloat reads a finite number parameter; ok is false when absent.
func parseFloat(q url.Values, name string) (float64, bool, error) {
	v := q.Get(name)
	if v == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, safezones.FieldErrorf(safezones.CodeInvalid, name, "%s must be a number, got %q", name, v)
	}
	return f, true, nil
}

// zoneParams are the query parameters the zone lists take; "f" selects the
// format (json is the only one) as OGC clients send it.
var zoneParams = []string{"kind", "status", "bbox", "as_of", "datetime", "limit", "offset", "f"}

// checkParams refuses query parameters the route does not define, as OGC
// API - Features core requires (/req/core/query-param-unknown), so that a
// misspelt filter is an error instead of being silently ignored.
func checkParams(q url.Values, allowed []string) error {
	for name := range q {
		if !slices.Contains(allowed, name) {
			return safezones.FieldErrorf(safezones.CodeInvalid, name, "unknown query parameter %q; this route takes %s", name, strings.Join(allowed, ", "))
		}
	}
	if f := q.Get("f"); f != "" && f != "json" && f != "geojson" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "f", "format %q is not served; use json", f)
	}
	return nil
}

// zoneFilter reads kind, status, bbox, as_of, datetime, limit and offset.
// A limit above maxLimit is an error, or clamped to it when clamp is set
// (OGC clients expect the server to cap the page).
func zoneFilter(q url.Values, defLimit, maxLimit int, clamp bool) (safezones.ZoneFilter, error) {
	var f safezones.ZoneFilter
	if err := checkParams(q, zoneParams); err != nil {
		return f, err
	}
	for _, k := range splitList(q["kind"]) {
		if !safezones.Kind(k).Valid() {
			return f, safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind %q is not one of %v", k, safezones.Kinds)
		}
		f.Kinds = append(f.Kinds, safezones.Kind(k))
	}
	for _, st := range splitList(q["status"]) {
		if !safezones.Status(st).Valid() {
			return f, safezones.FieldErrorf(safezones.CodeInvalid, "status", "status %q is not one of %v", st, safezones.Statuses)
		}
		f.Statuses = append(f.Statuses, safezones.Status(st))
	}
	var err error
	if f.BBox, err = parseBBox(q.Get("bbox"), "bbox"); err != nil {
		return f, err
	}
	if f.AsOf, err = parseTime(q.Get("as_of"), "as_of"); err != nil {
		return f, err
	}
	if f.Interval, err = parseDatetime(q.Get("datetime")); err != nil {
		return f, err
	}
	lim := maxLimit
	if clamp {
		lim = 0
	}
	if f.Limit, err = parseInt(q, "limit", defLimit, lim); err != nil {
		return f, err
	}
	if f.Limit < 1 {
		return f, safezones.FieldErrorf(safezones.CodeInvalid, "limit", "limit must be at least 1")
	}
	f.Limit = min(f.Limit, maxLimit)
	if f.Offset, err = parseInt(q, "offset", 0, 0); err != nil {
		return f, err
	}
	return f, nil
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
