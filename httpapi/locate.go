package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// SnapshotSource gives the fence snapshot in force (a *fence.Engine).
type SnapshotSource interface {
	Snapshot() *fence.Snapshot
}

// historySnapshot caches the last snapshot built for a past instant, so a
// client stepping through one moment of history does not rebuild it.
type historySnapshot struct {
	mu   sync.Mutex
	at   time.Time
	snap *fence.Snapshot
}

func (s *Server) registerLocateRoutes(mux *http.ServeMux) {
	if s.Fence == nil {
		return
	}
	mux.HandleFunc("GET /v1/locate", s.handleLocate)
}

// locateHit and locateResponse define the response shape (the OpenAPI
// document's Locate and LocateHit). appendLocate writes the same bytes
// by hand on the hot path; the types remain the reference it is tested
// against, and the encoder used when appendLocate cannot be (a number
// that is not finite, a year JSON times cannot hold).
type locateHit struct {
	ID      string         `json:"id"`
	Version int            `json:"version"`
	Kind    safezones.Kind `json:"kind"`
	Name    string         `json:"name"`
	// AltitudeKnown is false for a no_fly hit when no altitude was given:
	// the point lies under or over the zone, maybe outside its band.
	AltitudeKnown *bool                `json:"altitude_known,omitempty"`
	FloorM        *float64             `json:"floor_m,omitempty"`
	CeilingM      *float64             `json:"ceiling_m,omitempty"`
	RadiusM       float64              `json:"radius_m,omitempty"`
	HalfWidthM    float64              `json:"half_width_m,omitempty"`
	Source        safezones.SourceKind `json:"source"`
}

type locateResponse struct {
	Point          [2]float64  `json:"point"`
	AltM           *float64    `json:"alt_m"`
	At             time.Time   `json:"at"`
	Zones          []locateHit `json:"zones"`
	ProtectedSites []locateHit `json:"protected_sites"`
	Corridors      []locateHit `json:"corridors"`
}

// locateQuery is what a locate request asks.
type locateQuery struct {
	point  geo.Point
	alt    float64
	hasAlt bool
	at     *time.Time // nil: now
}

// handleLocate serves GET /v1/locate?lon=&lat=&alt=&at=: the zones in force
// at `at` (default now) that contain the point — no_fly zones only inside
// their altitude band when alt is given — and the protected sites and open
// corridors it lies within. Boundaries count as inside.
//
// It is the service's hottest read, so it neither builds a url.Values nor
// encodes by reflection: the common query shape is read in place and the
// answer written into a pooled buffer.
func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	lq, ok := fastLocateQuery(r.URL.RawQuery)
	if !ok {
		var err error
		if lq, err = parseLocateQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	now := s.now()
	at := now
	if lq.at != nil {
		at = *lq.at
	}
	snap, err := s.snapshotAt(r, at, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var hits [32]fence.Hit
	h := snap.Containing(lq.point, lq.alt, lq.hasAlt, at, hits[:0])
	bp := locateBuffers.Get().(*[]byte)
	b, ok := appendLocate((*bp)[:0], snap, lq, at, h)
	if !ok {
		writeJSON(w, http.StatusOK, buildLocateResponse(snap, lq, at, h))
	} else {
		hdr := w.Header()
		hdr["Content-Type"] = jsonContentType
		hdr["X-Content-Type-Options"] = nosniff
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	}
	if cap(b) <= maxPooledLocateBuffer {
		*bp = b
		locateBuffers.Put(bp)
	}
}

// Header values shared by every locate response, so that setting them
// allocates nothing. Nothing in the server modifies a header value in
// place, only replaces it.
var (
	jsonContentType = []string{"application/json"}
	nosniff         = []string{"nosniff"}
)

// locateBuffers holds response buffers; a typical answer is a few hundred
// bytes, and one with many hits may grow its buffer up to
// maxPooledLocateBuffer and still be kept.
var locateBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledLocateBuffer = 64 << 10

// parseLocateQuery reads lon, lat, alt and at through url.Values,
// refusing unknown parameters and values out of range with errors that
// name the parameter.
func parseLocateQuery(r *http.Request) (locateQuery, error) {
	var lq locateQuery
	q := r.URL.Query()
	if err := checkParams(q, []string{"lon", "lat", "alt", "at"}); err != nil {
		return lq, err
	}
	lon, okLon, err := parseFloat(q, "lon")
	if err != nil {
		return lq, err
	}
	lat, okLat, err := parseFloat(q, "lat")
	if err != nil {
		return lq, err
	}
	switch {
	case !okLon || lon < -180 || lon > 180:
		return lq, safezones.FieldErrorf(safezones.CodeInvalid, "lon", "lon is required in [-180, 180]")
	case !okLat || lat < -90 || lat > 90:
		return lq, safezones.FieldErrorf(safezones.CodeInvalid, "lat", "lat is required in [-90, 90]")
	}
	lq.point = geo.Point{Lon: lon, Lat: lat}
	if lq.alt, lq.hasAlt, err = parseFloat(q, "alt"); err != nil {
		return lq, err
	}
	if lq.at, err = parseTime(q.Get("at"), "at"); err != nil {
		return lq, err
	}
	return lq, nil
}

// fastLocateQuery reads the common query shape — lon, lat and optionally
// alt, each once, plain finite numbers in range, nothing escaped — without
// allocating. It returns false for anything else (at, an unknown or
// repeated parameter, an escape, a bad or missing value), and the caller
// then parses with parseLocateQuery, so errors and unusual queries are
// answered exactly as before.
func fastLocateQuery(raw string) (locateQuery, bool) {
	var lq locateQuery
	var seen [3]bool // lon, lat, alt
	var vals [3]float64
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		key, val, _ := strings.Cut(pair, "=")
		var k int
		switch key {
		case "lon":
			k = 0
		case "lat":
			k = 1
		case "alt":
			k = 2
		default:
			return lq, false
		}
		if seen[k] || val == "" || strings.ContainsAny(val, "%+;") {
			return lq, false
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return lq, false
		}
		seen[k], vals[k] = true, f
	}
	if !seen[0] || !seen[1] || vals[0] < -180 || vals[0] > 180 || vals[1] < -90 || vals[1] > 90 {
		return lq, false
	}
	lq.point = geo.Point{Lon: vals[0], Lat: vals[1]}
	lq.alt, lq.hasAlt = vals[2], seen[2]
	return lq, true
}

// buildLocateResponse is the reference form of the answer, for
// encoding/json.
func buildLocateResponse(snap *fence.Snapshot, lq locateQuery, at time.Time, hits []fence.Hit) locateResponse {
	resp := locateResponse{Point: [2]float64{lq.point.Lon, lq.point.Lat}, At: at,
		Zones: []locateHit{}, ProtectedSites: []locateHit{}, Corridors: []locateHit{}}
	if lq.hasAlt {
		alt := lq.alt
		resp.AltM = &alt
	}
	for _, h := range hits {
		z := snap.Zone(h.Index)
		out := locateHit{ID: z.ID, Version: z.Version, Kind: z.Kind, Name: z.Name, Source: z.Source.Kind}
		switch locateGroup(z.Kind) {
		case groupSites:
			out.RadiusM = z.RadiusM
			resp.ProtectedSites = append(resp.ProtectedSites, out)
		case groupCorridors:
			out.HalfWidthM = z.HalfWidthM
			resp.Corridors = append(resp.Corridors, out)
		default:
			if z.Kind == safezones.KindNoFly {
				known := h.AltitudeKnown
				out.AltitudeKnown, out.FloorM, out.CeilingM = &known, z.FloorM, z.CeilingM
			}
			resp.Zones = append(resp.Zones, out)
		}
	}
	return resp
}

// The three lists of a locate answer.
const (
	groupZones = iota
	groupSites
	groupCorridors
)

// locateGroup says in which list of the answer a zone of kind k goes.
func locateGroup(k safezones.Kind) int {
	switch k {
	case safezones.KindProtectedSite:
		return groupSites
	case safezones.KindCorridor:
		return groupCorridors
	}
	return groupZones
}

// appendLocate appends to b the answer exactly as encoding/json writes
// buildLocateResponse's value, newline included. It returns false, and
// the caller falls back to encoding/json, when a number is not finite or
// the time's year is outside 0–9999: the cases where encoding/json fails
// or does more than this encoder.
func appendLocate(b []byte, snap *fence.Snapshot, lq locateQuery, at time.Time, hits []fence.Hit) ([]byte, bool) {
	if y := at.Year(); y < 0 || y > 9999 || !finite(lq.point.Lon) || !finite(lq.point.Lat) || (lq.hasAlt && !finite(lq.alt)) {
		return b, false
	}
	b = append(b, `{"point":[`...)
	b = appendJSONFloat(b, lq.point.Lon)
	b = append(b, ',')
	b = appendJSONFloat(b, lq.point.Lat)
	b = append(b, `],"alt_m":`...)
	if lq.hasAlt {
		b = appendJSONFloat(b, lq.alt)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"at":"`...)
	b = at.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	for g, key := range [...]string{`,"zones":[`, `,"protected_sites":[`, `,"corridors":[`} {
		b = append(b, key...)
		first := true
		for _, h := range hits {
			z := snap.Zone(h.Index)
			if locateGroup(z.Kind) != g {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			var ok bool
			if b, ok = appendLocateHit(b, z, h); !ok {
				return b, false
			}
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...), true
}

// appendLocateHit appends one zone of the answer as encoding/json writes
// locateHit (omitempty fields left out when empty); false when one of its
// numbers is not finite.
func appendLocateHit(b []byte, z *safezones.Zone, h fence.Hit) ([]byte, bool) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, z.ID)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(z.Version), 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(z.Kind))
	b = append(b, `,"name":`...)
	b = appendJSONString(b, z.Name)
	var radius, halfWidth float64
	switch locateGroup(z.Kind) {
	case groupSites:
		radius = z.RadiusM
	case groupCorridors:
		halfWidth = z.HalfWidthM
	default:
		if z.Kind == safezones.KindNoFly {
			b = append(b, `,"altitude_known":`...)
			b = strconv.AppendBool(b, h.AltitudeKnown)
			for _, f := range [...]struct {
				key string
				v   *float64
			}{{`,"floor_m":`, z.FloorM}, {`,"ceiling_m":`, z.CeilingM}} {
				if f.v == nil {
					continue
				}
				if !finite(*f.v) {
					return b, false
				}
				b = append(b, f.key...)
				b = appendJSONFloat(b, *f.v)
			}
		}
	}
	if !finite(radius) || !finite(halfWidth) {
		return b, false
	}
	if radius != 0 {
		b = append(b, `,"radius_m":`...)
		b = appendJSONFloat(b, radius)
	}
	if halfWidth != 0 {
		b = append(b, `,"half_width_m":`...)
		b = appendJSONFloat(b, halfWidth)
	}
	b = append(b, `,"source":`...)
	b = appendJSONString(b, string(z.Source.Kind))
	return append(b, '}'), true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendJSONFloat appends a finite f as encoding/json writes a float64:
// like strconv's shortest form, in exponent notation only below 1e-6 and
// from 1e21, with the exponent not padded.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1] // e-07 → e-7
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: HTML-sensitive characters (<, >, &) and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// snapshotAt returns the engine's snapshot for times near now, and one
// built from the store's history for other times (the engine holds what
// is in force now; validity and corridor windows it checks per query).
func (s *Server) snapshotAt(r *http.Request, at, now time.Time) (*fence.Snapshot, error) {
	if d := at.Sub(now); d > -time.Minute && d < time.Minute {
		return s.Fence.Snapshot(), nil
	}
	s.history.mu.Lock()
	defer s.history.mu.Unlock()
	if s.history.snap != nil && s.history.at.Equal(at) {
		return s.history.snap, nil
	}
	zones, err := s.Zones.ActiveZones(r.Context(), at)
	if err != nil {
		return nil, err
	}
	snap, err := fence.Build(zones, fence.Options{})
	if err != nil {
		return nil, err
	}
	s.history.at, s.history.snap = at, snap
	return snap, nil
}
