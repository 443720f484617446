package sqlite

import (
	"context"
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

// reportRevisionRecord is what the ledger logs of a report revision: the
// report's canonical JSON exactly as incident_report_revisions holds it,
// and who changed it, why and when.
type reportRevisionRecord struct {
	Key        string          `json:"key"`
	Revision   int             `json:"revision"`
	Report     json.RawMessage `json:"report"`
	By         string          `json:"by"`
	Reason     string          `json:"reason"`
	RecordedAt time.Time       `json:"recorded_at"`
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
				if err := upsertReport(ctx, tx, &batch[i], by, reason, now, &res); err != nil {
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

// upsertReport stores r in tx as a new report, a new revision or nothing,
// and counts which in res.
func upsertReport(ctx context.Context, tx *sql.Tx, r *incidents.Report, by, reason string, now time.Time, res *incidents.ImportResult) error {
	data, err := canonicalReport(*r)
	if err != nil {
		return err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	key := r.Key()
	var rev int
	var old string
	err = tx.QueryRowContext(ctx, `SELECT revision, sha256 FROM incident_reports WHERE key = ?`, key).Scan(&rev, &old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		rev = 0
	case err != nil:
		return err
	case old == sum:
		res.Unchanged++
		return nil
	}
	rev++
	from, to := r.Time.From.UnixMilli(), r.Time.To.UnixMilli()
	if rev == 1 {
		_, err = tx.ExecContext(ctx, `INSERT INTO incident_reports(key, source_id, source_event_id, revision, sha256, event_type, time_from, time_to, lon, lat)
			VALUES (?,?,?,?,?,?,?,?,?,?)`, key, r.Source.ID, r.SourceEventID, rev, sum, string(r.EventType), from, to, r.Place.Lon, r.Place.Lat)
		res.Created++
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE incident_reports SET revision = ?, sha256 = ?, event_type = ?, time_from = ?, time_to = ?, lon = ?, lat = ? WHERE key = ?`,
			rev, sum, string(r.EventType), from, to, r.Place.Lon, r.Place.Lat, key)
		res.Updated++
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_report_revisions(key, revision, report, by, reason, recorded_at) VALUES (?,?,?,?,?,?)`,
		key, rev, string(data), by, reason, formatTime(now)); err != nil {
		return err
	}
	rec := reportRevisionRecord{Key: key, Revision: rev, Report: data, By: by, Reason: reason, RecordedAt: now}
	return appendEntry(ctx, tx, safezones.LedgerIncidentReport, reportRecordID(key, rev), rec, now)
}

const revisionColumns = `v.key, v.revision, v.report, v.by, v.reason, v.recorded_at`

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
	if err := s.Scan(&rv.Key, &rv.Revision, &data, &rv.By, &rv.Reason, &at); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(data), &rv.Report); err != nil {
		return nil, fmt.Errorf("incident report %s revision %d: %w", rv.Key, rv.Revision, err)
	}
	var err error
	rv.RecordedAt, err = parseTime(at)
	return &rv, err
}

// incidentReportRecord re-reads the ledger record of a report revision
// from the tables; ok is false when typ is not an incident report.
func (d *DB) incidentReportRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	if typ != safezones.LedgerIncidentReport {
		return nil, false, nil
	}
	key, rev, ok := parseReportRecordID(recordID)
	if !ok {
		return nil, true, notFound
	}
	rec := reportRevisionRecord{Key: key, Revision: rev}
	var data, at string
	err := d.db.QueryRowContext(ctx, `SELECT report, by, reason, recorded_at FROM incident_report_revisions WHERE key = ? AND revision = ?`, key, rev).
		Scan(&data, &rec.By, &rec.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	rec.Report = json.RawMessage(data)
	rec.RecordedAt, err = parseTime(at)
	return rec, true, err
}
