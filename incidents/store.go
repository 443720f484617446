package incidents

import (
	"context"
	"time"

	"github.com/safezones/safezones/geo"
)

// Store keeps reports by Key with every revision. It is declared here, not
// in the root, because it speaks of Report, and the root package does not
// import this one; stores (sqlite) implement it.
type Store interface {
	// UpsertReports stores each report under its Key: a new key becomes
	// revision 1, a report whose content differs from the current
	// revision becomes the next revision, and an identical one writes
	// nothing. Report.Line is not content (it says where the row was
	// read). Every new revision records by and reason and is logged in
	// the ledger with them. Reports are taken in order, so a key given
	// twice makes two revisions when the two differ. A store may commit in
	// batches: when a later batch fails, the earlier ones stay stored and
	// the result counts them. Codes: invalid (no
	// by, no reason, or a report without a source id or event id, naming
	// "reports[i].…").
	UpsertReports(ctx context.Context, reports []Report, by, reason string) (ImportResult, error)
	// Report returns the current revision of the report with key.
	// Codes: not_found.
	Report(ctx context.Context, key string) (*Revision, error)
	// ReportHistory returns every revision of the report with key, oldest
	// first. Codes: not_found.
	ReportHistory(ctx context.Context, key string) ([]Revision, error)
	// ListReports returns the current revisions of the reports f selects,
	// ordered by start time, then key. Codes: invalid (a negative limit
	// or offset).
	ListReports(ctx context.Context, f ReportFilter) ([]Revision, error)
	// SubmitReport stores one submitted report with its reporter (kept
	// private) and its public radius: revision 1 for a new key, the next
	// revision when the report or reporter differ from the current ones,
	// nothing when both are the same (changed is false). A new revision
	// of a reviewed report keeps its review, reopened (Review.Reopened).
	// Codes: invalid.
	SubmitReport(ctx context.Context, s Submission, by, reason string) (rv *Revision, changed bool, err error)
	// ReviewReport applies a reviewer's change to the report with key as
	// a new revision by by (operator: whether the operator acts, who may
	// end any review). Codes: not_found, invalid (Review.Apply's rules, a
	// merged_into naming no report, a confirmed confidence without any
	// evidence held), forbidden (ending another reviewer's review).
	ReviewReport(ctx context.Context, key string, c ReviewChange, by string, operator bool) (*Revision, error)
	// ReportExtent returns the box around every report's point and the
	// earliest start and latest end of their intervals; an empty box and
	// zero times when there are none.
	ReportExtent(ctx context.Context) (geo.Rect, Interval, error)
}

// ImportResult counts what UpsertReports did with its reports.
type ImportResult struct {
	Created   int `json:"created"`   // new keys: revision 1
	Updated   int `json:"updated"`   // changed content: a new revision
	Unchanged int `json:"unchanged"` // identical content: nothing written
}

// Add returns the sum of r and o, for a caller storing in several calls.
func (r ImportResult) Add(o ImportResult) ImportResult {
	return ImportResult{Created: r.Created + o.Created, Updated: r.Updated + o.Updated, Unchanged: r.Unchanged + o.Unchanged}
}

// Revision is one stored version of a report: Revision counts from 1 per
// Key; Report is the source's account and Review the reviewers' layer;
// By and Reason say who changed it and why; RecordedAt is when;
// LedgerIndex is its ledger entry. Reporter is private: stores return it,
// and Public drops it.
type Revision struct {
	Key         string    `json:"key"`
	Revision    int       `json:"revision"`
	Report      Report    `json:"report"`
	Review      Review    `json:"review"`
	Reporter    *Reporter `json:"reporter,omitempty"`
	By          string    `json:"by"`
	Reason      string    `json:"reason"`
	RecordedAt  time.Time `json:"recorded_at"`
	LedgerIndex int64     `json:"ledger_index"`
	// Coarsened says that Public changed the place and dropped the texts
	// that could name it.
	Coarsened bool `json:"coarsened,omitempty"`
}

// Effective returns the report as reviewed (Review.Effective).
func (rv Revision) Effective() Report { return rv.Review.Effective(rv.Report) }

// Public returns what anyone may read of rv: no reporter, and when the
// review sets a public radius, the place snapped to a fixed grid of that
// cell size with the radius widened to cover the true place and to at
// least the public radius, and
// the texts that name the place (location, summary) and the corrected
// radius dropped. Admin1, admin2 and country stay: they are coarser than
// any radius public reads allow.
func (rv Revision) Public() Revision {
	rv.Reporter = nil
	if r := rv.Review.PublicRadiusM; r > 0 {
		lon, lat, off := Coarsen(rv.Report.Place.Lon, rv.Report.Place.Lat, r)
		rv.Report.Place.Lon, rv.Report.Place.Lat = lon, lat
		radius := rv.Report.RadiusM
		if rv.Review.RadiusM != nil {
			radius = max(radius, *rv.Review.RadiusM)
		}
		rv.Report.RadiusM = max(radius+off, r)
		rv.Review.RadiusM = nil
		rv.Report.Location = Text{}
		rv.Report.Summary = Text{}
		rv.Coarsened = true
	}
	return rv
}

// ReportFilter selects reports. Zero fields do not filter. SourceID keeps
// one source's reports; Status and Assignee those in that review state; From and To keep reports whose interval overlaps
// [From, To); BBox, when not nil, keeps reports whose point lies in it
// (edges included, Min.Lon <= Max.Lon); Limit <= 0 means all.
type ReportFilter struct {
	SourceID string
	Status   ReviewStatus
	Assignee string
	From, To time.Time
	BBox     *geo.Rect
	Limit    int
	Offset   int
}
