package safezones

import "time"

// PartyKind is what sort of actor a Party is.
type PartyKind string

// The kinds of Party.
const (
	PartyState      PartyKind = "state"
	PartyArmedGroup PartyKind = "armed_group"
	PartyUNAgency   PartyKind = "un_agency"
	PartyNGO        PartyKind = "ngo"
	PartyMonitor    PartyKind = "monitor"
	PartyFunder     PartyKind = "funder"
)

// PartyKinds lists every PartyKind in a stable order.
var PartyKinds = []PartyKind{PartyState, PartyArmedGroup, PartyUNAgency, PartyNGO, PartyMonitor, PartyFunder}

// Valid reports whether k is one of PartyKinds.
func (k PartyKind) Valid() bool {
	for _, v := range PartyKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Party is an actor: a state, an armed group, a UN agency, an NGO, a
// monitor or a funder.
type Party struct {
	ID   string    `json:"id"`
	Name string    `json:"name"`
	Kind PartyKind `json:"kind"`
	// Country is the ISO 3166-1 alpha-3 code of a state party, if any.
	Country   string    `json:"country,omitempty"`
	Source    Source    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}
