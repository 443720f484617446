package consent

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
)

// Evaluate reports whether p holds when the parties for which yes returns
// true consent: a leaf holds when yes(party); all when every operand
// holds; any when one does; at_least N when N of its operands do.
func Evaluate(p *safezones.ConsentPolicy, yes func(party string) bool) bool {
	switch {
	case p.Party != "":
		return yes(p.Party)
	case p.All != nil:
		for i := range p.All {
			if !Evaluate(&p.All[i], yes) {
				return false
			}
		}
		return true
	case p.Any != nil:
		for i := range p.Any {
			if Evaluate(&p.Any[i], yes) {
				return true
			}
		}
		return false
	case p.Of != nil:
		n := 0
		for i := range p.Of {
			if Evaluate(&p.Of[i], yes) {
				n++
			}
		}
		return n >= p.AtLeast
	}
	return false
}

// Parties returns every party p names, sorted, without duplicates.
func Parties(p *safezones.ConsentPolicy) []string {
	var out []string
	for _, l := range Leaves(p) {
		out = append(out, l.Party)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Leaf is one party named in a policy, with its JSON path inside it.
type Leaf struct {
	Party string
	// Path is the leaf's path in the policy's JSON form, for example
	// "all[1].of[0]" ("" when the whole policy is one party).
	Path string
}

// Leaves returns every leaf of p in document order.
func Leaves(p *safezones.ConsentPolicy) []Leaf {
	var out []Leaf
	var walk func(q *safezones.ConsentPolicy, path string)
	walk = func(q *safezones.ConsentPolicy, path string) {
		if q.Party != "" {
			out = append(out, Leaf{q.Party, path})
		}
		for _, op := range []struct {
			name string
			list []safezones.ConsentPolicy
		}{{"all", q.All}, {"any", q.Any}, {"of", q.Of}} {
			for i := range op.list {
				at := op.name
				if path != "" {
					at = path + "." + op.name
				}
				walk(&op.list[i], fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
	walk(p, "")
	return out
}

// Outstanding returns the parties whose consent could still move p
// towards holding: those not consenting in the operands that do not hold,
// sorted. It is empty when p holds.
func Outstanding(p *safezones.ConsentPolicy, yes func(party string) bool) []string {
	set := map[string]bool{}
	var walk func(q *safezones.ConsentPolicy)
	walk = func(q *safezones.ConsentPolicy) {
		if Evaluate(q, yes) {
			return
		}
		if q.Party != "" {
			set[q.Party] = true
		}
		for _, ops := range [][]safezones.ConsentPolicy{q.All, q.Any, q.Of} {
			for i := range ops {
				walk(&ops[i])
			}
		}
	}
	walk(p)
	out := make([]string, 0, len(set))
	for party := range set {
		out = append(out, party)
	}
	slices.Sort(out)
	return out
}

// Standings maps a party id to its latest verdict on one zone version.
type Standings map[string]safezones.Verdict

// Approved returns the parties whose standing is approve, sorted.
func (s Standings) Approved() []string {
	var out []string
	for p, v := range s {
		if v == safezones.VerdictApprove {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func (s Standings) approves(party string) bool { return s[party] == safezones.VerdictApprove }

func (s Standings) notWithdrawn(party string) bool { return s[party] != safezones.VerdictWithdraw }

// State is what Next needs to know of one zone version.
type State struct {
	// Policy is the version's effective policy; nil when none applies.
	Policy *safezones.ConsentPolicy
	Status safezones.Status
	// Standings are the parties' latest verdicts, including the one
	// being applied.
	Standings Standings
	// InValidity reports whether the version's validity window holds now.
	InValidity bool
	// Presumed is true for a version first put in force by the operator
	// (agreed elsewhere, not through decisions recorded here): parties
	// with no verdict on it count as consenting until they say otherwise.
	Presumed bool
}

// consents reports whether party consents to a version in force: its
// latest verdict is approve, or it has none and consent is presumed.
func (s *State) consents(party string) bool {
	v, ok := s.Standings[party]
	return v == safezones.VerdictApprove || (!ok && s.Presumed)
}

// Awaiting returns the parties whose consent could still move s's policy
// towards holding: judged over approvals for a proposal, and over the
// consenting parties for a version in force or suspended. It is empty
// when the policy holds or there is none.
func (s *State) Awaiting() []string {
	if s.Policy == nil {
		return []string{}
	}
	if s.Status == safezones.StatusProposed {
		return Outstanding(s.Policy, s.Standings.approves)
	}
	return Outstanding(s.Policy, s.consents)
}

// Transition is a status change that consent calls for.
type Transition struct {
	To     safezones.Status
	Reason string
}

// Next returns the status change that version state s calls for after
// party's verdict trigger (trigger "" for a sweep, a policy change or a
// role change). ok is false when the status stays. With no policy nothing
// changes, and verdicts of parties the policy does not name change nothing.
// The rules, for parties the policy names:
//
//   - withdraw: if the policy can no longer hold even were every party that
//     has not withdrawn to approve, an open version (proposed, active,
//     suspended) is revoked;
//   - reject, suspend, withdraw: an active version whose policy no longer
//     holds over the consenting parties is suspended;
//   - approve: a suspended version whose policy holds again over the
//     consenting parties becomes active (if in validity);
//   - approve or "": a proposed version whose policy holds over the
//     approvals of that exact version becomes active, once its validity
//     has begun.
func Next(s State, party string, trigger safezones.Verdict) (Transition, bool) {
	p := s.Policy
	if p == nil || (trigger != "" && !slices.Contains(Parties(p), party)) {
		return Transition{}, false
	}
	open := s.Status == safezones.StatusProposed || s.Status == safezones.StatusActive || s.Status == safezones.StatusSuspended
	switch trigger {
	case safezones.VerdictWithdraw, safezones.VerdictReject, safezones.VerdictSuspend:
		if trigger == safezones.VerdictWithdraw && open && !Evaluate(p, s.Standings.notWithdrawn) {
			return Transition{safezones.StatusRevoked,
				fmt.Sprintf("consent withdrawn by %s: the consent policy can no longer be satisfied", party)}, true
		}
		if s.Status == safezones.StatusActive && !Evaluate(p, s.consents) {
			return Transition{safezones.StatusSuspended,
				fmt.Sprintf("consent lost: %s by %s, and the consent policy no longer holds", pastTense(trigger), party)}, true
		}
	case safezones.VerdictApprove, "":
		if !s.InValidity {
			return Transition{}, false
		}
		if s.Status == safezones.StatusProposed && Evaluate(p, s.Standings.approves) {
			return Transition{safezones.StatusActive,
				"consent policy satisfied: approved by " + strings.Join(s.Standings.Approved(), ", ")}, true
		}
		if trigger == safezones.VerdictApprove && s.Status == safezones.StatusSuspended && Evaluate(p, s.consents) {
			return Transition{safezones.StatusActive,
				fmt.Sprintf("consent restored: approved by %s, and the consent policy holds again", party)}, true
		}
	}
	return Transition{}, false
}

func pastTense(v safezones.Verdict) string {
	switch v {
	case safezones.VerdictReject:
		return "rejected"
	case safezones.VerdictSuspend:
		return "suspended"
	case safezones.VerdictWithdraw:
		return "withdrawn"
	}
	return string(v) + "d"
}

// Admissible checks that party may record verdict v on version z, whose
// party's previous verdict on it was prev ("" for none). It returns an
// *safezones.Error with code conflict when not: the version is no longer
// open (revoked or expired), the party withdrew from it already (a
// withdrawal is final for a version), or v is suspend on a version not
// yet in force.
func Admissible(z *safezones.Zone, party string, prev, v safezones.Verdict) error {
	switch z.Status {
	case safezones.StatusRevoked, safezones.StatusExpired:
		return safezones.FieldErrorf(safezones.CodeConflict, "payload.version",
			"version %d of zone %q is %s: decisions apply to open versions (proposed, active, suspended) only", z.Version, z.ID, z.Status)
	}
	if prev == safezones.VerdictWithdraw {
		return safezones.FieldErrorf(safezones.CodeConflict, "payload.verdict",
			"%s withdrew its consent to version %d of zone %q: a withdrawal is final for a version; decide on a new version instead", party, z.Version, z.ID)
	}
	if v == safezones.VerdictSuspend && z.Status == safezones.StatusProposed {
		return safezones.FieldErrorf(safezones.CodeConflict, "payload.verdict",
			"version %d of zone %q is proposed, not in force: there is nothing to suspend; reject or withdraw it instead", z.Version, z.ID)
	}
	return nil
}

// Limits on when a decision may have been signed, relative to the time
// it is received.
const (
	// MaxAge is how old a signature may be: a decision signed longer ago
	// must be signed again, so an old payload cannot be replayed later.
	MaxAge = 24 * time.Hour
	// MaxClockSkew is how far in the future signed_at may lie.
	MaxClockSkew = 5 * time.Minute
)

// CheckTime refuses a payload signed more than MaxAge before now or more
// than MaxClockSkew after it, with an *safezones.Error (invalid) naming
// payload.signed_at.
func CheckTime(p *Payload, now time.Time) error {
	switch {
	case p.SignedAt.After(now.Add(MaxClockSkew)):
		return safezones.FieldErrorf(safezones.CodeInvalid, "payload.signed_at",
			"signed_at %s is in the future (the server's time is %s): check the signer's clock", p.SignedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case p.SignedAt.Before(now.Add(-MaxAge)):
		return safezones.FieldErrorf(safezones.CodeInvalid, "payload.signed_at",
			"signed_at %s is more than %s ago: sign the decision again", p.SignedAt.UTC().Format(time.RFC3339), MaxAge)
	}
	return nil
}
