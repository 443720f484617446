package incidents

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones/geo"
)

// LinkRule says when two reports are taken to describe one event. Two
// reports match when they have the same EventType, come from different
// sources, their intervals are at most MaxGap apart, and their places are
// at most MaxDistanceM apart after subtracting both uncertainty radii. A
// report whose radius exceeds MaxRadiusM or whose interval is longer than
// MaxSpan is too vague to be linked automatically and stays an incident of
// its own for a reviewer.
type LinkRule struct {
	MaxGap       time.Duration `json:"max_gap"`
	MaxDistanceM float64       `json:"max_distance_m"`
	MaxRadiusM   float64       `json:"max_radius_m"`
	MaxSpan      time.Duration `json:"max_span"`
}

// DefaultLinkRule returns the rule documented in docs/incidents.md: within
// 6 hours and 2 km (after radii), for reports located to about a town
// (radius at most 2 km) and dated to about a day (at most 48 hours).
func DefaultLinkRule() LinkRule {
	return LinkRule{MaxGap: 6 * time.Hour, MaxDistanceM: 2_000, MaxRadiusM: 2_000, MaxSpan: 48 * time.Hour}
}

// linkable reports whether a is precise enough for rule to link it.
func (rule LinkRule) linkable(a *Report) bool {
	return a.RadiusM <= rule.MaxRadiusM && a.Time.To.Sub(a.Time.From) <= rule.MaxSpan
}

// match returns the time gap and the distance beyond both radii between a
// and b, and whether they satisfy rule.
func (rule LinkRule) match(a, b *Report) (time.Duration, float64, bool) {
	if a.EventType != b.EventType || a.Source.ID == b.Source.ID {
		return 0, 0, false
	}
	gap := a.Time.Gap(b.Time)
	d := math.Max(0, geo.DistanceM(a.Place, b.Place)-a.RadiusM-b.RadiusM)
	return gap, d, gap <= rule.MaxGap && d <= rule.MaxDistanceM
}

// Link groups reports into incidents by rule. It is deterministic: reports
// are taken in order of start time, then Key; each joins the open incident
// holding a matching report with the smallest gap, then distance, then the
// earliest incident, provided no report of the incident comes from the
// same source (one source's two reports are two events to that source);
// else it opens a new incident. Reports with the same Key are one report:
// the last one in the input wins, as a re-import updates. Every report ends
// in exactly one incident. Incidents come back in order of their earliest
// report.
func Link(reports []Report, rule LinkRule) []Incident {
	rs := latestByKey(reports)
	slices.SortFunc(rs, func(a, b Report) int {
		return cmp.Or(a.Time.From.Compare(b.Time.From), strings.Compare(a.Key(), b.Key()))
	})
	var groups []*group
	for i := range rs {
		r := &rs[i]
		if g, l := bestGroup(groups, r, rule); g != nil {
			g.add(r, l)
			continue
		}
		groups = append(groups, &group{reports: []*Report{r}, to: r.Time.To})
	}
	out := make([]Incident, len(groups))
	for i, g := range groups {
		out[i] = g.incident()
	}
	return out
}

// Rebuild returns the incident made of reports, which stand for inc's
// reports in the same order (Link's grouping kept) but as a reader may see
// them: place, time, casualties and confidences are derived again from
// them, so that nothing a reader may not see shows through the incident.
// ID and Links stay; a caller that coarsened a report should drop Links,
// whose distances come from the exact places.
func (inc Incident) Rebuild(reports []Report) Incident {
	g := &group{links: inc.Links}
	for i := range reports {
		g.reports = append(g.reports, &reports[i])
	}
	out := g.incident()
	out.ID = inc.ID
	return out
}

// latestByKey returns a copy of reports keeping, for each Key, the last.
func latestByKey(reports []Report) []Report {
	last := make(map[string]int, len(reports))
	for i := range reports {
		last[reports[i].Key()] = i
	}
	out := make([]Report, 0, len(last))
	for i := range reports {
		if last[reports[i].Key()] == i {
			out = append(out, reports[i])
		}
	}
	return out
}

// group is an incident being built.
type group struct {
	reports []*Report
	links   []Match
	to      time.Time // latest end of any member
}

func (g *group) add(r *Report, l Match) {
	g.reports = append(g.reports, r)
	g.links = append(g.links, l)
	if r.Time.To.After(g.to) {
		g.to = r.Time.To
	}
}

// bestGroup returns the group r should join, and the link that justifies
// it, or nil. Groups whose reports all ended more than MaxGap before r
// starts cannot match (reports come in order of start) and are skipped.
func bestGroup(groups []*group, r *Report, rule LinkRule) (*group, Match) {
	if !rule.linkable(r) {
		return nil, Match{}
	}
	var (
		best     *group
		bestLink Match
	)
	for _, g := range groups {
		if r.Time.From.Sub(g.to) > rule.MaxGap || !rule.linkable(g.reports[0]) || g.hasSource(r.Source.ID) {
			continue
		}
		for _, m := range g.reports {
			gap, d, ok := rule.match(m, r)
			if !ok {
				continue
			}
			l := Match{From: m.Key(), To: r.Key(), Gap: gap, DistanceM: d}
			if best == nil || gap < bestLink.Gap || (gap == bestLink.Gap && d < bestLink.DistanceM) {
				best, bestLink = g, l
			}
		}
	}
	return best, bestLink
}

func (g *group) hasSource(id string) bool {
	return slices.ContainsFunc(g.reports, func(r *Report) bool { return r.Source.ID == id })
}

// moreReliable orders reports for choosing whose word counts: better source
// grade, then stronger confidence that the event happened, then Key.
func moreReliable(a, b *Report) int {
	return cmp.Or(
		cmp.Compare(a.Source.Grade.rank(), b.Source.Grade.rank()),
		cmp.Compare(b.Happened, a.Happened),
		strings.Compare(a.Key(), b.Key()),
	)
}

// incident builds the Incident of g: time is the envelope of the reports',
// place the most precise report's, each confidence the strongest given,
// the alleged actor that of the report most confident of it, and the
// casualties combined by combineFigures.
func (g *group) incident() Incident {
	first := g.reports[0]
	inc := Incident{ID: "inc:" + first.Key(), EventType: first.EventType, Time: first.Time, Links: g.links}
	byReliability := slices.Clone(g.reports)
	slices.SortFunc(byReliability, moreReliable)
	precise := slices.MinFunc(byReliability, func(a, b *Report) int { return cmp.Compare(a.RadiusM, b.RadiusM) })
	inc.Place, inc.RadiusM = precise.Place, precise.RadiusM
	for _, r := range g.reports {
		inc.Reports = append(inc.Reports, *r)
		if r.Time.From.Before(inc.Time.From) {
			inc.Time.From = r.Time.From
		}
		if r.Time.To.After(inc.Time.To) {
			inc.Time.To = r.Time.To
		}
		inc.Happened = max(inc.Happened, r.Happened)
		inc.CiviliansHarmed = max(inc.CiviliansHarmed, r.CiviliansHarmed)
	}
	for _, r := range byReliability {
		if r.AllegedActor.Value != "" && (inc.AllegedActor.Value == "" || r.Responsibility > inc.Responsibility) {
			inc.AllegedActor, inc.Responsibility = r.AllegedActor, r.Responsibility
		}
	}
	inc.Casualties = combineFigures(byReliability)
	return inc
}

// combineFigures merges the reports' figures per category without adding
// them up: the reports describe the same dead and injured. Min is the
// lowest Min and Max the highest Max of any report (the envelope of what
// the sources say); Best is the Best of the most reliable report that has
// the category. reports must be ordered most reliable first. Categories
// come back in the order of first appearance.
func combineFigures(reports []*Report) []Figure {
	var out []Figure
	idx := map[Category]int{}
	sources := map[Category][]string{}
	for _, r := range reports {
		for _, f := range r.Casualties {
			sources[f.Category] = append(sources[f.Category], r.Key())
			i, ok := idx[f.Category]
			if !ok {
				idx[f.Category] = len(out)
				out = append(out, Figure{Category: f.Category, Min: f.Min, Best: f.Best, Max: f.Max,
					Source: "best from " + r.Key() + " (" + f.Source + ")"})
				continue
			}
			out[i].Min = min(out[i].Min, f.Min)
			out[i].Max = max(out[i].Max, f.Max)
		}
	}
	for i := range out {
		if ks := sources[out[i].Category]; len(ks) > 1 {
			out[i].Note = fmt.Sprintf("range is the envelope of %d reports (%s); never summed", len(ks), strings.Join(ks, ", "))
		}
	}
	return out
}
