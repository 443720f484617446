package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/safezones/safezones"
)

var _ safezones.MemberService = (*DB)(nil)

const memberColumns = `id, party_id, name, role, created_at, created_by, updated_at, updated_by`

// CreateMember stores a member of a party. Codes: invalid, not_found,
// conflict.
func (d *DB) CreateMember(ctx context.Context, m *safezones.Member) (*safezones.Member, error) {
	out := *m
	if err := assignID(&out.ID, "m-"); err != nil {
		return nil, err
	}
	if out.Name == "" || len(out.Name) > safezones.MaxNameLen {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "name", "name must be 1-%d bytes", safezones.MaxNameLen)
	}
	if !out.Role.Valid() {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "role", "role %q is not one of %v", out.Role, safezones.MemberRoles)
	}
	if out.CreatedBy == "" {
		out.CreatedBy = safezones.OperatorPartyID
	}
	now := d.Now().UTC()
	out.CreatedAt, out.UpdatedAt, out.UpdatedBy = now, now, out.CreatedBy
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := partyMustExist(ctx, tx, out.PartyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO members(`+memberColumns+`) VALUES (?,?,?,?,?,?,?,?)`,
			out.ID, out.PartyID, out.Name, string(out.Role), formatTime(now), out.CreatedBy, formatTime(now), out.UpdatedBy)
		if isConstraint(err, codePrimaryKey) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "member %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert member %s: %w", out.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// partyMustExist returns not_found unless the party exists.
func partyMustExist(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM parties WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return safezones.Errorf(safezones.CodeNotFound, "party %q not found", id)
	}
	return nil
}

// Member returns one member. Codes: not_found.
func (d *DB) Member(ctx context.Context, id string) (*safezones.Member, error) {
	return member(ctx, d.db, id)
}

func member(ctx context.Context, q querier, id string) (*safezones.Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "member %q not found", id)
	}
	return m, err
}

// ListMembers returns a party's members. Codes: not_found.
func (d *DB) ListMembers(ctx context.Context, partyID string) ([]safezones.Member, error) {
	if err := partyMustExist(ctx, d.db, partyID); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanMember, `SELECT `+memberColumns+` FROM members WHERE party_id = ? ORDER BY id`, partyID)
}

// SetMemberRole changes a member's role. Codes: invalid, not_found.
func (d *DB) SetMemberRole(ctx context.Context, id string, role safezones.MemberRole, by string) (*safezones.Member, error) {
	if !role.Valid() {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "role", "role %q is not one of %v", role, safezones.MemberRoles)
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.Member
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		m, err := member(ctx, tx, id)
		if err != nil {
			return err
		}
		now := d.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE members SET role = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			string(role), formatTime(now), by, id); err != nil {
			return fmt.Errorf("update member %s: %w", id, err)
		}
		m.Role, m.UpdatedAt, m.UpdatedBy = role, now, by
		out = m
		return nil
	})
	return out, err
}

func scanMember(s scanner) (*safezones.Member, error) {
	var m safezones.Member
	var role, created, updated string
	if err := s.Scan(&m.ID, &m.PartyID, &m.Name, &role, &created, &m.CreatedBy, &updated, &m.UpdatedBy); err != nil {
		return nil, err
	}
	m.Role = safezones.MemberRole(role)
	var err error
	if m.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	m.UpdatedAt, err = parseTime(updated)
	return &m, err
}

const tokenColumns = `t.id, t.member_id, m.party_id, t.name, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.revoked_by`

// CreateToken makes a token for a member. Codes: invalid, not_found.
func (d *DB) CreateToken(ctx context.Context, memberID, name string, expiresAt time.Time, by string) (*safezones.Token, string, error) {
	now := d.Now().UTC()
	if expiresAt.IsZero() {
		expiresAt = now.Add(safezones.DefaultTokenLifetime)
	}
	expiresAt = expiresAt.UTC()
	switch {
	case !expiresAt.After(now):
		return nil, "", safezones.FieldErrorf(safezones.CodeInvalid, "expires_at", "expires_at %s is not in the future", expiresAt.Format(time.RFC3339))
	case expiresAt.After(now.Add(safezones.MaxTokenLifetime)):
		return nil, "", safezones.FieldErrorf(safezones.CodeInvalid, "expires_at", "a token lives at most %d days; expires_at %s is later",
			safezones.MaxTokenLifetime/(24*time.Hour), expiresAt.Format(time.RFC3339))
	case len(name) > safezones.MaxNameLen:
		return nil, "", safezones.FieldErrorf(safezones.CodeInvalid, "name", "name is longer than %d bytes", safezones.MaxNameLen)
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	plain, id, hash, err := safezones.NewToken()
	if err != nil {
		return nil, "", fmt.Errorf("new token: %w", err)
	}
	var out *safezones.Token
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		m, err := member(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens(id, member_id, name, token_hash, created_at, created_by, expires_at)
			VALUES (?,?,?,?,?,?,?)`, id, memberID, name, hash[:], formatTime(now), by, formatTime(expiresAt)); err != nil {
			return fmt.Errorf("insert token for member %s: %w", memberID, err)
		}
		out = &safezones.Token{ID: id, MemberID: memberID, PartyID: m.PartyID, Name: name, CreatedAt: now, CreatedBy: by, ExpiresAt: expiresAt}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, plain, nil
}

// Token returns a token's metadata. Codes: not_found.
func (d *DB) Token(ctx context.Context, id string) (*safezones.Token, error) {
	return token(ctx, d.db, id)
}

func token(ctx context.Context, q querier, id string) (*safezones.Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens t JOIN members m ON m.id = t.member_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "token %q not found", id)
	}
	return t, err
}

// ListTokens returns the metadata of a party's tokens. Codes: not_found.
func (d *DB) ListTokens(ctx context.Context, partyID string) ([]safezones.Token, error) {
	if err := partyMustExist(ctx, d.db, partyID); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanToken, `SELECT `+tokenColumns+` FROM api_tokens t JOIN members m ON m.id = t.member_id
		WHERE m.party_id = ? ORDER BY t.created_at, t.rowid`, partyID)
}

// RevokeToken revokes a token from now on. Codes: not_found, conflict.
func (d *DB) RevokeToken(ctx context.Context, id, by string) (*safezones.Token, error) {
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.Token
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		t, err := token(ctx, tx, id)
		if err != nil {
			return err
		}
		if !t.RevokedAt.IsZero() {
			return safezones.Errorf(safezones.CodeConflict, "token %q was revoked already, at %s", id, t.RevokedAt.Format(time.RFC3339))
		}
		now := d.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?`, formatTime(now), by, id); err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		t.RevokedAt, t.RevokedBy = now, by
		out = t
		return nil
	})
	return out, err
}

func scanToken(s scanner) (*safezones.Token, error) {
	var t safezones.Token
	var created, expires string
	var revoked, revokedBy sql.NullString
	if err := s.Scan(&t.ID, &t.MemberID, &t.PartyID, &t.Name, &created, &t.CreatedBy, &expires, &revoked, &revokedBy); err != nil {
		return nil, err
	}
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, err
	}
	if revoked.Valid {
		if t.RevokedAt, err = parseTime(revoked.String); err != nil {
			return nil, err
		}
		t.RevokedBy = revokedBy.String
	}
	return &t, nil
}

// dummyHash is compared against when a token id is unknown, so that an
// unknown id costs the same comparison as a known one.
var dummyHash = sha256.Sum256([]byte("safezones: no such token"))

// Authenticate returns the Actor a member token stands for. Codes:
// unauthorized.
func (d *DB) Authenticate(ctx context.Context, bearer string) (safezones.Actor, error) {
	invalid := safezones.Errorf(safezones.CodeUnauthorized, "the bearer token is not valid")
	id, hash, ok := safezones.ParseToken(bearer)
	if !ok {
		return safezones.Actor{}, invalid
	}
	var stored []byte
	var expires, memberID, partyID, role string
	var revoked sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT t.token_hash, t.expires_at, t.revoked_at, m.id, m.party_id, m.role
		FROM api_tokens t JOIN members m ON m.id = t.member_id WHERE t.id = ?`, id).
		Scan(&stored, &expires, &revoked, &memberID, &partyID, &role)
	if errors.Is(err, sql.ErrNoRows) {
		safezones.TokenHashEqual(dummyHash[:], hash[:])
		return safezones.Actor{}, invalid
	}
	if err != nil {
		return safezones.Actor{}, fmt.Errorf("look up token: %w", err)
	}
	if !safezones.TokenHashEqual(stored, hash[:]) {
		return safezones.Actor{}, invalid
	}
	// The secret matched: from here on the caller holds the real token and
	// may be told why it no longer works.
	if revoked.Valid {
		at, _ := parseTime(revoked.String)
		return safezones.Actor{}, safezones.Errorf(safezones.CodeUnauthorized, "the token %s was revoked at %s", id, at.Format(time.RFC3339))
	}
	exp, err := parseTime(expires)
	if err != nil {
		return safezones.Actor{}, err
	}
	if !d.Now().Before(exp) {
		return safezones.Actor{}, safezones.Errorf(safezones.CodeUnauthorized, "the token %s expired at %s", id, exp.Format(time.RFC3339))
	}
	return safezones.Actor{PartyID: partyID, MemberID: memberID, Role: safezones.MemberRole(role), TokenID: id}, nil
}
