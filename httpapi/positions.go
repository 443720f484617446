package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/tracks"
)

// Limits of the position ingest.
const (
	maxPositionLine  = 4 << 10 // bytes in one NDJSON line
	maxPositionLines = 100_000 // lines in one request
	maxLineErrors    = 100     // errors listed in a response (all are counted)
	// alertStoreTimeout bounds storing a batch's alerts.
	alertStoreTimeout = 10 * time.Second
)

func (s *Server) registerPositionRoutes(mux *http.ServeMux) {
	if s.Tracker == nil {
		return
	}
	mux.HandleFunc("POST /v1/positions", s.handlePositions)
}

// positionLine is one position report: an aircraft, a convoy, a spotter's
// sighting. Altitude in metres above mean sea level; speed over ground in
// m/s; heading in degrees clockwise from true north.
type positionLine struct {
	ID         string   `json:"id"`
	Lon        *float64 `json:"lon"`
	Lat        *float64 `json:"lat"`
	AltM       *float64 `json:"alt_m"`
	T          string   `json:"t"`
	SpeedMS    *float64 `json:"speed_ms"`
	HeadingDeg *float64 `json:"heading_deg"`
}

type lineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// handlePositions serves POST /v1/positions: newline-delimited JSON, one
// position a line, fed to the tracker in order. Every line is answered: a
// bad line is listed by number and field and never drops the good ones;
// duplicates and out-of-order reports (older than the object's last) are
// counted and ignored. The response lists the enter, exit and warning
// events the batch caused (inside events too with ?inside=true). Any
// member with the reporter role, or the operator, may post. With an
// AlertProducer, the batch's events become stored alerts before the answer;
// when they cannot be stored the request fails with 503.
func (s *Server) handlePositions(w http.ResponseWriter, r *http.Request) {
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !a.Operator && !a.Role.Includes(safezones.RoleReporter) {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden, "posting positions needs the role reporter or above; this token is a %s", a.Role))
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"inside"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	withInside := q.Get("inside") == "true"
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var (
		counts  = map[string]int{"accepted": 0, "duplicate": 0, "out_of_order": 0, "invalid": 0}
		errs    []lineError
		nErrs   int
		events  []byte
		nEvents int
		evBuf   []fence.Event
		alertEv []fence.Event     // events for AlertProducer, in order
		kept    []tracks.Position // every valid position, for Archive
	)
	fail := func(line int, field, msg string) {
		counts["invalid"]++
		nErrs++
		if len(errs) < maxLineErrors {
			errs = append(errs, lineError{Line: line, Field: field, Message: msg})
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 1024), maxPositionLine)
	line := 0
	for sc.Scan() {
		line++
		if line > maxPositionLines {
			s.storeAlerts(r, alertEv) // of the lines applied; a failure is logged
			s.writeError(w, r, safezones.Errorf(safezones.CodeTooLarge, "more than %d lines: split the batch", maxPositionLines))
			return
		}
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		u, field, msg := parsePosition(raw)
		if msg != "" {
			fail(line, field, msg)
			continue
		}
		if s.Archive != nil {
			// Duplicates and late reports too: a client retrying after a
			// failed answer resends positions the tracker already took.
			kept = append(kept, tracks.FromUpdate(u))
		}
		var out fence.Outcome
		evBuf, out = s.Tracker.Update(u, evBuf[:0])
		switch out {
		case fence.Applied:
			counts["accepted"]++
		case fence.Duplicate:
			counts["duplicate"]++
		case fence.OutOfOrder:
			counts["out_of_order"]++
		default:
			fail(line, "", "the tracker refused this position")
		}
		if s.AlertProducer != nil {
			for i := range evBuf {
				if evBuf[i].Kind != fence.EventInside {
					alertEv = append(alertEv, evBuf[i])
				}
			}
		}
		for i := range evBuf {
			if evBuf[i].Kind == fence.EventInside && !withInside {
				continue
			}
			if nEvents > 0 {
				events = append(events, ',')
			}
			events = appendEvent(events, &evBuf[i])
			nEvents++
		}
	}
	if err := sc.Err(); err != nil {
		s.storeAlerts(r, alertEv) // of the lines applied; a failure is logged
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeTooLarge, "line "+strconv.Itoa(line+1),
			"line %d is longer than %d bytes (%v)", line+1, maxPositionLine, err))
		return
	}
	s.metrics.positions(counts)
	if err := s.archive(r, kept); err != nil {
		s.storeAlerts(r, alertEv) // the alerts stand whatever happened to the archive
		s.writeError(w, r, err)
		return
	}
	if err := s.storeAlerts(r, alertEv); err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]byte, 0, 256+len(events))
	out = append(out, `{"lines":`...)
	out = strconv.AppendInt(out, int64(line), 10)
	for _, k := range []string{"accepted", "duplicate", "out_of_order", "invalid"} {
		out = append(out, `,"`...)
		out = append(out, k...)
		out = append(out, `":`...)
		out = strconv.AppendInt(out, int64(counts[k]), 10)
	}
	eb, _ := json.Marshal(errs)
	if errs == nil {
		eb = []byte("[]")
	}
	out = append(out, `,"errors":`...)
	out = append(out, eb...)
	out = append(out, `,"events":[`...)
	out = append(out, events...)
	out = append(out, "]}\n"...)
	writeBytes(w, http.StatusOK, "application/json", out)
}

// parsePosition reads one line; on failure it returns the field at fault
// and a message.
func parsePosition(raw []byte) (fence.Update, string, string) {
	var p positionLine
	var u fence.Update
	if !fastPosition(raw, &p) {
		p = positionLine{}
		if err := json.Unmarshal(raw, &p); err != nil {
			return u, "", "not a JSON object with id, lon, lat, t: " + err.Error()
		}
	}
	switch {
	case p.ID == "" || len(p.ID) > 64:
		return u, "id", "id is required (at most 64 bytes)"
	case p.Lon == nil || !(*p.Lon >= -180 && *p.Lon <= 180):
		return u, "lon", "lon is required in [-180, 180]"
	case p.Lat == nil || !(*p.Lat >= -90 && *p.Lat <= 90):
		return u, "lat", "lat is required in [-90, 90]"
	}
	t, err := time.Parse(time.RFC3339Nano, p.T)
	if err != nil {
		return u, "t", "t is required as an RFC 3339 time"
	}
	u = fence.Update{ObjectID: p.ID, Point: geo.Point{Lon: *p.Lon, Lat: *p.Lat}, Time: t}
	if p.AltM != nil {
		if math.IsNaN(*p.AltM) || *p.AltM < -1000 || *p.AltM > 100_000 {
			return u, "alt_m", "alt_m must be in [-1000, 100000] metres"
		}
		u.AltM, u.HasAlt = *p.AltM, true
	}
	if (p.SpeedMS == nil) != (p.HeadingDeg == nil) {
		return u, "speed_ms", "give speed_ms and heading_deg together, or neither"
	}
	if p.SpeedMS != nil {
		if *p.SpeedMS < 0 || *p.SpeedMS > 2000 {
			return u, "speed_ms", "speed_ms must be in [0, 2000]"
		}
		if *p.HeadingDeg < 0 || *p.HeadingDeg >= 360 {
			return u, "heading_deg", "heading_deg must be in [0, 360)"
		}
		u.SpeedMS, u.HeadingDeg, u.HasVelocity = *p.SpeedMS, *p.HeadingDeg, true
	}
	return u, "", ""
}

// appendEvent writes one tracker event as JSON without reflection: the
// ingest answers thousands of them a second.
func appendEvent(b []byte, e *fence.Event) []byte {
	b = append(b, `{"kind":"`...)
	b = append(b, e.Kind.String()...)
	b = append(b, `","object_id":`...)
	b = appendJSONString(b, e.ObjectID)
	b = append(b, `,"zone_id":`...)
	b = appendJSONString(b, e.ZoneID)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(e.Version), 10)
	b = append(b, `,"zone_kind":"`...)
	b = append(b, e.ZoneKind...)
	b = append(b, `","at":"`...)
	b = e.At.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","point":[`...)
	b = strconv.AppendFloat(b, e.Point.Lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, e.Point.Lat, 'f', -1, 64)
	b = append(b, `],"altitude_known":`...)
	b = strconv.AppendBool(b, e.AltitudeKnown)
	if e.Reason != fence.ReasonNone {
		b = append(b, `,"reason":"`...)
		b = append(b, e.Reason.String()...)
		b = append(b, '"')
	}
	switch e.Kind {
	case fence.EventEnter:
		b = append(b, `,"warned":`...)
		b = strconv.AppendBool(b, e.Warned)
		if e.Warned {
			b = append(b, `,"lead_time_s":`...)
			b = strconv.AppendFloat(b, e.LeadTime.Seconds(), 'f', 1, 64)
		}
	case fence.EventExit, fence.EventInside:
		b = append(b, `,"dwell_s":`...)
		b = strconv.AppendFloat(b, e.Dwell.Seconds(), 'f', 1, 64)
	case fence.EventWarning:
		b = append(b, `,"eta_s":`...)
		b = strconv.AppendFloat(b, e.ETA.Seconds(), 'f', 1, 64)
		b = append(b, `,"eta_min_s":`...)
		b = strconv.AppendFloat(b, e.ETAMin.Seconds(), 'f', 1, 64)
		b = append(b, `,"eta_max_s":`...)
		b = strconv.AppendFloat(b, e.ETAMax.Seconds(), 'f', 1, 64)
		b = append(b, `,"entry":[`...)
		b = strconv.AppendFloat(b, e.Entry.Lon, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, e.Entry.Lat, 'f', -1, 64)
		b = append(b, ']')
	}
	return append(b, '}')
}

// archive makes the batch's valid positions durable in Archive, when
// there is one, before the answer; a client that hangs up does not cancel
// it. A failure is logged and returned as unavailable: the client retries,
// and the archive then takes the positions again (readers drop repeats).
func (s *Server) archive(r *http.Request, ps []tracks.Position) error {
	if s.Archive == nil || len(ps) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), alertStoreTimeout)
	defer cancel()
	if err := s.Archive.Append(ctx, ps); err != nil {
		s.logger().LogAttrs(r.Context(), slog.LevelError, "archive positions", slog.String("request_id", requestID(r.Context())), slog.Any("err", err))
		return safezones.Errorf(safezones.CodeUnavailable,
			"the positions were applied but could not be archived (request %s): retry later", requestID(r.Context()))
	}
	return nil
}

// storeAlerts hands the batch's events to AlertProducer, when there is
// one, in one call before the answer: nothing acknowledged may lose its
// alerts, and a client that hangs up does not cancel them. A failure is
// logged and returned as unavailable.
func (s *Server) storeAlerts(r *http.Request, events []fence.Event) error {
	if s.AlertProducer == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), alertStoreTimeout)
	defer cancel()
	if err := s.AlertProducer.Handle(ctx, events); err != nil {
		s.logger().LogAttrs(r.Context(), slog.LevelError, "store alerts", slog.String("request_id", requestID(r.Context())), slog.Any("err", err))
		return safezones.Errorf(safezones.CodeUnavailable,
			"the positions were applied but their alerts could not be stored (request %s); they are kept and stored with the next batch: retry later",
			requestID(r.Context()))
	}
	return nil
}
