package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestObjects checks GET /v1/objects: it needs a token even with public
// reads; it lists the tracked objects with their last position, motion,
// the zones they are inside and a predicted path along their heading;
// bbox filters them; and the answers match the OpenAPI document.
func TestObjects(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	a := newAPITest(t, srv)
	a.do(call{method: "POST", path: "/v1/zones", token: testToken, status: 201,
		body: feature("box", polygon([2]float64{36, 35}, [2]float64{36.2, 35}, [2]float64{36.2, 35.2}, [2]float64{36, 35.2}, [2]float64{36, 35}),
			map[string]any{"name": "Box", "kind": "no_fly", "floor_m": 0, "ceiling_m": 10000, "status": "active"})})
	// A whole second after the zone's validity began (at its creation).
	at := time.Now().UTC().Add(time.Second).Truncate(time.Second)
	lines := fmt.Sprintf(`{"id":"jet","lon":36.5,"lat":35.1,"alt_m":5000,"speed_ms":200,"heading_deg":270,"t":%q}
{"id":"parked","lon":36.1,"lat":35.1,"t":%q}
`, at.Format(time.RFC3339), at.Format(time.RFC3339))
	a.do(call{method: "POST", path: "/v1/positions", token: testToken, body: []byte(lines), contentType: "application/x-ndjson", status: 200})

	a.do(call{method: "GET", path: "/v1/objects", status: 401, invalid: true})
	r := a.do(call{method: "GET", path: "/v1/objects", token: testToken, status: 200})
	var got struct {
		Objects []struct {
			ObjectID   string      `json:"object_id"`
			Point      []float64   `json:"point"`
			AltM       *float64    `json:"alt_m"`
			At         time.Time   `json:"at"`
			SpeedMS    *float64    `json:"speed_ms"`
			HeadingDeg *float64    `json:"heading_deg"`
			Zones      []string    `json:"zones"`
			Path       [][]float64 `json:"path"`
			PathS      []float64   `json:"path_s"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Objects) != 2 || got.Objects[0].ObjectID != "jet" || got.Objects[1].ObjectID != "parked" {
		t.Fatalf("objects = %s; want jet and parked, by id", r.body)
	}
	jet, parked := got.Objects[0], got.Objects[1]
	if jet.AltM == nil || *jet.AltM != 5000 || jet.SpeedMS == nil || *jet.SpeedMS != 200 || *jet.HeadingDeg != 270 ||
		!jet.At.Equal(at) || len(jet.Zones) != 0 {
		t.Errorf("jet = %+v; want 5,000 m, 200 m/s heading 270 at %v, in no zone", jet, at)
	}
	if len(jet.Path) < 2 || len(jet.Path) != len(jet.PathS) || jet.PathS[0] != 0 || jet.Path[0][0] != 36.5 {
		t.Fatalf("jet path %v at %v; want it to start at the jet", jet.Path, jet.PathS)
	}
	end := jet.Path[len(jet.Path)-1]
	if end[0] >= 36.5 || math.Abs(end[1]-35.1) > 0.01 || jet.PathS[len(jet.PathS)-1] != 900 {
		t.Errorf("jet path ends at %v after %v s; want due west, 15 minutes on", end, jet.PathS[len(jet.PathS)-1])
	}
	if parked.AltM != nil || parked.SpeedMS != nil || parked.Path != nil || len(parked.Zones) != 1 || parked.Zones[0] != "box" {
		t.Errorf("parked = %+v; want no altitude, no motion, no path, inside box", parked)
	}

	r = a.do(call{method: "GET", path: "/v1/objects?bbox=36,35,36.3,35.3", token: testToken, status: 200})
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.Objects) != 1 || got.Objects[0].ObjectID != "parked" {
		t.Errorf("objects in 36,35,36.3,35.3 = %s; want parked alone", r.body)
	}
	a.do(call{method: "GET", path: "/v1/objects?bbox=36,35,36.3", token: testToken, status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/objects?limit=3", token: testToken, status: 400})
}
