package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

// locateWork builds n point queries, GET /v1/locate at the workload's
// uniform points, dealt round-robin to conns connections.
func locateWork(pts []geo.Point, conns int) [][]request {
	work := make([][]request, conns)
	for i, p := range pts {
		path := "/v1/locate?lon=" + strconv.FormatFloat(p.Lon, 'f', -1, 64) + "&lat=" + strconv.FormatFloat(p.Lat, 'f', -1, 64)
		work[i%conns] = append(work[i%conns], request{method: "GET", path: path, items: 1})
	}
	return work
}

// locateAnswer is the part of a /v1/locate response the check reads.
type locateAnswer struct {
	Point          []float64             `json:"point"`
	Zones          []struct{ ID string } `json:"zones"`
	ProtectedSites []struct{ ID string } `json:"protected_sites"`
	Corridors      []struct{ ID string } `json:"corridors"`
}

// checkLocate compares every answer with the in-process snapshot's: the
// point echoed exactly and the same zone ids (the workload holds only
// safe_area zones, so sites and corridors must be empty). It returns the
// number of wrong answers and a description of the first few.
func checkLocate(snap *fence.Snapshot, pts []geo.Point, conns int, bodies [][][]byte) (bad int, examples []string) {
	at := time.Now()
	var hits []fence.Hit
	for i, p := range pts {
		body := bodies[i%conns][i/conns]
		hits = snap.Containing(p, 0, false, at, hits[:0])
		want := make([]string, len(hits))
		for k, h := range hits {
			want[k] = snap.Zone(h.Index).ID
		}
		if msg := locateMismatch(p, want, body); msg != "" {
			bad++
			if len(examples) < 5 {
				examples = append(examples, fmt.Sprintf("point %d (%v, %v): %s", i, p.Lon, p.Lat, msg))
			}
		}
	}
	return bad, examples
}

// locateMismatch says what is wrong with one answer, or "" when it holds
// exactly the zones want (in any order) for point p.
func locateMismatch(p geo.Point, want []string, body []byte) string {
	var a locateAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Sprintf("response is not the locate JSON: %v", err)
	}
	if len(a.Point) != 2 || a.Point[0] != p.Lon || a.Point[1] != p.Lat {
		return fmt.Sprintf("answers for point %v, not for this one", a.Point)
	}
	got := make([]string, 0, len(a.Zones)+len(a.ProtectedSites)+len(a.Corridors))
	for _, list := range [][]struct{ ID string }{a.Zones, a.ProtectedSites, a.Corridors} {
		for _, z := range list {
			got = append(got, z.ID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Sprintf("zones %v, want %v", got, want)
	}
	return ""
}
