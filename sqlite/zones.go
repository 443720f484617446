package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

var _ safezones.ZoneService = (*DB)(nil)

const versionColumns = `v.zone_id, v.version, v.terms, v.geometry_type, v.coordinates, v.hash, v.status,
	v.status_changed_at, v.created_at, v.created_by`

// CreateZone stores version 1 of a new zone. Codes: invalid, conflict.
func (d *DB) CreateZone(ctx context.Context, z *safezones.Zone, initial safezones.Status) (*safezones.Zone, error) {
	if initial != safezones.StatusProposed && initial != safezones.StatusActive {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "status", "a new zone starts proposed or active, not %s", initial)
	}
	now := d.Now().UTC()
	out := *z
	if err := assignID(&out.ID, "z-"); err != nil {
		return nil, err
	}
	out.Version = 1
	if out.CreatedBy == "" {
		out.CreatedBy = safezones.OperatorPartyID
	}
	if err := d.prepareTerms(&out.Terms, now); err != nil {
		return nil, err
	}
	out.CreatedAt, out.Status, out.StatusChangedAt = now, initial, now

	change := safezones.StatusChange{ZoneID: out.ID, Version: 1, Status: initial, At: now, By: out.CreatedBy, Reason: "proposed"}
	if initial == safezones.StatusActive {
		// Recorded as agreed elsewhere: in force since its validity began.
		if out.Valid.From.Before(now) {
			change.At = out.Valid.From
		}
		change.Reason = "recorded as in force by the operator (agreed elsewhere)"
		out.StatusChangedAt = change.At
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if err := checkSponsor(ctx, tx, out.SponsorPartyID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO zones(id, latest_version, created_at) VALUES (?, 1, ?)`, out.ID, formatTime(now))
		if isConstraint(err, codePrimaryKey) {
			return safezones.FieldErrorf(safezones.CodeConflict, "id", "zone %q already exists", out.ID)
		}
		if err != nil {
			return fmt.Errorf("insert zone %s: %w", out.ID, err)
		}
		if err := insertVersion(ctx, tx, &out); err != nil {
			return err
		}
		return insertStatusChange(ctx, tx, change, now)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// prepareTerms validates t, fills defaults and computes nothing else.
func (d *DB) prepareTerms(t *safezones.Terms, now time.Time) error {
	if t.Valid.From.IsZero() {
		t.Valid.From = now
	}
	// Stored and logged in UTC, so a record reads back byte for byte.
	t.Valid.From, t.Valid.To = t.Valid.From.UTC(), t.Valid.To.UTC()
	if t.Windows != nil {
		ws := make([]safezones.TimeWindow, len(t.Windows))
		for i, w := range t.Windows {
			ws[i] = safezones.TimeWindow{From: w.From.UTC(), To: w.To.UTC()}
		}
		t.Windows = ws
	}
	if t.Source.Kind == "" {
		t.Source.Kind = safezones.SourceOperator
	}
	return t.Validate()
}

// AddVersion stores new terms as the next version. Codes: invalid,
// not_found, conflict.
func (d *DB) AddVersion(ctx context.Context, id string, baseVersion int, t safezones.Terms, by string) (*safezones.Zone, error) {
	now := d.Now().UTC()
	if by == "" {
		by = safezones.OperatorPartyID
	}
	if err := d.prepareTerms(&t, now); err != nil {
		return nil, err
	}
	var out *safezones.Zone
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+`
			FROM zones z JOIN zone_versions v ON v.zone_id = z.id AND v.version = z.latest_version WHERE z.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return safezones.Errorf(safezones.CodeNotFound, "zone %q not found", id)
		}
		if err != nil {
			return err
		}
		if cur.Version != baseVersion {
			return safezones.FieldErrorf(safezones.CodeConflict, "base_version",
				"zone %q is at version %d, not %d: read it again and reapply your change", id, cur.Version, baseVersion)
		}
		if t.Kind != cur.Kind {
			return safezones.FieldErrorf(safezones.CodeInvalid, "kind", "a zone's kind cannot change (%s to %s): propose a new zone", cur.Kind, t.Kind)
		}
		if err := checkSponsor(ctx, tx, t.SponsorPartyID); err != nil {
			return err
		}
		z := &safezones.Zone{ID: id, Version: cur.Version + 1, Terms: t, Status: safezones.StatusProposed,
			CreatedAt: now, CreatedBy: by, StatusChangedAt: now}
		if err := insertVersion(ctx, tx, z); err != nil {
			return err
		}
		if z.Hash == cur.Hash {
			return safezones.Errorf(safezones.CodeConflict, "version %d of zone %q already has these exact terms", cur.Version, id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE zones SET latest_version = ? WHERE id = ?`, z.Version, id); err != nil {
			return fmt.Errorf("update zone %s: %w", id, err)
		}
		out = z
		return insertStatusChange(ctx, tx, safezones.StatusChange{ZoneID: id, Version: z.Version,
			Status: safezones.StatusProposed, At: now, By: by, Reason: "new version proposed"}, now)
	})
	return out, err
}

// SetStatus moves one version to ch.Status. Codes: invalid, not_found,
// conflict.
func (d *DB) SetStatus(ctx context.Context, ch safezones.StatusChange) (*safezones.Zone, error) {
	if !ch.Status.Valid() {
		return nil, safezones.FieldErrorf(safezones.CodeInvalid, "status", "status %q is not one of %v", ch.Status, safezones.Statuses)
	}
	now := d.Now().UTC()
	if ch.At.IsZero() {
		ch.At = now
	}
	if ch.By == "" {
		ch.By = safezones.OperatorPartyID
	}
	var out *safezones.Zone
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		z, err := zoneVersion(ctx, tx, ch.ZoneID, ch.Version)
		if err != nil {
			return err
		}
		if ch.At.After(now.Add(time.Minute)) {
			return safezones.FieldErrorf(safezones.CodeInvalid, "at", "at %s is in the future: record a change when it takes effect", ch.At.UTC().Format(time.RFC3339))
		}
		if ch.At.Before(z.StatusChangedAt) {
			return safezones.FieldErrorf(safezones.CodeInvalid, "at", "at %s is before the version's last status change (%s): history is kept in order",
				ch.At.UTC().Format(time.RFC3339), z.StatusChangedAt.UTC().Format(time.RFC3339))
		}
		if !safezones.CanTransition(z.Status, ch.Status) {
			return safezones.FieldErrorf(safezones.CodeConflict, "status",
				"version %d of zone %q is %s and cannot become %s", z.Version, z.ID, z.Status, ch.Status)
		}
		if err := updateStatus(ctx, tx, ch, now); err != nil {
			return err
		}
		if ch.Status == safezones.StatusActive {
			if err := supersede(ctx, tx, ch, now); err != nil {
				return err
			}
		}
		z.Status, z.StatusChangedAt = ch.Status, ch.At.UTC()
		out = z
		return nil
	})
	return out, err
}

// supersede revokes the zone's other active or suspended versions, and the
// proposals older than the version now in force: they can no longer come
// into force after it. Newer proposals stay open.
func supersede(ctx context.Context, tx *sql.Tx, ch safezones.StatusChange, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM zone_versions WHERE zone_id = ?1 AND version <> ?2
		AND (status IN ('active', 'suspended') OR (status = 'proposed' AND version < ?2))`,
		ch.ZoneID, ch.Version)
	if err != nil {
		return err
	}
	var olds []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		olds = append(olds, v)
	}
	rows.Close()
	for _, v := range olds {
		old := safezones.StatusChange{ZoneID: ch.ZoneID, Version: v, Status: safezones.StatusRevoked, At: ch.At, By: ch.By,
			Reason: fmt.Sprintf("superseded by version %d", ch.Version)}
		if err := updateStatus(ctx, tx, old, now); err != nil {
			return err
		}
	}
	return nil
}

func updateStatus(ctx context.Context, tx *sql.Tx, ch safezones.StatusChange, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE zone_versions SET status = ?, status_changed_at = ? WHERE zone_id = ? AND version = ?`,
		string(ch.Status), formatTime(ch.At), ch.ZoneID, ch.Version); err != nil {
		return fmt.Errorf("update status of %s v%d: %w", ch.ZoneID, ch.Version, err)
	}
	return insertStatusChange(ctx, tx, ch, now)
}

// insertStatusChange records ch in the status history and the ledger.
func insertStatusChange(ctx context.Context, tx *sql.Tx, ch safezones.StatusChange, now time.Time) error {
	var seq int64
	err := tx.QueryRowContext(ctx, `INSERT INTO zone_status_changes(zone_id, version, status, at, recorded_at, by, reason)
		VALUES (?,?,?,?,?,?,?) RETURNING seq`,
		ch.ZoneID, ch.Version, string(ch.Status), formatTime(ch.At), formatTime(now), ch.By, ch.Reason).Scan(&seq)
	if err != nil {
		return fmt.Errorf("insert status change of %s v%d: %w", ch.ZoneID, ch.Version, err)
	}
	rec := statusRecord{ZoneID: ch.ZoneID, Version: ch.Version, Status: ch.Status, At: ch.At.UTC(),
		RecordedAt: now.UTC(), By: ch.By, Reason: ch.Reason}
	return appendEntry(ctx, tx, safezones.LedgerZoneStatus, statusRecordID(ch.ZoneID, ch.Version, seq), rec, now)
}

func checkSponsor(ctx context.Context, tx *sql.Tx, id string) error {
	if id == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM parties WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return safezones.FieldErrorf(safezones.CodeInvalid, "sponsor_party_id", "party %q does not exist", id)
	}
	return nil
}

func insertVersion(ctx context.Context, tx *sql.Tx, z *safezones.Zone) error {
	hash, err := z.Terms.Hash()
	if err != nil {
		return err
	}
	z.Hash = hash
	terms, err := json.Marshal(z.Terms)
	if err != nil {
		return err
	}
	gtype, coords, err := encodeGeometry(z.Geometry)
	if err != nil {
		return err
	}
	b := z.Terms.Bound()
	var sponsor any
	if z.SponsorPartyID != "" {
		sponsor = z.SponsorPartyID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO zone_versions(zone_id, version, kind, name, sponsor_party_id, terms,
		geometry_type, coordinates, hash, status, status_changed_at, created_at, created_by, valid_from, valid_to,
		min_lon, min_lat, max_lon, max_lat) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		z.ID, z.Version, string(z.Kind), z.Name, sponsor, string(terms), gtype, coords, z.Hash, string(z.Status),
		formatTime(z.StatusChangedAt), formatTime(z.CreatedAt), z.CreatedBy, formatTime(z.Valid.From), nullTime(z.Valid.To),
		b.Min.Lon, b.Min.Lat, b.Max.Lon, b.Max.Lat)
	if isConstraint(err, codeForeignKey) {
		return safezones.FieldErrorf(safezones.CodeInvalid, "sponsor_party_id", "party %q does not exist", z.SponsorPartyID)
	}
	if err != nil {
		return fmt.Errorf("insert version %d of zone %s: %w", z.Version, z.ID, err)
	}
	return appendEntry(ctx, tx, safezones.LedgerZoneVersion, versionRecordID(z.ID, z.Version), newZoneVersionRecord(z), z.CreatedAt)
}

// Zone returns one version; version 0 means the latest. Codes: not_found.
func (d *DB) Zone(ctx context.Context, id string, version int) (*safezones.Zone, error) {
	return zoneVersion(ctx, d.db, id, version)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func zoneVersion(ctx context.Context, q querier, id string, version int) (*safezones.Zone, error) {
	var row *sql.Row
	if version == 0 {
		row = q.QueryRowContext(ctx, `SELECT `+versionColumns+`
			FROM zones z JOIN zone_versions v ON v.zone_id = z.id AND v.version = z.latest_version WHERE z.id = ?`, id)
	} else {
		row = q.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM zone_versions v WHERE v.zone_id = ? AND v.version = ?`, id, version)
	}
	z, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		if version == 0 {
			return nil, safezones.Errorf(safezones.CodeNotFound, "zone %q not found", id)
		}
		return nil, safezones.Errorf(safezones.CodeNotFound, "zone %q has no version %d", id, version)
	}
	return z, err
}

// inForceSQL selects (zone_id, version, active_since) of versions in force
// at ?1: their latest status change effective at or before ?1 is 'active',
// and ?1 lies in their validity window.
const inForceSQL = `SELECT c.zone_id, c.version, c.at AS active_since FROM zone_status_changes c
	JOIN zone_versions iv ON iv.zone_id = c.zone_id AND iv.version = c.version
	WHERE c.seq = (SELECT d.seq FROM zone_status_changes d
	               WHERE d.zone_id = c.zone_id AND d.version = c.version AND d.at <= ?1
	               ORDER BY d.at DESC, d.seq DESC LIMIT 1)
	  AND c.status = 'active'
	  AND iv.valid_from <= ?1 AND (iv.valid_to IS NULL OR iv.valid_to > ?1)`

// ZoneAsOf returns the version of zone id in force at t. Codes: not_found.
func (d *DB) ZoneAsOf(ctx context.Context, id string, t time.Time) (*safezones.Zone, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+versionColumns+`, f.active_since FROM zone_versions v
		JOIN (`+inForceSQL+`) f ON f.zone_id = v.zone_id AND f.version = v.version
		WHERE v.zone_id = ?2 ORDER BY v.version DESC LIMIT 1`, formatTime(t), id)
	z, err := scanVersionAsOf(row)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := d.Zone(ctx, id, 0); err != nil {
			return nil, err
		}
		return nil, safezones.Errorf(safezones.CodeNotFound, "zone %q had no version in force at %s", id, t.UTC().Format(time.RFC3339))
	}
	return z, err
}

// ZoneHistory returns every version, oldest first, and all status changes.
// Codes: not_found.
func (d *DB) ZoneHistory(ctx context.Context, id string) ([]safezones.Zone, []safezones.StatusChange, error) {
	zones, err := queryVersions(ctx, d.db, `SELECT `+versionColumns+` FROM zone_versions v WHERE v.zone_id = ? ORDER BY v.version`, id)
	if err != nil {
		return nil, nil, err
	}
	if len(zones) == 0 {
		return nil, nil, safezones.Errorf(safezones.CodeNotFound, "zone %q not found", id)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT zone_id, version, status, at, by, reason FROM zone_status_changes
		WHERE zone_id = ? ORDER BY at, seq`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var changes []safezones.StatusChange
	for rows.Next() {
		var c safezones.StatusChange
		var status, at string
		if err := rows.Scan(&c.ZoneID, &c.Version, &status, &at, &c.By, &c.Reason); err != nil {
			return nil, nil, err
		}
		c.Status = safezones.Status(status)
		if c.At, err = parseTime(at); err != nil {
			return nil, nil, err
		}
		changes = append(changes, c)
	}
	return zones, changes, rows.Err()
}

// ListZones returns the latest (or in-force at f.AsOf) version of each
// matching zone, ordered by id.
func (d *DB) ListZones(ctx context.Context, f safezones.ZoneFilter) (safezones.ZonePage, error) {
	var (
		q    strings.Builder
		args []any
	)
	if f.AsOf != nil {
		// Every version in force was active then: a status filter without
		// "active" matches nothing, and the current status is not asked.
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, safezones.StatusActive) {
			return safezones.ZonePage{}, nil
		}
		f.Statuses = nil
		q.WriteString(`SELECT ` + versionColumns + `, f.active_since FROM zone_versions v JOIN (` + inForceSQL + `) f
			ON f.zone_id = v.zone_id AND f.version = v.version WHERE 1=1`)
		args = append(args, formatTime(*f.AsOf))
	} else {
		q.WriteString(`SELECT ` + versionColumns + ` FROM zones z JOIN zone_versions v
			ON v.zone_id = z.id AND v.version = z.latest_version WHERE 1=1`)
	}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args))
	}
	if len(f.Kinds) > 0 {
		q.WriteString(" AND v.kind IN (")
		for i, k := range f.Kinds {
			if i > 0 {
				q.WriteString(",")
			}
			q.WriteString(arg(string(k)))
		}
		q.WriteString(")")
	}
	if len(f.Statuses) > 0 {
		q.WriteString(" AND v.status IN (")
		for i, s := range f.Statuses {
			if i > 0 {
				q.WriteString(",")
			}
			q.WriteString(arg(string(s)))
		}
		q.WriteString(")")
	}
	if b := f.BBox; b != nil {
		fmt.Fprintf(&q, " AND v.min_lon <= %s AND v.max_lon >= %s AND v.min_lat <= %s AND v.max_lat >= %s",
			arg(b.Max.Lon), arg(b.Min.Lon), arg(b.Max.Lat), arg(b.Min.Lat))
	}
	if w := f.Interval; w != nil {
		if !w.To.IsZero() {
			fmt.Fprintf(&q, " AND v.valid_from < %s", arg(formatTime(w.To)))
		}
		fmt.Fprintf(&q, " AND (v.valid_to IS NULL OR v.valid_to > %s)", arg(formatTime(w.From)))
	}
	q.WriteString(" ORDER BY v.zone_id")
	scan := scanVersion
	if f.AsOf != nil {
		scan = scanVersionAsOf
	}
	zones, err := queryRows(ctx, d.db, scan, q.String(), args...)
	if err != nil {
		return safezones.ZonePage{}, err
	}
	if f.BBox != nil {
		// The SQL test used bounding boxes; keep only exact intersections.
		kept := zones[:0]
		for _, z := range zones {
			if zoneIntersectsRect(&z, *f.BBox) {
				kept = append(kept, z)
			}
		}
		zones = kept
	}
	page := safezones.ZonePage{Matched: len(zones)}
	if f.Offset < len(zones) {
		zones = zones[f.Offset:]
		if f.Limit > 0 && len(zones) > f.Limit {
			zones = zones[:f.Limit]
		}
		page.Zones = zones
	}
	return page, nil
}

// zoneIntersectsRect tests the zone's geometry, grown by its radius or
// half-width, against r.
func zoneIntersectsRect(z *safezones.Zone, r geo.Rect) bool {
	switch z.Kind {
	case safezones.KindProtectedSite:
		p, ok := z.Geometry.(geo.Point)
		return ok && rectDistanceM(p, r) <= z.RadiusM
	case safezones.KindCorridor:
		// Conservative: a corridor's buffered bounding box against r, then
		// its line against r grown by the half-width.
		return geo.IntersectsRect(z.Geometry, r.Buffer(z.HalfWidthM))
	}
	return geo.IntersectsRect(z.Geometry, r)
}

// rectDistanceM returns the distance in metres from p to the nearest point of r.
func rectDistanceM(p geo.Point, r geo.Rect) float64 {
	q := geo.Point{Lon: clamp(p.Lon, r.Min.Lon, r.Max.Lon), Lat: clamp(p.Lat, r.Min.Lat, r.Max.Lat)}
	return geo.DistanceM(p, q)
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// ActiveZones returns every version in force at t.
func (d *DB) ActiveZones(ctx context.Context, t time.Time) ([]safezones.Zone, error) {
	page, err := d.ListZones(ctx, safezones.ZoneFilter{AsOf: &t})
	return page.Zones, err
}

func queryVersions(ctx context.Context, q querier, query string, args ...any) ([]safezones.Zone, error) {
	return queryRows(ctx, q, scanVersion, query, args...)
}

func scanVersion(s scanner) (*safezones.Zone, error) { return scanVersionExtra(s, nil) }

// scanVersionAsOf scans a version in force at a past time, with the
// inForceSQL's active_since column: it reports the status it had then.
func scanVersionAsOf(s scanner) (*safezones.Zone, error) {
	var since string
	z, err := scanVersionExtra(s, &since)
	if err != nil {
		return nil, err
	}
	z.Status = safezones.StatusActive
	z.StatusChangedAt, err = parseTime(since)
	return z, err
}

func scanVersionExtra(s scanner, extra *string) (*safezones.Zone, error) {
	var z safezones.Zone
	var terms, gtype, coords, status, changed, created string
	dest := []any{&z.ID, &z.Version, &terms, &gtype, &coords, &z.Hash, &status, &changed, &created, &z.CreatedBy}
	if extra != nil {
		dest = append(dest, extra)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(terms), &z.Terms); err != nil {
		return nil, fmt.Errorf("zone %s v%d terms: %w", z.ID, z.Version, err)
	}
	g, err := decodeGeometry(gtype, coords)
	if err != nil {
		return nil, fmt.Errorf("zone %s v%d: %w", z.ID, z.Version, err)
	}
	z.Geometry = g
	z.Status = safezones.Status(status)
	if z.StatusChangedAt, err = parseTime(changed); err != nil {
		return nil, err
	}
	if z.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &z, nil
}

// inTx runs fn in a transaction and commits it; an error from fn rolls back.
func (d *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// assignID fills an empty *id with a new one made with prefix, or checks
// the one the caller chose. Codes: invalid.
func assignID(id *string, prefix string) error {
	if *id == "" {
		*id = newID(prefix)
		return nil
	}
	if !safezones.ValidID(*id) {
		return invalidID(*id)
	}
	return nil
}

func invalidID(id string) error {
	return safezones.FieldErrorf(safezones.CodeInvalid, "id", "%q is not a valid id (1-64 of a-z, 0-9, '-', '_')", id)
}

// newID returns prefix followed by 16 random base32 characters (80 bits).
func newID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + idEncoding.EncodeToString(b[:])
}

// ExpireZones marks versions whose validity ended as expired.
func (d *DB) ExpireZones(ctx context.Context, now time.Time) ([]safezones.StatusChange, error) {
	var changes []safezones.StatusChange
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT zone_id, version, valid_to FROM zone_versions
			WHERE status IN ('active', 'suspended') AND valid_to IS NOT NULL AND valid_to <= ? ORDER BY zone_id, version`,
			formatTime(now))
		if err != nil {
			return err
		}
		for rows.Next() {
			var ch safezones.StatusChange
			var to string
			if err := rows.Scan(&ch.ZoneID, &ch.Version, &to); err != nil {
				rows.Close()
				return err
			}
			if ch.At, err = parseTime(to); err != nil {
				rows.Close()
				return err
			}
			ch.Status, ch.By, ch.Reason = safezones.StatusExpired, safezones.OperatorPartyID, "validity ended"
			changes = append(changes, ch)
		}
		rows.Close()
		for _, ch := range changes {
			if err := updateStatus(ctx, tx, ch, d.Now().UTC()); err != nil {
				return err
			}
		}
		return nil
	})
	return changes, err
}

// StatusSeq returns the sequence number of the latest status change, a
// counter that moves on every change of what is in force; the fence
// snapshot keeper polls it to notice writes by other processes.
func (d *DB) StatusSeq(ctx context.Context) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM zone_status_changes`).Scan(&n)
	return n, err
}
