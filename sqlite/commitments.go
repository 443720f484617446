package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/safezones/safezones"
)

var _ safezones.CommitmentService = (*DB)(nil)

func commitmentRecordID(zoneID, id string) string { return "zone/" + zoneID + "/commitment/" + id }

func deliveryRecordID(zoneID, commitmentID, id string) string {
	return commitmentRecordID(zoneID, commitmentID) + "/delivery/" + id
}

// commitmentRecord is a pledge as logged: the commitment without the
// deliveries, which are logged on their own.
type commitmentRecord struct {
	ID          string                   `json:"id"`
	ZoneID      string                   `json:"zone_id"`
	PartyID     string                   `json:"party_id"`
	Kind        safezones.CommitmentKind `json:"kind"`
	Quantity    int64                    `json:"quantity"`
	Currency    string                   `json:"currency"`
	Description string                   `json:"description"`
	PledgedAt   time.Time                `json:"pledged_at"`
	Source      safezones.Source         `json:"source"`
	CreatedAt   time.Time                `json:"created_at"`
	CreatedBy   string                   `json:"created_by"`
}

func newCommitmentRecord(c *safezones.Commitment) commitmentRecord {
	return commitmentRecord{ID: c.ID, ZoneID: c.ZoneID, PartyID: c.PartyID, Kind: c.Kind, Quantity: c.Quantity,
		Currency: c.Currency, Description: c.Description, PledgedAt: c.PledgedAt.UTC(), Source: c.Source,
		CreatedAt: c.CreatedAt.UTC(), CreatedBy: c.CreatedBy}
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Pledge stores a commitment. Codes: invalid, not_found, conflict.
func (d *DB) Pledge(ctx context.Context, c *safezones.Commitment) (*safezones.Commitment, error) {
	out := *c
	out.Delivered, out.Deliveries = 0, []safezones.Delivery{}
	if err := assignID(&out.ID, "c-"); err != nil {
		return nil, err
	}
	now := d.Now().UTC()
	if out.PledgedAt.IsZero() {
		out.PledgedAt = now
	}
	out.PledgedAt = out.PledgedAt.UTC()
	if out.Source.Kind == "" {
		out.Source.Kind = safezones.SourceOperator
	}
	if out.CreatedBy == "" {
		out.CreatedBy = safezones.OperatorPartyID
	}
	out.CreatedAt = now
	if err := validateCommitment(&out, now); err != nil {
		return nil, err
	}
	if err := d.checkSimulated(out.Source); err != nil {
		return nil, err
	}
	src, err := json.Marshal(out.Source)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if err := zoneMustExist(ctx, tx, out.ZoneID); err != nil {
			return err
		}
		if err := partyMustExist(ctx, tx, out.PartyID); err != nil {
			return safezones.FieldErrorf(safezones.CodeInvalid, "party_id", "party %q does not exist", out.PartyID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO commitments(id, zone_id, party_id, kind, quantity, currency, description,
			pledged_at, source, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			out.ID, out.ZoneID, out.PartyID, string(out.Kind), out.Quantity, out.Currency, out.Description,
			formatTime(out.PledgedAt), string(src), formatTime(now), out.CreatedBy)
		if isConstraint(err, codeUnique) || isConstraint(err, codePrimaryKey) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "commitment %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert commitment %s: %w", out.ID, err)
		}
		return appendEntry(ctx, tx, safezones.LedgerCommitment, commitmentRecordID(out.ZoneID, out.ID), newCommitmentRecord(&out), now)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func validateCommitment(c *safezones.Commitment, now time.Time) error {
	switch {
	case !c.Kind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind %q is not one of %v", c.Kind, safezones.CommitmentKinds)
	case c.Quantity < 1 || c.Quantity > safezones.MaxQuantity:
		return safezones.FieldErrorf(safezones.CodeInvalid, "quantity", "quantity must be a whole number from 1 to %d", int64(safezones.MaxQuantity))
	case c.Kind == safezones.CommitmentFunding && !currencyPattern.MatchString(c.Currency):
		return safezones.FieldErrorf(safezones.CodeInvalid, "currency", "a funding pledge needs an ISO 4217 currency code such as USD, not %q", c.Currency)
	case c.Kind != safezones.CommitmentFunding && c.Currency != "":
		return safezones.FieldErrorf(safezones.CodeInvalid, "currency", "currency applies to funding pledges only")
	case len(c.Description) > safezones.MaxDescriptionLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "description", "description is longer than %d bytes", safezones.MaxDescriptionLen)
	case c.PledgedAt.After(now.Add(time.Minute)):
		return safezones.FieldErrorf(safezones.CodeInvalid, "pledged_at", "pledged_at is in the future")
	case !c.Source.Kind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", c.Source.Kind)
	}
	return nil
}

// RecordDelivery stores a delivery. Codes: invalid, not_found.
func (d *DB) RecordDelivery(ctx context.Context, dl *safezones.Delivery) (*safezones.Delivery, error) {
	out := *dl
	if err := assignID(&out.ID, "dl-"); err != nil {
		return nil, err
	}
	now := d.Now().UTC()
	if out.DeliveredAt.IsZero() {
		out.DeliveredAt = now
	}
	out.DeliveredAt = out.DeliveredAt.UTC()
	if out.Source.Kind == "" {
		out.Source.Kind = safezones.SourceOperator
	}
	if out.CreatedBy == "" {
		out.CreatedBy = safezones.OperatorPartyID
	}
	out.CreatedAt = now
	switch {
	case out.Quantity < 1 || out.Quantity > safezones.MaxQuantity:
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "quantity", "quantity must be a whole number from 1 to %d", int64(safezones.MaxQuantity))
	case out.DeliveredAt.After(now.Add(time.Minute)):
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "delivered_at", "delivered_at is in the future: record a delivery once it is made")
	case len(out.Description) > safezones.MaxDescriptionLen:
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "description", "description is longer than %d bytes", safezones.MaxDescriptionLen)
	case !out.Source.Kind.Valid():
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", out.Source.Kind)
	}
	if err := d.checkSimulated(out.Source); err != nil {
		return nil, err
	}
	src, err := json.Marshal(out.Source)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		c, err := commitment(ctx, tx, out.CommitmentID)
		if err != nil {
			return err
		}
		out.ZoneID, out.PartyID = c.ZoneID, c.PartyID
		if c.Delivered+out.Quantity > c.Quantity {
			return safezones.FieldErrorf(safezones.CodeInvalid, "quantity", "this delivery would bring commitment %s to %d delivered of %d pledged: record a further pledge first",
				c.ID, c.Delivered+out.Quantity, c.Quantity)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO deliveries(id, commitment_id, quantity, delivered_at, description, source, created_at, created_by)
			VALUES (?,?,?,?,?,?,?,?)`, out.ID, out.CommitmentID, out.Quantity, formatTime(out.DeliveredAt), out.Description,
			string(src), formatTime(now), out.CreatedBy)
		if isConstraint(err, codeUnique) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "delivery %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert delivery %s: %w", out.ID, err)
		}
		return appendEntry(ctx, tx, safezones.LedgerDelivery, deliveryRecordID(out.ZoneID, out.CommitmentID, out.ID), &out, now)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

const commitmentColumns = `id, zone_id, party_id, kind, quantity, currency, description, pledged_at, source, created_at, created_by`

const deliveryColumns = `dl.id, dl.commitment_id, c.zone_id, c.party_id, dl.quantity, dl.delivered_at, dl.description, dl.source,
	dl.created_at, dl.created_by`

// Commitment returns one commitment with its deliveries. Codes: not_found.
func (d *DB) Commitment(ctx context.Context, id string) (*safezones.Commitment, error) {
	return commitment(ctx, d.db, id)
}

func commitment(ctx context.Context, q querier, id string) (*safezones.Commitment, error) {
	c, err := scanCommitment(q.QueryRowContext(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, safezones.Errorf(safezones.CodeNotFound, "commitment %q not found", id)
	}
	if err != nil {
		return nil, err
	}
	if err := loadDeliveries(ctx, q, []*safezones.Commitment{c}, `c.id = ?`, id); err != nil {
		return nil, err
	}
	return c, nil
}

// Commitments returns a zone's commitments. Codes: not_found.
func (d *DB) Commitments(ctx context.Context, zoneID string) ([]safezones.Commitment, error) {
	if err := zoneMustExist(ctx, d.db, zoneID); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE zone_id = ? ORDER BY seq`, zoneID)
	if err != nil {
		return nil, err
	}
	var cs []*safezones.Commitment
	for rows.Next() {
		c, err := scanCommitment(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadDeliveries(ctx, d.db, cs, `c.zone_id = ?`, zoneID); err != nil {
		return nil, err
	}
	out := make([]safezones.Commitment, len(cs))
	for i, c := range cs {
		out[i] = *c
	}
	return out, nil
}

// loadDeliveries fills the deliveries of cs from those matching where.
func loadDeliveries(ctx context.Context, q querier, cs []*safezones.Commitment, where string, args ...any) error {
	byID := map[string]*safezones.Commitment{}
	for _, c := range cs {
		c.Deliveries, c.Delivered = []safezones.Delivery{}, 0
		byID[c.ID] = c
	}
	rows, err := q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries dl JOIN commitments c ON c.id = dl.commitment_id
		WHERE `+where+` ORDER BY dl.seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return err
		}
		if c := byID[dl.CommitmentID]; c != nil {
			c.Deliveries = append(c.Deliveries, *dl)
			c.Delivered += dl.Quantity
		}
	}
	return rows.Err()
}

func scanCommitment(s scanner) (*safezones.Commitment, error) {
	var c safezones.Commitment
	var kind, pledged, src, created string
	if err := s.Scan(&c.ID, &c.ZoneID, &c.PartyID, &kind, &c.Quantity, &c.Currency, &c.Description, &pledged, &src, &created, &c.CreatedBy); err != nil {
		return nil, err
	}
	c.Kind = safezones.CommitmentKind(kind)
	if err := json.Unmarshal([]byte(src), &c.Source); err != nil {
		return nil, fmt.Errorf("commitment %s source: %w", c.ID, err)
	}
	var err error
	if c.PledgedAt, err = parseTime(pledged); err != nil {
		return nil, err
	}
	c.CreatedAt, err = parseTime(created)
	c.Deliveries = []safezones.Delivery{}
	return &c, err
}

func scanDelivery(s scanner) (*safezones.Delivery, error) {
	var dl safezones.Delivery
	var delivered, src, created string
	if err := s.Scan(&dl.ID, &dl.CommitmentID, &dl.ZoneID, &dl.PartyID, &dl.Quantity, &delivered, &dl.Description, &src, &created, &dl.CreatedBy); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(src), &dl.Source); err != nil {
		return nil, fmt.Errorf("delivery %s source: %w", dl.ID, err)
	}
	var err error
	if dl.DeliveredAt, err = parseTime(delivered); err != nil {
		return nil, err
	}
	dl.CreatedAt, err = parseTime(created)
	return &dl, err
}

// checkSimulated refuses a record not marked simulated in a SimulatedOnly
// store.
func (d *DB) checkSimulated(src safezones.Source) error {
	if d.SimulatedOnly && src.Kind != safezones.SourceSimulated {
		return safezones.FieldErrorf(safezones.CodeInvalid, "source.kind",
			`this database holds scenario data only (the demo): mark the record {"source":{"kind":"simulated"}}`)
	}
	return nil
}
