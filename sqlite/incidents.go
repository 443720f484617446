package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/ledger"
)

var _ incidents.Store = (*DB)(nil)

// reportBatch is how many reports UpsertReports stores per transaction:
// large enough that a 16,000-row file is a few dozen commits (each commit
// is an fsync under synchronous=FULL), small enough that the write lock
// is never held for long.
const reportBatch = 500

func reportRecordID(key string, rev int) string {
	return "incident_report/" + key + "/r" + strconv.Itoa(rev)
}

// parseReportRecordID splits "incident_report/<key>/r<N>"; keys may hold
// "/", so the revision is found from the end.
func parseReportRecordID(rid string) (string, int, bool) {
	rest, ok := strings.CutPrefix(rid, "incident_report/")
	i := strings.LastIndex(rest, "/r")
	if !ok || i <= 0 {
		return "", 0, false
	}
	rev, err := strconv.Atoi(rest[i+2:])
	if err != nil || rev < 1 {
		return "", 0, false
	}
	return rest[:i], rev, true
}

// reportRevisionRecord is what the ledger logged of a report revision
// stored before migration 0008: the report's canonical JSON exactly as
// incident_report_revisions holds it, and who changed it, why and when.
type reportRevisionRecord struct {
	Key        string          `json:"key"`
	Revision   int             `json:"revision"`
	Report     json.RawMessage `json:"report"`
	By         string          `json:"by"`
	Reason     string          `json:"reason"`
	RecordedAt time.Time       `json:"recorded_at"`
}

// reportDigestRecord is what the ledger logs of a report revision since
// migration 0008: a salted digest of the revision's content (revisionDigest)
// instead of the content, so that the public ledger shows neither a
// reporter nor a place that public reads coarsen, while any change to the
// stored revision still changes the record. Status is the review status,
// which is public.
type reportDigestRecord struct {
	Key        string    `json:"key"`
	Revision   int       `json:"revision"`
	SHA256     string    `json:"sha256"`
	Status     string    `json:"status"`
	By         string    `json:"by"`
	Reason     string    `json:"reason"`
	RecordedAt time.Time `json:"recorded_at"`
}

// revisionDigest returns hex SHA-256 of salt followed by the canonical
// JSON of {"report", "review", "reporter"} (each already canonical; a
// missing reporter is null). The 16-byte random salt stops anyone holding
// only the ledger from confirming a guessed place or reporter.
func revisionDigest(salt []byte, report, review, reporter []byte) (string, error) {
	if reporter == nil {
		reporter = []byte("null")
	}
	content, err := ledger.Canonical(map[string]json.RawMessage{"report": report, "review": review, "reporter": reporter})
	if err != nil {
		return "", err
	}
	return ledger.SaltedDigest(salt, content), nil
}

// canonicalReport returns the stored form of r: its canonical JSON without
// Line, which says where the row was read, not what the source says.
func canonicalReport(r incidents.Report) ([]byte, error) {
	r.Line = 0
	return ledger.Canonical(r)
}

// UpsertReports stores reports in transactions of reportBatch, each new
// revision logged in the same transaction. When a batch fails, the
// batches before it stay stored and are counted in the result. Codes:
// invalid.
func (d *DB) UpsertReports(ctx context.Context, reports []incidents.Report, by, reason string) (incidents.ImportResult, error) {
	var total incidents.ImportResult
	if err := validateUpsert(reports, by, reason); err != nil {
		return total, err
	}
	for start := 0; start < len(reports); start += reportBatch {
		batch := reports[start:min(start+reportBatch, len(reports))]
		var res incidents.ImportResult
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			res = incidents.ImportResult{}
			now := d.Now().UTC()
			for i := range batch {
				if err := upsertReport(ctx, tx, &batch[i], nil, 0, by, reason, now, &res); err != nil {
					return fmt.Errorf("store report %s (reports[%d]): %w", batch[i].Key(), start+i, err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total = total.Add(res)
	}
	return total, nil
}

// SubmitReport stores one submitted report with its reporter and public
// radius. Codes: invalid.
func (d *DB) SubmitReport(ctx context.Context, s incidents.Submission, by, reason string) (*incidents.Revision, bool, error) {
	if err := validateUpsert([]incidents.Report{s.Report}, by, reason); err != nil {
		return nil, false, err
	}
	var res incidents.ImportResult
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return upsertReport(ctx, tx, &s.Report, s.Reporter, s.PublicRadiusM, by, reason, d.Now().UTC(), &res)
	})
	if err != nil {
		return nil, false, err
	}
	rv, err := d.Report(ctx, s.Report.Key())
	return rv, res.Unchanged == 0, err
}

// validateUpsert checks what UpsertReports needs before it writes anything.
func validateUpsert(reports []incidents.Report, by, reason string) error {
	if strings.TrimSpace(by) == "" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "by", "who stores the reports must be named")
	}
	if strings.TrimSpace(reason) == "" {
		return safezones.FieldErrorf(safezones.CodeInvalid, "reason", "a revision needs a reason")
	}
	for i := range reports {
		if reports[i].Source.ID == "" {
			return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("reports[%d].source.id", i), "report has no source id")
		}
		if reports[i].SourceEventID == "" {
			return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("reports[%d].source_event_id", i), "report has no source event id")
		}
	}
	return nil
}

// currentReport is the stored state of a report that a new revision
// starts from.
type currentReport struct {
	revision int
	sum      string // SHA-256 of the current report's canonical JSON
	review   incidents.Review
	reporter []byte // canonical JSON, nil when none
}

// loadCurrent reads key's current state; ok is false when it is new.
func loadCurrent(ctx context.Context, tx *sql.Tx, key string) (cur currentReport, ok bool, err error) {
	var review, reporter sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT r.revision, r.sha256, v.review, v.reporter
		FROM incident_reports r JOIN incident_report_revisions v ON v.key = r.key AND v.revision = r.revision WHERE r.key = ?`, key).
		Scan(&cur.revision, &cur.sum, &review, &reporter)
	if errors.Is(err, sql.ErrNoRows) {
		return cur, false, nil
	}
	if err != nil {
		return cur, false, err
	}
	cur.review = incidents.NewReview()
	if review.Valid {
		if err := json.Unmarshal([]byte(review.String), &cur.review); err != nil {
			return cur, false, fmt.Errorf("incident report %s: review: %w", key, err)
		}
	}
	if reporter.Valid {
		cur.reporter = []byte(reporter.String)
	}
	return cur, true, nil
}

// upsertReport stores r in tx as a new report, a new revision or nothing,
// and counts which in res. A reporter given replaces the stored one; a
// public radius above zero replaces the review's.
func upsertReport(ctx context.Context, tx *sql.Tx, r *incidents.Report, reporter *incidents.Reporter, publicRadiusM float64, by, reason string, now time.Time, res *incidents.ImportResult) error {
	data, err := canonicalReport(*r)
	if err != nil {
		return err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	key := r.Key()
	cur, exists, err := loadCurrent(ctx, tx, key)
	if err != nil {
		return err
	}
	review := cur.review
	if !exists {
		review = incidents.NewReview()
	}
	rep := cur.reporter
	if reporter != nil {
		if rep, err = ledger.Canonical(reporter); err != nil {
			return err
		}
	}
	if publicRadiusM > 0 {
		review.PublicRadiusM = publicRadiusM
	}
	if exists && cur.sum == sum && string(rep) == string(cur.reporter) && review.PublicRadiusM == cur.review.PublicRadiusM {
		res.Unchanged++
		return nil
	}
	if exists && cur.sum != sum {
		review = review.Reopened()
	}
	from, to := r.Time.From.UnixMilli(), r.Time.To.UnixMilli()
	rev := cur.revision + 1
	if !exists {
		_, err = tx.ExecContext(ctx, `INSERT INTO incident_reports(key, source_id, source_event_id, revision, sha256, event_type, time_from, time_to, lon, lat, status, assignee)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, key, r.Source.ID, r.SourceEventID, rev, sum, string(r.EventType), from, to, r.Place.Lon, r.Place.Lat,
			string(review.Status), review.Assignee)
		res.Created++
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE incident_reports SET revision = ?, sha256 = ?, event_type = ?, time_from = ?, time_to = ?, lon = ?, lat = ?, status = ? WHERE key = ?`,
			rev, sum, string(r.EventType), from, to, r.Place.Lon, r.Place.Lat, string(review.Status), key)
		res.Updated++
	}
	if err != nil {
		return err
	}
	return insertRevision(ctx, tx, key, rev, data, review, rep, by, reason, now)
}

// insertRevision stores revision rev of key and logs its digest record.
func insertRevision(ctx context.Context, tx *sql.Tx, key string, rev int, report []byte, review incidents.Review, reporter []byte, by, reason string, now time.Time) error {
	rv, err := ledger.Canonical(review)
	if err != nil {
		return err
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	digest, err := revisionDigest(salt, report, rv, reporter)
	if err != nil {
		return err
	}
	var rep any
	if reporter != nil {
		rep = string(reporter)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_report_revisions(key, revision, report, by, reason, recorded_at, review, reporter, salt) VALUES (?,?,?,?,?,?,?,?,?)`,
		key, rev, string(report), by, reason, formatTime(now), string(rv), rep, hex.EncodeToString(salt)); err != nil {
		return err
	}
	rec := reportDigestRecord{Key: key, Revision: rev, SHA256: digest, Status: string(review.Status), By: by, Reason: reason, RecordedAt: now}
	return appendEntry(ctx, tx, safezones.LedgerIncidentReport, reportRecordID(key, rev), rec, now)
}

// ReviewReport applies a reviewer's change as a new revision. Codes:
// not_found, invalid, forbidden.
func (d *DB) ReviewReport(ctx context.Context, key string, c incidents.ReviewChange, by string, operator bool) (*incidents.Revision, error) {
	if strings.TrimSpace(by) == "" {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "by", "who reviews must be named")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		cur, exists, err := loadCurrent(ctx, tx, key)
		if err != nil {
			return err
		}
		if !exists {
			return safezones.Errorf(safezones.CodeNotFound, "no incident report %q", key)
		}
		review, err := cur.review.Apply(c, key, by, operator)
		if err != nil {
			return err
		}
		if c.MergedInto != nil && review.MergedInto != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_reports WHERE key = ?`, review.MergedInto).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return safezones.FieldErrorf(safezones.CodeInvalid, "merged_into", "no incident report %q to merge into", review.MergedInto)
			}
		}
		if c.Confirms() {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_evidence WHERE report_key = ?`, key).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return safezones.FieldErrorf(safezones.CodeInvalid, "confirmed", "confirmed means established from evidence held in the record, and this report has none")
			}
		}
		var report string
		if err := tx.QueryRowContext(ctx, `SELECT report FROM incident_report_revisions WHERE key = ? AND revision = ?`, key, cur.revision).Scan(&report); err != nil {
			return err
		}
		rev := cur.revision + 1
		if _, err := tx.ExecContext(ctx, `UPDATE incident_reports SET revision = ?, status = ?, assignee = ? WHERE key = ?`,
			rev, string(review.Status), review.Assignee, key); err != nil {
			return err
		}
		return insertRevision(ctx, tx, key, rev, []byte(report), review, cur.reporter, by, c.Reason, d.Now().UTC())
	})
	if err != nil {
		return nil, err
	}
	return d.Report(ctx, key)
}

// revisionColumns are what scanRevision reads, with the revision's ledger
// index found by its record id.
const revisionColumns = `v.key, v.revision, v.report, v.review, v.reporter, v.by, v.reason, v.recorded_at,
	(SELECT e.idx FROM ledger_entries e WHERE e.record_id = 'incident_report/' || v.key || '/r' || v.revision)`

// Report returns the current revision of the report with key. Codes:
// not_found.
func (d *DB) Report(ctx context.Context, key string) (*incidents.Revision, error) {
	rv, err := scanRevision(d.db.QueryRowContext(ctx, `SELECT `+revisionColumns+`
		FROM incident_reports r JOIN incident_report_revisions v ON v.key = r.key AND v.revision = r.revision WHERE r.key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "no incident report %q", key)
	}
	return rv, err
}

// ReportHistory returns every revision of the report with key, oldest
// first. Codes: not_found.
func (d *DB) ReportHistory(ctx context.Context, key string) ([]incidents.Revision, error) {
	revs, err := queryRows(ctx, d.db, scanRevision, `SELECT `+revisionColumns+` FROM incident_report_revisions v WHERE v.key = ? ORDER BY v.revision`, key)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, safezones.Errorf(safezones.CodeNotFound, "no incident report %q", key)
	}
	return revs, nil
}

// ReportExtent returns the box around every report and the span of their
// intervals.
func (d *DB) ReportExtent(ctx context.Context) (geo.Rect, incidents.Interval, error) {
	var n int64
	var minLon, minLat, maxLon, maxLat sql.NullFloat64
	var from, to sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT count(*), min(lon), min(lat), max(lon), max(lat), min(time_from), max(time_to) FROM incident_reports`).
		Scan(&n, &minLon, &minLat, &maxLon, &maxLat, &from, &to)
	if err != nil || n == 0 {
		return geo.EmptyRect, incidents.Interval{}, err
	}
	box := geo.Rect{Min: geo.Point{Lon: minLon.Float64, Lat: minLat.Float64}, Max: geo.Point{Lon: maxLon.Float64, Lat: maxLat.Float64}}
	return box, incidents.Interval{From: time.UnixMilli(from.Int64).UTC(), To: time.UnixMilli(to.Int64).UTC()}, nil
}

// ListReports returns the current revisions f selects, by start time then
// key. Codes: invalid.
func (d *DB) ListReports(ctx context.Context, f incidents.ReportFilter) ([]incidents.Revision, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return nil, safezones.Errorf(safezones.CodeInvalid, "limit %d and offset %d must not be negative", f.Limit, f.Offset)
	}
	var where []string
	var args []any
	if f.SourceID != "" {
		where, args = append(where, "r.source_id = ?"), append(args, f.SourceID)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, string(f.Status))
	}
	if f.Assignee != "" {
		where, args = append(where, "r.assignee = ?"), append(args, f.Assignee)
	}
	if !f.From.IsZero() {
		where, args = append(where, "r.time_to > ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where, args = append(where, "r.time_from < ?"), append(args, f.To.UnixMilli())
	}
	if b := f.BBox; b != nil {
		where = append(where, "r.lon BETWEEN ? AND ?", "r.lat BETWEEN ? AND ?")
		args = append(args, b.Min.Lon, b.Max.Lon, b.Min.Lat, b.Max.Lat)
	}
	q := `SELECT ` + revisionColumns + ` FROM incident_reports r JOIN incident_report_revisions v ON v.key = r.key AND v.revision = r.revision`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	q += " ORDER BY r.time_from, r.key LIMIT ? OFFSET ?"
	return queryRows(ctx, d.db, scanRevision, q, append(args, limit, f.Offset)...)
}

func scanRevision(s scanner) (*incidents.Revision, error) {
	var rv incidents.Revision
	var data, at string
	var review, reporter sql.NullString
	var idx sql.NullInt64
	if err := s.Scan(&rv.Key, &rv.Revision, &data, &review, &reporter, &rv.By, &rv.Reason, &at, &idx); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &rv.Report); err != nil {
		return nil, fmt.Errorf("incident report %s revision %d: %w", rv.Key, rv.Revision, err)
	}
	rv.Review = incidents.NewReview()
	if review.Valid {
		if err := json.Unmarshal([]byte(review.String), &rv.Review); err != nil {
			return nil, fmt.Errorf("incident report %s revision %d: review: %w", rv.Key, rv.Revision, err)
		}
	}
	if reporter.Valid {
		rv.Reporter = new(incidents.Reporter)
		if err := json.Unmarshal([]byte(reporter.String), rv.Reporter); err != nil {
			return nil, fmt.Errorf("incident report %s revision %d: reporter: %w", rv.Key, rv.Revision, err)
		}
	}
	rv.LedgerIndex = idx.Int64
	var err error
	rv.RecordedAt, err = parseTime(at)
	return &rv, err
}

// incidentReportRecord re-reads the ledger record of a report revision
// from the tables, in the form it was logged in (reportRevisionRecord
// before migration 0008, reportDigestRecord after); ok is false when typ
// is not an incident report.
func (d *DB) incidentReportRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	if typ != safezones.LedgerIncidentReport {
		return nil, false, nil
	}
	key, rev, ok := parseReportRecordID(recordID)
	if !ok {
		return nil, true, notFound
	}
	var data, by, reason, at string
	var review, reporter, salt sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT report, by, reason, recorded_at, review, reporter, salt FROM incident_report_revisions WHERE key = ? AND revision = ?`, key, rev).
		Scan(&data, &by, &reason, &at, &review, &reporter, &salt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	recordedAt, err := parseTime(at)
	if err != nil {
		return nil, true, err
	}
	if !salt.Valid {
		return reportRevisionRecord{Key: key, Revision: rev, Report: json.RawMessage(data), By: by, Reason: reason, RecordedAt: recordedAt}, true, nil
	}
	saltBytes, err := hex.DecodeString(salt.String)
	if err != nil {
		return nil, true, fmt.Errorf("incident report %s revision %d: salt: %w", key, rev, err)
	}
	var rep []byte
	if reporter.Valid {
		rep = []byte(reporter.String)
	}
	digest, err := revisionDigest(saltBytes, []byte(data), []byte(review.String), rep)
	if err != nil {
		return nil, true, err
	}
	var st struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(review.String), &st); err != nil {
		return nil, true, fmt.Errorf("incident report %s revision %d: review: %w", key, rev, err)
	}
	return reportDigestRecord{Key: key, Revision: rev, SHA256: digest, Status: st.Status, By: by, Reason: reason, RecordedAt: recordedAt}, true, nil
}
