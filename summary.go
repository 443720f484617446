package safezones

import "time"

// ZoneSummary is where a zone stands on consent and commitments: who
// approved which version, who is still awaited, and what was pledged and
// delivered. It is derived from the stored records (consent.Summarize).
type ZoneSummary struct {
	ZoneID       string         `json:"zone_id"`
	Policy       *ConsentPolicy `json:"policy"`
	PolicySource PolicySource   `json:"policy_source"`
	// Versions are every version of the zone, oldest first.
	Versions []VersionConsent `json:"versions"`
	// Parties are every party named in the policy, holding a role for
	// the zone, or having decided on it, ordered by id.
	Parties []PartyStanding `json:"parties"`
	// Commitments total pledges and deliveries per party, kind, currency
	// and source kind (simulated totals are never mixed with real ones).
	Commitments []CommitmentTotal `json:"commitments"`
}

// VersionConsent is the consent state of one version.
type VersionConsent struct {
	Version int    `json:"version"`
	Hash    string `json:"hash"`
	Status  Status `json:"status"`
	// Satisfied reports whether the policy holds over the parties whose
	// latest verdict on this version is approve.
	Satisfied bool     `json:"satisfied"`
	Approved  []string `json:"approved"`
	// Awaiting names the parties whose approval could still satisfy the
	// policy; empty when it is satisfied.
	Awaiting []string `json:"awaiting"`
}

// PartyStanding is one party's place in a zone's consent.
type PartyStanding struct {
	PartyID string      `json:"party_id"`
	Roles   []PartyRole `json:"roles"`
	// NamedInPolicy reports whether the effective policy names the party.
	NamedInPolicy bool `json:"named_in_policy"`
	// Verdicts are the party's latest verdict on each version it decided
	// on, by version.
	Verdicts []VersionVerdict `json:"verdicts"`
}

// VersionVerdict is a party's latest verdict on one version.
type VersionVerdict struct {
	Version    int        `json:"version"`
	Verdict    Verdict    `json:"verdict"`
	SignedAt   time.Time  `json:"signed_at"`
	DecisionID string     `json:"decision_id"`
	SourceKind SourceKind `json:"source_kind"`
}

// CommitmentTotal sums one party's pledges of one kind.
type CommitmentTotal struct {
	PartyID     string         `json:"party_id"`
	Kind        CommitmentKind `json:"kind"`
	Currency    string         `json:"currency,omitempty"`
	SourceKind  SourceKind     `json:"source_kind"`
	Commitments int            `json:"commitments"`
	Pledged     int64          `json:"pledged"`
	Delivered   int64          `json:"delivered"`
}
