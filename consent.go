package safezones

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Verdict is what a party decides about one zone version.
type Verdict string

// The verdicts of a Decision.
const (
	// VerdictApprove consents to the version.
	VerdictApprove Verdict = "approve"
	// VerdictReject refuses the version; the party may approve it later.
	VerdictReject Verdict = "reject"
	// VerdictSuspend pauses the party's consent to a version in force; a
	// later approve restores it.
	VerdictSuspend Verdict = "suspend"
	// VerdictWithdraw ends the party's consent to the version for good.
	VerdictWithdraw Verdict = "withdraw"
)

// Verdicts lists every Verdict in a stable order.
var Verdicts = []Verdict{VerdictApprove, VerdictReject, VerdictSuspend, VerdictWithdraw}

// Valid reports whether v is one of Verdicts.
func (v Verdict) Valid() bool { return slices.Contains(Verdicts, v) }

// PartyRole is the part a party plays for one zone.
type PartyRole string

// The roles a party may hold for a zone.
const (
	PartyRoleHost            PartyRole = "host"             // the state whose territory holds the zone
	PartyRoleGuarantor       PartyRole = "guarantor"        // co-signs and guarantees the zone
	PartyRoleProtectingForce PartyRole = "protecting_force" // provides troops or air cover
	PartyRoleFunder          PartyRole = "funder"           // pays for the zone
	PartyRoleHumanitarian    PartyRole = "humanitarian"     // works inside the zone
	PartyRoleMonitor         PartyRole = "monitor"          // watches the zone
)

// PartyRoles lists every PartyRole in a stable order.
var PartyRoles = []PartyRole{PartyRoleHost, PartyRoleGuarantor, PartyRoleProtectingForce,
	PartyRoleFunder, PartyRoleHumanitarian, PartyRoleMonitor}

// Valid reports whether r is one of PartyRoles.
func (r PartyRole) Valid() bool { return slices.Contains(PartyRoles, r) }

// ZoneRole is one party's role for one zone. Assignments are never
// deleted: a removal sets RemovedAt, and both are logged.
type ZoneRole struct {
	Seq        int64     `json:"seq"`
	ZoneID     string    `json:"zone_id"`
	PartyID    string    `json:"party_id"`
	Role       PartyRole `json:"role"`
	AssignedAt time.Time `json:"assigned_at"`
	AssignedBy string    `json:"assigned_by"`
	RemovedAt  time.Time `json:"removed_at,omitzero"`
	RemovedBy  string    `json:"removed_by,omitempty"`
}

// ConsentPolicy says which parties must approve a zone version. It is a
// tree: a leaf names one party (Party), and an inner node needs All of its
// operands, Any of them, or AtLeast of the operands in Of. Its JSON form is
// a party id for a leaf, {"all":[…]}, {"any":[…]} or
// {"at_least":N,"of":[…]}, nested freely, for example
//
//	{"all":["syria",{"at_least":2,"of":["russia","turkey","iran"]}]}
//
// Exactly one of Party, All, Any and Of is set.
type ConsentPolicy struct {
	Party   string
	All     []ConsentPolicy
	Any     []ConsentPolicy
	AtLeast int
	Of      []ConsentPolicy
}

// Limits on consent policies.
const (
	MaxPolicyDepth    = 8
	MaxPolicyOperands = 64
	MaxPolicyLeaves   = 256
)

// MarshalJSON writes the policy's JSON form.
func (p ConsentPolicy) MarshalJSON() ([]byte, error) {
	switch {
	case p.Party != "":
		return json.Marshal(p.Party)
	case p.All != nil:
		return json.Marshal(map[string]any{"all": p.All})
	case p.Any != nil:
		return json.Marshal(map[string]any{"any": p.Any})
	case p.Of != nil:
		return json.Marshal(map[string]any{"at_least": p.AtLeast, "of": p.Of})
	}
	return nil, fmt.Errorf("empty consent policy")
}

// UnmarshalJSON reads the JSON form with ParseConsentPolicy's checks.
func (p *ConsentPolicy) UnmarshalJSON(b []byte) error {
	q, err := ParseConsentPolicy(b)
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// ParseConsentPolicy reads a policy's JSON form and checks it: party ids
// valid, every list non-empty and free of duplicate parties, at_least an
// integer from 1 to the number of operands, depth and size within
// MaxPolicyDepth, MaxPolicyOperands and MaxPolicyLeaves. A failure is an
// *Error with code invalid whose Field is the JSON path inside the policy
// (for example "all[1].at_least"; empty for the whole policy). It does not
// check that the parties exist: stores do.
func ParseConsentPolicy(b []byte) (ConsentPolicy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return ConsentPolicy{}, Errorf(CodeInvalid, "consent policy is not JSON: %v", err)
	}
	if dec.More() {
		return ConsentPolicy{}, Errorf(CodeInvalid, "consent policy: data after the JSON value")
	}
	leaves := 0
	return parsePolicy(v, "", 1, &leaves)
}

func policyField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func parsePolicy(v any, path string, depth int, leaves *int) (ConsentPolicy, error) {
	if depth > MaxPolicyDepth {
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, path, "the policy nests deeper than %d levels", MaxPolicyDepth)
	}
	switch v := v.(type) {
	case string:
		if !ValidID(v) {
			return ConsentPolicy{}, FieldErrorf(CodeInvalid, path, "%q is not a valid party id", v)
		}
		*leaves++
		if *leaves > MaxPolicyLeaves {
			return ConsentPolicy{}, FieldErrorf(CodeInvalid, path, "the policy names more than %d parties", MaxPolicyLeaves)
		}
		return ConsentPolicy{Party: v}, nil
	case map[string]any:
		return parsePolicyObject(v, path, depth, leaves)
	}
	return ConsentPolicy{}, FieldErrorf(CodeInvalid, path,
		`a policy is a party id or an object {"all":[…]}, {"any":[…]} or {"at_least":N,"of":[…]}`)
}

func parsePolicyObject(m map[string]any, path string, depth int, leaves *int) (ConsentPolicy, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k != "all" && k != "any" && k != "at_least" && k != "of" {
			return ConsentPolicy{}, FieldErrorf(CodeInvalid, policyField(path, k), "unknown policy operator %q: use all, any, or at_least with of", k)
		}
	}
	_, hasAll := m["all"]
	_, hasAny := m["any"]
	_, hasAtLeast := m["at_least"]
	_, hasOf := m["of"]
	forms := 0
	for _, b := range []bool{hasAll, hasAny, hasAtLeast || hasOf} {
		if b {
			forms++
		}
	}
	switch {
	case forms == 0:
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, path, `an empty object is not a policy: use {"all":[…]}, {"any":[…]} or {"at_least":N,"of":[…]}`)
	case forms > 1:
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, path, "one operator per object (all, any, or at_least with of): nest objects to combine them")
	case hasAll:
		ops, err := parseOperands(m["all"], policyField(path, "all"), depth, leaves)
		return ConsentPolicy{All: ops}, err
	case hasAny:
		ops, err := parseOperands(m["any"], policyField(path, "any"), depth, leaves)
		return ConsentPolicy{Any: ops}, err
	case !hasOf:
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, policyField(path, "of"), "at_least needs of, the list it counts")
	case !hasAtLeast:
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, policyField(path, "at_least"), "of needs at_least, how many of the list must approve")
	}
	num, ok := m["at_least"].(json.Number)
	n, err := strconv.Atoi(string(num))
	if !ok || err != nil {
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, policyField(path, "at_least"), "at_least must be a whole number")
	}
	ops, perr := parseOperands(m["of"], policyField(path, "of"), depth, leaves)
	if perr != nil {
		return ConsentPolicy{}, perr
	}
	if n < 1 || n > len(ops) {
		return ConsentPolicy{}, FieldErrorf(CodeInvalid, policyField(path, "at_least"), "at_least %d must be from 1 to %d, the number of operands in of", n, len(ops))
	}
	return ConsentPolicy{AtLeast: n, Of: ops}, nil
}

func parseOperands(v any, path string, depth int, leaves *int) ([]ConsentPolicy, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, FieldErrorf(CodeInvalid, path, "must be a list of policies")
	}
	if len(list) == 0 {
		return nil, FieldErrorf(CodeInvalid, path, "must name at least one party or policy")
	}
	if len(list) > MaxPolicyOperands {
		return nil, FieldErrorf(CodeInvalid, path, "has %d operands, more than %d", len(list), MaxPolicyOperands)
	}
	out := make([]ConsentPolicy, len(list))
	seen := map[string]bool{}
	for i, x := range list {
		at := path + "[" + strconv.Itoa(i) + "]"
		p, err := parsePolicy(x, at, depth+1, leaves)
		if err != nil {
			return nil, err
		}
		if p.Party != "" {
			if seen[p.Party] {
				return nil, FieldErrorf(CodeInvalid, at, "party %q is named twice in the same list", p.Party)
			}
			seen[p.Party] = true
		}
		out[i] = p
	}
	return out, nil
}

// PolicySource says where a zone's effective consent policy comes from.
type PolicySource string

// The sources of an effective policy, in the order they are tried.
const (
	// PolicyExplicit: set for the zone (PUT /v1/zones/{id}/policy).
	PolicyExplicit PolicySource = "explicit"
	// PolicyHostRole: none set; every party with the host role must approve.
	PolicyHostRole PolicySource = "host_role"
	// PolicyTerritory: none set and no host role; every state party whose
	// territory holds the zone must approve.
	PolicyTerritory PolicySource = "territory"
	// PolicyNone: no policy applies; decisions are recorded but never
	// change the zone's status.
	PolicyNone PolicySource = "none"
)

// TerritoryFunc returns the ISO 3166-1 alpha-3 codes of the states whose
// territory holds at least part of a zone with terms t, or nil when it
// does not know. Stores use it for the default consent policy.
type TerritoryFunc func(t *Terms) []string

// PolicyChange is one explicit setting of a zone's consent policy. It
// applies to every version of the zone, from when it was set.
type PolicyChange struct {
	Seq    int64         `json:"seq"`
	ZoneID string        `json:"zone_id"`
	Policy ConsentPolicy `json:"policy"`
	SetAt  time.Time     `json:"set_at"`
	SetBy  string        `json:"set_by"`
	Reason string        `json:"reason"`
}

// ZonePolicy is a zone's effective consent policy and the history of its
// explicit settings.
type ZonePolicy struct {
	ZoneID string `json:"zone_id"`
	// Policy is the policy in effect; nil when Source is PolicyNone.
	Policy *ConsentPolicy `json:"policy"`
	Source PolicySource   `json:"source"`
	// Changes are the explicit settings, oldest first.
	Changes []PolicyChange `json:"changes"`
}

// Decision is a party's signed verdict on one exact zone version.
type Decision struct {
	ID       string    `json:"id"`
	ZoneID   string    `json:"zone_id"`
	Version  int       `json:"version"`
	Hash     string    `json:"hash"`
	PartyID  string    `json:"party_id"`
	KeyID    string    `json:"key_id"`
	Verdict  Verdict   `json:"verdict"`
	Reason   string    `json:"reason"`
	SignedAt time.Time `json:"signed_at"`
	// Source is simulated when the signed payload says so (demo data).
	Source Source `json:"source"`
	// Payload is the exact RFC 8785 JSON that was signed; Signature is
	// the ed25519 signature over it (base64 in JSON).
	Payload    json.RawMessage `json:"payload"`
	Signature  []byte          `json:"signature"`
	RecordedAt time.Time       `json:"recorded_at"`
	// RecordedBy names the member who posted it, or "operator".
	RecordedBy string `json:"recorded_by"`
}

// SignedDecision is a decision as a party sends it: the payload object and
// the ed25519 signature over its RFC 8785 canonical form.
type SignedDecision struct {
	Payload   json.RawMessage `json:"payload"`
	Signature []byte          `json:"signature"`
}

// DecisionResult is what recording a decision did.
type DecisionResult struct {
	Decision *Decision
	// Zone is the decided version as it stands afterwards.
	Zone *Zone
	// Changes are the status changes the decision caused, if any.
	Changes []StatusChange
	// Awaiting names the parties whose approval the version's policy
	// still waits for (see consent.Outstanding).
	Awaiting []string
}

// The ledger entry types of consent records.
const (
	LedgerDecision           = "decision"
	LedgerZonePolicy         = "zone_policy"
	LedgerZoneRole           = "zone_role"
	LedgerZoneRoleRemoval    = "zone_role_removal"
	LedgerPartyKey           = "party_key"
	LedgerPartyKeyRevocation = "party_key_revocation"
	LedgerCommitment         = "commitment"
	LedgerDelivery           = "delivery"
)

// ConsentService stores consent policies, zone roles and signed decisions,
// and moves zone versions through their lifecycle as decisions arrive: a
// version becomes active when its policy is satisfied by approvals of that
// exact version and its validity has begun, suspended when a party the
// policy needs suspends, rejects or withdraws, and revoked when withdrawals
// make the policy impossible to satisfy (docs/consent.md). Every record
// and status change is logged in the ledger in its own transaction.
type ConsentService interface {
	// SetZonePolicy sets the consent policy of every version of a zone
	// and activates proposed versions it now lets into force. Codes:
	// invalid (a party that does not exist; Field is its path inside the
	// policy), not_found (the zone).
	SetZonePolicy(ctx context.Context, zoneID string, p ConsentPolicy, by, reason string) (*ZonePolicy, []StatusChange, error)
	// ZonePolicy returns the zone's effective policy. Codes: not_found.
	ZonePolicy(ctx context.Context, zoneID string) (*ZonePolicy, error)
	// AssignZoneRole gives a party a role for a zone. Codes: invalid,
	// not_found (the zone), conflict (the party holds the role already).
	AssignZoneRole(ctx context.Context, zoneID, partyID string, role PartyRole, by string) (*ZoneRole, error)
	// RemoveZoneRole ends a party's role for a zone. Codes: not_found.
	RemoveZoneRole(ctx context.Context, zoneID, partyID string, role PartyRole, by string) (*ZoneRole, error)
	// ZoneRoles returns every role assignment of a zone, removed ones
	// included, in assignment order. Codes: not_found (the zone).
	ZoneRoles(ctx context.Context, zoneID string) ([]ZoneRole, error)
	// RecordDecision verifies a signed decision against the party's
	// registered key, stores and logs it, and applies the status change it
	// causes. by names who posted it. Codes: invalid (malformed payload,
	// bad signature, signed_at too far from now), not_found (the zone
	// version), forbidden (unknown or revoked key, or a key of another
	// party; a party with no say on the zone), conflict (the hash is not
	// the version's, the version is no longer open, the party withdrew
	// already, the decision is older than the party's last one or was
	// recorded already).
	RecordDecision(ctx context.Context, d SignedDecision, by string) (*DecisionResult, error)
	// Decisions returns every decision on a zone, in the order recorded.
	// Codes: not_found (the zone).
	Decisions(ctx context.Context, zoneID string) ([]Decision, error)
	// ActivateDue activates every proposed version whose policy is
	// satisfied and whose validity has begun by now, effective when it
	// began, and returns the changes made: the sweep that lets a zone
	// agreed in advance come into force on time.
	ActivateDue(ctx context.Context, now time.Time) ([]StatusChange, error)
}
