package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/fence"
)

// EventHandler takes the tracker's events of one ingest batch and stores
// the alerts they make (an *alerts.Producer). A nil error means they are
// durable; any error fails the batch's request.
type EventHandler interface {
	Handle(ctx context.Context, events []fence.Event) error
}

// Defaults of the alert routes.
const (
	defaultAlertLimit   = 100
	maxAlertLimit       = 1000
	defaultFeedLimit    = 50
	maxFeedLimit        = 500
	defaultSSEHeartbeat = 15 * time.Second
	sseRetryMillis      = 3000
)

// registerAlertRoutes registers the alert routes always: without Alerts
// (or AlertHub, for the stream) they answer 503, so that a client learns
// the deployment does not keep alerts rather than that the path is wrong.
func (s *Server) registerAlertRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/alerts", s.handleListAlerts)
	mux.HandleFunc("GET /v1/alerts/stream", s.handleAlertStream)
	mux.HandleFunc("GET /v1/alerts/cap", s.handleAlertFeed)
	mux.HandleFunc("GET /v1/alerts/{id}/cap", s.handleAlertCAP)
}

// alertJSON is an alert as the API shows it: its fields plus the
// position and predicted entry as [lon, lat].
type alertJSON struct {
	safezones.Alert
	Point []float64 `json:"point"`
	Entry []float64 `json:"entry,omitempty"`
}

func toAlertJSON(a safezones.Alert) alertJSON {
	out := alertJSON{Alert: a, Point: []float64{a.Point.Lon, a.Point.Lat}}
	if a.Entry != nil {
		out.Entry = []float64{a.Entry.Lon, a.Entry.Lat}
	}
	return out
}

func (s *Server) alertsAvailable() error {
	if s.Alerts == nil {
		return safezones.Errorf(safezones.CodeUnavailable, "this server keeps no alerts (no alert store is configured)")
	}
	return nil
}

// alertFilter reads kind and zone (comma lists) and object.
func alertFilter(q url.Values) (safezones.AlertFilter, error) {
	var f safezones.AlertFilter
	for _, k := range splitList(q["kind"]) {
		if !safezones.ValidAlertKind(safezones.AlertKind(k)) {
			return f, safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind %q is not one of violation, violation_end, warning, warning_cancelled", k)
		}
		f.Kinds = append(f.Kinds, safezones.AlertKind(k))
	}
	f.ZoneIDs = splitList(q["zone"])
	f.ObjectID = q.Get("object")
	return f, nil
}

// parseSeq reads a non-negative alert sequence number.
func parseSeq(v, field string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, safezones.FieldErrorf(safezones.CodeInvalid, field, "%s must be an alert seq (a non-negative integer), got %q", field, v)
	}
	return n, nil
}

// handleListAlerts serves GET /v1/alerts: stored alerts in Seq order
// after ?after, filtered by kind, zone and object; a read like any other
// (public when the server allows public reads). next_after is set when
// the page is full: ask again with after=next_after.
func (s *Server) handleListAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"after", "kind", "zone", "object", "limit"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := alertFilter(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := q.Get("after"); v != "" {
		if f.AfterSeq, err = parseSeq(v, "after"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if f.Limit, err = parseInt(q, "limit", defaultAlertLimit, maxAlertLimit); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Limit < 1 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "limit", "limit must be at least 1"))
		return
	}
	if err := s.alertsAvailable(); err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.Alerts.ListAlerts(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Alerts    []alertJSON `json:"alerts"`
		NextAfter *int64      `json:"next_after,omitempty"`
	}{Alerts: make([]alertJSON, 0, len(as))}
	for _, a := range as {
		out.Alerts = append(out.Alerts, toAlertJSON(a))
	}
	if len(as) == f.Limit {
		out.NextAfter = &as[len(as)-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
}

// handleAlertStream serves GET /v1/alerts/stream: Server-Sent Events,
// one per stored alert ("id: <seq>", "event: <kind>", "data: <alert
// JSON>"), filtered by kind and zone. It resumes after the Last-Event-ID
// header or ?after= (stored alerts first, then live ones, none twice, none
// missed), else starts from now. Idle streams get a comment every
// SSEHeartbeat. The stream ends when the client goes, when the hub closes
// (shutdown), or when the client falls too far behind; the last two send
// an "event: disconnect" with the reason first, and the client resumes
// from the last id it received.
func (s *Server) handleAlertStream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"after", "kind", "zone"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	af, err := alertFilter(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, err := resumePoint(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.AlertHub == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server streams no alerts (no alert hub is configured)"))
		return
	}
	sub, err := s.AlertHub.Subscribe(r.Context(), after, alerts.Filter{Kinds: af.Kinds, ZoneIDs: af.ZoneIDs})
	if errors.Is(err, alerts.ErrClosed) {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "the server is shutting down; reconnect later"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer sub.Close()
	rc := http.NewResponseController(w)
	// A stream outlives any write timeout of the server: lift it (the
	// heartbeat finds dead clients instead).
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies must not buffer the stream
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", sseRetryMillis)
	if rc.Flush() != nil {
		return
	}
	s.streamAlerts(r.Context(), w, rc, sub)
}

// resumePoint returns the Seq to resume after: Last-Event-ID, else
// ?after=, else -1 (from now).
func resumePoint(r *http.Request) (int64, error) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		return parseSeq(v, "Last-Event-ID")
	}
	if v := r.URL.Query().Get("after"); v != "" {
		return parseSeq(v, "after")
	}
	return -1, nil
}

// streamAlerts writes the subscription's alerts as events until the
// client goes, the write fails or the subscription ends.
func (s *Server) streamAlerts(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, sub *alerts.Subscription) {
	beat := s.SSEHeartbeat
	if beat <= 0 {
		beat = defaultSSEHeartbeat
	}
	var buf bytes.Buffer
	for {
		wait, cancel := context.WithTimeout(ctx, beat)
		a, err := sub.Next(wait)
		cancel()
		buf.Reset()
		switch {
		case ctx.Err() != nil:
			return // the client went
		case errors.Is(err, context.DeadlineExceeded):
			buf.WriteString(": heartbeat\n\n")
		case err != nil:
			reason, _ := json.Marshal(map[string]any{"reason": err.Error(), "last_event_id": sub.LastSeq()})
			fmt.Fprintf(&buf, "event: disconnect\ndata: %s\n\n", reason)
			w.Write(buf.Bytes())
			rc.Flush()
			if !errors.Is(err, alerts.ErrSlow) && !errors.Is(err, alerts.ErrClosed) {
				s.logger().Error("alert stream ended", "request_id", requestID(ctx), "err", err)
			}
			return
		default:
			data, err := json.Marshal(toAlertJSON(a))
			if err != nil {
				s.logger().Error("encode alert", "seq", a.Seq, "err", err)
				return
			}
			fmt.Fprintf(&buf, "id: %d\nevent: %s\ndata: %s\n\n", a.Seq, a.Kind, data)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// capSender returns the CAP sender: CAPSender, else "safezones".
func (s *Server) capSender() string {
	if s.CAPSender != "" {
		return s.CAPSender
	}
	return "safezones"
}

// capMessage renders a stored alert as CAP with its zone version (nil
// when the store no longer has it) and the alert it updates or cancels.
// zones caches zone versions across calls of one request.
func (s *Server) capMessage(ctx context.Context, a safezones.Alert, zones map[string]*safezones.Zone) (*alerts.CAPAlert, error) {
	key := a.ZoneID + "@" + strconv.Itoa(a.ZoneVersion)
	z, ok := zones[key]
	if !ok && s.Zones != nil {
		var err error
		z, err = s.Zones.Zone(ctx, a.ZoneID, a.ZoneVersion)
		if err != nil && safezones.ErrorCode(err) != safezones.CodeNotFound {
			return nil, fmt.Errorf("zone of alert %s: %w", a.ID, err)
		}
		zones[key] = z
	}
	prev, err := alerts.Previous(ctx, s.Alerts, &a)
	if err != nil {
		return nil, err
	}
	return alerts.CAPMessage(a, s.capSender(), alerts.CAPOptions{HostID: s.CAPHostID, SenderName: s.Title, Zone: z, Previous: prev})
}

// handleAlertCAP serves GET /v1/alerts/{id}/cap: one alert ("al-12" or
// "12") as a CAP 1.2 message.
func (s *Server) handleAlertCAP(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r.URL.Query(), nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	seq, err := strconv.ParseInt(strings.TrimPrefix(id, "al-"), 10, 64)
	if err != nil || seq < 1 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "id", "alert id %q is not al-<seq> or <seq>", id))
		return
	}
	if err := s.alertsAvailable(); err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.Alerts.ListAlerts(r.Context(), safezones.AlertFilter{AfterSeq: seq - 1, Limit: 1})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(as) == 0 || as[0].Seq != seq {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "alert %q not found", id))
		return
	}
	m, err := s.capMessage(r.Context(), as[0], map[string]*safezones.Zone{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeXML(w, r, "application/xml", m)
}

// handleAlertFeed serves GET /v1/alerts/cap: an Atom feed of the latest
// ?limit alerts (newest first), each entry a CAP 1.2 message.
func (s *Server) handleAlertFeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"limit"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := parseInt(q, "limit", defaultFeedLimit, maxFeedLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit < 1 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "limit", "limit must be at least 1"))
		return
	}
	if err := s.alertsAvailable(); err != nil {
		s.writeError(w, r, err)
		return
	}
	last, err := s.Alerts.LastAlertSeq(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.Alerts.ListAlerts(r.Context(), safezones.AlertFilter{AfterSeq: max(last-int64(limit), 0), Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	slices.Reverse(as)
	base := s.baseURL(r)
	zones := map[string]*safezones.Zone{}
	entries := make([]alerts.CAPEntry, 0, len(as))
	updated := time.Time{}
	for _, a := range as {
		m, err := s.capMessage(r.Context(), a, zones)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		entries = append(entries, alerts.CAPEntry{Message: m, URL: base + "/v1/alerts/" + a.ID + "/cap"})
		if a.Created.After(updated) {
			updated = a.Created
		}
	}
	if updated.IsZero() {
		updated = s.now()
	}
	self := base + "/v1/alerts/cap"
	feed := alerts.CAPAtomFeed(alerts.FeedOptions{ID: self, Self: self, Title: s.Title + " alerts", Author: s.Title, Updated: updated}, entries)
	s.writeXML(w, r, "application/atom+xml", feed)
}

// writeXML encodes v as an XML document.
func (s *Server) writeXML(w http.ResponseWriter, r *http.Request, contentType string, v any) {
	var buf bytes.Buffer
	if err := alerts.EncodeXML(&buf, v); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBytes(w, http.StatusOK, contentType, buf.Bytes())
}
