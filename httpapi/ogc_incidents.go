package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
)

// incidentExtent is the incidents collection's extent: the box around
// every report and the span of their intervals.
func (s *Server) incidentExtent(ctx context.Context) ([]float64, []any, error) {
	box, span, err := s.Incidents.ReportExtent(ctx)
	if err != nil {
		return nil, nil, err
	}
	if box.IsEmpty() {
		return []float64{-180, -90, 180, 90}, []any{nil, nil}, nil
	}
	return []float64{box.Min.Lon, box.Min.Lat, box.Max.Lon, box.Max.Lat},
		[]any{span.From.Format(time.RFC3339), span.To.Format(time.RFC3339)}, nil
}

// incidentFeature is one report as a GeoJSON Feature with flat
// properties, which GIS clients show as columns: the current revision as
// the caller may see it, with the reviewers' corrections applied.
type incidentFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   pointGeometry  `json:"geometry"`
	Properties map[string]any `json:"properties"`
	Links      []link         `json:"links,omitempty"`
}

type pointGeometry struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

func newIncidentFeature(rv incidents.Revision) incidentFeature {
	rep := rv.Effective()
	p := map[string]any{
		"source":             rep.Source.ID,
		"source_name":        rep.Source.Name,
		"source_event_id":    rep.SourceEventID,
		"revision":           rv.Revision,
		"status":             string(rv.Review.Status),
		"event_type":         string(rep.EventType),
		"source_event_type":  rep.SourceEventType,
		"time_from":          rep.Time.From.Format(time.RFC3339),
		"time_to":            rep.Time.To.Format(time.RFC3339),
		"radius_m":           rep.RadiusM,
		"location":           rep.Location.Value,
		"admin1":             rep.Admin1.Value,
		"admin2":             rep.Admin2.Value,
		"country":            rep.Country.Value,
		"alleged_actor":      rep.AllegedActor.Value,
		"happened":           rep.Happened.String(),
		"civilians_harmed":   rep.CiviliansHarmed.String(),
		"responsibility":     rep.Responsibility.String(),
		"coarsened":          rv.Coarsened,
		"casualty_estimates": len(rep.Casualties),
	}
	for _, f := range rep.Casualties {
		p[string(f.Category)+"_best"] = f.Best
		p[string(f.Category)+"_min"] = f.Min
		p[string(f.Category)+"_max"] = f.Max
	}
	return incidentFeature{Type: "Feature", ID: rv.Key,
		Geometry:   pointGeometry{Type: "Point", Coordinates: [2]float64{rep.Place.Lon, rep.Place.Lat}},
		Properties: p}
}

// handleIncidentItems serves GET /collections/incidents/items with bbox,
// datetime (overlapping the report's interval), limit (default 10, at most
// 10000) and offset, paged with next/prev links.
func (s *Server) handleIncidentItems(w http.ResponseWriter, r *http.Request, c collection) {
	q := r.URL.Query()
	ip, err := parseItemParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := incidents.ReportFilter{BBox: ip.bbox, Limit: ip.limit, Offset: ip.offset}
	if ip.window != nil {
		f.From, f.To = ip.window.From, ip.window.To
	}
	v, err := s.incidentViewer(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit++ // one more tells whether there is a next page
	revs, err := s.Incidents.ListReports(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	more := len(revs) > limit
	revs = revs[:min(len(revs), limit)]
	self := s.baseURL(r) + r.URL.Path
	links := []link{{Href: withQuery(self, q), Rel: "self", Type: "application/geo+json"}}
	if more {
		nq := r.URL.Query()
		nq.Set("offset", strconv.Itoa(f.Offset+len(revs)))
		nq.Set("limit", strconv.Itoa(limit))
		links = append(links, link{Href: withQuery(self, nq), Rel: "next", Type: "application/geo+json"})
	}
	if f.Offset > 0 {
		pq := r.URL.Query()
		pq.Set("offset", strconv.Itoa(max(0, f.Offset-limit)))
		links = append(links, link{Href: withQuery(self, pq), Rel: "prev", Type: "application/geo+json"})
	}
	features := make([]incidentFeature, len(revs))
	for i := range revs {
		features[i] = newIncidentFeature(v.view(revs[i]))
	}
	writeJSONType(w, http.StatusOK, "application/geo+json", map[string]any{
		"type": "FeatureCollection", "numberReturned": len(features), "timeStamp": s.now().Format(time.RFC3339),
		"links": links, "features": features,
	})
}

// handleIncidentItem serves GET /collections/incidents/items/{item}.
func (s *Server) handleIncidentItem(w http.ResponseWriter, r *http.Request, c collection) {
	v, err := s.incidentViewer(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rv, err := s.Incidents.Report(r.Context(), r.PathValue("item"))
	if err != nil {
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			err = safezones.Errorf(safezones.CodeNotFound, "no item %q in collection %q", r.PathValue("item"), c.ID)
		}
		s.writeError(w, r, err)
		return
	}
	f := newIncidentFeature(v.view(*rv))
	base := s.baseURL(r) + "/collections/" + c.ID
	f.Links = []link{{Href: base + "/items/" + rv.Key, Rel: "self", Type: "application/geo+json"}, {Href: base, Rel: "collection", Type: "application/json"}}
	writeJSONType(w, http.StatusOK, "application/geo+json", f)
}

// itemParams are the query parameters of the items of a collection that
// is not backed by the zone store (zoneFilter reads the zones' own).
type itemParams struct {
	bbox          *geo.Rect
	window        *safezones.TimeWindow
	limit, offset int
}

// parseItemParams reads bbox, datetime, limit (default 10, at most
// 10,000), offset and f, refusing any other parameter.
func parseItemParams(q url.Values) (itemParams, error) {
	var ip itemParams
	if err := checkParams(q, []string{"bbox", "datetime", "limit", "offset", "f"}); err != nil {
		return ip, err
	}
	var err error
	if ip.bbox, err = parseBBox(q.Get("bbox"), "bbox"); err != nil {
		return ip, err
	}
	if ip.window, err = parseDatetime(q.Get("datetime")); err != nil {
		return ip, err
	}
	if ip.limit, err = parseInt(q, "limit", 10, 10_000); err != nil {
		return ip, err
	}
	ip.offset, err = parseInt(q, "offset", 0, 0)
	return ip, err
}

func withQuery(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}
