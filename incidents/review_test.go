package incidents

import (
	"math"
	"testing"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

func ptr[T any](v T) *T { return &v }

// TestReviewWorkflow walks the workflow's allowed steps and tries each
// forbidden one, checking the code and the field named.
func TestReviewWorkflow(t *testing.T) {
	const key, alice, bob = "ucdp-ged:1", "m_alice", "m_bob"
	st := func(s ReviewStatus) *ReviewStatus { return &s }
	r := NewReview()

	// Refusals from new.
	for _, c := range []struct {
		name   string
		change ReviewChange
		by     string
		code   safezones.Code
		field  string
	}{
		{"no reason", ReviewChange{Status: st(StatusInReview), Assignee: ptr(alice)}, alice, safezones.CodeInvalid, "reason"},
		{"in review without assignee", ReviewChange{Status: st(StatusInReview), Reason: "x"}, alice, safezones.CodeInvalid, "assignee"},
		{"verified straight from new", ReviewChange{Status: st(StatusVerified), Assignee: ptr(alice), Reason: "x"}, alice, safezones.CodeInvalid, "status"},
		{"unknown status", ReviewChange{Status: st("approved"), Reason: "x"}, alice, safezones.CodeInvalid, "status"},
		{"merged_into on an unmerged report", ReviewChange{MergedInto: ptr("acled:2"), Reason: "x"}, alice, safezones.CodeInvalid, "merged_into"},
		{"bad figure", ReviewChange{Casualties: &[]Figure{{Category: Killed, Min: 5, Best: 3, Max: 9, Source: "x"}}, Reason: "x"}, alice, safezones.CodeInvalid, "casualties[0]"},
		{"figure without source", ReviewChange{Casualties: &[]Figure{{Category: Killed, Min: 1, Best: 1, Max: 1}}, Reason: "x"}, alice, safezones.CodeInvalid, "casualties[0].source"},
		{"repeated category", ReviewChange{Casualties: &[]Figure{{Category: Killed, Best: 1, Max: 1, Source: "a"}, {Category: Killed, Best: 2, Max: 2, Source: "b"}}, Reason: "x"}, alice, safezones.CodeInvalid, "casualties[1].category"},
		{"public radius too large", ReviewChange{PublicRadiusM: ptr(1e6), Reason: "x"}, alice, safezones.CodeInvalid, "public_radius_m"},
		{"negative radius", ReviewChange{RadiusM: ptr(-1.0), Reason: "x"}, alice, safezones.CodeInvalid, "radius_m"},
	} {
		_, err := r.Apply(c.change, key, c.by, false)
		if e, ok := err.(*safezones.Error); !ok || e.Code != c.code || e.Field != c.field {
			t.Errorf("%s: Apply = %v; want %s on %q", c.name, err, c.code, c.field)
		}
	}

	r, err := r.Apply(ReviewChange{Status: st(StatusInReview), Assignee: ptr(alice), Reason: "triage"}, key, bob, false)
	if err != nil || r.Status != StatusInReview || r.Assignee != alice {
		t.Fatalf("take in review: %+v, %v", r, err)
	}
	if _, err := r.Apply(ReviewChange{Status: st(StatusVerified), Reason: "looks right"}, key, bob, false); safezones.ErrorCode(err) != safezones.CodeForbidden {
		t.Errorf("bob ends alice's review: %v; want forbidden", err)
	}
	if _, err := r.Apply(ReviewChange{Status: st(StatusMerged), MergedInto: ptr(key), Reason: "dup"}, key, alice, false); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("merge into itself: %v; want invalid", err)
	}
	if _, err := r.Apply(ReviewChange{Status: st(StatusMerged), Reason: "dup"}, key, alice, false); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("merge without merged_into: %v; want invalid", err)
	}
	// The operator may end anyone's review.
	if v, err := r.Apply(ReviewChange{Status: st(StatusRejected), Reason: "no such strike"}, key, "operator", true); err != nil || v.Status != StatusRejected {
		t.Errorf("operator rejects: %+v, %v", v, err)
	}
	m, err := r.Apply(ReviewChange{Status: st(StatusMerged), MergedInto: ptr("acled:SYR9"), Reason: "same strike as acled:SYR9"}, key, alice, false)
	if err != nil || m.MergedInto != "acled:SYR9" {
		t.Fatalf("merge: %+v, %v", m, err)
	}
	// Reopening clears merged_into; new is never reached again.
	re, err := m.Apply(ReviewChange{Status: st(StatusInReview), Reason: "not the same strike after all"}, key, bob, false)
	if err != nil || re.Status != StatusInReview || re.MergedInto != "" || re.Assignee != alice {
		t.Errorf("reopen: %+v, %v", re, err)
	}
	if _, err := re.Apply(ReviewChange{Status: st(StatusNew), Reason: "x"}, key, alice, false); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("back to new: %v; want invalid", err)
	}
	v, err := re.Apply(ReviewChange{Status: st(StatusVerified), Reason: "two sources and imagery"}, key, alice, false)
	if err != nil || v.Status != StatusVerified {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	if got := v.Reopened().Status; got != StatusInReview {
		t.Errorf("a changed source reopens a verified report: status %s", got)
	}
	if got := r.Reopened().Status; got != StatusInReview {
		t.Errorf("Reopened keeps in_review: %s", got)
	}
}

// TestReviewEffective checks that corrections apply over the source's
// account without changing it, and that an empty casualty list drops the
// reviewers' figures again.
func TestReviewEffective(t *testing.T) {
	rep := Report{Casualties: []Figure{{Category: Killed, Min: 3, Best: 4, Max: 6, Source: "ucdp-ged:best"}},
		Happened: ConfidenceProbable, RadiusM: 2000, AllegedActor: CleanText("Government of Syria")}
	fixed := []Figure{{Category: Killed, Min: 7, Best: 9, Max: 12, Source: "hospital records"}}
	r, err := NewReview().Apply(ReviewChange{Casualties: &fixed, Happened: ptr(ConfidenceHighlyProbable), RadiusM: ptr(5000.0),
		AllegedActor: ptr("Government of Russia"), Reason: "hospital lists"}, "k", "m", false)
	if err != nil {
		t.Fatal(err)
	}
	eff := r.Effective(rep)
	if eff.Casualties[0].Best != 9 || eff.Happened != ConfidenceHighlyProbable || eff.RadiusM != 5000 || eff.AllegedActor.Value != "Government of Russia" {
		t.Errorf("Effective = %+v", eff)
	}
	if rep.Casualties[0].Best != 4 || rep.Happened != ConfidenceProbable {
		t.Errorf("the source's account changed: %+v", rep)
	}
	fixed[0].Best = 100
	if eff := r.Effective(rep); eff.Casualties[0].Best != 9 {
		t.Errorf("the review shares the caller's slice: best %d", eff.Casualties[0].Best)
	}
	r, err = r.Apply(ReviewChange{Casualties: &[]Figure{}, Reason: "back to the source's figures"}, "k", "m", false)
	if err != nil || r.Effective(rep).Casualties[0].Best != 4 {
		t.Errorf("dropping corrections: %+v, %v", r, err)
	}
	c := ReviewChange{Responsibility: ptr(ConfidenceConfirmed)}
	if !c.Confirms() || (ReviewChange{Happened: ptr(ConfidenceHighlyProbable)}).Confirms() {
		t.Error("Confirms")
	}
}

// TestPublicCoarsens checks that a public read of a coarsened report hides
// the reporter, the place texts and the exact place, yet its circle still
// covers the true place, and that every place in one cell reads the same.
func TestPublicCoarsens(t *testing.T) {
	place := geo.Point{Lon: 36.6412, Lat: 35.9301}
	rv := Revision{Key: "sams:r-1", Report: Report{Place: place, RadiusM: 50, Location: CleanText("Al-Rahma hospital, Darkush"),
		Summary: CleanText("Strike on the hospital's east wing"), Admin1: CleanText("Idleb")},
		Review: Review{Status: StatusNew, PublicRadiusM: 5000}, Reporter: &Reporter{Name: "Dr. A."}}

	pub := rv.Public()
	if pub.Reporter != nil || pub.Report.Location.Value != "" || pub.Report.Summary.Value != "" || !pub.Coarsened {
		t.Errorf("Public kept private parts: %+v", pub)
	}
	if pub.Report.Admin1.Value != "Idleb" {
		t.Errorf("Public dropped the governorate")
	}
	d := geo.DistanceM(place, pub.Report.Place)
	if d < 1 {
		t.Errorf("Public left the place where it was")
	}
	if d > pub.Report.RadiusM {
		t.Errorf("the public circle (radius %.0f m) does not cover the true place %.0f m away", pub.Report.RadiusM, d)
	}
	if rv.Reporter == nil || rv.Report.Place != place {
		t.Errorf("Public changed its receiver")
	}
	near := rv
	near.Report.Place = geo.Point{Lon: place.Lon + 0.0001, Lat: place.Lat + 0.0001}
	if got := near.Public().Report.Place; got != pub.Report.Place {
		t.Errorf("two places 15 m apart read as %v and %v: the grid leaks", got, pub.Report.Place)
	}
	// Without a public radius only the reporter goes.
	rv.Review.PublicRadiusM = 0
	if p := rv.Public(); p.Report.Place != place || p.Reporter != nil || p.Coarsened || p.Report.Location.Value == "" {
		t.Errorf("uncoarsened Public = %+v", p)
	}
	for _, lat := range []float64{-89.99, 0, 60, 89.99} {
		for _, lon := range []float64{-180, -0.001, 179.999} {
			clon, clat, off := Coarsen(lon, lat, 10_000)
			if math.IsNaN(clon) || clon < -180 || clon > 180 || clat < -90 || clat > 90 {
				t.Errorf("Coarsen(%v, %v) = %v, %v", lon, lat, clon, clat)
			}
			if d := geo.DistanceM(geo.Point{Lon: lon, Lat: lat}, geo.Point{Lon: clon, Lat: clat}); lat > -89 && lat < 89 && d > off*1.01 {
				t.Errorf("Coarsen(%v, %v): %.0f m away, beyond its bound %.0f m", lon, lat, d, off)
			}
		}
	}
}
