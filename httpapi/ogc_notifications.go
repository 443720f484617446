package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// The routes the notifications collection names in the disclosure record.
const (
	viaOGCItems = "GET /collections/notifications/items"
	viaOGCItem  = "GET /collections/notifications/items/{item}"
)

// coarseRect returns the grid-aligned box the coarse view shows of n, and
// false when the deployment shows no location at all (CoarseDeg 0).
func (s *Server) coarseRect(n *safezones.Notification) (geo.Rect, bool) {
	cell := s.notificationRules().CoarseDeg
	if cell <= 0 {
		return geo.EmptyRect, false
	}
	b := coarseBox(n.Geometry.Bound(), cell)
	return geo.Rect{Min: geo.Point{Lon: b[0], Lat: b[1]}, Max: geo.Point{Lon: b[2], Lat: b[3]}}, true
}

// notificationExtent is the notifications collection's extent, the same
// for every reader and so made of public data only: the union of the
// coarse boxes of the notifications in force (the whole world when the
// coarse view shows no location), and an open interval (movements' times
// are exact data).
func (s *Server) notificationExtent(ctx context.Context) ([]float64, []any, error) {
	world := []float64{-180, -90, 180, 90}
	ns, err := s.Notifications.ListNotifications(ctx, safezones.NotificationFilter{})
	if err != nil {
		return nil, nil, err
	}
	box := geo.EmptyRect
	for i := range ns {
		r, ok := s.coarseRect(&ns[i])
		if !ok {
			return world, []any{nil, nil}, nil
		}
		box = box.Union(r)
	}
	if box.IsEmpty() {
		return world, []any{nil, nil}, nil
	}
	return []float64{box.Min.Lon, box.Min.Lat, box.Max.Lon, box.Max.Lat}, []any{nil, nil}, nil
}

// shownTo reports whether notification n matches the bbox and datetime
// filters on what reader rd may see of it, so that a filter cannot locate
// a place or time more finely than the view it answers: an entitled
// reader is matched on the exact geometry's bounding box and a movement's
// interval; anyone else on the coarse box only (nothing when there is
// none), and every datetime matches, as the coarse view has no times.
func (s *Server) shownTo(rd notificationReader, n *safezones.Notification, bbox *geo.Rect, win *safezones.TimeWindow) bool {
	exact := rd.entitled(n)
	if bbox != nil {
		r, ok := n.Geometry.Bound(), true
		if !exact {
			r, ok = s.coarseRect(n)
		}
		if !ok || !r.Intersects(*bbox) {
			return false
		}
	}
	if win != nil && exact && !n.Overlaps(*win) {
		return false
	}
	return true
}

// handleNotificationItems serves GET /collections/notifications/items with
// bbox, datetime (a movement's departure to arrival; sites always), limit
// (default 10, at most 10000) and offset, paged with next/prev links: the
// notifications in force (latest versions, not cancelled) as
// GET /v1/notifications?f=geojson shows them, exact for the notifier, the
// addressed parties and the operator, each such item recorded in the
// disclosure record before it is answered, and the coarse box for
// everyone else.
func (s *Server) handleNotificationItems(w http.ResponseWriter, r *http.Request, c collection) {
	q := r.URL.Query()
	ip, err := parseItemParams(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bbox, win, limit, offset := ip.bbox, ip.window, ip.limit, ip.offset
	ns, err := s.Notifications.ListNotifications(r.Context(), safezones.NotificationFilter{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rd := readerOf(r.Context())
	var matched []safezones.Notification
	for i := range ns {
		if s.shownTo(rd, &ns[i], bbox, win) {
			matched = append(matched, ns[i])
		}
	}
	page := matched[min(offset, len(matched)):min(offset+limit, len(matched))]
	views, err := s.disclose(r.Context(), rd, viaOGCItems, page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	self := s.baseURL(r) + r.URL.Path
	links := []link{{Href: withQuery(self, q), Rel: "self", Type: "application/geo+json"}}
	if offset+len(page) < len(matched) {
		nq := r.URL.Query()
		nq.Set("offset", strconv.Itoa(offset+len(page)))
		nq.Set("limit", strconv.Itoa(limit))
		links = append(links, link{Href: withQuery(self, nq), Rel: "next", Type: "application/geo+json"})
	}
	if offset > 0 {
		pq := r.URL.Query()
		pq.Set("offset", strconv.Itoa(max(0, offset-limit)))
		links = append(links, link{Href: withQuery(self, pq), Rel: "prev", Type: "application/geo+json"})
	}
	fc := featureCollection(views)
	fc["numberMatched"], fc["numberReturned"] = len(matched), len(views)
	fc["timeStamp"], fc["links"] = s.now().Format(time.RFC3339), links
	writeJSONType(w, http.StatusOK, "application/geo+json", fc)
}

// handleNotificationItem serves GET /collections/notifications/items/{item}:
// one notification in force (its latest version; a cancelled one is not in
// the collection), exact or coarse by the same rule as the items, the
// exact read recorded before it is answered.
func (s *Server) handleNotificationItem(w http.ResponseWriter, r *http.Request, c collection) {
	n, err := s.Notifications.Notification(r.Context(), r.PathValue("item"), 0)
	if safezones.ErrorCode(err) == safezones.CodeNotFound || err == nil && n.Cancelled {
		err = safezones.Errorf(safezones.CodeNotFound, "no item %q in collection %q", r.PathValue("item"), c.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.disclose(r.Context(), readerOf(r.Context()), viaOGCItem, []safezones.Notification{*n})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := viewFeatures(views)[0]
	base := s.baseURL(r) + "/collections/" + c.ID
	w.Header().Set("ETag", strconv.Quote(n.Hash))
	writeJSONType(w, http.StatusOK, "application/geo+json", struct {
		viewFeature
		Links []link `json:"links"`
	}{f, []link{{Href: base + "/items/" + n.ID, Rel: "self", Type: "application/geo+json"}, {Href: base, Rel: "collection", Type: "application/json"}}})
}
