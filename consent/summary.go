package consent

import (
	"cmp"
	"slices"

	"github.com/safezones/safezones"
)

// StandingsOf returns each party's latest verdict on version v among ds,
// which must be in the order recorded (a party's decisions on a version
// are recorded in the order they were signed).
func StandingsOf(ds []safezones.Decision, v int) Standings {
	st := Standings{}
	for _, d := range ds {
		if d.Version == v {
			st[d.PartyID] = d.Verdict
		}
	}
	return st
}

// Summarize derives a zone's summary from its versions (oldest first), its
// effective policy, its role assignments, its decisions in the order
// recorded and its commitments.
func Summarize(zoneID string, versions []safezones.Zone, pol *safezones.ZonePolicy, roles []safezones.ZoneRole,
	decisions []safezones.Decision, commitments []safezones.Commitment) *safezones.ZoneSummary {
	s := &safezones.ZoneSummary{ZoneID: zoneID, PolicySource: safezones.PolicyNone,
		Versions: []safezones.VersionConsent{}, Parties: []safezones.PartyStanding{}, Commitments: []safezones.CommitmentTotal{}}
	if pol != nil {
		s.Policy, s.PolicySource = pol.Policy, pol.Source
	}
	for _, z := range versions {
		st := StandingsOf(decisions, z.Version)
		vc := safezones.VersionConsent{Version: z.Version, Hash: z.Hash, Status: z.Status,
			Approved: orEmpty(st.Approved()), Awaiting: []string{}}
		if s.Policy != nil {
			vc.Satisfied = Evaluate(s.Policy, st.approves)
			vc.Awaiting = Outstanding(s.Policy, st.approves)
		}
		s.Versions = append(s.Versions, vc)
	}

	byParty := map[string]*safezones.PartyStanding{}
	standing := func(id string) *safezones.PartyStanding {
		if p, ok := byParty[id]; ok {
			return p
		}
		p := &safezones.PartyStanding{PartyID: id, Roles: []safezones.PartyRole{}, Verdicts: []safezones.VersionVerdict{}}
		byParty[id] = p
		return p
	}
	if s.Policy != nil {
		for _, id := range Parties(s.Policy) {
			standing(id).NamedInPolicy = true
		}
	}
	for _, r := range roles {
		if r.RemovedAt.IsZero() {
			p := standing(r.PartyID)
			if !slices.Contains(p.Roles, r.Role) {
				p.Roles = append(p.Roles, r.Role)
			}
		}
	}
	for _, d := range decisions {
		p := standing(d.PartyID)
		vv := safezones.VersionVerdict{Version: d.Version, Verdict: d.Verdict, SignedAt: d.SignedAt,
			DecisionID: d.ID, SourceKind: d.Source.Kind}
		i := slices.IndexFunc(p.Verdicts, func(x safezones.VersionVerdict) bool { return x.Version == d.Version })
		if i >= 0 {
			p.Verdicts[i] = vv
		} else {
			p.Verdicts = append(p.Verdicts, vv)
		}
	}
	for _, p := range byParty {
		slices.SortFunc(p.Verdicts, func(a, b safezones.VersionVerdict) int { return a.Version - b.Version })
		s.Parties = append(s.Parties, *p)
	}
	slices.SortFunc(s.Parties, func(a, b safezones.PartyStanding) int { return cmp.Compare(a.PartyID, b.PartyID) })

	type key struct {
		party    string
		kind     safezones.CommitmentKind
		currency string
		source   safezones.SourceKind
	}
	totals := map[key]*safezones.CommitmentTotal{}
	var order []key
	for _, c := range commitments {
		k := key{c.PartyID, c.Kind, c.Currency, c.Source.Kind}
		t, ok := totals[k]
		if !ok {
			t = &safezones.CommitmentTotal{PartyID: c.PartyID, Kind: c.Kind, Currency: c.Currency, SourceKind: c.Source.Kind}
			totals[k] = t
			order = append(order, k)
		}
		t.Commitments++
		t.Pledged += c.Quantity
		t.Delivered += c.Delivered
	}
	slices.SortFunc(order, func(a, b key) int {
		if c := cmp.Compare(a.party, b.party); c != 0 {
			return c
		}
		if c := cmp.Compare(string(a.kind), string(b.kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.currency, b.currency); c != 0 {
			return c
		}
		return cmp.Compare(string(a.source), string(b.source))
	})
	for _, k := range order {
		s.Commitments = append(s.Commitments, *totals[k])
	}
	return s
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
