package deconflict_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/deconflict"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geo"
)

var now = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// kafrNabl is the surgical hospital of Kafr Nabl, Idleb governorate,
// Al Ma'ra district (SY0702).
var kafrNabl = geo.Point{Lon: 36.56071, Lat: 35.61393}

func site(p geo.Point, gov, district string, verified time.Time) safezones.NotificationTerms {
	return safezones.NotificationTerms{Kind: safezones.NotificationSite, Type: "hospital", Name: "h", Geometry: p, BufferM: 100,
		Governorate: gov, District: district, VerifiedAt: verified, Addressed: []string{"syria"}}
}

// convoy runs from Bab al-Hawa to Idleb city.
func convoy(depart time.Time) safezones.NotificationTerms {
	return safezones.NotificationTerms{Kind: safezones.NotificationMovement, Type: "convoy", Name: "c",
		Geometry: geo.LineString{{Lon: 36.6601, Lat: 36.2264}, {Lon: 36.6360, Lat: 35.9306}}, BufferM: 200,
		Departure: safezones.TimeWindow{From: depart, To: depart.Add(2 * time.Hour)}, Arrival: safezones.TimeWindow{From: depart.Add(3 * time.Hour), To: depart.Add(6 * time.Hour)},
		Vehicles: 12, Governorate: "Idleb", Addressed: []string{"syria"}}
}

func checker(t *testing.T) *deconflict.Checker {
	t.Helper()
	b, err := boundary.Syria()
	if err != nil {
		t.Fatal(err)
	}
	return &deconflict.Checker{Boundaries: b, Rules: safezones.DefaultNotificationRules()}
}

func noFlyOverRoute(t *testing.T) *fence.Snapshot {
	t.Helper()
	ring := geo.Ring{{Lon: 36.55, Lat: 36.0}, {Lon: 36.75, Lat: 36.0}, {Lon: 36.75, Lat: 36.1}, {Lon: 36.55, Lat: 36.1}, {Lon: 36.55, Lat: 36.0}}
	floor, ceiling := 0.0, 10000.0
	snap, err := fence.Build([]safezones.Zone{{ID: "idlib-nfz", Version: 2, Status: safezones.StatusActive, Terms: safezones.Terms{Kind: safezones.KindNoFly,
		Name: "Idlib no-fly zone", Geometry: geo.Polygon{ring}, FloorM: &floor, CeilingM: &ceiling}}}, fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestPreShare catches each problem on a realistic case and passes a
// clean record.
func TestPreShare(t *testing.T) {
	c := checker(t)
	other := safezones.Notification{ID: "sams-kafr-nabl", Version: 1, Latest: 1, Notifier: "sams",
		NotificationTerms: site(geo.Point{Lon: 36.57200, Lat: 35.61400}, "Idleb", "", now)}
	cases := []struct {
		name  string
		terms safezones.NotificationTerms
		zones *fence.Snapshot
		want  []string // problem codes, in order
		ref   string
	}{
		{"a clean site", site(kafrNabl, "Idleb", "SY0702", now.Add(-24*time.Hour)), nil, nil, ""},
		{"a clean site by PCode", site(kafrNabl, "SY07", "", now.Add(-24*time.Hour)), nil, nil, ""},
		{"latitude and longitude swapped", site(geo.Point{Lon: 35.61393, Lat: 36.56071}, "Idleb", "", now), nil, []string{safezones.ProblemOutsideArea}, "SY07"},
		{"declared in the wrong governorate", site(kafrNabl, "Aleppo", "", now), nil, []string{safezones.ProblemOutsideArea}, "SY02"},
		{"declared in the wrong district", site(kafrNabl, "Idleb", "SY0700", now), nil, []string{safezones.ProblemOutsideArea}, "SY0700"},
		{"another organisation's site 45 m away", site(geo.Point{Lon: 36.57150, Lat: 35.61400}, "Idleb", "", now), nil, []string{safezones.ProblemDuplicate}, "sams-kafr-nabl"},
		{"not re-verified for 45 days", site(kafrNabl, "Idleb", "", now.Add(-45*24*time.Hour)), nil, []string{safezones.ProblemStale}, ""},
		{"a clean convoy", convoy(now.Add(72 * time.Hour)), nil, nil, ""},
		{"a convoy leaving in 20 hours", convoy(now.Add(20 * time.Hour)), nil, []string{safezones.ProblemLeadTime}, ""},
		{"a convoy through an active no-fly zone", convoy(now.Add(72 * time.Hour)), noFlyOverRoute(t), []string{safezones.ProblemActiveZone}, "idlib-nfz"},
		{"a convoy to a wrongly declared governorate", func() safezones.NotificationTerms {
			x := convoy(now.Add(72 * time.Hour))
			x.Governorate = "Hama"
			return x
		}(), nil,
			[]string{safezones.ProblemOutsideArea}, "SY05"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := c.PreShare("", &tc.terms, []safezones.Notification{other}, tc.zones, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Code)
				if p.Message == "" {
					t.Errorf("problem %s without a message", p.Code)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("PreShare = %+v, want codes %v", ps, tc.want)
			}
			if tc.ref != "" && ps[0].Ref != tc.ref {
				t.Errorf("problem ref %q, want %q", ps[0].Ref, tc.ref)
			}
		})
	}
	// The notification's own earlier version is no duplicate of itself.
	x := other.NotificationTerms
	if ps, _ := c.PreShare(other.ID, &x, []safezones.Notification{other}, nil, now); len(ps) != 0 {
		t.Errorf("an update duplicates itself: %+v", ps)
	}
	bad := site(kafrNabl, "Atlantis", "", now)
	if _, err := c.PreShare("", &bad, nil, nil, now); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("unknown governorate: %v, want invalid", err)
	}
}

func TestUnresolved(t *testing.T) {
	ps := []safezones.CheckProblem{{Code: safezones.ProblemStale}, {Code: safezones.ProblemDuplicate}}
	left, err := deconflict.Unresolved(ps, []safezones.CheckOverride{{Code: safezones.ProblemStale, Reason: "verified by phone"}})
	if err != nil || len(left) != 1 || left[0].Code != safezones.ProblemDuplicate {
		t.Errorf("Unresolved = %+v, %v", left, err)
	}
	if _, err := deconflict.Unresolved(ps, []safezones.CheckOverride{{Code: safezones.ProblemLeadTime, Reason: "x"}}); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("an override of a problem not found: %v", err)
	}
}

// TestCheckConvoy finds a convoy on its route and window, and not a day
// later; a point check measures the distance to a site's buffer.
func TestCheckConvoy(t *testing.T) {
	depart := now.Add(72 * time.Hour)
	ns := []safezones.Notification{
		{ID: "wfp-convoy", Version: 1, Latest: 1, Notifier: "wfp", NotificationTerms: convoy(depart)},
		{ID: "kafr-nabl", Version: 1, Latest: 1, Notifier: "msf", NotificationTerms: site(kafrNabl, "Idleb", "", now)},
	}
	snap, err := deconflict.NotificationSnapshot(ns)
	if err != nil {
		t.Fatal(err)
	}
	route := geo.LineString{{Lon: 36.60, Lat: 36.05}, {Lon: 36.70, Lat: 36.07}} // crosses the convoy's road
	found := func(q deconflict.Query) map[string]float64 {
		out := map[string]float64{}
		for _, c := range deconflict.Conflicts(q, snap, nil) {
			z := snap.Zone(c.Index)
			for _, n := range ns {
				if n.ID == deconflict.NotificationID(z) && n.Overlaps(q.Window) {
					out[n.ID] = c.DistanceM
				}
			}
		}
		return out
	}
	window := safezones.TimeWindow{From: depart.Add(time.Hour), To: depart.Add(4 * time.Hour)}
	if got := found(deconflict.Query{Geometry: route, Window: window}); len(got) != 1 || got["wfp-convoy"] != 0 {
		t.Errorf("check on the route during the movement = %v, want the convoy at 0 m", got)
	}
	dayLater := safezones.TimeWindow{From: window.From.Add(24 * time.Hour), To: window.To.Add(24 * time.Hour)}
	if got := found(deconflict.Query{Geometry: route, Window: dayLater}); len(got) != 0 {
		t.Errorf("the same route a day later = %v, want nothing", got)
	}
	// 500 m east of the hospital: 400 m from its 100 m buffer.
	p := geo.GeodesicDestination(kafrNabl, 90, 500)
	got := found(deconflict.Query{Geometry: p, BufferM: 1000, Window: dayLater})
	if d, ok := got["kafr-nabl"]; !ok || d < 399 || d > 401 {
		t.Errorf("point check 500 m from the hospital = %v, want kafr-nabl at 400 m", got)
	}
	if got := found(deconflict.Query{Geometry: p, BufferM: 300, Window: dayLater}); len(got) != 0 {
		t.Errorf("point check with a 300 m buffer = %v, want nothing", got)
	}
	// A route passing 250 m from the hospital, with a 200 m buffer, finds it.
	a, b := geo.GeodesicDestination(kafrNabl, 0, 350), geo.GeodesicDestination(kafrNabl, 0, 350)
	a.Lon, b.Lon = a.Lon-0.01, b.Lon+0.01
	if got := found(deconflict.Query{Geometry: geo.LineString{a, b}, BufferM: 300, Window: dayLater}); got["kafr-nabl"] > 300 || len(got) != 1 {
		t.Errorf("buffered route past the hospital = %v", got)
	}
}
