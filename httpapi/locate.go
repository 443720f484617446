package httpapi

import (
	"net/http"
	"sync"
	"time"

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

// handleLocate serves GET /v1/locate?lon=&lat=&alt=&at=: the zones in force
// at `at` (default now) that contain the point — no_fly zones only inside
// their altitude band when alt is given — and the protected sites and open
// corridors it lies within. Boundaries count as inside.
func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"lon", "lat", "alt", "at"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	lon, okLon, err := parseFloat(q, "lon")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lat, okLat, err := parseFloat(q, "lat")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case !okLon || lon < -180 || lon > 180:
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "lon", "lon is required in [-180, 180]"))
		return
	case !okLat || lat < -90 || lat > 90:
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "lat", "lat is required in [-90, 90]"))
		return
	}
	alt, hasAlt, err := parseFloat(q, "alt")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now()
	at := now
	if v := q.Get("at"); v != "" {
		t, err := parseTime(v, "at")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		at = *t
	}
	snap, err := s.snapshotAt(r, at, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf [32]fence.Hit
	hits := snap.Containing(geo.Point{Lon: lon, Lat: lat}, alt, hasAlt, at, buf[:0])
	resp := locateResponse{Point: [2]float64{lon, lat}, At: at,
		Zones: []locateHit{}, ProtectedSites: []locateHit{}, Corridors: []locateHit{}}
	if hasAlt {
		resp.AltM = &alt
	}
	for _, h := range hits {
		z := snap.Zone(h.Index)
		out := locateHit{ID: z.ID, Version: z.Version, Kind: z.Kind, Name: z.Name, Source: z.Source.Kind}
		switch z.Kind {
		case safezones.KindProtectedSite:
			out.RadiusM = z.RadiusM
			resp.ProtectedSites = append(resp.ProtectedSites, out)
		case safezones.KindCorridor:
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
	writeJSON(w, http.StatusOK, resp)
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
