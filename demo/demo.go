package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/safezones/safezones"
)

//go:embed data/parties.json
var partiesJSON []byte

//go:embed data/zones.geojson
var zonesJSON []byte

//go:embed data/consent.json
var consentJSON []byte

// Parties returns the scenario's parties, ordered as in data/parties.json
// (host state, guarantors and other states, funders, UN agency, NGO,
// monitor). CreatedAt is zero: the store sets it. It returns an error if
// the embedded file does not decode, which the package's tests rule out.
func Parties() ([]safezones.Party, error) {
	var ps []safezones.Party
	if err := json.Unmarshal(partiesJSON, &ps); err != nil {
		return nil, fmt.Errorf("decode demo parties: %w", err)
	}
	return ps, nil
}

// ZonesGeoJSON returns a copy of the scenario's zones: a GeoJSON
// FeatureCollection whose features carry the zone id as "id" (a lowercase
// slug) and these properties: name, kind (safe_area, no_fly, corridor,
// protected_site), description, sponsor (a party id, absent for the
// heritage sites), floor_m and ceiling_m (no_fly), radius_m
// (protected_site), half_width_m and windows ([{from, to}], corridor),
// valid_from and valid_to (RFC 3339 UTC; valid_to absent when open),
// status ("proposed" or "active": the status to record the zone with) and
// source ({kind, description, url}). Coordinates are WGS84 [lon, lat];
// polygon shells wind counter-clockwise.
func ZonesGeoJSON() []byte {
	out := make([]byte, len(zonesJSON))
	copy(out, zonesJSON)
	return out
}

var (
	statusOnce sync.Once
	statuses   map[string]safezones.Status
)

// InitialStatus returns the status the scenario gives zone zoneID when it
// is loaded, read from the feature's "status" property: StatusActive or
// StatusProposed. It returns "" for an id that is not in the scenario.
func InitialStatus(zoneID string) safezones.Status {
	statusOnce.Do(func() {
		var fc struct {
			Features []struct {
				ID         string `json:"id"`
				Properties struct {
					Status safezones.Status `json:"status"`
				} `json:"properties"`
			} `json:"features"`
		}
		statuses = make(map[string]safezones.Status)
		if err := json.Unmarshal(zonesJSON, &fc); err != nil {
			return // the package's tests rule this out; every id is then unknown
		}
		for _, f := range fc.Features {
			statuses[f.ID] = f.Properties.Status
		}
	})
	return statuses[zoneID]
}

// ConsentScenario is the consent part of the scenario (data/consent.json):
// consent policies, zone roles, decisions to sign at start and pledges with
// their deliveries. Every decision, pledge and delivery is simulated and
// says so; the roles are scenario choices too (data/SOURCES.md).
type ConsentScenario struct {
	Policies []struct {
		ZoneID string                  `json:"zone_id"`
		Policy safezones.ConsentPolicy `json:"policy"`
		Reason string                  `json:"reason"`
	} `json:"policies"`
	Roles []struct {
		ZoneID  string              `json:"zone_id"`
		PartyID string              `json:"party_id"`
		Role    safezones.PartyRole `json:"role"`
	} `json:"roles"`
	// Decisions are signed when the scenario is loaded, with keys made
	// for the demo, and marked simulated in their signed payload.
	Decisions []struct {
		ZoneID  string            `json:"zone_id"`
		Version int               `json:"version"`
		PartyID string            `json:"party_id"`
		Verdict safezones.Verdict `json:"verdict"`
		Reason  string            `json:"reason"`
	} `json:"decisions"`
	// Commitments carry their deliveries in Deliveries.
	Commitments []safezones.Commitment `json:"commitments"`
}

// Consent returns the consent scenario. It returns an error if the
// embedded file does not decode, which the package's tests rule out.
func Consent() (*ConsentScenario, error) {
	var c ConsentScenario
	if err := json.Unmarshal(consentJSON, &c); err != nil {
		return nil, fmt.Errorf("decode demo consent scenario: %w", err)
	}
	return &c, nil
}
