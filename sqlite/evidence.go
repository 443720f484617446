package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/ledger"
)

// evidenceRecordID names the ledger entry of sha attached to key.
func evidenceRecordID(key, sha string) string {
	return "incident_evidence/" + key + "/" + sha
}

// evidenceRecord is what the ledger logs of an evidence file: the
// original's hash, size and type and its thumbnail's hash in the open, so
// that anyone holding the file can check it against the ledger, and a
// salted digest of the item (caption, credit, source, uploader), which may
// name people or places.
type evidenceRecord struct {
	ReportKey       string    `json:"report_key"`
	SHA256          string    `json:"sha256"`
	Size            int64     `json:"size"`
	MediaType       string    `json:"media_type"`
	ThumbnailSHA256 string    `json:"thumbnail_sha256,omitempty"`
	ItemSHA256      string    `json:"item_sha256"`
	RecordedAt      time.Time `json:"recorded_at"`
}

func newEvidenceRecord(key string, it *evidence.Item, item, salt []byte, at time.Time) evidenceRecord {
	rec := evidenceRecord{ReportKey: key, SHA256: it.Original.SHA256, Size: it.Original.Size, MediaType: it.Original.MediaType,
		ItemSHA256: ledger.SaltedDigest(salt, item), RecordedAt: at}
	if it.Thumbnail != nil {
		rec.ThumbnailSHA256 = it.Thumbnail.SHA256
	}
	return rec
}

// AddEvidence attaches it to the report with key and logs it, in one
// transaction; created is false when the report already holds that file
// (the stored item is returned and nothing is written). UploadedAt is set
// to now. Codes: invalid (Item.Validate), not_found (no such report).
func (d *DB) AddEvidence(ctx context.Context, key string, it evidence.Item) (*evidence.Item, bool, error) {
	it.Normalize()
	if err := it.Validate(); err != nil {
		return nil, false, err
	}
	created := false
	var stored *evidence.Item
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_reports WHERE key = ?`, key).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return safezones.Errorf(safezones.CodeNotFound, "no incident report %q", key)
		}
		var old string
		err := tx.QueryRowContext(ctx, `SELECT item FROM incident_evidence WHERE report_key = ? AND sha256 = ?`, key, it.Original.SHA256).Scan(&old)
		if err == nil {
			stored = new(evidence.Item)
			return json.Unmarshal([]byte(old), stored)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := d.Now().UTC()
		it.UploadedAt = now
		item, err := ledger.Canonical(it)
		if err != nil {
			return err
		}
		salt := make([]byte, 16)
		rand.Read(salt)
		var thumb any
		if it.Thumbnail != nil {
			thumb = it.Thumbnail.SHA256
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_evidence(report_key, sha256, thumbnail_sha256, item, salt, recorded_at) VALUES (?,?,?,?,?,?)`,
			key, it.Original.SHA256, thumb, string(item), hex.EncodeToString(salt), formatTime(now)); err != nil {
			return err
		}
		created, stored = true, &it
		return appendEntry(ctx, tx, safezones.LedgerIncidentEvidence, evidenceRecordID(key, it.Original.SHA256), newEvidenceRecord(key, &it, item, salt, now), now)
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// ListEvidence returns the evidence of the report with key, oldest first.
// Codes: not_found (no such report).
func (d *DB) ListEvidence(ctx context.Context, key string) ([]evidence.Item, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM incident_reports WHERE key = ?`, key).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, safezones.Errorf(safezones.CodeNotFound, "no incident report %q", key)
	}
	return queryRows(ctx, d.db, scanItem, `SELECT item FROM incident_evidence WHERE report_key = ? ORDER BY recorded_at, sha256`, key)
}

func scanItem(s scanner) (*evidence.Item, error) {
	var data string
	if err := s.Scan(&data); err != nil {
		return nil, err
	}
	var it evidence.Item
	if err := json.Unmarshal([]byte(data), &it); err != nil {
		return nil, fmt.Errorf("evidence item: %w", err)
	}
	return &it, nil
}

// EvidenceReports returns the keys of the reports that hold sha as an
// original or as a thumbnail, so that a read of the file can be checked
// against the reports' visibility.
func (d *DB) EvidenceReports(ctx context.Context, sha string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT report_key FROM incident_evidence WHERE sha256 = ?
		UNION SELECT report_key FROM incident_evidence WHERE thumbnail_sha256 = ? ORDER BY 1`, sha, sha)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// evidenceLedgerRecord re-reads the ledger record of an evidence file from
// the tables; ok is false when typ is not evidence.
func (d *DB) evidenceLedgerRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	if typ != safezones.LedgerIncidentEvidence {
		return nil, false, nil
	}
	rest, _ := strings.CutPrefix(recordID, "incident_evidence/")
	i := strings.LastIndex(rest, "/")
	if i <= 0 {
		return nil, true, notFound
	}
	key, sha := rest[:i], rest[i+1:]
	var item, salt, at string
	err := d.db.QueryRowContext(ctx, `SELECT item, salt, recorded_at FROM incident_evidence WHERE report_key = ? AND sha256 = ?`, key, sha).Scan(&item, &salt, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	var it evidence.Item
	if err := json.Unmarshal([]byte(item), &it); err != nil {
		return nil, true, fmt.Errorf("evidence %s of %s: %w", sha, key, err)
	}
	saltBytes, err := hex.DecodeString(salt)
	if err != nil {
		return nil, true, fmt.Errorf("evidence %s of %s: salt: %w", sha, key, err)
	}
	recordedAt, err := parseTime(at)
	if err != nil {
		return nil, true, err
	}
	// The hash, size and type in the open come from the item as stored, so
	// a rewritten item changes them as well as its digest.
	return newEvidenceRecord(key, &it, []byte(item), saltBytes, recordedAt), true, nil
}
