package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

var _ safezones.LedgerReader = (*DB)(nil)

// Record ids in the ledger.
func partyRecordID(id string) string { return "party/" + id }

func versionRecordID(id string, v int) string { return fmt.Sprintf("zone/%s/v%d", id, v) }

func statusRecordID(id string, v int, seq int64) string {
	return fmt.Sprintf("zone/%s/v%d/status/%d", id, v, seq)
}

// zoneVersionRecord is what the ledger holds of a zone version: its
// immutable terms with the geometry, its hash, who made it and when.
type zoneVersionRecord struct {
	ID        string          `json:"id"`
	Version   int             `json:"version"`
	Terms     safezones.Terms `json:"terms"`
	Geometry  geometryRecord  `json:"geometry"`
	Hash      string          `json:"hash"`
	CreatedAt time.Time       `json:"created_at"`
	CreatedBy string          `json:"created_by"`
}

type geometryRecord struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

func newZoneVersionRecord(z *safezones.Zone) zoneVersionRecord {
	return zoneVersionRecord{ID: z.ID, Version: z.Version, Terms: z.Terms,
		Geometry: geometryRecord{Type: z.Geometry.Type(), Coordinates: safezones.Coordinates(z.Geometry)},
		Hash:     z.Hash, CreatedAt: z.CreatedAt.UTC(), CreatedBy: z.CreatedBy}
}

// statusRecord is a status change as logged.
type statusRecord struct {
	ZoneID     string           `json:"zone_id"`
	Version    int              `json:"version"`
	Status     safezones.Status `json:"status"`
	At         time.Time        `json:"at"`
	RecordedAt time.Time        `json:"recorded_at"`
	By         string           `json:"by"`
	Reason     string           `json:"reason"`
}

// txHashes stores the tree's hashes inside a transaction.
type txHashes struct{ tx *sql.Tx }

func (h txHashes) ReadHashes(ctx context.Context, idx []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, h.tx, idx)
}

func (h txHashes) WriteHashes(ctx context.Context, start int64, hs []tlog.Hash) error {
	for i, x := range hs {
		if _, err := h.tx.ExecContext(ctx, `INSERT INTO ledger_hashes(id, hash) VALUES (?, ?)`, start+int64(i), x[:]); err != nil {
			return fmt.Errorf("store ledger hash %d: %w", start+int64(i), err)
		}
	}
	return nil
}

func readHashes(ctx context.Context, q querier, idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	if len(idx) == 0 {
		return out, nil
	}
	// One query for the whole set: a proof needs about 2·log2(n) hashes.
	var sb strings.Builder
	args := make([]any, len(idx))
	sb.WriteString(`SELECT id, hash FROM ledger_hashes WHERE id IN (`)
	for i, x := range idx {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('?')
		args[i] = x
	}
	sb.WriteByte(')')
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make(map[int64]tlog.Hash, len(idx))
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return nil, err
		}
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("ledger hash %d has %d bytes", id, len(b))
		}
		got[id] = tlog.Hash(b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, x := range idx {
		h, ok := got[x]
		if !ok {
			return nil, safezones.Errorf(safezones.CodeNotFound, "ledger hash %d is not stored", x)
		}
		out[i] = h
	}
	return out, nil
}

// appendEntry logs record in tx as the next ledger entry.
func appendEntry(ctx context.Context, tx *sql.Tx, typ, recordID string, record any, now time.Time) error {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries`).Scan(&n); err != nil {
		return fmt.Errorf("ledger size: %w", err)
	}
	rec, err := ledger.Canonical(record)
	if err != nil {
		return err
	}
	data, err := ledger.EncodeEnvelope(ledger.Envelope{Index: n, Type: typ, RecordID: recordID, RecordedAt: now, Record: rec})
	if err != nil {
		return err
	}
	leaf, err := ledger.Append(ctx, txHashes{tx}, n, data)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ledger_entries(idx, type, record_id, recorded_at, data, leaf_hash) VALUES (?,?,?,?,?,?)`,
		n, typ, recordID, formatTime(now), data, leaf[:])
	if err != nil {
		return fmt.Errorf("append ledger entry %d (%s): %w", n, recordID, err)
	}
	return nil
}

// LedgerSize returns the number of entries.
func (d *DB) LedgerSize(ctx context.Context) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries`).Scan(&n)
	return n, err
}

const entryColumns = `idx, type, record_id, recorded_at, data, leaf_hash`

// LedgerEntries returns up to limit entries from start.
func (d *DB) LedgerEntries(ctx context.Context, start int64, limit int) ([]safezones.LedgerEntry, error) {
	return queryRows(ctx, d.db, scanEntry, `SELECT `+entryColumns+` FROM ledger_entries WHERE idx >= ? ORDER BY idx LIMIT ?`, start, limit)
}

// LedgerEntryByRecord returns the entry that logged recordID.
func (d *DB) LedgerEntryByRecord(ctx context.Context, recordID string) (*safezones.LedgerEntry, error) {
	e, err := scanEntry(d.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM ledger_entries WHERE record_id = ?`, recordID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "no ledger entry for record %q", recordID)
	}
	return e, err
}

func scanEntry(s scanner) (*safezones.LedgerEntry, error) {
	var e safezones.LedgerEntry
	var at string
	var leaf []byte
	if err := s.Scan(&e.Index, &e.Type, &e.RecordID, &at, &e.Data, &leaf); err != nil {
		return nil, err
	}
	copy(e.LeafHash[:], leaf)
	var err error
	e.RecordedAt, err = parseTime(at)
	return &e, err
}

// LedgerHashes returns stored hashes.
func (d *DB) LedgerHashes(ctx context.Context, indexes []int64) ([][32]byte, error) {
	hs, err := readHashes(ctx, d.db, indexes)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out, nil
}

// LedgerCurrentRecord re-encodes the record e logged from the tables now.
func (d *DB) LedgerCurrentRecord(ctx context.Context, e safezones.LedgerEntry) ([]byte, error) {
	rec, err := d.currentRecord(ctx, e.Type, e.RecordID)
	if err != nil {
		return nil, err
	}
	return ledger.Canonical(rec)
}

func (d *DB) currentRecord(ctx context.Context, typ, recordID string) (any, error) {
	notFound := safezones.Errorf(safezones.CodeNotFound, "record %s is not in the tables", recordID)
	switch typ {
	case safezones.LedgerParty:
		id, ok := strings.CutPrefix(recordID, "party/")
		if !ok {
			return nil, notFound
		}
		p, err := d.Party(ctx, id)
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return nil, notFound
		}
		return p, err
	case safezones.LedgerZoneVersion:
		id, v, ok := parseVersionRecordID(recordID)
		if !ok {
			return nil, notFound
		}
		z, err := d.Zone(ctx, id, v)
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return nil, notFound
		}
		if err != nil {
			return nil, err
		}
		return newZoneVersionRecord(z), nil
	case safezones.LedgerZoneStatus:
		i := strings.LastIndex(recordID, "/status/")
		if i < 0 {
			return nil, notFound
		}
		seq, err := strconv.ParseInt(recordID[i+len("/status/"):], 10, 64)
		if err != nil {
			return nil, notFound
		}
		return d.statusRecord(ctx, seq, notFound)
	}
	if rec, ok, err := d.consentRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	if rec, ok, err := d.trackRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	if rec, ok, err := d.alertRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	if rec, ok, err := d.incidentReportRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	if rec, ok, err := d.evidenceLedgerRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	if rec, ok, err := d.notificationLedgerRecord(ctx, typ, recordID, notFound); ok {
		return rec, err
	}
	return nil, safezones.Errorf(safezones.CodeNotFound, "unknown ledger entry type %q", typ)
}

func (d *DB) statusRecord(ctx context.Context, seq int64, notFound error) (*statusRecord, error) {
	var r statusRecord
	var status, at, recorded string
	err := d.db.QueryRowContext(ctx, `SELECT zone_id, version, status, at, recorded_at, by, reason FROM zone_status_changes WHERE seq = ?`, seq).
		Scan(&r.ZoneID, &r.Version, &status, &at, &recorded, &r.By, &r.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	r.Status = safezones.Status(status)
	if r.At, err = parseTime(at); err != nil {
		return nil, err
	}
	r.RecordedAt, err = parseTime(recorded)
	return &r, err
}

func parseVersionRecordID(rid string) (string, int, bool) {
	rest, ok := strings.CutPrefix(rid, "zone/")
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndex(rest, "/v")
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(rest[i+2:])
	if err != nil {
		return "", 0, false
	}
	return rest[:i], v, true
}
