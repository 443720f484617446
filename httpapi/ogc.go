package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/geojson"
)

// The OGC API - Features Part 1 conformance classes this server implements.
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

// collection is one OGC collection backed by the zone store, by the
// incident store when Incidents is set, or by the notification store when
// Notifications is set.
type collection struct {
	ID, Title, Description string
	Kinds                  []safezones.Kind
	Incidents              bool
	Notifications          bool
}

var collections = []collection{
	{ID: "zones", Title: "Zones", Description: "Every zone (safe areas, no-fly zones, corridors, protected sites), latest version, with status and source."},
	{ID: "protected_sites", Title: "Protected sites", Description: "Protected sites (point plus radius_m), latest version.",
		Kinds: []safezones.Kind{safezones.KindProtectedSite}},
}

// incidentCollection serves incident reports as the caller may see them
// (ogc_incidents.go); it exists when the server keeps incidents.
var incidentCollection = collection{ID: "incidents", Title: "Incidents",
	Description: "Incident reports (current revision, reviewers' corrections applied): a point with radius_m, the time interval, casualties (best estimates with ranges) and the three confidences. Coarsened for public reads where a reviewer asked.",
	Incidents:   true}

// notificationCollection serves notified sites and movements with the
// visibility rules of GET /v1/notifications (ogc_notifications.go); it
// exists when the server keeps notifications.
var notificationCollection = collection{ID: "notifications", Title: "Notified sites and movements",
	Description:   "Sites and movements humanitarian organisations notified to the parties (latest version, not cancelled), as GET /v1/notifications?f=geojson shows them: the exact geometry only for the notifier, the addressed parties and the operator, each such read recorded in the notification's disclosure record; for everyone else the box of whole grid cells (0.1 degree by default) that holds the place, without name or times. bbox and datetime filter on what the reader may see.",
	Notifications: true}

// collections returns the collections this server serves.
func (s *Server) collections() []collection {
	cs := collections[:len(collections):len(collections)]
	if s.Incidents != nil {
		cs = append(cs, incidentCollection)
	}
	if s.Notifications != nil {
		cs = append(cs, notificationCollection)
	}
	return cs
}

func (s *Server) findCollection(id string) (collection, bool) {
	for _, c := range s.collections() {
		if c.ID == id {
			return c, true
		}
	}
	return collection{}, false
}

func (s *Server) registerOGCRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleLanding)
	mux.HandleFunc("GET /conformance", s.handleConformance)
	mux.HandleFunc("GET /api", s.handleOpenAPI)
	mux.HandleFunc("GET /collections", s.handleCollections)
	mux.HandleFunc("GET /collections/{collection}", s.handleCollection)
	mux.HandleFunc("GET /collections/{collection}/items", s.handleItems)
	mux.HandleFunc("GET /collections/{collection}/items/{item}", s.handleItem)
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// baseURL returns the scheme and host the client used, for absolute links.
func (s *Server) baseURL(r *http.Request) string {
	if s.BaseURL != "" {
		return s.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handleLanding serves GET /: the OGC API landing page, or the map's page
// for browsers (content negotiation, web.go).
func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if s.servesMapPage(r) {
		s.serveMapPage(w, r)
		return
	}
	b := s.baseURL(r)
	links := []link{
		{Href: b + "/", Rel: "self", Type: "application/json", Title: "This document"},
		{Href: b + "/api", Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "The API definition"},
		{Href: b + "/conformance", Rel: "conformance", Type: "application/json", Title: "Conformance classes"},
		{Href: b + "/collections", Rel: "data", Type: "application/json", Title: "Collections"},
	}
	if s.Web != nil {
		links = append(links, link{Href: b + "/?f=html", Rel: "alternate", Type: "text/html", Title: "The map"})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"title":       s.Title,
		"description": "Civilian safe zones: zones, consent, protected sites, incidents and alerts. OGC API - Features for GIS clients; JSON API under /v1.",
		"links":       links,
	})
}

// handleConformance serves GET /conformance.
func (s *Server) handleConformance(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"conformsTo": conformance})
}

type collectionDoc struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ItemType    string         `json:"itemType"`
	CRS         []string       `json:"crs"`
	Extent      map[string]any `json:"extent"`
	Links       []link         `json:"links"`
}

const crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

func (s *Server) collectionDoc(r *http.Request, c collection) (collectionDoc, error) {
	spatial, temporal, err := s.extent(r.Context(), c)
	if err != nil {
		return collectionDoc{}, err
	}
	b := s.baseURL(r) + "/collections/" + c.ID
	return collectionDoc{
		ID: c.ID, Title: c.Title, Description: c.Description, ItemType: "feature", CRS: []string{crs84},
		Extent: map[string]any{
			"spatial":  map[string]any{"bbox": [][]float64{spatial}, "crs": crs84},
			"temporal": map[string]any{"interval": [][]any{temporal}, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
		},
		Links: []link{
			{Href: b, Rel: "self", Type: "application/json"},
			{Href: b + "/items", Rel: "items", Type: "application/geo+json", Title: c.Title},
		},
	}, nil
}

// extent returns the bounding box and validity interval of the
// collection's zones (latest versions), so GIS clients zoom to the data.
// With no zones it is the whole world and an open interval.
func (s *Server) extent(ctx context.Context, c collection) ([]float64, []any, error) {
	if c.Incidents {
		return s.incidentExtent(ctx)
	}
	if c.Notifications {
		return s.notificationExtent(ctx)
	}
	page, err := s.Zones.ListZones(ctx, safezones.ZoneFilter{Kinds: c.Kinds})
	if err != nil {
		return nil, nil, err
	}
	box := geo.EmptyRect
	var from, to time.Time
	openEnd := len(page.Zones) == 0
	for i, z := range page.Zones {
		box = box.Union(z.Bound())
		if i == 0 || z.Valid.From.Before(from) {
			from = z.Valid.From
		}
		if z.Valid.To.IsZero() {
			openEnd = true
		} else if z.Valid.To.After(to) {
			to = z.Valid.To
		}
	}
	if box.IsEmpty() {
		return []float64{-180, -90, 180, 90}, []any{nil, nil}, nil
	}
	interval := []any{from.UTC().Format(time.RFC3339), nil}
	if !openEnd {
		interval[1] = to.UTC().Format(time.RFC3339)
	}
	return []float64{box.Min.Lon, box.Min.Lat, box.Max.Lon, box.Max.Lat}, interval, nil
}

// handleCollections serves GET /collections.
func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) {
	cs := s.collections()
	docs := make([]collectionDoc, len(cs))
	for i, c := range cs {
		d, err := s.collectionDoc(r, c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		docs[i] = d
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"links":       []link{{Href: s.baseURL(r) + "/collections", Rel: "self", Type: "application/json"}},
		"collections": docs,
	})
}

// handleCollection serves GET /collections/{collection}.
func (s *Server) handleCollection(w http.ResponseWriter, r *http.Request) {
	c, ok := s.findCollection(r.PathValue("collection"))
	if !ok {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no collection %q", r.PathValue("collection")))
		return
	}
	d, err := s.collectionDoc(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// handleItems serves GET /collections/{collection}/items with bbox,
// datetime (the zone's validity window), limit (default 10, at most 10000)
// and offset; next/prev links page through.
func (s *Server) handleItems(w http.ResponseWriter, r *http.Request) {
	c, ok := s.findCollection(r.PathValue("collection"))
	if !ok {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no collection %q", r.PathValue("collection")))
		return
	}
	if c.Incidents {
		s.handleIncidentItems(w, r, c)
		return
	}
	if c.Notifications {
		s.handleNotificationItems(w, r, c)
		return
	}
	q := r.URL.Query()
	f, err := zoneFilter(q, 10, 10000, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(c.Kinds) > 0 {
		// A kind filter narrows the collection's kinds; one outside them
		// matches nothing.
		kinds := c.Kinds
		if len(f.Kinds) > 0 {
			kinds = nil
			for _, k := range f.Kinds {
				if kindIn(k, c.Kinds) {
					kinds = append(kinds, k)
				}
			}
		}
		if len(kinds) == 0 {
			s.writeFeatureCollection(w, r, safezones.ZonePage{}, f)
			return
		}
		f.Kinds = kinds
	}
	page, err := s.Zones.ListZones(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeatureCollection(w, r, page, f)
}

// handleItem serves GET /collections/{collection}/items/{item}.
func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) {
	c, ok := s.findCollection(r.PathValue("collection"))
	if !ok {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no collection %q", r.PathValue("collection")))
		return
	}
	if err := checkParams(r.URL.Query(), []string{"f"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Incidents {
		s.handleIncidentItem(w, r, c)
		return
	}
	if c.Notifications {
		s.handleNotificationItem(w, r, c)
		return
	}
	z, err := s.Zones.Zone(r.Context(), r.PathValue("item"), 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(c.Kinds) > 0 && !kindIn(z.Kind, c.Kinds) {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no item %q in collection %q", z.ID, c.ID))
		return
	}
	b := geojson.AppendZoneFeature(make([]byte, 0, 1024), z)
	// RFC 7946 has no links member, but OGC API Features items carry them
	// as a foreign member; GeoJSON readers ignore it.
	if n := len(b); n > 0 && b[n-1] == '}' {
		base := s.baseURL(r) + "/collections/" + c.ID
		b = append(b[:n-1], `,"links":[{"href":`...)
		b = appendJSONString(b, base+"/items/"+z.ID)
		b = append(b, `,"rel":"self","type":"application/geo+json"},{"href":`...)
		b = appendJSONString(b, base)
		b = append(b, `,"rel":"collection","type":"application/json"}]}`...)
	}
	w.Header().Set("ETag", strconv.Quote(z.Hash))
	writeBytes(w, http.StatusOK, "application/geo+json", append(b, '\n'))
}

func kindIn(k safezones.Kind, ks []safezones.Kind) bool {
	for _, v := range ks {
		if v == k {
			return true
		}
	}
	return false
}

// writeFeatureCollection writes a page of zones as a GeoJSON
// FeatureCollection with the OGC members numberMatched, numberReturned,
// timeStamp and self/next/prev links.
func (s *Server) writeFeatureCollection(w http.ResponseWriter, r *http.Request, page safezones.ZonePage, f safezones.ZoneFilter) {
	b := make([]byte, 0, 4096)
	b = append(b, `{"type":"FeatureCollection","numberMatched":`...)
	b = strconv.AppendInt(b, int64(page.Matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(page.Zones)), 10)
	b = append(b, `,"timeStamp":"`...)
	b = s.now().AppendFormat(b, time.RFC3339)
	b = append(b, `","links":[`...)
	self := s.baseURL(r) + r.URL.Path
	b = appendLink(b, self, r.URL.Query(), "self")
	if f.Limit > 0 && f.Offset+len(page.Zones) < page.Matched {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(f.Offset+len(page.Zones)))
		q.Set("limit", strconv.Itoa(f.Limit))
		b = append(b, ',')
		b = appendLink(b, self, q, "next")
	}
	if f.Offset > 0 {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(max(0, f.Offset-f.Limit)))
		b = append(b, ',')
		b = appendLink(b, self, q, "prev")
	}
	b = append(b, `],"features":[`...)
	for i := range page.Zones {
		if i > 0 {
			b = append(b, ',')
		}
		b = geojson.AppendZoneFeature(b, &page.Zones[i])
	}
	b = append(b, "]}\n"...)
	writeBytes(w, http.StatusOK, "application/geo+json", b)
}

func appendLink(b []byte, base string, q url.Values, rel string) []byte {
	href := base
	if enc := q.Encode(); enc != "" {
		href += "?" + enc
	}
	b = append(b, `{"href":`...)
	b = appendJSONString(b, href)
	b = append(b, `,"rel":"`...)
	b = append(b, rel...)
	b = append(b, `","type":"application/geo+json"}`...)
	return b
}
