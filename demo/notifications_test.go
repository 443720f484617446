package demo

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/deconflict"
	"github.com/safezones/safezones/fence"
)

// scenarioSnapshot builds a fence snapshot of the scenario's zones as the
// demo loads them (active or proposed, from data/zones.geojson).
func scenarioSnapshot(t *testing.T) *fence.Snapshot {
	t.Helper()
	var zs []safezones.Zone
	for _, d := range decodeZones(t) {
		zs = append(zs, safezones.Zone{ID: d.ID, Version: 1, Status: d.Props.Status, Terms: safezones.Terms{Kind: d.Props.Kind, Name: d.Props.Name,
			Geometry: d.Geometry, FloorM: d.Props.FloorM, CeilingM: d.Props.CeilingM, RadiusM: d.Props.RadiusM, HalfWidthM: d.Props.HalfWidthM,
			Valid: safezones.TimeWindow{From: d.Props.ValidFrom, To: d.Props.ValidTo}, Windows: d.Props.Windows}})
	}
	snap, err := fence.Build(zs, fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestSimulatedNotifications checks the notification scenario: valid
// versions by a humanitarian party to existing parties, marked simulated;
// clean by the pre-sharing checks at the time each is recorded (the
// convoy's one problem, its route through the no-fly zone, overridden
// with a reason); Syria answering within its time and Russia's deadline
// past at start; and every demo incident earlier than every notification,
// so that no real event is tied to a simulated notification.
func TestSimulatedNotifications(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 30, 15, 0, time.UTC)
	ns := SimulatedNotifications(start)
	parties, err := Parties()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]safezones.PartyKind{}
	for _, p := range parties {
		kinds[p.ID] = p.Kind
	}
	b, err := boundary.Syria()
	if err != nil {
		t.Fatal(err)
	}
	checker := deconflict.Checker{Boundaries: b, Rules: safezones.DefaultNotificationRules()}
	zones := scenarioSnapshot(t)
	var earlier []safezones.Notification
	ids := map[string]bool{}
	for _, sn := range ns {
		n := sn.Notification
		if ids[n.ID] || !safezones.ValidID(n.ID) {
			t.Errorf("notification id %q is repeated or not valid", n.ID)
		}
		ids[n.ID] = true
		if k := kinds[n.Notifier]; k != safezones.PartyUNAgency && k != safezones.PartyNGO {
			t.Errorf("%s: notifier %q is a %q, not a humanitarian party", n.ID, n.Notifier, k)
		}
		terms := n.NotificationTerms
		terms.Normalize()
		if err := terms.Validate(); err != nil {
			t.Errorf("%s: %v", n.ID, err)
		}
		for _, p := range terms.Addressed {
			if _, ok := kinds[p]; !ok {
				t.Errorf("%s: addressed party %q is not a demo party", n.ID, p)
			}
		}
		if terms.Source.Kind != safezones.SourceSimulated || !strings.Contains(terms.Name, "simulated") || !strings.Contains(terms.Source.Description, "Scenario") {
			t.Errorf("%s: name %q, source %+v; want both to say simulated", n.ID, terms.Name, terms.Source)
		}
		if sn.NotifiedAt.After(start) {
			t.Errorf("%s: notified at %s, after the demo's start %s", n.ID, sn.NotifiedAt, start)
		}
		problems, err := checker.PreShare(n.ID, &terms, earlier, zones, sn.NotifiedAt)
		if err != nil {
			t.Fatalf("%s: PreShare: %v", n.ID, err)
		}
		if left, err := deconflict.Unresolved(problems, n.Overrides); err != nil || len(left) != 0 {
			t.Errorf("%s: pre-sharing problems left after the overrides %v: %+v, %v", n.ID, n.Overrides, left, err)
		}
		earlier = append(earlier, safezones.Notification{ID: n.ID, Version: 1, Latest: 1, Notifier: n.Notifier, NotificationTerms: terms})
		due := sn.NotifiedAt.Add(checker.Rules.Deadline(terms.Kind))
		for _, a := range sn.Answers {
			if !slices.Contains(terms.Addressed, a.PartyID) || !a.Response.Valid() || !a.At.After(sn.NotifiedAt) || !a.At.Before(due) {
				t.Errorf("%s: answer %+v; want an addressed party answering between %s and its deadline %s", n.ID, a, sn.NotifiedAt, due)
			}
		}
	}

	hospital, convoy := ns[0], ns[1]
	if hospital.Notification.ID != NotifiedHospitalID || convoy.Notification.ID != NotifiedConvoyID {
		t.Fatalf("notifications %s, %s; want the hospital, then the convoy", hospital.Notification.ID, convoy.Notification.ID)
	}
	for _, z := range decodeZones(t) {
		if z.ID == "hospital-kafr-nobol" && z.Geometry != hospital.Notification.Geometry {
			t.Errorf("the notified hospital is at %v, the protected site at %v", hospital.Notification.Geometry, z.Geometry)
		}
	}
	if due := hospital.NotifiedAt.Add(72 * time.Hour); !due.Before(start) {
		t.Errorf("the hospital's deadline %s is not past at the start %s: no escalation", due, start)
	}
	if len(hospital.Answers) != 1 || hospital.Answers[0].PartyID != "syria" || hospital.Answers[0].Response != safezones.ResponseAcknowledge {
		t.Errorf("hospital answers %+v; want syria's acknowledgement only", hospital.Answers)
	}
	problems, _ := checker.PreShare(NotifiedConvoyID, &convoy.Notification.NotificationTerms, nil, zones, convoy.NotifiedAt)
	if len(problems) != 1 || problems[0].Code != safezones.ProblemActiveZone || problems[0].Ref != "idlib-no-fly" {
		t.Errorf("convoy problems = %+v; want its route through idlib-no-fly only", problems)
	}
	if lead := convoy.Notification.Departure.From.Sub(convoy.NotifiedAt); lead < 48*time.Hour {
		t.Errorf("convoy lead time %s, less than 48 h", lead)
	}

	real, err := RealIncidents()
	if err != nil {
		t.Fatal(err)
	}
	var latest time.Time
	for _, r := range real {
		if r.Time.To.After(latest) {
			latest = r.Time.To
		}
	}
	for _, s := range SimulatedIncidents() {
		if s.Report.Time.To.After(latest) {
			latest = s.Report.Time.To
		}
	}
	if !latest.Before(hospital.NotifiedAt) {
		t.Errorf("an incident ends at %s, after the first notification %s", latest, hospital.NotifiedAt)
	}
}
