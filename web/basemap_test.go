package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/geo"
)

// This file makes the offline basemap, static/basemap.geojson, from the
// boundaries package boundary embeds (OCHA governorates): TestBasemap
// builds it and fails when the shipped file differs; -update rewrites it.
//
// The governorates share their borders vertex for vertex, so they are
// simplified as a topology, the way TopoJSON does: every ring is cut into
// arcs where the set of rings sharing its vertices changes, each arc is
// simplified once (Douglas-Peucker, basemapToleranceDeg) and the rings are
// put back together from the simplified arcs, so neighbours keep one
// common border with no gaps or slivers. The country border (land borders
// and coast) is made of the arcs no two governorates share, so it meets
// the governorates exactly (Natural Earth's outline, off by up to a few
// km, would not).

var update = flag.Bool("update", false, "rewrite static/basemap.geojson from the boundary data")

const (
	// basemapToleranceDeg is the Douglas-Peucker tolerance: 0.0015
	// degrees, about 140 m east-west and 170 m north-south at 35° N,
	// about a pixel at zoom 10 (a district's scale).
	basemapToleranceDeg = 0.0015
	// basemapDecimals rounds coordinates to 0.0001 degrees (about 10 m).
	basemapDecimals = 4
	basemapFile     = "static/basemap.geojson"
	// basemapMaxBytes bounds the file: the page loads it on every visit.
	basemapMaxBytes = 400 << 10
)

func TestBasemap(t *testing.T) {
	got, err := buildBasemap()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > basemapMaxBytes {
		t.Errorf("the basemap is %d bytes, over %d", len(got), basemapMaxBytes)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Type string `json:"type"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(got, &fc); err != nil {
		t.Fatalf("the basemap is not JSON: %v", err)
	}
	var governorates, borders int
	for _, f := range fc.Features {
		switch f.Properties["level"] {
		case "governorate":
			governorates++
		case "country":
			borders++
		}
	}
	if governorates != 14 || borders != 1 {
		t.Errorf("the basemap has %d governorates and %d country borders, want 14 and 1", governorates, borders)
	}
	if *update {
		if err := os.WriteFile(basemapFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(basemapFile)
	if err != nil {
		t.Fatalf("%v (run go test ./web -run TestBasemap -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the boundary data gives (%d bytes, want %d); run go test ./web -run TestBasemap -update and review the diff",
			basemapFile, len(want), len(got))
	}
}

// TestBasemapKeepsTopology checks the simplification: every governorate
// keeps a valid outer ring, neighbours share their simplified border
// vertex for vertex, and every governorate's label point lies inside it.
func TestBasemapKeepsTopology(t *testing.T) {
	set, err := boundary.Syria()
	if err != nil {
		t.Fatal(err)
	}
	areas := set.Areas(boundary.LevelGovernorate)
	simplified, _ := simplifyTopology(areas)
	seen := map[geo.Point]int{} // vertex -> governorates that use it
	for i, mp := range simplified {
		if len(mp) == 0 {
			t.Errorf("%s lost every polygon", areas[i].NameEN)
			continue
		}
		mine := map[geo.Point]bool{}
		for _, poly := range mp {
			for _, r := range poly {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Errorf("%s: a ring of %d points, or not closed", areas[i].NameEN, len(r))
				}
				for _, p := range r {
					mine[p] = true
				}
			}
		}
		for p := range mine {
			seen[p]++
		}
		if lp := labelPoint(mp); !mp[largestPolygon(mp)][0].ContainsPoint(lp) {
			t.Errorf("%s: label point %v is outside it", areas[i].NameEN, lp)
		}
	}
	shared := 0
	for _, n := range seen {
		if n > 1 {
			shared++
		}
	}
	// Fourteen governorates meet along dozens of borders: each border's
	// simplified vertices are kept by both sides.
	if shared < 100 {
		t.Errorf("only %d simplified vertices are shared between governorates; the borders came apart", shared)
	}
}

// buildBasemap returns the basemap FeatureCollection: one feature per
// governorate (MultiPolygon; pcode, English and Arabic names, a label
// point) and the country border (MultiLineString).
func buildBasemap() ([]byte, error) {
	set, err := boundary.Syria()
	if err != nil {
		return nil, err
	}
	areas := set.Areas(boundary.LevelGovernorate)
	simplified, border := simplifyTopology(areas)
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","attribution":"Boundaries: OCHA / UN Cartographic Section (CC BY-IGO 3.0), simplified; see SOURCES.md","features":[`)
	for i, a := range areas {
		props, err := json.Marshal(map[string]any{"level": "governorate", "pcode": a.PCode, "name_en": a.NameEN, "name_ar": a.NameAR,
			"label": coords(labelPoint(simplified[i]))})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\n{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[", props)
		for k, poly := range simplified[i] {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for j, r := range poly {
				if j > 0 {
					b.WriteByte(',')
				}
				writeLine(&b, r)
			}
			b.WriteByte(']')
		}
		b.WriteString("]}},")
	}
	b.WriteString("\n{\"type\":\"Feature\",\"properties\":{\"level\":\"country\",\"pcode\":\"SY\",\"name_en\":\"Syria\"},\"geometry\":{\"type\":\"MultiLineString\",\"coordinates\":[")
	for i, l := range border {
		if i > 0 {
			b.WriteByte(',')
		}
		writeLine(&b, l)
	}
	b.WriteString("]}}\n]}\n")
	return b.Bytes(), nil
}

func writeLine(b *bytes.Buffer, pts []geo.Point) {
	b.WriteByte('[')
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(',')
		}
		c := coords(p)
		fmt.Fprintf(b, "[%s,%s]", strconv.FormatFloat(c[0], 'f', -1, 64), strconv.FormatFloat(c[1], 'f', -1, 64))
	}
	b.WriteByte(']')
}

func coords(p geo.Point) [2]float64 {
	k := math.Pow(10, basemapDecimals)
	return [2]float64{math.Round(p.Lon*k) / k, math.Round(p.Lat*k) / k}
}

// ringRef names a ring: area, polygon, ring.
type ringRef struct{ area, poly, ring int }

// simplifyTopology simplifies the areas' rings as a topology (see the
// comment at the top) and returns the simplified areas, coordinates
// rounded, rings that collapsed dropped, and the arcs that belong to one
// ring only: the country border.
func simplifyTopology(areas []boundary.Area) ([]geo.MultiPolygon, [][]geo.Point) {
	// Which rings use each vertex.
	users := map[geo.Point][]int{}
	var refs []ringRef
	for a, area := range areas {
		for p, poly := range area.Geometry {
			for r, ring := range poly {
				id := len(refs)
				refs = append(refs, ringRef{a, p, r})
				for _, v := range ring[:len(ring)-1] {
					if u := users[v]; len(u) == 0 || u[len(u)-1] != id {
						users[v] = append(u, id)
					}
				}
			}
		}
	}
	same := func(a, b geo.Point) bool { return slices.Equal(users[a], users[b]) }

	arcs := map[string][]geo.Point{} // canonical arc key -> simplified arc (canonical direction)
	var border [][]geo.Point
	out := make([]geo.MultiPolygon, len(areas))
	for a, area := range areas {
		for _, poly := range area.Geometry {
			var newPoly geo.Polygon
			for _, ring := range poly {
				pts := []geo.Point(ring[:len(ring)-1])
				n := len(pts)
				// Cut where the set of users changes; a ring shared with
				// nobody (or wholly with the same rings) is cut at its
				// westernmost vertex, so that its one arc has a stable start.
				var cuts []int
				for i := range n {
					if !same(pts[i], pts[(i+n-1)%n]) || !same(pts[i], pts[(i+1)%n]) {
						cuts = append(cuts, i)
					}
				}
				if len(cuts) == 0 {
					w := 0
					for i, p := range pts {
						if p.Lon < pts[w].Lon || (p.Lon == pts[w].Lon && p.Lat < pts[w].Lat) {
							w = i
						}
					}
					cuts = []int{w}
				}
				var newRing geo.Ring
				for k, c := range cuts {
					end := cuts[(k+1)%len(cuts)]
					arc := []geo.Point{pts[c]}
					for i := (c + 1) % n; ; i = (i + 1) % n {
						arc = append(arc, pts[i])
						if i == end {
							break
						}
					}
					s, shared := simplifyArc(arcs, arc, sharedArc(users, arc))
					if !shared {
						border = append(border, roundLine(s))
					}
					if len(newRing) > 0 {
						s = s[1:] // the previous arc ended where this one starts
					}
					newRing = append(newRing, s...)
				}
				newRing = geo.Ring(roundLine(newRing))
				newRing = dedupe(newRing)
				if len(newRing) >= 4 && newRing[0] == newRing[len(newRing)-1] {
					newPoly = append(newPoly, newRing)
				} else if len(newPoly) == 0 {
					break // the shell collapsed: drop the polygon
				}
			}
			if len(newPoly) > 0 {
				out[a] = append(out[a], newPoly)
			}
		}
	}
	return out, border
}

// simplifyArc returns arc simplified, in arc's direction: arcs shared by
// two rings are met twice in opposite directions, so each is simplified
// once in a canonical direction and cached under arcs. It reports whether
// the arc is shared (its middle vertex has more than one user).
func simplifyArc(arcs map[string][]geo.Point, arc []geo.Point, shared bool) ([]geo.Point, bool) {
	first, last := arc[0], arc[len(arc)-1]
	forward := first.Lon < last.Lon || (first.Lon == last.Lon && first.Lat <= last.Lat)
	if first == last && len(arc) > 2 { // a closed arc: orient by its second vertex
		second, penult := arc[1], arc[len(arc)-2]
		forward = second.Lon < penult.Lon || (second.Lon == penult.Lon && second.Lat <= penult.Lat)
	}
	canon := arc
	if !forward {
		canon = slices.Clone(arc)
		slices.Reverse(canon)
	}
	key := fmt.Sprintf("%v|%v|%v|%d", canon[0], canon[1], canon[len(canon)-1], len(canon))
	s, ok := arcs[key]
	if !ok {
		ls := make(orb.LineString, len(canon))
		for i, p := range canon {
			ls[i] = orb.Point{p.Lon, p.Lat}
		}
		if canon[0] == canon[len(canon)-1] {
			// Douglas-Peucker keeps the ends; a closed arc would become a
			// line: simplify its two halves.
			mid := len(ls) / 2
			a := simplify.DouglasPeucker(basemapToleranceDeg).Simplify(slices.Clone(ls[:mid+1])).(orb.LineString)
			b := simplify.DouglasPeucker(basemapToleranceDeg).Simplify(slices.Clone(ls[mid:])).(orb.LineString)
			ls = append(a, b[1:]...)
		} else {
			ls = simplify.DouglasPeucker(basemapToleranceDeg).Simplify(ls).(orb.LineString)
		}
		s = make([]geo.Point, len(ls))
		for i, p := range ls {
			s[i] = geo.Point{Lon: p[0], Lat: p[1]}
		}
		arcs[key] = s
	}
	if !forward {
		s = slices.Clone(s)
		slices.Reverse(s)
	}
	return s, shared
}

// sharedArc reports whether more than one ring uses every vertex of arc.
func sharedArc(users map[geo.Point][]int, arc []geo.Point) bool {
	common := users[arc[0]]
	for _, p := range arc[1:] {
		var both []int
		for _, u := range users[p] {
			if slices.Contains(common, u) {
				both = append(both, u)
			}
		}
		common = both
	}
	return len(common) > 1
}

func roundLine(pts []geo.Point) []geo.Point {
	out := make([]geo.Point, len(pts))
	for i, p := range pts {
		c := coords(p)
		out[i] = geo.Point{Lon: c[0], Lat: c[1]}
	}
	return out
}

// dedupe drops consecutive repeated points (rounding can make them).
func dedupe(r geo.Ring) geo.Ring {
	out := r[:0:0]
	for i, p := range r {
		if i == 0 || p != r[i-1] {
			out = append(out, p)
		}
	}
	return out
}

func largestPolygon(mp geo.MultiPolygon) int {
	best, bestArea := 0, -1.0
	for i, p := range mp {
		if a := math.Abs(p[0].SignedArea()); a > bestArea {
			best, bestArea = i, a
		}
	}
	return best
}

// labelPoint returns a point well inside the largest polygon of mp: of a
// 41×41 grid over its bounds, the point inside it farthest from its
// outer ring (a coarse pole of inaccessibility), so that the name of a
// concave governorate does not sit outside it.
func labelPoint(mp geo.MultiPolygon) geo.Point {
	shell := mp[largestPolygon(mp)][0]
	box := geo.RectFromPoints(shell...)
	best, bestD := shell[0], -1.0
	const n = 40
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			p := geo.Point{Lon: box.Min.Lon + (box.Max.Lon-box.Min.Lon)*float64(i)/n, Lat: box.Min.Lat + (box.Max.Lat-box.Min.Lat)*float64(j)/n}
			if !shell.ContainsPoint(p) {
				continue
			}
			d := math.Inf(1)
			for k := 1; k < len(shell); k++ {
				d = math.Min(d, segmentDistance(p, shell[k-1], shell[k]))
			}
			if d > bestD {
				best, bestD = p, d
			}
		}
	}
	c := coords(best)
	return geo.Point{Lon: c[0], Lat: c[1]}
}

// segmentDistance is the planar distance in degrees from p to segment ab,
// with longitudes scaled by the cosine of the latitude.
func segmentDistance(p, a, b geo.Point) float64 {
	k := math.Cos(p.Lat * math.Pi / 180)
	ax, ay, bx, by, px, py := a.Lon*k, a.Lat, b.Lon*k, b.Lat, p.Lon*k, p.Lat
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}
