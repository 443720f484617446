package fence

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// fixtureOptions index the fixtures' shapes with straight lon/lat edges,
// as the fixtures mean them, and with tiny cells so that their boundaries
// fall in boundary cells of every depth.
var fixtureOptions = []Options{{DensifyM: -1}, {DensifyM: -1, LeafEdges: 1, MaxDepth: 16}}

// containsVia builds a one-zone snapshot of g and asks it about p.
func containsVia(t *testing.T, g geo.Geometry, p geo.Point, o Options) bool {
	t.Helper()
	s, err := Build([]safezones.Zone{{ID: "f", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Geometry: g}}}, o)
	if err != nil {
		t.Fatalf("Build(%v): %v", g, err)
	}
	return len(s.Containing(p, 0, false, time.Time{}, nil)) == 1
}

// geoJSONGeometry decodes a GeoJSON Polygon or MultiPolygon.
func geoJSONGeometry(raw json.RawMessage) (geo.Geometry, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
		Geometry    json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	if g.Type == "Feature" {
		return geoJSONGeometry(g.Geometry)
	}
	toRing := func(c [][]float64) geo.Ring {
		r := make(geo.Ring, len(c))
		for i, xy := range c {
			r[i] = geo.Point{Lon: xy[0], Lat: xy[1]}
		}
		return r
	}
	toPolygon := func(c [][][]float64) geo.Polygon {
		pg := make(geo.Polygon, len(c))
		for i, r := range c {
			pg[i] = toRing(r)
		}
		return pg
	}
	switch g.Type {
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, err
		}
		return toPolygon(c), nil
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, err
		}
		mp := make(geo.MultiPolygon, len(c))
		for i, pg := range c {
			mp[i] = toPolygon(pg)
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry type %q", g.Type)
}

// TestTurfPointInPolygon runs Turf's boolean-point-in-polygon expectations
// with the boundary included.
func TestTurfPointInPolygon(t *testing.T) {
	dir := filepath.Join("testdata", "turf")
	b, err := os.ReadFile(filepath.Join(dir, "expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			ID          string          `json:"id"`
			Polygon     json.RawMessage `json:"polygon"`
			PolygonFile string          `json:"polygon_file"`
			Point       [2]float64      `json:"point"`
			Want        bool            `json:"expected_boundary_included"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 50 {
		t.Fatalf("read %d cases, want 50", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.ID, func(t *testing.T) {
			raw := c.Polygon
			if c.PolygonFile != "" {
				if raw, err = os.ReadFile(filepath.Join(dir, c.PolygonFile)); err != nil {
					t.Fatal(err)
				}
			}
			g, err := geoJSONGeometry(raw)
			if err != nil {
				t.Fatal(err)
			}
			// Scaling by 1/2 (exact) brings the planar cases' coordinates
			// (up to 150) into the range of degrees.
			g = scaleGeometry(g, 0.5)
			p := geo.Point{Lon: c.Point[0] * 0.5, Lat: c.Point[1] * 0.5}
			for _, o := range fixtureOptions {
				if got := containsVia(t, g, p, o); got != c.Want {
					t.Errorf("opts %+v: Containing(%v) in %v = %v, want %v", o, p, g, got, c.Want)
				}
			}
		})
	}
}

func scaleGeometry(g geo.Geometry, k float64) geo.Geometry {
	scalePolygon := func(pg geo.Polygon) geo.Polygon {
		out := make(geo.Polygon, len(pg))
		for i, r := range pg {
			out[i] = make(geo.Ring, len(r))
			for j, p := range r {
				out[i][j] = geo.Point{Lon: p.Lon * k, Lat: p.Lat * k}
			}
		}
		return out
	}
	switch g := g.(type) {
	case geo.Polygon:
		return scalePolygon(g)
	case geo.MultiPolygon:
		out := make(geo.MultiPolygon, len(g))
		for i, pg := range g {
			out[i] = scalePolygon(pg)
		}
		return out
	}
	return g
}

// wkt parses the WKT subset the JTS point/polygon cases use (POINT,
// MULTIPOINT, POLYGON, MULTIPOLYGON), scaling every coordinate by scale.
func wkt(s string, scale float64) (kind string, pts []geo.Point, g geo.Geometry, err error) {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '(')
	if i < 0 && strings.HasSuffix(strings.ToUpper(s), "EMPTY") {
		return strings.ToUpper(strings.Fields(s)[0]), nil, nil, nil
	}
	if i < 0 {
		return "", nil, nil, fmt.Errorf("no coordinates in %q", s)
	}
	kind = strings.ToUpper(strings.TrimSpace(s[:i]))
	body := s[i:]
	// Nested lists of coordinate pairs: parse into a tree of rings.
	type node struct {
		kids []*node
		pts  []geo.Point
	}
	var parse func(string) (*node, string, error)
	parse = func(s string) (*node, string, error) {
		s = strings.TrimSpace(s)
		if !strings.HasPrefix(s, "(") {
			return nil, s, fmt.Errorf("want ( at %q", s)
		}
		s = strings.TrimSpace(s[1:])
		n := &node{}
		for {
			switch {
			case strings.HasPrefix(s, "("):
				k, rest, err := parse(s)
				if err != nil {
					return nil, "", err
				}
				n.kids = append(n.kids, k)
				s = rest
			default:
				end := strings.IndexAny(s, ",)")
				if end < 0 {
					return nil, "", fmt.Errorf("unterminated %q", s)
				}
				f := strings.Fields(s[:end])
				if len(f) == 1 && strings.EqualFold(f[0], "EMPTY") {
					s = s[end:]
					break
				}
				if len(f) != 2 {
					return nil, "", fmt.Errorf("bad position %q", s[:end])
				}
				x, err1 := strconv.ParseFloat(f[0], 64)
				y, err2 := strconv.ParseFloat(f[1], 64)
				if err1 != nil || err2 != nil {
					return nil, "", fmt.Errorf("bad position %q", s[:end])
				}
				n.pts = append(n.pts, geo.Point{Lon: x * scale, Lat: y * scale})
				s = s[end:]
			}
			s = strings.TrimSpace(s)
			if strings.HasPrefix(s, ",") {
				s = strings.TrimSpace(s[1:])
				continue
			}
			if strings.HasPrefix(s, ")") {
				return n, s[1:], nil
			}
			return nil, "", fmt.Errorf("want , or ) at %q", s)
		}
	}
	root, _, err := parse(body)
	if err != nil {
		return "", nil, nil, err
	}
	polygon := func(n *node) geo.Polygon {
		pg := geo.Polygon{}
		for _, r := range n.kids {
			pg = append(pg, geo.Ring(r.pts))
		}
		return pg
	}
	switch kind {
	case "POINT":
		return kind, root.pts, nil, nil
	case "MULTIPOINT":
		pts = root.pts
		for _, k := range root.kids {
			pts = append(pts, k.pts...)
		}
		return kind, pts, nil, nil
	case "POLYGON":
		return kind, nil, polygon(root), nil
	case "MULTIPOLYGON":
		mp := geo.MultiPolygon{}
		for _, k := range root.kids {
			mp = append(mp, polygon(k))
		}
		return kind, nil, mp, nil
	}
	return "", nil, nil, fmt.Errorf("unsupported WKT type %q", kind)
}

// TestJTSPointPolygon runs the JTS point/polygon relate cases: for each
// case's "intersects" result (and "coveredBy" for a single point), the
// index must say whether any of the points lies in the closed polygon.
// Coordinates (up to 360) are scaled by 1/4, a power of two, which keeps
// every orientation exactly as it was.
func TestJTSPointPolygon(t *testing.T) {
	files := []string{"general-TestRelatePA.xml", "validate-TestRelatePA.xml", "general-TestPreparedPointPredicate.xml"}
	type op struct {
		Name   string `xml:"name,attr"`
		Arg1   string `xml:"arg1,attr"`
		Result string `xml:",chardata"`
	}
	var doc struct {
		Cases []struct {
			Desc  string `xml:"desc"`
			A     string `xml:"a"`
			B     string `xml:"b"`
			Tests []struct {
				Op op `xml:"op"`
			} `xml:"test"`
		} `xml:"case"`
	}
	checked := 0
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "jts", name))
		if err != nil {
			t.Fatal(err)
		}
		doc.Cases = nil
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for ci, c := range doc.Cases {
			ka, pa, ga, err := wkt(c.A, 0.25)
			if err != nil {
				t.Fatalf("%s case %d: a: %v", name, ci, err)
			}
			kb, pb, gb, err := wkt(c.B, 0.25)
			if err != nil {
				t.Fatalf("%s case %d: b: %v", name, ci, err)
			}
			pts, g, pointsArg := pa, gb, "A"
			if strings.Contains(ka, "POLYGON") {
				pts, g, pointsArg = pb, ga, "B"
			}
			if g == nil {
				continue // an empty polygon: nothing to index
			}
			for _, tc := range c.Tests {
				want := strings.TrimSpace(tc.Op.Result) == "true"
				var any, all = false, true
				for _, o := range fixtureOptions {
					any, all = false, true
					for _, p := range pts {
						in := containsVia(t, g, p, o)
						any = any || in
						all = all && in
					}
					switch {
					case strings.EqualFold(tc.Op.Name, "intersects"):
						if any != want {
							t.Errorf("%s %q (%s %s): intersects = %v, want %v (opts %+v)", name, c.Desc, ka, kb, any, want, o)
						}
						checked++
					case strings.EqualFold(tc.Op.Name, "coveredBy") && tc.Op.Arg1 == pointsArg:
						if all != want {
							t.Errorf("%s %q (%s %s): points coveredBy polygon = %v, want %v (opts %+v)", name, c.Desc, ka, kb, all, want, o)
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("checked %d JTS expectations", checked)
	if checked < 100 {
		t.Errorf("checked %d expectations, want at least 100", checked)
	}
}
