package incidents

import (
	"fmt"
	"math"
	"strings"

	"github.com/safezones/safezones"
)

// ReviewStatus is where a report stands in review.
type ReviewStatus string

// The review statuses. A report starts new; a reviewer takes it in review
// (it then has an assignee) and ends it verified, rejected or merged into
// another report of the same event. Any ended review may be reopened.
const (
	StatusNew      ReviewStatus = "new"
	StatusInReview ReviewStatus = "in_review"
	StatusVerified ReviewStatus = "verified"
	StatusRejected ReviewStatus = "rejected"
	StatusMerged   ReviewStatus = "merged"
)

// ReviewStatuses lists every ReviewStatus in workflow order.
var ReviewStatuses = []ReviewStatus{StatusNew, StatusInReview, StatusVerified, StatusRejected, StatusMerged}

// Valid reports whether s is one of ReviewStatuses.
func (s ReviewStatus) Valid() bool {
	for _, v := range ReviewStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// StandsAlone reports whether the report is an event of its own: not
// rejected, and not merged into another report. Linking, violations and
// alerts leave the others out.
func (r Review) StandsAlone() bool {
	return r.Status != StatusRejected && r.Status != StatusMerged
}

// ended reports whether s closes a review.
func (s ReviewStatus) ended() bool {
	return s == StatusVerified || s == StatusRejected || s == StatusMerged
}

// Review is the reviewers' layer over a report: where it stands in the
// workflow and the reviewers' corrections. The source's account (Report)
// is never changed by review, so a correction never hides what the source
// said; Effective applies the corrections. A nil correction keeps the
// report's own value.
type Review struct {
	Status     ReviewStatus `json:"status"`
	Assignee   string       `json:"assignee,omitempty"`
	MergedInto string       `json:"merged_into,omitempty"`

	Casualties      []Figure    `json:"casualties,omitempty"`
	Happened        *Confidence `json:"happened,omitempty"`
	CiviliansHarmed *Confidence `json:"civilians_harmed,omitempty"`
	Responsibility  *Confidence `json:"responsibility,omitempty"`
	AllegedActor    *Text       `json:"alleged_actor,omitempty"`
	RadiusM         *float64    `json:"radius_m,omitempty"`

	// PublicRadiusM, when above zero, coarsens what public reads show of
	// the place (see Revision.Public).
	PublicRadiusM float64 `json:"public_radius_m,omitempty"`
}

// NewReview returns the review of a report nobody has looked at yet.
func NewReview() Review { return Review{Status: StatusNew} }

// ReviewChange is what a reviewer asks to change; nil fields stay as they
// are. Casualties, when present, replace the reviewers' figures as a whole
// (an empty list drops them, so the report's own figures apply again).
// Reason is required: it goes into the revision and the ledger.
type ReviewChange struct {
	Status          *ReviewStatus `json:"status,omitempty"`
	Assignee        *string       `json:"assignee,omitempty"`
	MergedInto      *string       `json:"merged_into,omitempty"`
	Casualties      *[]Figure     `json:"casualties,omitempty"`
	Happened        *Confidence   `json:"happened,omitempty"`
	CiviliansHarmed *Confidence   `json:"civilians_harmed,omitempty"`
	Responsibility  *Confidence   `json:"responsibility,omitempty"`
	AllegedActor    *string       `json:"alleged_actor,omitempty"`
	RadiusM         *float64      `json:"radius_m,omitempty"`
	PublicRadiusM   *float64      `json:"public_radius_m,omitempty"`
	Reason          string        `json:"reason"`
}

// Confirms reports whether c sets any confidence to confirmed, which the
// store allows only when evidence is held for the report.
func (c ReviewChange) Confirms() bool {
	for _, v := range []*Confidence{c.Happened, c.CiviliansHarmed, c.Responsibility} {
		if v != nil && *v == ConfidenceConfirmed {
			return true
		}
	}
	return false
}

// Apply returns r with c applied by reviewer by, or an invalid error naming
// the field at fault. The rules (docs/incidents.md): a status change must
// follow the workflow (in_review from any status; verified, rejected and
// merged only from in_review; new never again); in_review needs an
// assignee; ending a review is for its assignee (by), unless operator is
// true; merged needs merged_into, another report's key (the store checks
// that it exists); leaving merged clears merged_into. key is the report's
// own key.
func (r Review) Apply(c ReviewChange, key, by string, operator bool) (Review, error) {
	if strings.TrimSpace(c.Reason) == "" {
		return r, safezones.FieldErrorf(safezones.CodeInvalid, "reason", "a review change needs a reason")
	}
	out := r
	if c.Assignee != nil {
		out.Assignee = strings.TrimSpace(*c.Assignee)
	}
	if c.Status != nil && *c.Status != r.Status {
		s := *c.Status
		switch {
		case !s.Valid():
			return r, safezones.FieldErrorf(safezones.CodeInvalid, "status", "status %q: want one of %v", s, ReviewStatuses)
		case s == StatusNew:
			return r, safezones.FieldErrorf(safezones.CodeInvalid, "status", "a report cannot become new again; reopen it as in_review")
		case s.ended() && r.Status != StatusInReview:
			return r, safezones.FieldErrorf(safezones.CodeInvalid, "status", "a %s report cannot become %s: take it in review first", r.Status, s)
		case s.ended() && !operator && out.Assignee != by:
			return r, safezones.FieldErrorf(safezones.CodeForbidden, "status", "only the assignee (%s) may end this review", orNobody(out.Assignee))
		}
		out.Status = s
		if s != StatusMerged {
			out.MergedInto = ""
		}
	}
	if out.Status == StatusInReview && out.Assignee == "" {
		return r, safezones.FieldErrorf(safezones.CodeInvalid, "assignee", "a report in review needs an assignee")
	}
	if c.MergedInto != nil {
		out.MergedInto = strings.TrimSpace(*c.MergedInto)
	}
	switch {
	case out.Status == StatusMerged && out.MergedInto == "":
		return r, safezones.FieldErrorf(safezones.CodeInvalid, "merged_into", "a merged report must name the report it is merged into")
	case out.Status == StatusMerged && out.MergedInto == key:
		return r, safezones.FieldErrorf(safezones.CodeInvalid, "merged_into", "a report cannot be merged into itself")
	case out.Status != StatusMerged && out.MergedInto != "":
		return r, safezones.FieldErrorf(safezones.CodeInvalid, "merged_into", "only a merged report names merged_into")
	}
	if c.Casualties != nil {
		if err := validateFigures(*c.Casualties, "casualties"); err != nil {
			return r, err
		}
		out.Casualties = append([]Figure(nil), (*c.Casualties)...)
		if len(out.Casualties) == 0 {
			out.Casualties = nil
		}
	}
	for _, f := range []struct {
		name string
		v    *Confidence
		dst  **Confidence
	}{{"happened", c.Happened, &out.Happened}, {"civilians_harmed", c.CiviliansHarmed, &out.CiviliansHarmed}, {"responsibility", c.Responsibility, &out.Responsibility}} {
		if f.v == nil {
			continue
		}
		if *f.v > ConfidenceConfirmed {
			return r, safezones.FieldErrorf(safezones.CodeInvalid, f.name, "confidence %d is outside the scale", uint8(*f.v))
		}
		v := *f.v
		*f.dst = &v
	}
	if c.AllegedActor != nil {
		t := CleanText(strings.TrimSpace(*c.AllegedActor))
		out.AllegedActor = &t
	}
	if c.RadiusM != nil {
		if v := *c.RadiusM; math.IsNaN(v) || v < 0 || v > 1_000_000 {
			return r, safezones.FieldErrorf(safezones.CodeInvalid, "radius_m", "radius %v m: want 0 to 1,000,000", v)
		}
		v := *c.RadiusM
		out.RadiusM = &v
	}
	if c.PublicRadiusM != nil {
		if v := *c.PublicRadiusM; math.IsNaN(v) || v < 0 || v > MaxPublicRadiusM {
			return r, safezones.FieldErrorf(safezones.CodeInvalid, "public_radius_m", "public radius %v m: want 0 to %d", v, MaxPublicRadiusM)
		}
		out.PublicRadiusM = *c.PublicRadiusM
	}
	return out, nil
}

func orNobody(s string) string {
	if s == "" {
		return "nobody is assigned"
	}
	return s
}

// validateFigures checks casualty figures as intake does, naming
// field[i].member.
func validateFigures(fs []Figure, field string) error {
	if len(fs) > MaxFigures {
		return safezones.FieldErrorf(safezones.CodeInvalid, field, "%d figures; at most %d", len(fs), MaxFigures)
	}
	seen := map[Category]int{}
	for i, f := range fs {
		path := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !f.Category.Valid():
			return safezones.FieldErrorf(safezones.CodeInvalid, path+".category", "category %q is not one of %v", f.Category, Categories)
		case f.Min < 0 || f.Min > f.Best || f.Best > f.Max:
			return safezones.FieldErrorf(safezones.CodeInvalid, path, "want 0 <= min <= best <= max, got %d, %d, %d", f.Min, f.Best, f.Max)
		case strings.TrimSpace(f.Source) == "":
			return safezones.FieldErrorf(safezones.CodeInvalid, path+".source", "a figure must say where it comes from")
		}
		if j, dup := seen[f.Category]; dup {
			return safezones.FieldErrorf(safezones.CodeInvalid, path+".category", "category %s is already given at %s[%d]", f.Category, field, j)
		}
		seen[f.Category] = i
	}
	return nil
}

// Categories lists every casualty Category.
var Categories = []Category{Killed, KilledCivilians, KilledChildren, KilledSideA, KilledSideB, KilledUnknown, Injured, InjuredCivilians, InjuredChildren}

// Valid reports whether c is one of Categories.
func (c Category) Valid() bool {
	for _, v := range Categories {
		if v == c {
			return true
		}
	}
	return false
}

// Effective returns the report as reviewed: the source's account with the
// reviewers' corrections applied.
func (r Review) Effective(rep Report) Report {
	if r.Casualties != nil {
		rep.Casualties = append([]Figure(nil), r.Casualties...)
	}
	if r.Happened != nil {
		rep.Happened = *r.Happened
	}
	if r.CiviliansHarmed != nil {
		rep.CiviliansHarmed = *r.CiviliansHarmed
	}
	if r.Responsibility != nil {
		rep.Responsibility = *r.Responsibility
	}
	if r.AllegedActor != nil {
		rep.AllegedActor = *r.AllegedActor
	}
	if r.RadiusM != nil {
		rep.RadiusM = *r.RadiusM
	}
	return rep
}

// Reopened returns the review of a report whose source changed its
// account: a verified report goes back in review, since what was verified
// is no longer what the source says; other statuses stay.
func (r Review) Reopened() Review {
	if r.Status == StatusVerified {
		r.Status = StatusInReview
	}
	return r
}

// metresPerDegree is the length of one degree of latitude, near enough
// for choosing a coarsening grid.
const metresPerDegree = 111_320

// Coarsen returns p snapped to the centre of its cell in a grid of cells
// about cellM metres on a side, and how far from p that centre may be at
// most (half the cell's diagonal). The grid is fixed, so every read of
// one place gives the same answer: repeated reads cannot be averaged back
// to the exact place.
func Coarsen(lon, lat, cellM float64) (clon, clat, offsetM float64) {
	dLat := cellM / metresPerDegree
	clat = (math.Floor(lat/dLat) + 0.5) * dLat
	clat = math.Max(-90, math.Min(90, clat))
	// The longitude step follows the cell's latitude so that cells stay
	// about square; it is capped at the poles.
	cos := math.Max(math.Cos(clat*math.Pi/180), 0.01)
	dLon := cellM / (metresPerDegree * cos)
	clon = (math.Floor((lon+180)/dLon)+0.5)*dLon - 180
	clon = math.Max(-180, math.Min(180, clon))
	return clon, clat, cellM * math.Sqrt2 / 2
}
