package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/ledger"
)

var _ safezones.ConsentService = (*DB)(nil)

// Record ids of consent records in the ledger.
func policyRecordID(zoneID string, seq int64) string {
	return fmt.Sprintf("zone/%s/policy/%d", zoneID, seq)
}

func roleRecordID(zoneID string, seq int64) string {
	return fmt.Sprintf("zone/%s/role/%d", zoneID, seq)
}

func roleRemovalRecordID(zoneID string, seq int64) string {
	return roleRecordID(zoneID, seq) + "/removal"
}

func decisionRecordID(zoneID string, v int, id string) string {
	return fmt.Sprintf("zone/%s/v%d/decision/%s", zoneID, v, id)
}

// roleRecord is a role assignment as logged.
type roleRecord struct {
	Seq        int64               `json:"seq"`
	ZoneID     string              `json:"zone_id"`
	PartyID    string              `json:"party_id"`
	Role       safezones.PartyRole `json:"role"`
	AssignedAt time.Time           `json:"assigned_at"`
	AssignedBy string              `json:"assigned_by"`
}

// roleRemovalRecord is the end of a role assignment as logged.
type roleRemovalRecord struct {
	Seq       int64               `json:"seq"`
	ZoneID    string              `json:"zone_id"`
	PartyID   string              `json:"party_id"`
	Role      safezones.PartyRole `json:"role"`
	RemovedAt time.Time           `json:"removed_at"`
	RemovedBy string              `json:"removed_by"`
}

func zoneMustExist(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM zones WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return safezones.Errorf(safezones.CodeNotFound, "zone %q not found", id)
	}
	return nil
}

// SetZonePolicy sets a zone's consent policy. Codes: invalid, not_found.
func (d *DB) SetZonePolicy(ctx context.Context, zoneID string, p safezones.ConsentPolicy, by, reason string) (*safezones.ZonePolicy, []safezones.StatusChange, error) {
	// A policy built in Go gets the same checks as one parsed from JSON.
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, nil, safezones.FieldErrorf(safezones.CodeInvalid, "policy", "%v", err)
	}
	if p, err = safezones.ParseConsentPolicy(raw); err != nil {
		return nil, nil, safezones.WithFieldPrefix(err, "policy")
	}
	if len(reason) > safezones.MaxDescriptionLen {
		return nil, nil, safezones.FieldErrorf(safezones.CodeInvalid, "reason", "reason is longer than %d bytes", safezones.MaxDescriptionLen)
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	canonical, err := ledger.Canonical(p)
	if err != nil {
		return nil, nil, err
	}
	var changes []safezones.StatusChange
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		if err := zoneMustExist(ctx, tx, zoneID); err != nil {
			return err
		}
		for _, l := range consent.Leaves(&p) {
			if err := partyMustExist(ctx, tx, l.Party); err != nil {
				field := "policy"
				if l.Path != "" {
					field += "." + l.Path
				}
				return safezones.FieldErrorf(safezones.CodeInvalid, field, "party %q does not exist", l.Party)
			}
		}
		now := d.Now().UTC()
		var seq int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO zone_policy_changes(zone_id, policy, set_at, set_by, reason)
			VALUES (?,?,?,?,?) RETURNING seq`, zoneID, string(canonical), formatTime(now), by, reason).Scan(&seq); err != nil {
			return fmt.Errorf("insert policy of zone %s: %w", zoneID, err)
		}
		rec := safezones.PolicyChange{Seq: seq, ZoneID: zoneID, Policy: p, SetAt: now, SetBy: by, Reason: reason}
		if err := appendEntry(ctx, tx, safezones.LedgerZonePolicy, policyRecordID(zoneID, seq), rec, now); err != nil {
			return err
		}
		changes, err = d.reevaluateProposed(ctx, tx, zoneID, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	zp, err := d.ZonePolicy(ctx, zoneID)
	return zp, changes, err
}

// ZonePolicy returns a zone's effective consent policy, judged for its
// latest version. Codes: not_found.
func (d *DB) ZonePolicy(ctx context.Context, zoneID string) (*safezones.ZonePolicy, error) {
	z, err := zoneVersion(ctx, d.db, zoneID, 0)
	if err != nil {
		return nil, err
	}
	p, src, err := d.effectivePolicy(ctx, d.db, z)
	if err != nil {
		return nil, err
	}
	changes, err := policyChanges(ctx, d.db, `WHERE zone_id = ? ORDER BY seq`, zoneID)
	if err != nil {
		return nil, err
	}
	return &safezones.ZonePolicy{ZoneID: zoneID, Policy: p, Source: src, Changes: changes}, nil
}

func policyChanges(ctx context.Context, q querier, where string, args ...any) ([]safezones.PolicyChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, zone_id, policy, set_at, set_by, reason FROM zone_policy_changes `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []safezones.PolicyChange{}
	for rows.Next() {
		var c safezones.PolicyChange
		var policy, at string
		if err := rows.Scan(&c.Seq, &c.ZoneID, &policy, &at, &c.SetBy, &c.Reason); err != nil {
			return nil, err
		}
		if c.Policy, err = safezones.ParseConsentPolicy([]byte(policy)); err != nil {
			return nil, fmt.Errorf("stored policy %d of zone %s: %w", c.Seq, c.ZoneID, err)
		}
		if c.SetAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// effectivePolicy returns the policy that governs version z: the zone's
// explicit policy, else all of its hosts, else all of the state parties
// whose territory holds z, else none.
func (d *DB) effectivePolicy(ctx context.Context, q querier, z *safezones.Zone) (*safezones.ConsentPolicy, safezones.PolicySource, error) {
	cs, err := policyChanges(ctx, q, `WHERE zone_id = ? ORDER BY seq DESC LIMIT 1`, z.ID)
	if err != nil {
		return nil, "", err
	}
	if len(cs) == 1 {
		return &cs[0].Policy, safezones.PolicyExplicit, nil
	}
	hosts, err := queryColumn[string](ctx, q, `SELECT party_id FROM zone_roles WHERE zone_id = ? AND role = 'host' AND removed_at IS NULL ORDER BY party_id`, z.ID)
	if err != nil {
		return nil, "", err
	}
	if len(hosts) > 0 {
		return allOf(hosts), safezones.PolicyHostRole, nil
	}
	if d.Territory == nil {
		return nil, safezones.PolicyNone, nil
	}
	countries := d.Territory(&z.Terms)
	if len(countries) == 0 {
		return nil, safezones.PolicyNone, nil
	}
	args := make([]any, len(countries))
	for i, c := range countries {
		args[i] = c
	}
	states, err := queryColumn[string](ctx, q, `SELECT id FROM parties WHERE kind = 'state' AND country IN (?`+
		strings.Repeat(",?", len(countries)-1)+`) ORDER BY id`, args...)
	if err != nil || len(states) == 0 {
		return nil, safezones.PolicyNone, err
	}
	return allOf(states), safezones.PolicyTerritory, nil
}

func allOf(parties []string) *safezones.ConsentPolicy {
	p := &safezones.ConsentPolicy{All: make([]safezones.ConsentPolicy, len(parties))}
	for i, id := range parties {
		p.All[i] = safezones.ConsentPolicy{Party: id}
	}
	return p
}

// queryColumn returns the single column of every row of query.
func queryColumn[T any](ctx context.Context, q querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AssignZoneRole gives a party a role for a zone. Codes: invalid,
// not_found, conflict.
func (d *DB) AssignZoneRole(ctx context.Context, zoneID, partyID string, role safezones.PartyRole, by string) (*safezones.ZoneRole, error) {
	if !role.Valid() {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "role", "role %q is not one of %v", role, safezones.PartyRoles)
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.ZoneRole
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := zoneMustExist(ctx, tx, zoneID); err != nil {
			return err
		}
		if err := partyMustExist(ctx, tx, partyID); err != nil {
			return safezones.FieldErrorf(safezones.CodeInvalid, "party_id", "party %q does not exist", partyID)
		}
		now := d.Now().UTC()
		var seq int64
		err := tx.QueryRowContext(ctx, `INSERT INTO zone_roles(zone_id, party_id, role, assigned_at, assigned_by)
			VALUES (?,?,?,?,?) RETURNING seq`, zoneID, partyID, string(role), formatTime(now), by).Scan(&seq)
		if isConstraint(err, codeUnique) {
			return safezones.Errorf(safezones.CodeConflict, "party %q holds the role %s for zone %q already", partyID, role, zoneID)
		}
		if err != nil {
			return fmt.Errorf("insert role of %s for zone %s: %w", partyID, zoneID, err)
		}
		out = &safezones.ZoneRole{Seq: seq, ZoneID: zoneID, PartyID: partyID, Role: role, AssignedAt: now, AssignedBy: by}
		if err := appendEntry(ctx, tx, safezones.LedgerZoneRole, roleRecordID(zoneID, seq), newRoleRecord(out), now); err != nil {
			return err
		}
		_, err = d.reevaluateProposed(ctx, tx, zoneID, now)
		return err
	})
	return out, err
}

func newRoleRecord(r *safezones.ZoneRole) roleRecord {
	return roleRecord{Seq: r.Seq, ZoneID: r.ZoneID, PartyID: r.PartyID, Role: r.Role, AssignedAt: r.AssignedAt.UTC(), AssignedBy: r.AssignedBy}
}

// RemoveZoneRole ends a party's role for a zone. Codes: not_found.
func (d *DB) RemoveZoneRole(ctx context.Context, zoneID, partyID string, role safezones.PartyRole, by string) (*safezones.ZoneRole, error) {
	if by == "" {
		by = safezones.OperatorPartyID
	}
	var out *safezones.ZoneRole
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := zoneMustExist(ctx, tx, zoneID); err != nil {
			return err
		}
		roles, err := zoneRoles(ctx, tx, `WHERE zone_id = ? AND party_id = ? AND role = ? AND removed_at IS NULL`, zoneID, partyID, string(role))
		if err != nil {
			return err
		}
		if len(roles) == 0 {
			return safezones.Errorf(safezones.CodeNotFound, "party %q holds no role %q for zone %q", partyID, role, zoneID)
		}
		r := roles[0]
		now := d.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE zone_roles SET removed_at = ?, removed_by = ? WHERE seq = ?`, formatTime(now), by, r.Seq); err != nil {
			return fmt.Errorf("remove role %d: %w", r.Seq, err)
		}
		r.RemovedAt, r.RemovedBy = now, by
		out = &r
		rec := roleRemovalRecord{Seq: r.Seq, ZoneID: zoneID, PartyID: partyID, Role: role, RemovedAt: now, RemovedBy: by}
		if err := appendEntry(ctx, tx, safezones.LedgerZoneRoleRemoval, roleRemovalRecordID(zoneID, r.Seq), rec, now); err != nil {
			return err
		}
		_, err = d.reevaluateProposed(ctx, tx, zoneID, now)
		return err
	})
	return out, err
}

// ZoneRoles returns every role assignment of a zone. Codes: not_found.
func (d *DB) ZoneRoles(ctx context.Context, zoneID string) ([]safezones.ZoneRole, error) {
	if err := zoneMustExist(ctx, d.db, zoneID); err != nil {
		return nil, err
	}
	return zoneRoles(ctx, d.db, `WHERE zone_id = ? ORDER BY seq`, zoneID)
}

func zoneRoles(ctx context.Context, q querier, where string, args ...any) ([]safezones.ZoneRole, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, zone_id, party_id, role, assigned_at, assigned_by, removed_at, removed_by FROM zone_roles `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []safezones.ZoneRole{}
	for rows.Next() {
		var r safezones.ZoneRole
		var role, at string
		var removed, removedBy sql.NullString
		if err := rows.Scan(&r.Seq, &r.ZoneID, &r.PartyID, &role, &at, &r.AssignedBy, &removed, &removedBy); err != nil {
			return nil, err
		}
		r.Role = safezones.PartyRole(role)
		if r.AssignedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		if removed.Valid {
			if r.RemovedAt, err = parseTime(removed.String); err != nil {
				return nil, err
			}
			r.RemovedBy = removedBy.String
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordDecision verifies, stores and applies a signed decision. Codes:
// invalid, not_found, forbidden, conflict.
func (d *DB) RecordDecision(ctx context.Context, sd safezones.SignedDecision, by string) (*safezones.DecisionResult, error) {
	p, canonical, err := consent.DecodePayload(sd.Payload)
	if err != nil {
		return nil, err
	}
	if len(sd.Signature) != ed25519.SignatureSize {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "signature", "signature has %d bytes; an ed25519 signature has %d (base64 in JSON)", len(sd.Signature), ed25519.SignatureSize)
	}
	if d.SimulatedOnly && !p.Simulated {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "payload.simulated",
			"this database holds scenario data only (the demo): sign the decision marked simulated (safezones zone approve --simulated)")
	}
	now := d.Now().UTC()
	if err := consent.CheckTime(&p, now); err != nil {
		return nil, err
	}
	if by == "" {
		by = safezones.OperatorPartyID
	}
	res := &safezones.DecisionResult{}
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		key, err := partyKey(ctx, tx, p.KeyID)
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s is not registered: register its public key first (safezones keys register)", p.KeyID)
		}
		if err != nil {
			return err
		}
		if key.PartyID != p.PartyID {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s belongs to party %s, not %s", p.KeyID, key.PartyID, p.PartyID)
		}
		if !key.ActiveAt(now) {
			return safezones.FieldErrorf(safezones.CodeForbidden, "payload.key_id", "key %s of party %s was revoked at %s: sign with a registered, unrevoked key",
				p.KeyID, p.PartyID, key.RevokedAt.Format(time.RFC3339))
		}
		if err := consent.Verify(key.PublicKey, canonical, sd.Signature); err != nil {
			return err
		}
		z, err := zoneVersion(ctx, tx, p.ZoneID, p.Version)
		if err != nil {
			return err
		}
		if z.Hash != p.Hash {
			return safezones.FieldErrorf(safezones.CodeConflict, "payload.hash",
				"version %d of zone %q has hash %s, not the signed %s: the terms signed are not that version's; fetch the version again and sign its hash",
				z.Version, z.ID, z.Hash, p.Hash)
		}
		if z.Status == safezones.StatusRevoked || z.Status == safezones.StatusExpired {
			latest, err := zoneVersion(ctx, tx, z.ID, 0)
			if err != nil {
				return err
			}
			return safezones.FieldErrorf(safezones.CodeConflict, "payload.version",
				"version %d of zone %q is %s, no longer open to decisions; the latest version is %d (%s)", z.Version, z.ID, z.Status, latest.Version, latest.Status)
		}
		policy, _, err := d.effectivePolicy(ctx, tx, z)
		if err != nil {
			return err
		}
		if err := partyHasSay(ctx, tx, policy, z.ID, p.PartyID); err != nil {
			return err
		}
		id := consent.DecisionID(canonical)
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM decisions WHERE id = ?`, id).Scan(&dup); err != nil {
			return err
		}
		if dup > 0 {
			return safezones.Errorf(safezones.CodeConflict, "this exact signed decision was recorded already, as %s", id)
		}
		var prev safezones.Verdict
		var prevSigned string
		err = tx.QueryRowContext(ctx, `SELECT verdict, signed_at FROM decisions WHERE zone_id = ? AND version = ? AND party_id = ?
			ORDER BY seq DESC LIMIT 1`, z.ID, z.Version, p.PartyID).Scan(&prev, &prevSigned)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := consent.Admissible(z, p.PartyID, prev, p.Verdict); err != nil {
			return err
		}
		if prev != "" {
			last, err := parseTime(prevSigned)
			if err != nil {
				return err
			}
			if !p.SignedAt.After(last) {
				return safezones.FieldErrorf(safezones.CodeConflict, "payload.signed_at",
					"signed at %s, not after %s's latest decision on this version (signed at %s): sign the decision again now",
					p.SignedAt.UTC().Format(time.RFC3339), p.PartyID, last.Format(time.RFC3339))
			}
		}
		dec := &safezones.Decision{ID: id, ZoneID: z.ID, Version: z.Version, Hash: z.Hash, PartyID: p.PartyID, KeyID: p.KeyID,
			Verdict: p.Verdict, Reason: p.Reason, SignedAt: p.SignedAt.UTC(), Source: decisionSource(&p),
			Payload: canonical, Signature: sd.Signature, RecordedAt: now, RecordedBy: by}
		if err := insertDecision(ctx, tx, dec); err != nil {
			return err
		}
		state, err := d.consentState(ctx, tx, z, now)
		if err != nil {
			return err
		}
		if tr, ok := consent.Next(state, p.PartyID, p.Verdict); ok {
			ch, err := applyTransition(ctx, tx, z, tr, p.PartyID, now)
			if err != nil {
				return err
			}
			res.Changes = append(res.Changes, ch)
		}
		if res.Zone, err = zoneVersion(ctx, tx, z.ID, z.Version); err != nil {
			return err
		}
		res.Decision = dec
		state.Status = res.Zone.Status
		res.Awaiting = state.Awaiting()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func decisionSource(p *consent.Payload) safezones.Source {
	if p.Simulated {
		return safezones.Source{Kind: safezones.SourceSimulated,
			Description: "Scenario decision (demo data), signed with a key generated for the demo: not a claim about what " + p.PartyID + " decided."}
	}
	return safezones.Source{Kind: safezones.SourceReal, Description: "Signed by " + p.PartyID + " with its registered key " + p.KeyID + "."}
}

// partyHasSay refuses a party that is neither named in the policy nor
// holds a role for the zone.
func partyHasSay(ctx context.Context, q querier, policy *safezones.ConsentPolicy, zoneID, partyID string) error {
	if policy != nil && slices.Contains(consent.Parties(policy), partyID) {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM zone_roles WHERE zone_id = ? AND party_id = ? AND removed_at IS NULL`,
		zoneID, partyID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return safezones.FieldErrorf(safezones.CodeForbidden, "payload.party_id",
			"party %s has no say on zone %q: it is neither named in the zone's consent policy nor holds a role for it", partyID, zoneID)
	}
	return nil
}

func insertDecision(ctx context.Context, tx *sql.Tx, dec *safezones.Decision) error {
	src, err := json.Marshal(dec.Source)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO decisions(id, zone_id, version, hash, party_id, key_id, verdict, reason, signed_at,
		source, payload, signature, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		dec.ID, dec.ZoneID, dec.Version, dec.Hash, dec.PartyID, dec.KeyID, string(dec.Verdict), dec.Reason, formatTime(dec.SignedAt),
		string(src), string(dec.Payload), dec.Signature, formatTime(dec.RecordedAt), dec.RecordedBy)
	if err != nil {
		return fmt.Errorf("insert decision %s: %w", dec.ID, err)
	}
	return appendEntry(ctx, tx, safezones.LedgerDecision, decisionRecordID(dec.ZoneID, dec.Version, dec.ID), dec, dec.RecordedAt)
}

// consentState gathers what consent.Next needs to know of version z.
func (d *DB) consentState(ctx context.Context, q querier, z *safezones.Zone, now time.Time) (consent.State, error) {
	policy, _, err := d.effectivePolicy(ctx, q, z)
	if err != nil {
		return consent.State{}, err
	}
	st, err := standings(ctx, q, z.ID, z.Version)
	if err != nil {
		return consent.State{}, err
	}
	// Consent is presumed for a version the operator first put in force
	// (agreed elsewhere); activations by consent name a party.
	var firstBy string
	err = q.QueryRowContext(ctx, `SELECT by FROM zone_status_changes WHERE zone_id = ? AND version = ? AND status = 'active'
		ORDER BY seq LIMIT 1`, z.ID, z.Version).Scan(&firstBy)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return consent.State{}, err
	}
	return consent.State{Policy: policy, Status: z.Status, Standings: st, InValidity: z.Valid.Contains(now),
		Presumed: firstBy == safezones.OperatorPartyID}, nil
}

// lastApprover returns the party whose approval of a version came last: an
// activation by consent outside a decision (a sweep, a policy change) is
// attributed to it, so the status history tells consent apart from the
// operator's own activations.
func lastApprover(ctx context.Context, q querier, z *safezones.Zone) (string, error) {
	var party string
	err := q.QueryRowContext(ctx, `SELECT party_id FROM decisions WHERE zone_id = ? AND version = ? AND verdict = 'approve'
		ORDER BY seq DESC LIMIT 1`, z.ID, z.Version).Scan(&party)
	return party, err
}

// standings returns each party's latest verdict on one version.
func standings(ctx context.Context, q querier, zoneID string, version int) (consent.Standings, error) {
	rows, err := q.QueryContext(ctx, `SELECT party_id, verdict FROM decisions WHERE zone_id = ? AND version = ? ORDER BY seq`, zoneID, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st := consent.Standings{}
	for rows.Next() {
		var party, verdict string
		if err := rows.Scan(&party, &verdict); err != nil {
			return nil, err
		}
		st[party] = safezones.Verdict(verdict)
	}
	return st, rows.Err()
}

// applyTransition records a consent-driven status change of version z,
// effective at, and supersedes the zone's other versions when z becomes
// active, as SetStatus does.
func applyTransition(ctx context.Context, tx *sql.Tx, z *safezones.Zone, tr consent.Transition, by string, at time.Time) (safezones.StatusChange, error) {
	now := at
	if at.Before(z.StatusChangedAt) {
		at = z.StatusChangedAt
	}
	ch := safezones.StatusChange{ZoneID: z.ID, Version: z.Version, Status: tr.To, At: at, By: by, Reason: tr.Reason}
	if !safezones.CanTransition(z.Status, tr.To) {
		return ch, fmt.Errorf("consent asks %s v%d to move from %s to %s", z.ID, z.Version, z.Status, tr.To)
	}
	if err := updateStatus(ctx, tx, ch, now); err != nil {
		return ch, err
	}
	if tr.To == safezones.StatusActive {
		if err := supersede(ctx, tx, ch, now); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// reevaluateProposed activates the newest proposed version of a zone that
// its policy now lets into force (after a policy or role change), if any.
func (d *DB) reevaluateProposed(ctx context.Context, tx *sql.Tx, zoneID string, now time.Time) ([]safezones.StatusChange, error) {
	versions, err := queryColumn[int](ctx, tx, `SELECT version FROM zone_versions WHERE zone_id = ? AND status = 'proposed' ORDER BY version DESC`, zoneID)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		z, err := zoneVersion(ctx, tx, zoneID, v)
		if err != nil {
			return nil, err
		}
		state, err := d.consentState(ctx, tx, z, now)
		if err != nil {
			return nil, err
		}
		if tr, ok := consent.Next(state, "", ""); ok {
			by, err := lastApprover(ctx, tx, z)
			if err != nil {
				return nil, err
			}
			ch, err := applyTransition(ctx, tx, z, tr, by, now)
			if err != nil {
				return nil, err
			}
			return []safezones.StatusChange{ch}, nil
		}
	}
	return nil, nil
}

// ActivateDue activates proposed versions whose policy is satisfied and
// whose validity has begun by now.
func (d *DB) ActivateDue(ctx context.Context, now time.Time) ([]safezones.StatusChange, error) {
	var changes []safezones.StatusChange
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT v.zone_id, v.version FROM zone_versions v
			JOIN decisions dc ON dc.zone_id = v.zone_id AND dc.version = v.version AND dc.verdict = 'approve'
			WHERE v.status = 'proposed' AND v.valid_from <= ?1 AND (v.valid_to IS NULL OR v.valid_to > ?1)
			ORDER BY v.zone_id, v.version DESC`, formatTime(now))
		if err != nil {
			return err
		}
		type due struct {
			zone    string
			version int
		}
		var dues []due
		for rows.Next() {
			var x due
			if err := rows.Scan(&x.zone, &x.version); err != nil {
				rows.Close()
				return err
			}
			dues = append(dues, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		done := map[string]bool{}
		recorded := d.Now().UTC()
		for _, x := range dues {
			if done[x.zone] {
				continue
			}
			z, err := zoneVersion(ctx, tx, x.zone, x.version)
			if err != nil {
				return err
			}
			state, err := d.consentState(ctx, tx, z, now)
			if err != nil {
				return err
			}
			tr, ok := consent.Next(state, "", "")
			if !ok {
				continue
			}
			// In force from when its validity began, unless the zone's
			// history or the approvals are later than that.
			at := z.Valid.From
			var last sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT max(at) FROM (SELECT at FROM zone_status_changes WHERE zone_id = ?1
				UNION ALL SELECT recorded_at FROM decisions WHERE zone_id = ?1 AND version = ?2)`, z.ID, z.Version).Scan(&last); err != nil {
				return err
			}
			if last.Valid {
				if t, err := parseTime(last.String); err == nil && t.After(at) {
					at = t
				}
			}
			tr.Reason += fmt.Sprintf("; validity began %s", z.Valid.From.UTC().Format(time.RFC3339))
			by, err := lastApprover(ctx, tx, z)
			if err != nil {
				return err
			}
			ch := safezones.StatusChange{ZoneID: z.ID, Version: z.Version, Status: tr.To, At: at, By: by, Reason: tr.Reason}
			if err := updateStatus(ctx, tx, ch, recorded); err != nil {
				return err
			}
			if err := supersede(ctx, tx, ch, recorded); err != nil {
				return err
			}
			changes = append(changes, ch)
			done[x.zone] = true
		}
		return nil
	})
	return changes, err
}

const decisionColumns = `id, zone_id, version, hash, party_id, key_id, verdict, reason, signed_at, source, payload, signature, recorded_at, recorded_by`

// Decisions returns every decision on a zone. Codes: not_found.
func (d *DB) Decisions(ctx context.Context, zoneID string) ([]safezones.Decision, error) {
	if err := zoneMustExist(ctx, d.db, zoneID); err != nil {
		return nil, err
	}
	return queryRows(ctx, d.db, scanDecision, `SELECT `+decisionColumns+` FROM decisions WHERE zone_id = ? ORDER BY seq`, zoneID)
}

func scanDecision(s scanner) (*safezones.Decision, error) {
	var dec safezones.Decision
	var verdict, signed, src, payload, recorded string
	if err := s.Scan(&dec.ID, &dec.ZoneID, &dec.Version, &dec.Hash, &dec.PartyID, &dec.KeyID, &verdict, &dec.Reason, &signed,
		&src, &payload, &dec.Signature, &recorded, &dec.RecordedBy); err != nil {
		return nil, err
	}
	dec.Verdict = safezones.Verdict(verdict)
	dec.Payload = json.RawMessage(payload)
	if err := json.Unmarshal([]byte(src), &dec.Source); err != nil {
		return nil, fmt.Errorf("decision %s source: %w", dec.ID, err)
	}
	var err error
	if dec.SignedAt, err = parseTime(signed); err != nil {
		return nil, err
	}
	dec.RecordedAt, err = parseTime(recorded)
	return &dec, err
}

// consentRecord re-reads the record behind a consent ledger entry; ok is
// false for a type it does not know.
func (d *DB) consentRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	switch typ {
	case safezones.LedgerDecision:
		i := strings.LastIndex(recordID, "/decision/")
		if i < 0 {
			return nil, true, notFound
		}
		dec, err := scanDecision(d.db.QueryRowContext(ctx, `SELECT `+decisionColumns+` FROM decisions WHERE id = ?`, recordID[i+len("/decision/"):]))
		return orNotFound(dec, err, notFound)
	case safezones.LedgerZonePolicy:
		seq, ok := recordSeq(recordID, "/policy/")
		if !ok {
			return nil, true, notFound
		}
		cs, err := policyChanges(ctx, d.db, `WHERE seq = ?`, seq)
		if err != nil || len(cs) == 0 {
			return nil, true, errOr(err, notFound)
		}
		return cs[0], true, nil
	case safezones.LedgerZoneRole, safezones.LedgerZoneRoleRemoval:
		rid := strings.TrimSuffix(recordID, "/removal")
		seq, ok := recordSeq(rid, "/role/")
		if !ok {
			return nil, true, notFound
		}
		rs, err := zoneRoles(ctx, d.db, `WHERE seq = ?`, seq)
		if err != nil || len(rs) == 0 {
			return nil, true, errOr(err, notFound)
		}
		r := rs[0]
		if typ == safezones.LedgerZoneRole {
			return newRoleRecord(&r), true, nil
		}
		if r.RemovedAt.IsZero() {
			return nil, true, notFound
		}
		return roleRemovalRecord{Seq: r.Seq, ZoneID: r.ZoneID, PartyID: r.PartyID, Role: r.Role, RemovedAt: r.RemovedAt, RemovedBy: r.RemovedBy}, true, nil
	case safezones.LedgerPartyKey, safezones.LedgerPartyKeyRevocation:
		rid := strings.TrimSuffix(recordID, "/revocation")
		i := strings.LastIndex(rid, "/key/")
		if i < 0 {
			return nil, true, notFound
		}
		k, err := partyKey(ctx, d.db, rid[i+len("/key/"):])
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return nil, true, notFound
		}
		if err != nil {
			return nil, true, err
		}
		if typ == safezones.LedgerPartyKey {
			return newKeyRecord(k), true, nil
		}
		if k.RevokedAt.IsZero() {
			return nil, true, notFound
		}
		return keyRevocationRecord{PartyID: k.PartyID, KeyID: k.ID, RevokedAt: k.RevokedAt, RevokedBy: k.RevokedBy}, true, nil
	case safezones.LedgerCommitment:
		i := strings.LastIndex(recordID, "/commitment/")
		if i < 0 {
			return nil, true, notFound
		}
		c, err := scanCommitment(d.db.QueryRowContext(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = ?`, recordID[i+len("/commitment/"):]))
		if err != nil {
			return orNotFound(c, err, notFound)
		}
		return newCommitmentRecord(c), true, nil
	case safezones.LedgerDelivery:
		i := strings.LastIndex(recordID, "/delivery/")
		if i < 0 {
			return nil, true, notFound
		}
		dl, err := scanDelivery(d.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries dl JOIN commitments c ON c.id = dl.commitment_id
			WHERE dl.id = ?`, recordID[i+len("/delivery/"):]))
		return orNotFound(dl, err, notFound)
	}
	return nil, false, nil
}

func orNotFound[T any](v *T, err, notFound error) (any, bool, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	return v, true, nil
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func recordSeq(recordID, marker string) (int64, bool) {
	i := strings.LastIndex(recordID, marker)
	if i < 0 {
		return 0, false
	}
	var seq int64
	if _, err := fmt.Sscanf(recordID[i+len(marker):], "%d", &seq); err != nil || fmt.Sprint(seq) != recordID[i+len(marker):] {
		return 0, false
	}
	return seq, true
}
