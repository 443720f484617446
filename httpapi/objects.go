package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/fence"
)

func (s *Server) registerObjectRoutes(mux *http.ServeMux) {
	if s.Tracker == nil {
		return
	}
	mux.HandleFunc("GET /v1/objects", s.handleObjects)
}

// objectJSON is one tracked object as GET /v1/objects shows it.
type objectJSON struct {
	ObjectID string    `json:"object_id"`
	Point    []float64 `json:"point"`
	AltM     *float64  `json:"alt_m,omitempty"`
	At       time.Time `json:"at"`
	// SpeedMS, HeadingDeg and TurnDegS are the motion the early warning
	// flies from; absent before the object has one.
	SpeedMS    *float64 `json:"speed_ms,omitempty"`
	HeadingDeg *float64 `json:"heading_deg,omitempty"`
	TurnDegS   *float64 `json:"turn_deg_s,omitempty"`
	Zones      []string `json:"zones"`
	// Path is the nominal predicted path as [lon, lat] positions, PathS
	// the seconds after At at which the object would be at each; both
	// absent when the object is not predicted.
	Path  [][]float64 `json:"path,omitempty"`
	PathS []float64   `json:"path_s,omitempty"`
}

// handleObjects serves GET /v1/objects: the objects the tracker holds now
// (those reported within its stale time), each with its last position and
// time, its motion, the zones it is inside and its predicted path, sorted
// by id; ?bbox= keeps those whose last position lies in the box. Live
// positions reveal convoys and spotters as tracks do, so this read always
// needs a token, public reads or not.
func (s *Server) handleObjects(w http.ResponseWriter, r *http.Request) {
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnauthorized, "live objects need a bearer token even when public reads are allowed"))
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"bbox"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	box, err := parseBBox(q.Get("bbox"), "bbox")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	states := s.Tracker.ObjectStates(nil, true)
	slices.SortFunc(states, func(a, b fence.ObjectState) int { return strings.Compare(a.ObjectID, b.ObjectID) })
	out := make([]objectJSON, 0, len(states))
	for _, st := range states {
		if box != nil && !box.Contains(st.Point) {
			continue
		}
		o := objectJSON{ObjectID: st.ObjectID, Point: []float64{st.Point.Lon, st.Point.Lat}, At: st.Time.UTC(), Zones: st.Zones}
		if o.Zones == nil {
			o.Zones = []string{}
		}
		if st.HasAlt {
			o.AltM = &st.AltM
		}
		if st.HasVelocity {
			o.SpeedMS, o.HeadingDeg, o.TurnDegS = &st.SpeedMS, &st.HeadingDeg, &st.TurnDegS
		}
		for _, p := range st.Path {
			o.Path = append(o.Path, []float64{p.Point.Lon, p.Point.Lat})
			o.PathS = append(o.PathS, p.After.Seconds())
		}
		out = append(out, o)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"objects": out})
}
