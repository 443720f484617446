package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/deconflict"
	"github.com/safezones/safezones/geojson"
)

// checkRequest is the body of POST /v1/check.
type checkRequest struct {
	Geometry json.RawMessage `json:"geometry"`
	BufferM  float64         `json:"buffer_m"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	FloorM   *float64        `json:"floor_m"`
	CeilingM *float64        `json:"ceiling_m"`
}

type zoneConflict struct {
	ZoneID    string           `json:"zone_id"`
	Version   int              `json:"version"`
	Kind      safezones.Kind   `json:"kind"`
	Name      string           `json:"name"`
	Status    safezones.Status `json:"status"`
	DistanceM float64          `json:"distance_m"`
	// RecordID is the version's ledger record: its terms and the
	// decisions that put it in force are logged under it.
	RecordID string `json:"record_id"`
}

type notificationConflict struct {
	ID       string                     `json:"id"`
	Version  int                        `json:"version"`
	Kind     safezones.NotificationKind `json:"kind"`
	Type     string                     `json:"type"`
	Notifier string                     `json:"notifier"`
	RecordID string                     `json:"record_id"`
	Exact    bool                       `json:"exact"`
	// Name and DistanceM only for parties entitled to the exact place: a
	// distance from a chosen point would give the place away.
	Name      string   `json:"name,omitempty"`
	DistanceM *float64 `json:"distance_m,omitempty"`
}

type checkResponse struct {
	Seq           int64                  `json:"seq"`
	From          time.Time              `json:"from"`
	To            time.Time              `json:"to"`
	Zones         []zoneConflict         `json:"zones"`
	Notifications []notificationConflict `json:"notifications"`
}

// handleCheck serves POST /v1/check: every zone in force, notified site
// and notified movement that the area, route or point (widened by
// buffer_m) meets during [from, to), in the altitude band when given
// (no-fly zones), with distances and the ledger record behind each. Every
// check is stored and logged for the party that asked before it is
// answered.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req checkRequest
	if err := decodeStrict(body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Geometry) == 0 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "geometry", "geometry is required: a GeoJSON Point, LineString or Polygon"))
		return
	}
	g, err := geojson.DecodeGeometry(req.Geometry, s.Limits)
	if err != nil {
		s.writeError(w, r, safezones.WithFieldPrefix(err, "geometry"))
		return
	}
	q := deconflict.Query{Geometry: g, BufferM: req.BufferM, Window: safezones.TimeWindow{From: req.From.UTC(), To: req.To.UTC()},
		FloorM: req.FloorM, CeilingM: req.CeilingM}
	if err := q.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := checkResponse{From: q.Window.From, To: q.Window.To, Zones: []zoneConflict{}, Notifications: []notificationConflict{}}
	var found []string
	if snap := s.fenceSnapshot(); snap != nil {
		for _, c := range deconflict.Conflicts(q, snap, q.InBand) {
			z := snap.Zone(c.Index)
			rid := fmt.Sprintf("zone/%s/v%d", z.ID, z.Version)
			resp.Zones = append(resp.Zones, zoneConflict{ZoneID: z.ID, Version: z.Version, Kind: z.Kind, Name: z.Name, Status: z.Status,
				DistanceM: c.DistanceM, RecordID: rid})
			found = append(found, rid)
		}
	}
	ns, err := store.ListNotifications(r.Context(), safezones.NotificationFilter{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID := map[string]*safezones.Notification{}
	var live []safezones.Notification
	for i := range ns {
		if ns[i].Overlaps(q.Window) {
			live = append(live, ns[i])
		}
	}
	for i := range live {
		byID[live[i].ID] = &live[i]
	}
	nsnap, err := deconflict.NotificationSnapshot(live)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rd := readerOf(r.Context())
	seen := map[string]bool{}
	for _, c := range deconflict.Conflicts(q, nsnap, nil) {
		n := byID[deconflict.NotificationID(nsnap.Zone(c.Index))]
		if n == nil || seen[n.ID] {
			continue
		}
		seen[n.ID] = true
		rid := fmt.Sprintf("notification/%s/v%d", n.ID, n.Version)
		nc := notificationConflict{ID: n.ID, Version: n.Version, Kind: n.Kind, Type: n.Type, Notifier: n.Notifier, RecordID: rid}
		if rd.entitled(n) {
			d := c.DistanceM
			nc.Exact, nc.Name, nc.DistanceM = true, n.Name, &d
		}
		resp.Notifications = append(resp.Notifications, nc)
		found = append(found, rid)
	}
	query, err := json.Marshal(map[string]any{"geometry": req.Geometry, "buffer_m": req.BufferM, "from": q.Window.From, "to": q.Window.To,
		"floor_m": req.FloorM, "ceiling_m": req.CeilingM})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c := &safezones.DeconflictionCheck{PartyID: a.PartyID, By: a.Name(), Query: query, Found: found}
	if err := store.RecordCheck(r.Context(), c); err != nil {
		s.writeError(w, r, err)
		return
	}
	resp.Seq = c.Seq
	writeJSON(w, http.StatusOK, resp)
}
