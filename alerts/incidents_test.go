package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
)

// zoneList is a ZoneLister over fixed zones that records the filter it
// was asked with (the as_of and box selection is the store's, tested
// there).
type zoneList struct {
	zones []safezones.Zone
	got   safezones.ZoneFilter
}

func (z *zoneList) ListZones(_ context.Context, f safezones.ZoneFilter) (safezones.ZonePage, error) {
	z.got = f
	return safezones.ZonePage{Zones: z.zones, Matched: len(z.zones)}, nil
}

func square(lon, lat, d float64) geo.Polygon {
	return geo.Polygon{geo.Ring{{Lon: lon, Lat: lat}, {Lon: lon + d, Lat: lat}, {Lon: lon + d, Lat: lat + d}, {Lon: lon, Lat: lat + d}, {Lon: lon, Lat: lat}}}
}

// TestIncidentViolations checks each zone shape against reports inside,
// within their precision, and beyond it.
func TestIncidentViolations(t *testing.T) {
	site := geo.Point{Lon: 36.561026, Lat: 35.613414}
	zones := &zoneList{zones: []safezones.Zone{
		{ID: "safe", Version: 2, Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "Safe area", Geometry: square(36.0, 35.0, 0.2),
			Source: safezones.Source{Kind: safezones.SourceSimulated}}},
		{ID: "hospital", Version: 1, Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "Hospital", Geometry: site, RadiusM: 300,
			Source: safezones.Source{Kind: safezones.SourceReal}}},
		{ID: "road", Version: 1, Terms: safezones.Terms{Kind: safezones.KindCorridor, Name: "Road", HalfWidthM: 1000,
			Geometry: geo.LineString{{Lon: 37.0, Lat: 35.0}, {Lon: 37.0, Lat: 36.0}}}},
	}}
	day := time.Date(2019, 5, 5, 7, 0, 0, 0, time.UTC)
	report := func(p geo.Point, radius float64) incidents.Report {
		return incidents.Report{Place: p, RadiusM: radius, Time: incidents.Interval{From: day, To: day.Add(time.Hour)}}
	}
	east := func(p geo.Point, m float64) geo.Point { return geo.Destination(p, 90, m) }
	tests := []struct {
		name   string
		rep    incidents.Report
		want   []string // zone ids, nearest first
		inside []bool
	}{
		{"in the safe area", report(geo.Point{Lon: 36.1, Lat: 35.1}, 100), []string{"safe"}, []bool{true}},
		{"1 km outside the safe area, 2 km precision", report(east(geo.Point{Lon: 36.2, Lat: 35.1}, 1000), 2000), []string{"safe"}, []bool{false}},
		{"5 km outside the safe area, 2 km precision", report(east(geo.Point{Lon: 36.2, Lat: 35.1}, 5000), 2000), nil, nil},
		{"150 m from the hospital", report(east(site, 150), 50), []string{"hospital"}, []bool{true}},
		{"500 m from the hospital, 500 m precision", report(east(site, 500), 500), []string{"hospital"}, []bool{false}},
		{"800 m from the hospital, 100 m precision", report(east(site, 800), 100), nil, nil},
		{"beside the road", report(east(geo.Point{Lon: 37.0, Lat: 35.5}, 900), 10), []string{"road"}, []bool{true}},
		{"2 km from the road, 500 m precision", report(east(geo.Point{Lon: 37.0, Lat: 35.5}, 2000), 500), nil, nil},
	}
	for _, tc := range tests {
		vs, err := IncidentViolations(context.Background(), zones, "src:1", tc.rep)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != len(tc.want) {
			t.Errorf("%s: %d violations %+v; want %v", tc.name, len(vs), vs, tc.want)
			continue
		}
		for i, v := range vs {
			if v.ZoneID != tc.want[i] || v.Inside != tc.inside[i] || (v.Inside != (v.DistanceM == 0)) || v.DistanceM > tc.rep.RadiusM {
				t.Errorf("%s: violation %d = %+v; want zone %s inside %v", tc.name, i, v, tc.want[i], tc.inside[i])
			}
		}
		if !zones.got.AsOf.Equal(day) || !zones.got.BBox.Contains(tc.rep.Place) {
			t.Errorf("%s: zones asked as of %v in %v", tc.name, zones.got.AsOf, zones.got.BBox)
		}
	}

	vs, _ := IncidentViolations(context.Background(), zones, "src:1", report(east(site, 500), 500))
	a := vs[0].Alert()
	if a.Kind != safezones.AlertViolation || a.ObjectID != "incident:src:1" || a.ZoneID != "hospital" || a.Reason != "within_precision" ||
		!a.At.Equal(day) || a.Source.Kind != safezones.SourceReal {
		t.Errorf("alert %+v", a)
	}
	vs, _ = IncidentViolations(context.Background(), zones, "src:2", report(geo.Point{Lon: 36.1, Lat: 35.1}, 10))
	if a := vs[0].Alert(); a.Reason != "inside" || a.Source.Kind != safezones.SourceSimulated {
		t.Errorf("alert in the simulated safe area %+v", a)
	}
}
