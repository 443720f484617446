package sqlite

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/ledger"
)

var _ safezones.NotificationService = (*DB)(nil)

// Record ids of deconfliction records in the ledger.
func notificationRecordID(id string, v int) string { return fmt.Sprintf("notification/%s/v%d", id, v) }

func acknowledgementRecordID(id string, v int, ackID string) string {
	return notificationRecordID(id, v) + "/acknowledgement/" + ackID
}

func disclosureRecordID(id string, v int, seq int64) string {
	return notificationRecordID(id, v) + "/disclosure/" + strconv.FormatInt(seq, 10)
}

func notificationAlertRecordID(seq int64) string {
	return "notification_alert/" + strconv.FormatInt(seq, 10)
}

func checkRecordID(seq int64) string { return "deconfliction_check/" + strconv.FormatInt(seq, 10) }

// notificationRecord is what the public ledger holds of a notification
// version: who notified whom of what kind of place, and the version's
// salted hash, never its coordinates, name or times.
type notificationRecord struct {
	ID            string                     `json:"id"`
	Version       int                        `json:"version"`
	Notifier      string                     `json:"notifier"`
	Kind          safezones.NotificationKind `json:"kind"`
	Type          string                     `json:"type"`
	Addressed     []string                   `json:"addressed"`
	Cancelled     bool                       `json:"cancelled"`
	Hash          string                     `json:"hash"`
	OverrideCodes []string                   `json:"override_codes"`
	Simulated     bool                       `json:"simulated"`
	CreatedAt     time.Time                  `json:"created_at"`
	CreatedBy     string                     `json:"created_by"`
}

func newNotificationRecord(n *safezones.Notification) notificationRecord {
	codes := []string{}
	for _, o := range n.Overrides {
		codes = append(codes, o.Code)
	}
	return notificationRecord{ID: n.ID, Version: n.Version, Notifier: n.Notifier, Kind: n.Kind, Type: n.Type,
		Addressed: n.Addressed, Cancelled: n.Cancelled, Hash: n.Hash, OverrideCodes: codes,
		Simulated: n.Source.Kind == safezones.SourceSimulated, CreatedAt: n.CreatedAt.UTC(), CreatedBy: n.CreatedBy}
}

// checkRecord is a deconfliction check as logged: who asked and when, how
// much it found, and a salted digest of the query and the answer.
type checkRecord struct {
	Seq     int64     `json:"seq"`
	PartyID string    `json:"party_id"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Found   int       `json:"found"`
	SHA256  string    `json:"sha256"`
}

func (d *DB) notificationRules() safezones.NotificationRules {
	if d.NotificationRules == (safezones.NotificationRules{}) {
		return safezones.DefaultNotificationRules()
	}
	return d.NotificationRules
}

func validateOverrides(ov []safezones.CheckOverride) error {
	seen := map[string]bool{}
	for i, o := range ov {
		f := fmt.Sprintf("overrides[%d]", i)
		switch o.Code {
		case safezones.ProblemOutsideArea, safezones.ProblemDuplicate, safezones.ProblemStale, safezones.ProblemLeadTime, safezones.ProblemActiveZone:
		default:
			return safezones.FieldErrorf(safezones.CodeInvalid, f+".code", "%q is not a pre-sharing problem code", o.Code)
		}
		if strings.TrimSpace(o.Reason) == "" || len(o.Reason) > safezones.MaxDescriptionLen {
			return safezones.FieldErrorf(safezones.CodeInvalid, f+".reason", "an override needs a reason of at most %d bytes", safezones.MaxDescriptionLen)
		}
		if seen[o.Code] {
			return safezones.FieldErrorf(safezones.CodeInvalid, f+".code", "%s is overridden twice", o.Code)
		}
		seen[o.Code] = true
	}
	return nil
}

// CreateNotification stores version 1 of a notification. Codes: invalid,
// conflict.
func (d *DB) CreateNotification(ctx context.Context, n *safezones.Notification) (*safezones.Notification, error) {
	if err := assignID(&n.ID, "n-"); err != nil {
		return nil, err
	}
	if !safezones.ValidID(n.Notifier) {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "notifier", "%q is not a valid party id", n.Notifier)
	}
	var out *safezones.Notification
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := partyMustExist(ctx, tx, n.Notifier); err != nil {
			return safezones.FieldErrorf(safezones.CodeInvalid, "notifier", "party %q does not exist", n.Notifier)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO notifications(id, notifier, kind, latest) VALUES (?,?,?,0)`, n.ID, n.Notifier, string(n.Kind))
		if isConstraint(err, codePrimaryKey) || isConstraint(err, codeUnique) {
			return safezones.Errorf(safezones.CodeConflict, "notification %q exists already", n.ID)
		}
		if err != nil {
			return fmt.Errorf("insert notification %s: %w", n.ID, err)
		}
		out, err = d.insertNotificationVersion(ctx, tx, n.ID, n.Notifier, 1, n.NotificationTerms, n.Overrides, n.CreatedBy, n.Reason)
		return err
	})
	return out, err
}

// AddNotificationVersion stores the next version. Codes: invalid,
// not_found, conflict.
func (d *DB) AddNotificationVersion(ctx context.Context, id string, baseVersion int, t safezones.NotificationTerms, overrides []safezones.CheckOverride, by, reason string) (*safezones.Notification, error) {
	var out *safezones.Notification
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var notifier, kind string
		var latest int
		var cancelled bool
		err := tx.QueryRowContext(ctx, `SELECT notifier, kind, latest, cancelled FROM notifications WHERE id = ?`, id).Scan(&notifier, &kind, &latest, &cancelled)
		if errors.Is(err, sql.ErrNoRows) {
			return safezones.Errorf(safezones.CodeNotFound, "notification %q not found", id)
		}
		if err != nil {
			return err
		}
		switch {
		case cancelled:
			return safezones.Errorf(safezones.CodeConflict, "notification %q was cancelled in version %d and takes no more versions", id, latest)
		case baseVersion != latest:
			return safezones.FieldErrorf(safezones.CodeConflict, "base_version", "base_version %d is not the latest version %d: read it again", baseVersion, latest)
		case string(t.Kind) != kind:
			return safezones.FieldErrorf(safezones.CodeInvalid, "kind", "a %s notification stays a %s; notify a new one instead", kind, kind)
		}
		out, err = d.insertNotificationVersion(ctx, tx, id, notifier, latest+1, t, overrides, by, reason)
		return err
	})
	return out, err
}

// insertNotificationVersion validates, stores and logs one version, its
// receipts for each addressed party, and moves the notification's latest.
func (d *DB) insertNotificationVersion(ctx context.Context, tx *sql.Tx, id, notifier string, version int, t safezones.NotificationTerms,
	overrides []safezones.CheckOverride, by, reason string) (*safezones.Notification, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := validateOverrides(overrides); err != nil {
		return nil, err
	}
	if len(reason) > safezones.MaxDescriptionLen {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "reason", "reason is more than %d bytes", safezones.MaxDescriptionLen)
	}
	for i, p := range t.Addressed {
		if err := partyMustExist(ctx, tx, p); err != nil {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("addressed[%d]", i), "party %q does not exist", p)
		}
		if p == notifier {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("addressed[%d]", i), "a notifier does not notify itself")
		}
	}
	if d.SimulatedOnly && t.Source.Kind != safezones.SourceSimulated {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "source.kind",
			"this database holds scenario data only (the demo): mark the notification's source simulated")
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	if overrides == nil {
		overrides = []safezones.CheckOverride{}
	}
	now := d.Now().UTC()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	n := &safezones.Notification{ID: id, Version: version, Notifier: notifier, NotificationTerms: t, Salt: hex.EncodeToString(salt),
		CreatedAt: now, CreatedBy: by, Reason: reason, Overrides: overrides, Latest: version}
	var err error
	if n.Hash, err = consent.NotificationHash(n); err != nil {
		return nil, err
	}
	terms, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	gt, coords, err := encodeGeometry(t.Geometry)
	if err != nil {
		return nil, err
	}
	ov, err := json.Marshal(overrides)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notification_versions(id, version, terms, geometry_type, coordinates, salt, hash, reason, overrides, created_at, created_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)`, id, version, string(terms), gt, coords, n.Salt, n.Hash, reason, string(ov), formatTime(now), by); err != nil {
		return nil, fmt.Errorf("insert notification %s v%d: %w", id, version, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET latest = ?, cancelled = ? WHERE id = ?`, version, t.Cancelled, id); err != nil {
		return nil, err
	}
	due := now.Add(d.notificationRules().Deadline(t.Kind))
	for _, p := range t.Addressed {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_receipts(id, version, party_id, notified_at, due_at) VALUES (?,?,?,?,?)`,
			id, version, p, formatTime(now), formatTime(due)); err != nil {
			return nil, fmt.Errorf("insert receipt of %s for %s v%d: %w", p, id, version, err)
		}
	}
	if err := appendEntry(ctx, tx, safezones.LedgerNotification, notificationRecordID(id, version), newNotificationRecord(n), now); err != nil {
		return nil, err
	}
	if n.LedgerIndex, err = ledgerIndexTx(ctx, tx, notificationRecordID(id, version)); err != nil {
		return nil, err
	}
	return n, nil
}

func ledgerIndexTx(ctx context.Context, q querier, recordID string) (int64, error) {
	var idx int64
	err := q.QueryRowContext(ctx, `SELECT idx FROM ledger_entries WHERE record_id = ?`, recordID).Scan(&idx)
	return idx, err
}

const notificationColumns = `v.id, v.version, n.notifier, n.latest, v.terms, v.geometry_type, v.coordinates, v.salt, v.hash, v.reason, v.overrides,
	v.created_at, v.created_by, (SELECT e.idx FROM ledger_entries e WHERE e.record_id = 'notification/' || v.id || '/v' || v.version)`

const notificationFrom = ` FROM notification_versions v JOIN notifications n ON n.id = v.id `

func scanNotification(s scanner) (*safezones.Notification, error) {
	var n safezones.Notification
	var terms, gt, coords, ov, created string
	var idx sql.NullInt64
	if err := s.Scan(&n.ID, &n.Version, &n.Notifier, &n.Latest, &terms, &gt, &coords, &n.Salt, &n.Hash, &n.Reason, &ov, &created, &n.CreatedBy, &idx); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(terms), &n.NotificationTerms); err != nil {
		return nil, fmt.Errorf("notification %s v%d terms: %w", n.ID, n.Version, err)
	}
	g, err := decodeGeometry(gt, coords)
	if err != nil {
		return nil, err
	}
	n.Geometry = g
	if err := json.Unmarshal([]byte(ov), &n.Overrides); err != nil {
		return nil, fmt.Errorf("notification %s v%d overrides: %w", n.ID, n.Version, err)
	}
	n.LedgerIndex = idx.Int64
	n.CreatedAt, err = parseTime(created)
	return &n, err
}

// Notification returns one version (0: the latest). Codes: not_found.
func (d *DB) Notification(ctx context.Context, id string, version int) (*safezones.Notification, error) {
	return notificationVersion(ctx, d.db, id, version)
}

func notificationVersion(ctx context.Context, q querier, id string, version int) (*safezones.Notification, error) {
	var row *sql.Row
	if version == 0 {
		row = q.QueryRowContext(ctx, `SELECT `+notificationColumns+notificationFrom+`WHERE v.id = ? AND v.version = n.latest`, id)
	} else {
		row = q.QueryRowContext(ctx, `SELECT `+notificationColumns+notificationFrom+`WHERE v.id = ? AND v.version = ?`, id, version)
	}
	n, err := scanNotification(row)
	if errors.Is(err, sql.ErrNoRows) {
		if version == 0 {
			return nil, safezones.Errorf(safezones.CodeNotFound, "notification %q not found", id)
		}
		return nil, safezones.Errorf(safezones.CodeNotFound, "notification %q has no version %d", id, version)
	}
	return n, err
}

// NotificationHistory returns every version, oldest first. Codes:
// not_found.
func (d *DB) NotificationHistory(ctx context.Context, id string) ([]safezones.Notification, error) {
	ns, err := queryRows(ctx, d.db, scanNotification, `SELECT `+notificationColumns+notificationFrom+`WHERE v.id = ? ORDER BY v.version`, id)
	if err == nil && len(ns) == 0 {
		return nil, safezones.Errorf(safezones.CodeNotFound, "notification %q not found", id)
	}
	return ns, err
}

// ListNotifications returns the latest version of each matching
// notification, ordered by id.
func (d *DB) ListNotifications(ctx context.Context, f safezones.NotificationFilter) ([]safezones.Notification, error) {
	where := []string{"v.version = n.latest"}
	var args []any
	if f.Kind != "" {
		where, args = append(where, "n.kind = ?"), append(args, string(f.Kind))
	}
	if f.Notifier != "" {
		where, args = append(where, "n.notifier = ?"), append(args, f.Notifier)
	}
	if f.Addressed != "" {
		where = append(where, "EXISTS (SELECT 1 FROM notification_receipts r WHERE r.id = v.id AND r.version = v.version AND r.party_id = ?)")
		args = append(args, f.Addressed)
	}
	if !f.IncludeCancelled {
		where = append(where, "n.cancelled = 0")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	return queryRows(ctx, d.db, scanNotification, `SELECT `+notificationColumns+notificationFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY v.id LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
}

// Receipts returns each addressed party's standing on a version (0: the
// latest). Codes: not_found.
func (d *DB) Receipts(ctx context.Context, id string, version int) ([]safezones.Receipt, error) {
	n, err := notificationVersion(ctx, d.db, id, version)
	if err != nil {
		return nil, err
	}
	return receipts(ctx, d.db, n.ID, n.Version)
}

func receipts(ctx context.Context, q querier, id string, version int) ([]safezones.Receipt, error) {
	return queryRows(ctx, q, func(s scanner) (*safezones.Receipt, error) {
		var r safezones.Receipt
		var notified, due string
		var delivered, ackAt, objAt, objection, ackID, objID sql.NullString
		if err := s.Scan(&r.PartyID, &r.Version, &notified, &due, &delivered, &ackAt, &ackID, &objAt, &objID, &objection); err != nil {
			return nil, err
		}
		var err error
		if r.NotifiedAt, err = parseTime(notified); err != nil {
			return nil, err
		}
		if r.DueAt, err = parseTime(due); err != nil {
			return nil, err
		}
		for _, x := range []struct {
			s *sql.NullString
			t *time.Time
		}{{&delivered, &r.DeliveredAt}, {&ackAt, &r.AcknowledgedAt}, {&objAt, &r.ObjectedAt}} {
			if x.s.Valid {
				if *x.t, err = parseTime(x.s.String); err != nil {
					return nil, err
				}
			}
		}
		r.AcknowledgementID, r.ObjectionID, r.Objection = ackID.String, objID.String, objection.String
		return &r, nil
	}, `SELECT r.party_id, r.version, r.notified_at, r.due_at,
		(SELECT min(d.at) FROM disclosures d WHERE d.notification_id = r.id AND d.version = r.version AND d.party_id = r.party_id),
		a.recorded_at, a.id, o.recorded_at, o.id, o.reason
		FROM notification_receipts r
		LEFT JOIN acknowledgements a ON a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id AND a.response = 'acknowledge'
		LEFT JOIN acknowledgements o ON o.notification_id = r.id AND o.version = r.version AND o.party_id = r.party_id AND o.response = 'object'
		WHERE r.id = ? AND r.version = ? ORDER BY r.party_id`, id, version)
}

// RecordAcknowledgement verifies and stores a signed acknowledgement or
// objection. Codes: invalid, forbidden, not_found, conflict.
func (d *DB) RecordAcknowledgement(ctx context.Context, sa safezones.SignedAcknowledgement, by string) (*safezones.Acknowledgement, error) {
	p, canonical, err := consent.DecodeAckPayload(sa.Payload)
	if err != nil {
		return nil, err
	}
	if len(sa.Signature) != ed25519.SignatureSize {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "signature", "signature has %d bytes; an ed25519 signature has %d (base64 in JSON)", len(sa.Signature), ed25519.SignatureSize)
	}
	if d.SimulatedOnly && !p.Simulated {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload.simulated", "this database holds scenario data only (the demo): sign the acknowledgement marked simulated")
	}
	now := d.Now().UTC()
	if err := consent.CheckAckTime(&p, now); err != nil {
		return nil, err
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.Acknowledgement
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		key, err := partyKey(ctx, tx, p.KeyID)
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s is not registered: register its public key first", p.KeyID)
		}
		if err != nil {
			return err
		}
		if key.PartyID != p.PartyID {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s belongs to party %s, not %s", p.KeyID, key.PartyID, p.PartyID)
		}
		if !key.ActiveAt(now) {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s of party %s was revoked at %s", p.KeyID, p.PartyID, key.RevokedAt.Format(time.RFC3339))
		}
		if err := consent.Verify(key.PublicKey, canonical, sa.Signature); err != nil {
			return err
		}
		n, err := notificationVersion(ctx, tx, p.NotificationID, p.Version)
		if err != nil {
			return err
		}
		if n.Hash != p.Hash {
			return safezones.FieldErrorf(safezones.CodeConflict, "payload.hash",
				"version %d of notification %q has hash %s, not the signed %s: what was signed is not that version", n.Version, n.ID, n.Hash, p.Hash)
		}
		if !slices.Contains(n.Addressed, p.PartyID) {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.party_id", "version %d of notification %q is not addressed to party %s", n.Version, n.ID, p.PartyID)
		}
		id := consent.AcknowledgementID(canonical)
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM acknowledgements WHERE id = ? OR (notification_id = ? AND version = ? AND party_id = ? AND response = ?)`,
			id, n.ID, n.Version, p.PartyID, string(p.Response)).Scan(&dup); err != nil {
			return err
		}
		if dup > 0 {
			return safezones.Errorf(safezones.CodeConflict, "party %s has already answered %s to version %d of notification %q", p.PartyID, p.Response, n.Version, n.ID)
		}
		src := safezones.Source{Kind: safezones.SourceReal, Description: "Signed by " + p.PartyID + " with its registered key " + p.KeyID + "."}
		if p.Simulated {
			src = safezones.Source{Kind: safezones.SourceSimulated,
				Description: "Scenario acknowledgement (demo data), signed with a key generated for the demo: not a claim about what " + p.PartyID + " did."}
		}
		a := &safezones.Acknowledgement{ID: id, NotificationID: n.ID, Version: n.Version, Hash: n.Hash, PartyID: p.PartyID, KeyID: p.KeyID,
			Response: p.Response, Reason: p.Reason, SignedAt: p.SignedAt.UTC(), Payload: canonical, Signature: sa.Signature,
			RecordedAt: now, RecordedBy: by, Source: src}
		srcJSON, err := json.Marshal(src)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements(id, notification_id, version, hash, party_id, key_id, response, reason, signed_at,
			payload, signature, recorded_at, recorded_by, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			a.ID, a.NotificationID, a.Version, a.Hash, a.PartyID, a.KeyID, string(a.Response), a.Reason, formatTime(a.SignedAt),
			string(a.Payload), a.Signature, formatTime(now), by, string(srcJSON)); err != nil {
			return fmt.Errorf("insert acknowledgement %s: %w", a.ID, err)
		}
		out = a
		return appendEntry(ctx, tx, safezones.LedgerAcknowledgement, acknowledgementRecordID(a.NotificationID, a.Version, a.ID), ackRecord(a), now)
	})
	return out, err
}

// ackRecord is an acknowledgement as logged: the payload is inlined as
// JSON, so an outsider verifies the signature over it with the party's
// logged key, from the ledger alone.
func ackRecord(a *safezones.Acknowledgement) any {
	type rec struct {
		*safezones.Acknowledgement
		Payload json.RawMessage `json:"payload"`
	}
	return rec{Acknowledgement: a, Payload: json.RawMessage(a.Payload)}
}

const ackColumns = `id, notification_id, version, hash, party_id, key_id, response, reason, signed_at, payload, signature, recorded_at, recorded_by, source`

func scanAck(s scanner) (*safezones.Acknowledgement, error) {
	var a safezones.Acknowledgement
	var resp, signed, payload, recorded, src string
	if err := s.Scan(&a.ID, &a.NotificationID, &a.Version, &a.Hash, &a.PartyID, &a.KeyID, &resp, &a.Reason, &signed, &payload, &a.Signature,
		&recorded, &a.RecordedBy, &src); err != nil {
		return nil, err
	}
	a.Response, a.Payload = safezones.AcknowledgementResponse(resp), []byte(payload)
	if err := json.Unmarshal([]byte(src), &a.Source); err != nil {
		return nil, err
	}
	var err error
	if a.SignedAt, err = parseTime(signed); err != nil {
		return nil, err
	}
	a.RecordedAt, err = parseTime(recorded)
	return &a, err
}

// Acknowledgements returns every answer to a notification. Codes:
// not_found.
func (d *DB) Acknowledgements(ctx context.Context, id string) ([]safezones.Acknowledgement, error) {
	if _, err := notificationVersion(ctx, d.db, id, 0); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanAck, `SELECT `+ackColumns+` FROM acknowledgements WHERE notification_id = ? ORDER BY seq`, id)
}

// RecordDisclosures stores and logs disclosures in one transaction.
// Codes: invalid.
func (d *DB) RecordDisclosures(ctx context.Context, ds []safezones.Disclosure) error {
	if len(ds) == 0 {
		return nil
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.Now().UTC()
		for i := range ds {
			x := &ds[i]
			if x.PartyID == "" || x.By == "" || x.Via == "" {
				return safezones.FieldErrorf(safezones.CodeInvalid, fmt.Sprintf("disclosures[%d]", i), "a disclosure names the party, the reader and the route")
			}
			x.At = now
			err := tx.QueryRowContext(ctx, `INSERT INTO disclosures(notification_id, version, party_id, by, via, at) VALUES (?,?,?,?,?,?) RETURNING seq`,
				x.NotificationID, x.Version, x.PartyID, x.By, x.Via, formatTime(now)).Scan(&x.Seq)
			if isConstraint(err, codeForeignKey) {
				return safezones.Errorf(safezones.CodeNotFound, "notification %q has no version %d", x.NotificationID, x.Version)
			}
			if err != nil {
				return fmt.Errorf("insert disclosure of %s v%d: %w", x.NotificationID, x.Version, err)
			}
			if err := appendEntry(ctx, tx, safezones.LedgerDisclosure, disclosureRecordID(x.NotificationID, x.Version, x.Seq), *x, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func scanDisclosure(s scanner) (*safezones.Disclosure, error) {
	var x safezones.Disclosure
	var at string
	if err := s.Scan(&x.Seq, &x.NotificationID, &x.Version, &x.PartyID, &x.By, &x.Via, &at); err != nil {
		return nil, err
	}
	var err error
	x.At, err = parseTime(at)
	return &x, err
}

// Disclosures returns a notification's disclosures in order. Codes:
// not_found.
func (d *DB) Disclosures(ctx context.Context, id string) ([]safezones.Disclosure, error) {
	if _, err := notificationVersion(ctx, d.db, id, 0); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanDisclosure, `SELECT seq, notification_id, version, party_id, by, via, at FROM disclosures WHERE notification_id = ? ORDER BY seq`, id)
}

// SweepNotifications records reminders and escalations, each once.
func (d *DB) SweepNotifications(ctx context.Context, now time.Time) ([]safezones.NotificationAlert, error) {
	var out []safezones.NotificationAlert
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT r.id, r.version, n.notifier, r.party_id, r.notified_at, r.due_at FROM notification_receipts r
			JOIN notifications n ON n.id = r.id AND n.latest = r.version
			WHERE NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id)
			ORDER BY r.due_at, r.id, r.party_id`)
		if err != nil {
			return err
		}
		type pending struct {
			a        safezones.NotificationAlert
			notified time.Time
		}
		var ps []pending
		for rows.Next() {
			var p pending
			var notified, due string
			if err := rows.Scan(&p.a.NotificationID, &p.a.Version, &p.a.Notifier, &p.a.PartyID, &notified, &due); err != nil {
				rows.Close()
				return err
			}
			if p.notified, err = parseTime(notified); err != nil {
				rows.Close()
				return err
			}
			if p.a.DueAt, err = parseTime(due); err != nil {
				rows.Close()
				return err
			}
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		recorded := d.Now().UTC()
		for _, p := range ps {
			half := p.notified.Add(p.a.DueAt.Sub(p.notified) / 2)
			var kinds []safezones.NotificationAlertKind
			if !now.Before(half) {
				kinds = append(kinds, safezones.NotificationReminder)
			}
			if !now.Before(p.a.DueAt) {
				kinds = append(kinds, safezones.NotificationOverdue)
			}
			for _, k := range kinds {
				a := p.a
				a.Kind, a.At = k, now.UTC()
				err := tx.QueryRowContext(ctx, `INSERT INTO notification_alerts(kind, notification_id, version, notifier, party_id, due_at, at)
					VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING seq`,
					string(k), a.NotificationID, a.Version, a.Notifier, a.PartyID, formatTime(a.DueAt), formatTime(a.At)).Scan(&a.Seq)
				if errors.Is(err, sql.ErrNoRows) {
					continue // recorded by an earlier sweep
				}
				if err != nil {
					return fmt.Errorf("insert %s of %s v%d for %s: %w", k, a.NotificationID, a.Version, a.PartyID, err)
				}
				if err := appendEntry(ctx, tx, safezones.LedgerNotificationAlert, notificationAlertRecordID(a.Seq), a, recorded); err != nil {
					return err
				}
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

func scanNotificationAlert(s scanner) (*safezones.NotificationAlert, error) {
	var a safezones.NotificationAlert
	var kind, due, at string
	if err := s.Scan(&a.Seq, &kind, &a.NotificationID, &a.Version, &a.Notifier, &a.PartyID, &due, &at); err != nil {
		return nil, err
	}
	a.Kind = safezones.NotificationAlertKind(kind)
	var err error
	if a.DueAt, err = parseTime(due); err != nil {
		return nil, err
	}
	a.At, err = parseTime(at)
	return &a, err
}

const notificationAlertColumns = `seq, kind, notification_id, version, notifier, party_id, due_at, at`

// NotificationAlerts returns reminders and escalations after afterSeq.
func (d *DB) NotificationAlerts(ctx context.Context, afterSeq int64, limit int) ([]safezones.NotificationAlert, error) {
	if limit <= 0 || limit > maxAlertLimit {
		limit = maxAlertLimit
	}
	return queryRows(ctx, d.db, scanNotificationAlert, `SELECT `+notificationAlertColumns+` FROM notification_alerts WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
}

// NotificationStats counts each addressed party's standing on latest
// versions at now.
func (d *DB) NotificationStats(ctx context.Context, now time.Time) ([]safezones.PartyNotificationStats, error) {
	return queryRows(ctx, d.db, func(s scanner) (*safezones.PartyNotificationStats, error) {
		var p safezones.PartyNotificationStats
		err := s.Scan(&p.PartyID, &p.Notified, &p.Delivered, &p.Acknowledged, &p.Objected, &p.Unacknowledged, &p.Overdue)
		return &p, err
	}, `SELECT r.party_id, count(*),
		sum(EXISTS (SELECT 1 FROM disclosures x WHERE x.notification_id = r.id AND x.version = r.version AND x.party_id = r.party_id)),
		sum(EXISTS (SELECT 1 FROM acknowledgements a WHERE a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id AND a.response = 'acknowledge')),
		sum(EXISTS (SELECT 1 FROM acknowledgements a WHERE a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id AND a.response = 'object')),
		sum(NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id)),
		sum(r.due_at <= ?1 AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.notification_id = r.id AND a.version = r.version AND a.party_id = r.party_id))
		FROM notification_receipts r JOIN notifications n ON n.id = r.id AND n.latest = r.version AND n.cancelled = 0
		GROUP BY r.party_id ORDER BY r.party_id`, formatTime(now))
}

// checkDigest is the hex SHA-256 of salt followed by the canonical JSON
// of {"query", "found"}.
func checkDigest(salt []byte, query []byte, found []string) (string, error) {
	content, err := ledger.Canonical(map[string]any{"query": json.RawMessage(query), "found": found})
	if err != nil {
		return "", err
	}
	return ledger.SaltedDigest(salt, content), nil
}

// RecordCheck stores and logs a deconfliction check. Codes: invalid.
func (d *DB) RecordCheck(ctx context.Context, c *safezones.DeconflictionCheck) error {
	if c.PartyID == "" || c.By == "" || !json.Valid(c.Query) {
		return safezones.Errorf(safezones.CodeInvalid, "a check names the party, who asked and the query")
	}
	query, err := ledger.Canonical(json.RawMessage(c.Query))
	if err != nil {
		return err
	}
	if c.Found == nil {
		c.Found = []string{}
	}
	found, err := json.Marshal(c.Found)
	if err != nil {
		return err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	digest, err := checkDigest(salt, query, c.Found)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		now := d.Now().UTC()
		c.At, c.Query = now, query
		if err := tx.QueryRowContext(ctx, `INSERT INTO deconfliction_checks(party_id, by, at, query, found, salt) VALUES (?,?,?,?,?,?) RETURNING seq`,
			c.PartyID, c.By, formatTime(now), string(query), string(found), hex.EncodeToString(salt)).Scan(&c.Seq); err != nil {
			return fmt.Errorf("insert check: %w", err)
		}
		return appendEntry(ctx, tx, safezones.LedgerDeconfliction, checkRecordID(c.Seq),
			checkRecord{Seq: c.Seq, PartyID: c.PartyID, By: c.By, At: now, Found: len(c.Found), SHA256: digest}, now)
	})
}

// notificationLedgerRecord re-reads the record behind a deconfliction
// ledger entry from the tables (recomputing a version's hash from its
// stored content and salt); ok is false for a type it does not know.
func (d *DB) notificationLedgerRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	switch typ {
	case safezones.LedgerNotification:
		rest, ok := strings.CutPrefix(recordID, "notification/")
		i := strings.LastIndex(rest, "/v")
		if !ok || i <= 0 {
			return nil, true, notFound
		}
		v, err := strconv.Atoi(rest[i+2:])
		if err != nil {
			return nil, true, notFound
		}
		n, err := notificationVersion(ctx, d.db, rest[:i], v)
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return nil, true, notFound
		}
		if err != nil {
			return nil, true, err
		}
		if n.Hash, err = consent.NotificationHash(n); err != nil {
			return nil, true, err
		}
		return newNotificationRecord(n), true, nil
	case safezones.LedgerAcknowledgement:
		i := strings.LastIndex(recordID, "/acknowledgement/")
		if i < 0 {
			return nil, true, notFound
		}
		a, err := scanAck(d.db.QueryRowContext(ctx, `SELECT `+ackColumns+` FROM acknowledgements WHERE id = ?`, recordID[i+len("/acknowledgement/"):]))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, true, notFound
		}
		if err != nil {
			return nil, true, err
		}
		return ackRecord(a), true, nil
	case safezones.LedgerDisclosure:
		seq, ok := recordSeq(recordID, "/disclosure/")
		if !ok {
			return nil, true, notFound
		}
		x, err := scanDisclosure(d.db.QueryRowContext(ctx, `SELECT seq, notification_id, version, party_id, by, via, at FROM disclosures WHERE seq = ?`, seq))
		return orNotFound(x, err, notFound)
	case safezones.LedgerNotificationAlert:
		seq, ok := recordSeq(recordID, "notification_alert/")
		if !ok {
			return nil, true, notFound
		}
		a, err := scanNotificationAlert(d.db.QueryRowContext(ctx, `SELECT `+notificationAlertColumns+` FROM notification_alerts WHERE seq = ?`, seq))
		return orNotFound(a, err, notFound)
	case safezones.LedgerDeconfliction:
		seq, ok := recordSeq(recordID, "deconfliction_check/")
		if !ok {
			return nil, true, notFound
		}
		var r checkRecord
		var at, query, found, salt string
		err := d.db.QueryRowContext(ctx, `SELECT seq, party_id, by, at, query, found, salt FROM deconfliction_checks WHERE seq = ?`, seq).
			Scan(&r.Seq, &r.PartyID, &r.By, &at, &query, &found, &salt)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, true, notFound
		}
		if err != nil {
			return nil, true, err
		}
		var ids []string
		if err := json.Unmarshal([]byte(found), &ids); err != nil {
			return nil, true, err
		}
		saltBytes, err := hex.DecodeString(salt)
		if err != nil {
			return nil, true, err
		}
		if r.At, err = parseTime(at); err != nil {
			return nil, true, err
		}
		r.Found = len(ids)
		r.SHA256, err = checkDigest(saltBytes, []byte(query), ids)
		return r, true, err
	}
	return nil, false, nil
}
