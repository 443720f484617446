package geo

// IntersectsRect reports whether g shares at least one point with r.
// Points and lines are tested exactly; polygons by containment of r's corner
// in the polygon, of the polygon's vertices in r, or an edge crossing.
func IntersectsRect(g Geometry, r Rect) bool {
	if !g.Bound().Intersects(r) {
		return false
	}
	switch g := g.(type) {
	case Point:
		return r.Contains(g)
	case LineString:
		return lineIntersectsRect(g, r)
	case Polygon:
		return polygonIntersectsRect(g, r)
	case MultiPolygon:
		for _, p := range g {
			if polygonIntersectsRect(p, r) {
				return true
			}
		}
	}
	return false
}

func rectEdges(r Rect) [4][2]Point {
	a, b := r.Min, Point{r.Max.Lon, r.Min.Lat}
	c, d := r.Max, Point{r.Min.Lon, r.Max.Lat}
	return [4][2]Point{{a, b}, {b, c}, {c, d}, {d, a}}
}

func lineIntersectsRect(l LineString, r Rect) bool {
	for _, p := range l {
		if r.Contains(p) {
			return true
		}
	}
	edges := rectEdges(r)
	for i := 0; i+1 < len(l); i++ {
		for _, e := range edges {
			if SegmentsIntersect(l[i], l[i+1], e[0], e[1]) {
				return true
			}
		}
	}
	return false
}

func polygonIntersectsRect(pg Polygon, r Rect) bool {
	if len(pg) == 0 {
		return false
	}
	if pg.ContainsPoint(r.Min) {
		return true
	}
	for _, ring := range pg {
		if lineIntersectsRect(LineString(ring), r) {
			return true
		}
	}
	return false
}
