package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/tracks"
)

// Archiver keeps the positions the ingest acknowledges (tracks.Archive):
// Append returns once they are durable.
type Archiver interface {
	Append(ctx context.Context, ps []tracks.Position) error
}

// Limits of the track route.
const (
	defaultTrackLimit  = 10_000
	defaultTrackWindow = 24 * time.Hour
	maxTrackLimit      = 100_000
)

func (s *Server) registerTrackRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/tracks/{object_id}", s.handleTrack)
}

// handleTrack serves GET /v1/tracks/{object_id}?from=&to=&limit=: the
// object's archived positions (from defaults to a day before to, or now)
// as one GeoJSON Feature, a LineString (a
// Point for a single position, no geometry for none) whose properties hold
// the times and altitudes position by position, so that a violation's
// track can be drawn and exported. Tracks can reveal convoys and
// spotters, so this read always needs a token, public reads or not.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnauthorized, "tracks need a bearer token even when public reads are allowed"))
		return
	}
	if s.TrackStore == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server keeps no track archive"))
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"from", "to", "limit"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := parseTime(q.Get("from"), "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := parseTime(q.Get("to"), "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := parseInt(q, "limit", defaultTrackLimit, maxTrackLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var f, t time.Time
	if from != nil {
		f = *from
	}
	if to != nil {
		t = *to
	}
	if f.IsZero() {
		// Without a start, the last day before to (or now): a track read
		// decodes every batch of its window that may hold the object.
		end := t
		if end.IsZero() {
			end = time.Now()
		}
		f = end.Add(-defaultTrackWindow)
	}
	if !t.IsZero() && t.Before(f) {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "to", "to %s is before from %s", t.Format(time.RFC3339), f.Format(time.RFC3339)))
		return
	}
	id := r.PathValue("object_id")
	ps, err := tracks.Track(r.Context(), s.TrackStore, id, f, t, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.WriteHeader(http.StatusOK)
	w.Write(appendTrackFeature(nil, id, ps))
}

// appendTrackFeature writes the Feature of handleTrack.
func appendTrackFeature(b []byte, id string, ps []tracks.Position) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"geometry":`...)
	switch len(ps) {
	case 0:
		b = append(b, "null"...)
	case 1:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendLonLat(b, ps[0])
		b = append(b, '}')
	default:
		b = append(b, `{"type":"LineString","coordinates":[`...)
		for i := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLonLat(b, ps[i])
		}
		b = append(b, "]}"...)
	}
	b = append(b, `,"properties":{"object_id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"positions":`...)
	b = strconv.AppendInt(b, int64(len(ps)), 10)
	b = append(b, `,"times":[`...)
	for i := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = ps[i].At.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `],"alt_m":[`...)
	for i := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		if ps[i].HasAlt {
			b = strconv.AppendFloat(b, ps[i].AltM, 'f', -1, 64)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, "]}}"...)
}

func appendLonLat(b []byte, p tracks.Position) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, p.Point.Lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p.Point.Lat, 'f', -1, 64)
	return append(b, ']')
}
