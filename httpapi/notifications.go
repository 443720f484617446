package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/deconflict"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/geojson"
)

// Limits of the notification lists.
const (
	defaultNotificationLimit = 100
	maxNotificationLimit     = 10_000
)

// humanitarianKinds are the kinds of party whose members notify sites
// and movements.
var humanitarianKinds = []safezones.PartyKind{safezones.PartyNGO, safezones.PartyUNAgency}

func (s *Server) registerNotificationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/notifications", s.handleCreateNotification)
	mux.HandleFunc("POST /v1/notifications/check", s.handlePreShareCheck)
	mux.HandleFunc("GET /v1/notifications", s.handleListNotifications)
	mux.HandleFunc("GET /v1/notifications/export.csv", s.handleExportNotifications)
	mux.HandleFunc("GET /v1/notifications/stats", s.handleNotificationStats)
	mux.HandleFunc("GET /v1/notifications/alerts", s.handleNotificationAlerts)
	mux.HandleFunc("GET /v1/notifications/{id}", s.handleGetNotification)
	mux.HandleFunc("GET /v1/notifications/{id}/versions/{version}", s.handleGetNotification)
	mux.HandleFunc("GET /v1/notifications/{id}/history", s.handleNotificationHistory)
	mux.HandleFunc("POST /v1/notifications/{id}/versions", s.handleNotificationVersion)
	mux.HandleFunc("POST /v1/notifications/{id}/cancel", s.handleCancelNotification)
	mux.HandleFunc("GET /v1/notifications/{id}/receipts", s.handleReceipts)
	mux.HandleFunc("GET /v1/notifications/{id}/acknowledgements", s.handleListAcknowledgements)
	mux.HandleFunc("POST /v1/notifications/{id}/acknowledgements", s.handleAcknowledge)
	mux.HandleFunc("GET /v1/notifications/{id}/disclosures", s.handleDisclosures)
	mux.HandleFunc("POST /v1/check", s.handleCheck)
	mux.HandleFunc("GET /v1/reports/accountability", s.handleAccountability)
}

func (s *Server) notificationRules() safezones.NotificationRules {
	if s.NotificationRules == (safezones.NotificationRules{}) {
		return safezones.DefaultNotificationRules()
	}
	return s.NotificationRules
}

func (s *Server) notifications(w http.ResponseWriter, r *http.Request) (safezones.NotificationService, bool) {
	if s.Notifications == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server keeps no notifications"))
		return nil, false
	}
	return s.Notifications, true
}

// notificationReader is who reads a notification: exact coordinates go to
// the notifier's members, the addressed parties' members and the
// operator; everyone else sees the coarse view.
type notificationReader struct {
	party    string // "" when anonymous
	by       string
	operator bool
}

func readerOf(ctx context.Context) notificationReader {
	a, ok := safezones.ActorFromContext(ctx)
	if !ok {
		return notificationReader{}
	}
	return notificationReader{party: a.PartyID, by: a.Name(), operator: a.Operator}
}

// entitled reports whether the reader may see n's exact coordinates.
func (rd notificationReader) entitled(n *safezones.Notification) bool {
	return rd.operator || (rd.party != "" && (rd.party == n.Notifier || slices.Contains(n.Addressed, rd.party)))
}

// notificationView is a notification as the API shows it: Exact tells
// which view it is. The exact view carries every field, the geometry and
// the salt; the coarse view only what cannot place the site or movement.
type notificationView struct {
	ID          string                     `json:"id"`
	Version     int                        `json:"version"`
	Latest      int                        `json:"latest"`
	Notifier    string                     `json:"notifier"`
	Kind        safezones.NotificationKind `json:"kind"`
	Type        string                     `json:"type"`
	Addressed   []string                   `json:"addressed"`
	Cancelled   bool                       `json:"cancelled"`
	Hash        string                     `json:"hash"`
	CreatedAt   time.Time                  `json:"created_at"`
	LedgerIndex int64                      `json:"ledger_index"`
	Source      safezones.Source           `json:"source"`
	Exact       bool                       `json:"exact"`
	// The coarse view: the declared governorate and the grid cells that
	// hold the place.
	Governorate string      `json:"governorate,omitempty"`
	Coarse      *coarseArea `json:"coarse,omitempty"`
	// The exact view.
	Name         string                    `json:"name,omitempty"`
	Geometry     json.RawMessage           `json:"geometry,omitempty"`
	BufferM      *float64                  `json:"buffer_m,omitempty"`
	District     string                    `json:"district,omitempty"`
	Departure    *safezones.TimeWindow     `json:"departure,omitempty"`
	Arrival      *safezones.TimeWindow     `json:"arrival,omitempty"`
	Vehicles     int                       `json:"vehicles,omitempty"`
	Organisation string                    `json:"organisation,omitempty"`
	Contact      string                    `json:"contact,omitempty"`
	Description  string                    `json:"description,omitempty"`
	VerifiedAt   *time.Time                `json:"verified_at,omitempty"`
	Salt         string                    `json:"salt,omitempty"`
	CreatedBy    string                    `json:"created_by,omitempty"`
	Reason       string                    `json:"reason,omitempty"`
	Overrides    []safezones.CheckOverride `json:"overrides,omitempty"`
}

// coarseArea is the grid-aligned box around a place, cells of CellDeg.
type coarseArea struct {
	CellDeg float64    `json:"cell_deg"`
	BBox    [4]float64 `json:"bbox"`
}

// coarseBox returns the box of whole grid cells of size cell that holds r.
func coarseBox(r geo.Rect, cell float64) [4]float64 {
	snap := func(v float64, up bool) float64 {
		k := v / cell
		if up {
			k = math.Floor(k) + 1
		} else {
			k = math.Floor(k)
		}
		return math.Round(k*cell*1e9) / 1e9
	}
	return [4]float64{snap(r.Min.Lon, false), snap(r.Min.Lat, false), snap(r.Max.Lon, true), snap(r.Max.Lat, true)}
}

func (s *Server) view(n *safezones.Notification, exact bool) notificationView {
	v := notificationView{ID: n.ID, Version: n.Version, Latest: n.Latest, Notifier: n.Notifier, Kind: n.Kind, Type: n.Type,
		Addressed: n.Addressed, Cancelled: n.Cancelled, Hash: n.Hash, CreatedAt: n.CreatedAt, LedgerIndex: n.LedgerIndex,
		Source: n.Source, Exact: exact, Governorate: n.Governorate}
	if !exact {
		if cell := s.notificationRules().CoarseDeg; cell > 0 {
			v.Coarse = &coarseArea{CellDeg: cell, BBox: coarseBox(n.Geometry.Bound(), cell)}
		}
		return v
	}
	buf := n.BufferM
	v.Name, v.Geometry, v.BufferM, v.District = n.Name, geojson.AppendGeometry(nil, n.Geometry), &buf, n.District
	if n.Kind == safezones.NotificationMovement {
		dep, arr := n.Departure, n.Arrival
		v.Departure, v.Arrival = &dep, &arr
	}
	if !n.VerifiedAt.IsZero() {
		at := n.VerifiedAt
		v.VerifiedAt = &at
	}
	v.Vehicles, v.Organisation, v.Contact, v.Description = n.Vehicles, n.Organisation, n.Contact, n.Description
	v.Salt, v.CreatedBy, v.Reason, v.Overrides = n.Salt, n.CreatedBy, n.Reason, n.Overrides
	return v
}

// disclose returns the views of ns the reader may see and records, before
// anything is answered, a disclosure for every exact one (via names the
// route). A failure to record answers nothing.
func (s *Server) disclose(ctx context.Context, rd notificationReader, via string, ns []safezones.Notification) ([]notificationView, error) {
	out := make([]notificationView, len(ns))
	var ds []safezones.Disclosure
	for i := range ns {
		exact := rd.entitled(&ns[i])
		out[i] = s.view(&ns[i], exact)
		if exact {
			ds = append(ds, safezones.Disclosure{NotificationID: ns[i].ID, Version: ns[i].Version, PartyID: rd.party, By: rd.by, Via: via})
		}
	}
	if err := s.Notifications.RecordDisclosures(ctx, ds); err != nil {
		return nil, err
	}
	return out, nil
}

// notificationRequest is the body of POST /v1/notifications and of a new
// version.
type notificationRequest struct {
	ID           string                     `json:"id"`
	Notifier     string                     `json:"notifier"`
	BaseVersion  int                        `json:"base_version"`
	Kind         safezones.NotificationKind `json:"kind"`
	Type         string                     `json:"type"`
	Name         string                     `json:"name"`
	Geometry     json.RawMessage            `json:"geometry"`
	BufferM      float64                    `json:"buffer_m"`
	Governorate  string                     `json:"governorate"`
	District     string                     `json:"district"`
	Departure    safezones.TimeWindow       `json:"departure"`
	Arrival      safezones.TimeWindow       `json:"arrival"`
	Vehicles     int                        `json:"vehicles"`
	Organisation string                     `json:"organisation"`
	Contact      string                     `json:"contact"`
	Description  string                     `json:"description"`
	VerifiedAt   time.Time                  `json:"verified_at"`
	Addressed    []string                   `json:"addressed"`
	Source       safezones.Source           `json:"source"`
	Overrides    []safezones.CheckOverride  `json:"overrides"`
	Reason       string                     `json:"reason"`
}

func (s *Server) notificationTerms(req *notificationRequest) (safezones.NotificationTerms, error) {
	t := safezones.NotificationTerms{Kind: req.Kind, Type: req.Type, Name: req.Name, BufferM: req.BufferM, Governorate: req.Governorate,
		District: req.District, Departure: req.Departure, Arrival: req.Arrival, Vehicles: req.Vehicles, Organisation: req.Organisation,
		Contact: req.Contact, Description: req.Description, VerifiedAt: req.VerifiedAt, Addressed: req.Addressed, Source: req.Source}
	if len(req.Geometry) == 0 {
		return t, safezones.FieldErrorf(safezones.CodeInvalid, "geometry", "geometry is required: a GeoJSON Point or Polygon (site) or LineString (route)")
	}
	g, err := geojson.DecodeGeometry(req.Geometry, s.Limits)
	if err != nil {
		return t, safezones.WithFieldPrefix(err, "geometry")
	}
	t.Geometry = g
	t.Normalize()
	return t, t.Validate()
}

// notifier resolves who notifies: a member (reporter or above) of a
// humanitarian party for its own party, or the operator for the party it
// names.
func (s *Server) notifier(ctx context.Context, named string) (safezones.Actor, string, error) {
	a, err := actor(ctx)
	if err != nil {
		return a, "", err
	}
	party := named
	if party == "" {
		party = a.PartyID
	}
	if a.Operator && named == "" {
		return a, "", safezones.FieldErrorf(safezones.CodeInvalid, "notifier", "the operator names the notifying party")
	}
	if _, err := authorize(ctx, party, safezones.RoleReporter, "notify sites and movements"); err != nil {
		return a, "", err
	}
	p, err := s.Parties.Party(ctx, party)
	if safezones.ErrorCode(err) == safezones.CodeNotFound {
		return a, "", safezones.FieldErrorf(safezones.CodeInvalid, "notifier", "party %q does not exist", party)
	}
	if err != nil {
		return a, "", err
	}
	if !slices.Contains(humanitarianKinds, p.Kind) {
		return a, "", safezones.Errorf(safezones.CodeForbidden, "party %s is a %s: only humanitarian organisations (ngo, un_agency) notify", party, p.Kind)
	}
	return a, party, nil
}

// preShare runs the pre-sharing checks of t for notification id.
func (s *Server) preShare(ctx context.Context, id string, t *safezones.NotificationTerms) ([]safezones.CheckProblem, error) {
	others, err := s.Notifications.ListNotifications(ctx, safezones.NotificationFilter{Kind: safezones.NotificationSite})
	if err != nil {
		return nil, err
	}
	c := deconflict.Checker{Boundaries: s.Boundaries, Rules: s.notificationRules()}
	return c.PreShare(id, t, others, s.fenceSnapshot(), s.now())
}

func (s *Server) fenceSnapshot() *fence.Snapshot {
	if s.Fence == nil {
		return nil
	}
	return s.Fence.Snapshot()
}

// problemsBody is the 409 answer when checks found problems the notifier
// did not override.
type problemsBody struct {
	Error    *safezones.Error         `json:"error"`
	Problems []safezones.CheckProblem `json:"problems"`
}

// shareable runs the checks and writes the 409 with the problems left
// after overrides; ok is false when it answered.
func (s *Server) shareable(w http.ResponseWriter, r *http.Request, id string, t *safezones.NotificationTerms, overrides []safezones.CheckOverride) bool {
	problems, err := s.preShare(r.Context(), id, t)
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	left, err := deconflict.Unresolved(problems, overrides)
	if err != nil {
		s.writeError(w, r, err)
		return false
	}
	if len(left) > 0 {
		e := safezones.FieldErrorf(safezones.CodeConflict, "overrides", "%d problem(s) found before sharing: fix them, or override each code with a reason", len(left))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		writeJSON(w, http.StatusConflict, problemsBody{Error: e, Problems: left})
		return false
	}
	return true
}

// shareableTerms reads the terms of req for notification id and runs the
// pre-sharing checks on them (shareable); when ok is false it has
// answered.
func (s *Server) shareableTerms(w http.ResponseWriter, r *http.Request, id string, req *notificationRequest) (safezones.NotificationTerms, bool) {
	t, err := s.notificationTerms(req)
	if err != nil {
		s.writeError(w, r, err)
		return t, false
	}
	return t, s.shareable(w, r, id, &t, req.Overrides)
}

// handlePreShareCheck serves POST /v1/notifications/check: the problems
// the checks find in a notification body, stored nowhere.
func (s *Server) handlePreShareCheck(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.notifications(w, r); !ok {
		return
	}
	var req notificationRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, _, err := s.notifier(r.Context(), req.Notifier); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.notificationTerms(&req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	problems, err := s.preShare(r.Context(), req.ID, &t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"problems": problems})
}

// handleCreateNotification serves POST /v1/notifications: version 1 of a
// site or movement, after the pre-sharing checks (409 with the problems
// not overridden).
func (s *Server) handleCreateNotification(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	var req notificationRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, party, err := s.notifier(r.Context(), req.Notifier)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.BaseVersion != 0 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "base_version", "a new notification has no base_version; post new versions to /v1/notifications/{id}/versions"))
		return
	}
	t, ok := s.shareableTerms(w, r, req.ID, &req)
	if !ok {
		return
	}
	n, err := store.CreateNotification(r.Context(), &safezones.Notification{ID: req.ID, Notifier: party, NotificationTerms: t,
		Overrides: req.Overrides, CreatedBy: a.Name(), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/notifications/"+n.ID)
	writeJSON(w, http.StatusCreated, s.view(n, true))
}

// latestForWrite returns the latest version of id for a write by the
// notifier's member or the operator.
func (s *Server) latestForWrite(ctx context.Context, id string) (*safezones.Notification, safezones.Actor, error) {
	n, err := s.Notifications.Notification(ctx, id, 0)
	if err != nil {
		return nil, safezones.Actor{}, s.hideNotification(ctx, err, nil)
	}
	a, err := authorize(ctx, n.Notifier, safezones.RoleReporter, "change notifications")
	if err != nil {
		return nil, a, s.hideNotification(ctx, err, n)
	}
	return n, a, nil
}

// hideNotification turns a refusal to a reader who may not even see the
// notification into the same 404 an unknown id gets.
func (s *Server) hideNotification(ctx context.Context, err error, n *safezones.Notification) error {
	if n != nil && safezones.ErrorCode(err) == safezones.CodeForbidden && !readerOf(ctx).entitled(n) {
		return safezones.Errorf(safezones.CodeNotFound, "notification %q not found", n.ID)
	}
	return err
}

// notificationWrite is the common start of the routes that add a version
// to notification {id}: the latest version, the actor allowed to change it
// (latestForWrite), and the body decoded into req. When ok is false it has
// answered.
func (s *Server) notificationWrite(w http.ResponseWriter, r *http.Request, req any) (*safezones.Notification, safezones.Actor, bool) {
	if _, ok := s.notifications(w, r); !ok {
		return nil, safezones.Actor{}, false
	}
	n, a, err := s.latestForWrite(r.Context(), r.PathValue("id"))
	if err == nil {
		err = s.decodeBody(w, r, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return nil, a, false
	}
	return n, a, true
}

// addNotificationVersion stores t as the version after base of n by a
// and answers 201 with it.
func (s *Server) addNotificationVersion(w http.ResponseWriter, r *http.Request, n *safezones.Notification, base int, t safezones.NotificationTerms, overrides []safezones.CheckOverride, a safezones.Actor, reason string) {
	nv, err := s.Notifications.AddNotificationVersion(r.Context(), n.ID, base, t, overrides, a.Name(), reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.view(nv, true))
}

// handleNotificationVersion serves POST /v1/notifications/{id}/versions:
// new terms as the next version (base_version = the latest), checked as a
// new notification is.
func (s *Server) handleNotificationVersion(w http.ResponseWriter, r *http.Request) {
	var req notificationRequest
	n, a, ok := s.notificationWrite(w, r, &req)
	if !ok {
		return
	}
	if req.ID != "" && req.ID != n.ID || req.Notifier != "" && req.Notifier != n.Notifier {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "id", "a new version keeps the notification's id and notifier"))
		return
	}
	t, ok := s.shareableTerms(w, r, n.ID, &req)
	if !ok {
		return
	}
	s.addNotificationVersion(w, r, n, req.BaseVersion, t, req.Overrides, a, req.Reason)
}

type cancelRequest struct {
	BaseVersion int    `json:"base_version"`
	Reason      string `json:"reason"`
}

// handleCancelNotification serves POST /v1/notifications/{id}/cancel: a
// version that withdraws the notification, addressed to the same parties.
func (s *Server) handleCancelNotification(w http.ResponseWriter, r *http.Request) {
	var req cancelRequest
	n, a, ok := s.notificationWrite(w, r, &req)
	if !ok {
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "reason", "a cancellation needs a reason"))
		return
	}
	t := n.NotificationTerms
	t.Cancelled = true
	s.addNotificationVersion(w, r, n, req.BaseVersion, t, nil, a, req.Reason)
}

// notificationFilter reads kind, notifier, addressed, cancelled, limit
// and offset.
func notificationFilter(r *http.Request, extra ...string) (safezones.NotificationFilter, error) {
	q := r.URL.Query()
	var f safezones.NotificationFilter
	if err := checkParams(q, append([]string{"kind", "notifier", "addressed", "cancelled", "limit", "offset"}, extra...)); err != nil {
		return f, err
	}
	f.Kind, f.Notifier, f.Addressed = safezones.NotificationKind(q.Get("kind")), q.Get("notifier"), q.Get("addressed")
	if f.Kind != "" && !f.Kind.Valid() {
		return f, safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind must be site or movement")
	}
	switch q.Get("cancelled") {
	case "", "false":
	case "true":
		f.IncludeCancelled = true
	default:
		return f, safezones.FieldErrorf(safezones.CodeInvalid, "cancelled", "cancelled must be true or false")
	}
	var err error
	if f.Limit, err = parseInt(q, "limit", defaultNotificationLimit, maxNotificationLimit); err != nil {
		return f, err
	}
	f.Offset, err = parseInt(q, "offset", 0, 0)
	return f, err
}

// handleListNotifications serves GET /v1/notifications: the latest
// version of each notification, exact for the parties entitled to it
// (each such read recorded), coarse for others; ?f=geojson answers a
// FeatureCollection for maps.
func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	f, err := notificationFilter(r, "f")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ns, err := store.ListNotifications(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.URL.Query().Get("f")
	via := "GET /v1/notifications"
	if format == "geojson" {
		via += "?f=geojson"
	}
	views, err := s.disclose(r.Context(), readerOf(r.Context()), via, ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format == "geojson" {
		writeJSONType(w, http.StatusOK, "application/geo+json", featureCollection(views))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": views})
}

type viewFeature struct {
	Type       string           `json:"type"`
	ID         string           `json:"id"`
	Geometry   json.RawMessage  `json:"geometry"`
	Properties notificationView `json:"properties"`
}

// featureCollection makes map data of views (viewFeatures).
func featureCollection(views []notificationView) map[string]any {
	return map[string]any{"type": "FeatureCollection", "features": viewFeatures(views)}
}

// viewFeatures makes a GeoJSON Feature of each view: the exact geometry,
// or the coarse box as a Polygon, or null.
func viewFeatures(views []notificationView) []viewFeature {
	fs := make([]viewFeature, len(views))
	for i, v := range views {
		g := json.RawMessage("null")
		switch {
		case v.Exact:
			g, v.Geometry = v.Geometry, nil
		case v.Coarse != nil:
			b := v.Coarse.BBox
			g = geojson.AppendGeometry(nil, geo.Polygon{geo.Ring{{Lon: b[0], Lat: b[1]}, {Lon: b[2], Lat: b[1]}, {Lon: b[2], Lat: b[3]}, {Lon: b[0], Lat: b[3]}, {Lon: b[0], Lat: b[1]}}})
		}
		fs[i] = viewFeature{Type: "Feature", ID: v.ID, Geometry: g, Properties: v}
	}
	return fs
}

// handleGetNotification serves GET /v1/notifications/{id} (the latest
// version) and GET /v1/notifications/{id}/versions/{version}.
func (s *Server) handleGetNotification(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	if err := checkParams(r.URL.Query(), nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	version := 0
	via := "GET /v1/notifications/{id}"
	if v := r.PathValue("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "version", "version must be a positive integer"))
			return
		}
		version, via = n, "GET /v1/notifications/{id}/versions/{version}"
	}
	n, err := store.Notification(r.Context(), r.PathValue("id"), version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.disclose(r.Context(), readerOf(r.Context()), via, []safezones.Notification{*n})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(n.Hash))
	writeJSON(w, http.StatusOK, views[0])
}

// handleNotificationHistory serves GET /v1/notifications/{id}/history:
// every version, each exact or coarse by whom that version addressed.
func (s *Server) handleNotificationHistory(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	ns, err := store.NotificationHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.disclose(r.Context(), readerOf(r.Context()), "GET /v1/notifications/{id}/history", ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "versions": views})
}

// hxlColumns are the export's header row and its HXL hashtag row.
var hxlColumns = [][2]string{
	{"id", "#meta+id"}, {"version", "#meta+version"}, {"notifier", "#org+notifier"}, {"kind", "#meta+kind"},
	{"type", "#loc+type"}, {"name", "#loc+name"}, {"governorate", "#adm1+name"}, {"lon", "#geo+lon"}, {"lat", "#geo+lat"},
	{"exact", "#geo+exact"}, {"buffer_m", "#geo+buffer_m"}, {"departure_from", "#date+start"}, {"arrival_to", "#date+end"},
	{"addressed", "#org+addressed"}, {"organisation", "#org+name"}, {"hash", "#meta+hash"}, {"source", "#meta+source"},
}

// handleExportNotifications serves GET /v1/notifications/export.csv: the
// list as CSV with an HXL hashtag row. Exact rows carry the place's first
// position (a route's start); coarse rows the centre of the coarse box and
// no name.
func (s *Server) handleExportNotifications(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	f, err := notificationFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ns, err := store.ListNotifications(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.disclose(r.Context(), readerOf(r.Context()), "GET /v1/notifications/export.csv", ns)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	cw := csv.NewWriter(w)
	head, tags := make([]string, len(hxlColumns)), make([]string, len(hxlColumns))
	for i, c := range hxlColumns {
		head[i], tags[i] = c[0], c[1]
	}
	cw.Write(head)
	cw.Write(tags)
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	for i, v := range views {
		var lon, lat, buffer, dep, arr string
		n := &ns[i]
		switch {
		case v.Exact:
			p := firstPoint(n.Geometry)
			lon, lat, buffer = num(p.Lon), num(p.Lat), num(n.BufferM)
			if n.Kind == safezones.NotificationMovement {
				dep, arr = n.Departure.From.Format(time.RFC3339), n.Arrival.To.Format(time.RFC3339)
			}
		case v.Coarse != nil:
			lon, lat = num((v.Coarse.BBox[0]+v.Coarse.BBox[2])/2), num((v.Coarse.BBox[1]+v.Coarse.BBox[3])/2)
		}
		cw.Write([]string{v.ID, strconv.Itoa(v.Version), v.Notifier, string(v.Kind), v.Type, v.Name, v.Governorate, lon, lat,
			strconv.FormatBool(v.Exact), buffer, dep, arr, strings.Join(v.Addressed, " "), v.Organisation, v.Hash, string(v.Source.Kind)})
	}
	cw.Flush()
}

func firstPoint(g geo.Geometry) geo.Point {
	switch g := g.(type) {
	case geo.Point:
		return g
	case geo.LineString:
		if len(g) > 0 {
			return g[0]
		}
	case geo.Polygon:
		if len(g) > 0 && len(g[0]) > 0 {
			return g[0][0]
		}
	}
	return geo.Point{}
}

// handleReceipts serves GET /v1/notifications/{id}/receipts: each
// addressed party's standing on a version (?version=, default the latest):
// delivered, acknowledged, objected, due. Public: it holds no place.
func (s *Server) handleReceipts(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"version"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := parseInt(q, "version", 0, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := store.Receipts(r.Context(), r.PathValue("id"), version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	out := make([]receiptView, len(rs))
	for i := range rs {
		out[i] = receiptView{Receipt: rs[i], Overdue: rs[i].OverdueAt(now)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "receipts": out})
}

type receiptView struct {
	safezones.Receipt
	Overdue bool `json:"overdue"`
}

// handleListAcknowledgements serves GET
// /v1/notifications/{id}/acknowledgements: every signed answer with its
// payload and signature.
func (s *Server) handleListAcknowledgements(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	as, err := store.Acknowledgements(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "acknowledgements": ackViews(as)})
}

// ackView shows an acknowledgement's payload as the JSON object it is.
type ackView struct {
	safezones.Acknowledgement
	Payload json.RawMessage `json:"payload"`
}

func ackViews(as []safezones.Acknowledgement) []ackView {
	out := make([]ackView, len(as))
	for i, a := range as {
		out[i] = ackView{Acknowledgement: a, Payload: json.RawMessage(a.Payload)}
	}
	return out
}

type signedAckRequest struct {
	Payload   json.RawMessage `json:"payload"`
	Signature []byte          `json:"signature"`
}

// handleAcknowledge serves POST /v1/notifications/{id}/acknowledgements:
// an addressed party's signed acknowledgement or objection, posted by a
// signer (or admin) of that party, or relayed by the operator.
func (s *Server) handleAcknowledge(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req signedAckRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _, err := consent.DecodeAckPayload(req.Payload)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.NotificationID != r.PathValue("id") {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "payload.notification_id",
			"the payload names notification %q, the path %q", p.NotificationID, r.PathValue("id")))
		return
	}
	a, err := authorize(r.Context(), p.PartyID, safezones.RoleSigner, "acknowledge notifications")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ack, err := store.RecordAcknowledgement(r.Context(), safezones.SignedAcknowledgement{Payload: req.Payload, Signature: req.Signature}, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ackViews([]safezones.Acknowledgement{*ack})[0])
}

// handleDisclosures serves GET /v1/notifications/{id}/disclosures: who was
// given the exact coordinates of which version, when and how; for the
// notifier's members and the operator (others get 404 or 403).
func (s *Server) handleDisclosures(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	n, err := store.Notification(r.Context(), r.PathValue("id"), 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := authorize(r.Context(), n.Notifier, safezones.RoleViewer, "read the disclosure record"); err != nil {
		s.writeError(w, r, s.hideNotification(r.Context(), err, n))
		return
	}
	ds, err := store.Disclosures(r.Context(), n.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": n.ID, "disclosures": ds})
}

// handleNotificationStats serves GET /v1/notifications/stats: per
// addressed party, counts on the latest versions (public).
func (s *Server) handleNotificationStats(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	if err := checkParams(r.URL.Query(), nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	st, err := store.NotificationStats(r.Context(), now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": now, "parties": st})
}

// handleNotificationAlerts serves GET /v1/notifications/alerts?after=&limit=:
// reminders and escalations of unanswered notifications (public).
func (s *Server) handleNotificationAlerts(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"after", "limit"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	after, err := parseInt(q, "after", 0, 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := parseInt(q, "limit", 100, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := store.NotificationAlerts(r.Context(), int64(after), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
}
