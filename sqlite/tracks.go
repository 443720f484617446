package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/tracks"
)

var _ safezones.TrackService = (*DB)(nil)

func trackBatchRecordID(id int64) string { return "track_batch/" + strconv.FormatInt(id, 10) }

// trackBatchRecord is what the ledger logs of a batch: its digest and
// extent, not the positions (which can be large and are checked against
// the digest when read).
type trackBatchRecord struct {
	ID        int64     `json:"id"`
	FirstAt   time.Time `json:"first_at"`
	LastAt    time.Time `json:"last_at"`
	Positions int       `json:"positions"`
	Objects   int       `json:"objects"`
	SHA256    string    `json:"sha256"`
	Created   time.Time `json:"created"`
}

func newTrackBatchRecord(b *safezones.TrackBatch) trackBatchRecord {
	return trackBatchRecord{ID: b.ID, FirstAt: b.FirstAt.UTC(), LastAt: b.LastAt.UTC(), Positions: b.Positions,
		Objects: len(b.Objects), SHA256: b.SHA256, Created: b.Created.UTC()}
}

// AppendTrackBatch stores b with a filter of its object ids and logs it,
// in one transaction. Codes: invalid.
func (d *DB) AppendTrackBatch(ctx context.Context, b *safezones.TrackBatch) error {
	if b.Positions <= 0 || len(b.Objects) == 0 || len(b.Data) == 0 {
		return safezones.Errorf(safezones.CodeInvalid, "a track batch needs positions, objects and data")
	}
	if sum, err := hex.DecodeString(b.SHA256); err != nil || len(sum) != 32 {
		return safezones.FieldErrorf(safezones.CodeInvalid, "sha256", "%q is not a hex SHA-256", b.SHA256)
	}
	if b.LastAt.Before(b.FirstAt) {
		return safezones.FieldErrorf(safezones.CodeInvalid, "last_at", "last_at %s is before first_at %s", b.LastAt, b.FirstAt)
	}
	// Times are kept to the millisecond, as the ledger record says them.
	b.FirstAt, b.LastAt = b.FirstAt.UTC().Truncate(time.Millisecond), b.LastAt.UTC().Truncate(time.Millisecond)
	b.Created = d.Now().UTC().Truncate(time.Millisecond)
	first, last := b.FirstAt.UnixMilli(), b.LastAt.UnixMilli()
	filter := tracks.ObjectFilter(b.Objects)
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO track_batches(first_at, last_at, positions, objects, objects_filter, data, sha256, created) VALUES (?,?,?,?,?,?,?,?)`,
			first, last, b.Positions, len(b.Objects), filter, b.Data, b.SHA256, formatTime(b.Created))
		if err != nil {
			return err
		}
		if b.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return appendEntry(ctx, tx, safezones.LedgerTrackBatch, trackBatchRecordID(b.ID), newTrackBatchRecord(b), b.Created)
	})
}

// TrackBatches returns the batches holding positions of objectID between
// from and to (zero times do not bound), oldest first; limit <= 0 means
// all. Batches are found by time, then by their object filter, and only
// the candidates' data is read.
func (d *DB) TrackBatches(ctx context.Context, objectID string, from, to time.Time, limit int) ([]safezones.TrackBatch, error) {
	lo, hi := int64(-1<<62), int64(1<<62)
	if !from.IsZero() {
		lo = from.UnixMilli()
	}
	if !to.IsZero() {
		hi = to.UnixMilli()
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, objects_filter FROM track_batches WHERE last_at >= ? AND first_at <= ? ORDER BY id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("track batches: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var filter []byte
		if err := rows.Scan(&id, &filter); err != nil {
			rows.Close()
			return nil, err
		}
		if tracks.FilterMayHold(filter, objectID) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []safezones.TrackBatch
	for _, id := range ids {
		if limit > 0 && len(out) >= limit {
			break
		}
		b, err := scanTrackBatch(d.db.QueryRowContext(ctx, `SELECT id, first_at, last_at, positions, data, sha256, created FROM track_batches WHERE id = ?`, id))
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, nil
}

func scanTrackBatch(s scanner) (*safezones.TrackBatch, error) {
	var b safezones.TrackBatch
	var first, last int64
	var created string
	if err := s.Scan(&b.ID, &first, &last, &b.Positions, &b.Data, &b.SHA256, &created); err != nil {
		return nil, err
	}
	b.FirstAt, b.LastAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	var err error
	b.Created, err = parseTime(created)
	return &b, err
}

// trackRecord re-reads the ledger record of a batch from the tables;
// ok is false when typ is not a track batch.
func (d *DB) trackRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	if typ != safezones.LedgerTrackBatch {
		return nil, false, nil
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(recordID, "track_batch/"), 10, 64)
	if err != nil || !strings.HasPrefix(recordID, "track_batch/") {
		return nil, true, notFound
	}
	var b safezones.TrackBatch
	var first, last int64
	var objects int
	var created string
	err = d.db.QueryRowContext(ctx, `SELECT id, first_at, last_at, positions, objects, sha256, created FROM track_batches WHERE id = ?`, id).
		Scan(&b.ID, &first, &last, &b.Positions, &objects, &b.SHA256, &created)
	if err == sql.ErrNoRows {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	b.FirstAt, b.LastAt = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	if b.Created, err = parseTime(created); err != nil {
		return nil, true, err
	}
	rec := newTrackBatchRecord(&b)
	rec.Objects = objects
	return rec, true, nil
}
