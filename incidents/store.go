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
// Key; By and Reason say who changed it and why; RecordedAt is when.
type Revision struct {
	Key        string    `json:"key"`
	Revision   int       `json:"revision"`
	Report     Report    `json:"report"`
	By         string    `json:"by"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
}

// ReportFilter selects reports. Zero fields do not filter. SourceID keeps
// one source's reports; From and To keep reports whose interval overlaps
// [From, To); BBox, when not nil, keeps reports whose point lies in it
// (edges included, Min.Lon <= Max.Lon); Limit <= 0 means all.
type ReportFilter struct {
	SourceID string
	From, To time.Time
	BBox     *geo.Rect
	Limit    int
	Offset   int
}
