package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

var _ safezones.KeyService = (*DB)(nil)

func keyRecordID(partyID, keyID string) string { return "party/" + partyID + "/key/" + keyID }

func keyRevocationRecordID(partyID, keyID string) string {
	return keyRecordID(partyID, keyID) + "/revocation"
}

// keyRecord is a key registration as logged: everything needed to verify
// the party's decisions later, from the ledger alone.
type keyRecord struct {
	PartyID   string    `json:"party_id"`
	KeyID     string    `json:"key_id"`
	PublicKey []byte    `json:"public_key"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// keyRevocationRecord is a key revocation as logged.
type keyRevocationRecord struct {
	PartyID   string    `json:"party_id"`
	KeyID     string    `json:"key_id"`
	RevokedAt time.Time `json:"revoked_at"`
	RevokedBy string    `json:"revoked_by"`
}

const keyColumns = `id, party_id, public_key, created_at, created_by, revoked_at, revoked_by`

// RegisterKey stores a party's public key. Codes: invalid, not_found,
// conflict.
func (d *DB) RegisterKey(ctx context.Context, partyID string, pub []byte, by string) (*safezones.PartyKey, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "public_key", "public_key has %d bytes; an ed25519 public key has %d", len(pub), ed25519.PublicKeySize)
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	now := d.Now().UTC()
	k := &safezones.PartyKey{ID: consent.KeyID(pub), PartyID: partyID, PublicKey: append([]byte(nil), pub...), CreatedAt: now, CreatedBy: by}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := partyMustExist(ctx, tx, partyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO party_keys(id, party_id, public_key, created_at, created_by) VALUES (?,?,?,?,?)`,
			k.ID, partyID, k.PublicKey, formatTime(now), by)
		if isConstraint(err, codePrimaryKey) || isConstraint(err, codeUnique) {
			return safezones.FieldErrorf(safezones.CodeConflict, "public_key", "key %s is registered already; generate a new key pair for a new key", k.ID)
		}
		if err != nil {
			return fmt.Errorf("insert key %s: %w", k.ID, err)
		}
		return appendEntry(ctx, tx, safezones.LedgerPartyKey, keyRecordID(partyID, k.ID), newKeyRecord(k), now)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

func newKeyRecord(k *safezones.PartyKey) keyRecord {
	return keyRecord{PartyID: k.PartyID, KeyID: k.ID, PublicKey: k.PublicKey, CreatedAt: k.CreatedAt.UTC(), CreatedBy: k.CreatedBy}
}

// RevokeKey revokes a party's key. Codes: not_found, conflict.
func (d *DB) RevokeKey(ctx context.Context, partyID, keyID, by string) (*safezones.PartyKey, error) {
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.PartyKey
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		k, err := partyKey(ctx, tx, keyID)
		if err != nil || k.PartyID != partyID {
			if err == nil || safezones.ErrorCode(err) == safezones.CodeNotFound {
				return safezones.Errorf(safezones.CodeNotFound, "party %q has no key %q", partyID, keyID)
			}
			return err
		}
		if !k.RevokedAt.IsZero() {
			return safezones.Errorf(safezones.CodeConflict, "key %s of party %s was revoked already, at %s", keyID, partyID, k.RevokedAt.Format(time.RFC3339))
		}
		now := d.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE party_keys SET revoked_at = ?, revoked_by = ? WHERE id = ?`, formatTime(now), by, keyID); err != nil {
			return fmt.Errorf("revoke key %s: %w", keyID, err)
		}
		k.RevokedAt, k.RevokedBy = now, by
		out = k
		return appendEntry(ctx, tx, safezones.LedgerPartyKeyRevocation, keyRevocationRecordID(partyID, keyID),
			keyRevocationRecord{PartyID: partyID, KeyID: keyID, RevokedAt: now, RevokedBy: by}, now)
	})
	return out, err
}

// PartyKeys returns a party's keys, oldest first. Codes: not_found.
func (d *DB) PartyKeys(ctx context.Context, partyID string) ([]safezones.PartyKey, error) {
	if err := partyMustExist(ctx, d.db, partyID); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanKey, `SELECT `+keyColumns+` FROM party_keys WHERE party_id = ? ORDER BY created_at, rowid`, partyID)
}

func partyKey(ctx context.Context, q querier, id string) (*safezones.PartyKey, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM party_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "key %q is not registered", id)
	}
	return k, err
}

func scanKey(s scanner) (*safezones.PartyKey, error) {
	var k safezones.PartyKey
	var created string
	var revoked, revokedBy sql.NullString
	if err := s.Scan(&k.ID, &k.PartyID, &k.PublicKey, &created, &k.CreatedBy, &revoked, &revokedBy); err != nil {
		return nil, err
	}
	var err error
	if k.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if revoked.Valid {
		if k.RevokedAt, err = parseTime(revoked.String); err != nil {
			return nil, err
		}
		k.RevokedBy = revokedBy.String
	}
	return &k, nil
}
