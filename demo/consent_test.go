package demo

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/safezones/safezones"
)

// TestConsentScenario checks data/consent.json: it decodes strictly, names
// only the scenario's parties and zones, marks every pledge and delivery
// simulated, keeps deliveries within pledges, and sets up the two stories
// the demo tells: the Aleppo proposal that needs Syria and Russia, with
// only Syria's approval given, and the Gulf funders' pledges.
func TestConsentScenario(t *testing.T) {
	var strict ConsentScenario
	strictJSON(t, consentJSON, &strict)
	sc, err := Consent()
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := Parties()
	parties := map[string]bool{}
	for _, p := range ps {
		parties[p.ID] = true
	}
	zones := zonesByID(t)
	known := func(what, zone, party string) {
		t.Helper()
		if _, ok := zones[zone]; !ok {
			t.Errorf("%s: zone %q is not in zones.geojson", what, zone)
		}
		if party != "" && !parties[party] {
			t.Errorf("%s: party %q is not in parties.json", what, party)
		}
	}
	for _, p := range sc.Policies {
		known("policy", p.ZoneID, "")
		b, _ := json.Marshal(p.Policy)
		if p.ZoneID == "eastern-aleppo-safe-area" && string(b) != `{"all":["syria","russia"]}` {
			t.Errorf("Aleppo policy %s, want all of [syria, russia]", b)
		}
		if !strings.Contains(p.Reason, "simulated") {
			t.Errorf("policy of %s: reason %q does not say it is simulated", p.ZoneID, p.Reason)
		}
	}
	for _, r := range sc.Roles {
		known("role", r.ZoneID, r.PartyID)
		if !r.Role.Valid() {
			t.Errorf("role %q of %s is not a party role", r.Role, r.PartyID)
		}
	}
	var aleppo []string
	for _, d := range sc.Decisions {
		known("decision", d.ZoneID, d.PartyID)
		if !d.Verdict.Valid() || d.Version < 1 || !strings.Contains(d.Reason, "simulated") {
			t.Errorf("decision %+v: want a verdict, a version and a reason saying it is simulated", d)
		}
		if d.ZoneID == "eastern-aleppo-safe-area" && d.Verdict == safezones.VerdictApprove {
			aleppo = append(aleppo, d.PartyID)
		}
	}
	if !slices.Equal(aleppo, []string{"syria"}) {
		t.Errorf("approvals of the Aleppo proposal %v; want Syria's alone, so the demo waits for Russia", aleppo)
	}
	if InitialStatus("eastern-aleppo-safe-area") != safezones.StatusProposed {
		t.Error("the Aleppo zone must start proposed")
	}
	gulf := map[string]bool{}
	for _, c := range sc.Commitments {
		known("commitment "+c.ID, c.ZoneID, c.PartyID)
		if c.Source.Kind != safezones.SourceSimulated || c.Source.Description == "" {
			t.Errorf("commitment %s: source %+v, want simulated with a description", c.ID, c.Source)
		}
		var delivered int64
		for _, d := range c.Deliveries {
			delivered += d.Quantity
			if d.Source.Kind != safezones.SourceSimulated {
				t.Errorf("delivery %s: source %+v, want simulated", d.ID, d.Source)
			}
		}
		if delivered > c.Quantity {
			t.Errorf("commitment %s: %d delivered of %d pledged", c.ID, delivered, c.Quantity)
		}
		if c.Kind == safezones.CommitmentFunding {
			gulf[c.PartyID] = true
		}
	}
	for _, p := range []string{"saudi-arabia", "qatar", "uae"} {
		if !gulf[p] {
			t.Errorf("no funding pledge by %s", p)
		}
	}
}
