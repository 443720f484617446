package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/safezones/safezones"
)

var _ safezones.PartyService = (*DB)(nil)

// CreateParty stores p. Codes: invalid, conflict.
func (d *DB) CreateParty(ctx context.Context, p *safezones.Party) (*safezones.Party, error) {
	if err := validateParty(p); err != nil {
		return nil, err
	}
	out := *p
	out.CreatedAt = d.Now().UTC()
	if out.Source.Kind == "" {
		out.Source.Kind = safezones.SourceOperator
	}
	src, err := json.Marshal(out.Source)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO parties(id, name, kind, country, source, created_at) VALUES (?,?,?,?,?,?)`,
			out.ID, out.Name, string(out.Kind), out.Country, string(src), formatTime(out.CreatedAt))
		if isConstraint(err, codePrimaryKey) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "party %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert party %s: %w", out.ID, err)
		}
		return appendEntry(ctx, tx, safezones.LedgerParty, partyRecordID(out.ID), &out, out.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func validateParty(p *safezones.Party) error {
	switch {
	case !safezones.ValidID(p.ID):
		return invalidID(p.ID)
	case p.Name == "" || len(p.Name) > safezones.MaxNameLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "name", "name must be 1-%d bytes", safezones.MaxNameLen)
	case !p.Kind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind %q is not a party kind", p.Kind)
	case p.Source.Kind != "" && !p.Source.Kind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", p.Source.Kind)
	}
	return nil
}

// Party returns one party. Codes: not_found.
func (d *DB) Party(ctx context.Context, id string) (*safezones.Party, error) {
	row := d.db.QueryRowContext(ctx, `SELECT id, name, kind, country, source, created_at FROM parties WHERE id = ?`, id)
	p, err := scanParty(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "party %q not found", id)
	}
	return p, err
}

// ListParties returns every party ordered by id.
func (d *DB) ListParties(ctx context.Context) ([]safezones.Party, error) {
	return queryRows(ctx, d.db, scanParty, `SELECT id, name, kind, country, source, created_at FROM parties ORDER BY id`)
}

type scanner interface{ Scan(dest ...any) error }

func scanParty(s scanner) (*safezones.Party, error) {
	var p safezones.Party
	var kind, src, created string
	if err := s.Scan(&p.ID, &p.Name, &kind, &p.Country, &src, &created); err != nil {
		return nil, err
	}
	p.Kind = safezones.PartyKind(kind)
	if err := json.Unmarshal([]byte(src), &p.Source); err != nil {
		return nil, fmt.Errorf("party %s source: %w", p.ID, err)
	}
	var err error
	p.CreatedAt, err = parseTime(created)
	return &p, err
}
