package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

var _ safezones.AlertService = (*DB)(nil)

// Limits of ListAlerts.
const (
	defaultAlertLimit = 100
	maxAlertLimit     = 1000
)

func alertRecordID(seq int64) string { return "alert/" + strconv.FormatInt(seq, 10) }

// alertID is the stable string form of an alert's Seq.
func alertID(seq int64) string { return "al-" + strconv.FormatInt(seq, 10) }

// alertRecord is an alert as logged: every field of the Alert, with the
// position and the predicted entry point as GeoJSON [lon, lat] (the Alert
// leaves them out of its own JSON).
type alertRecord struct {
	*safezones.Alert
	Position [2]float64  `json:"position"`
	Entry    *[2]float64 `json:"entry,omitempty"`
}

func newAlertRecord(a *safezones.Alert) alertRecord {
	r := alertRecord{Alert: a, Position: [2]float64{a.Point.Lon, a.Point.Lat}}
	if a.Entry != nil {
		r.Entry = &[2]float64{a.Entry.Lon, a.Entry.Lat}
	}
	return r
}

// AppendAlerts validates every alert, then stores them in order with
// consecutive Seq, logs each in the ledger and queues one webhook delivery
// per matching enabled subscription, all in one transaction: either the
// whole batch is stored, logged and queued, or none of it. It fills in
// Seq, ID and Created (times are kept in UTC). Codes: invalid, naming the
// index ("alerts[3].kind").
func (d *DB) AppendAlerts(ctx context.Context, alerts []safezones.Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	for i := range alerts {
		if err := d.validateAlert(&alerts[i]); err != nil {
			return safezones.WithFieldPrefix(err, fmt.Sprintf("alerts[%d]", i))
		}
	}
	now := d.Now().UTC()
	out := make([]safezones.Alert, len(alerts))
	copy(out, alerts)
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		subs, err := enabledWebhooks(ctx, tx)
		if err != nil {
			return err
		}
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM alerts`).Scan(&next); err != nil {
			return fmt.Errorf("next alert seq: %w", err)
		}
		for i := range out {
			a := &out[i]
			a.Seq, a.ID, a.Created = next+int64(i), alertID(next+int64(i)), now
			a.At = a.At.UTC()
			if err := insertAlert(ctx, tx, a); err != nil {
				return err
			}
			if err := appendEntry(ctx, tx, safezones.LedgerAlert, alertRecordID(a.Seq), newAlertRecord(a), now); err != nil {
				return err
			}
			if err := queueDeliveries(ctx, tx, subs, a, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	copy(alerts, out)
	return nil
}

// validateAlert checks one alert's fields; errors name the field.
func (d *DB) validateAlert(a *safezones.Alert) error {
	switch {
	case !safezones.ValidAlertKind(a.Kind):
		return safezones.FieldErrorf(safezones.CodeInvalid, "kind", "kind %q is not one of violation, violation_end, warning, warning_cancelled", a.Kind)
	case a.ObjectID == "" || len(a.ObjectID) > safezones.MaxNameLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "object_id", "object_id must be 1-%d bytes", safezones.MaxNameLen)
	case !safezones.ValidID(a.ZoneID):
		return safezones.FieldErrorf(safezones.CodeInvalid, "zone_id", "%q is not a valid zone id", a.ZoneID)
	case a.ZoneVersion < 1:
		return safezones.FieldErrorf(safezones.CodeInvalid, "zone_version", "zone_version must be 1 or more, not %d", a.ZoneVersion)
	case !a.ZoneKind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "zone_kind", "zone_kind %q is not a zone kind", a.ZoneKind)
	case len(a.ZoneName) > safezones.MaxNameLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "zone_name", "zone_name is longer than %d bytes", safezones.MaxNameLen)
	case a.At.IsZero():
		return safezones.FieldErrorf(safezones.CodeInvalid, "at", "at is missing")
	case !validPoint(a.Point):
		return safezones.FieldErrorf(safezones.CodeInvalid, "position", "position [%v, %v] is not a WGS84 lon/lat", a.Point.Lon, a.Point.Lat)
	case a.Entry != nil && !validPoint(*a.Entry):
		return safezones.FieldErrorf(safezones.CodeInvalid, "entry", "entry [%v, %v] is not a WGS84 lon/lat", a.Entry.Lon, a.Entry.Lat)
	case !finite(a.AltM, a.ETASeconds, a.ETAMinSeconds, a.ETAMaxSeconds, a.DwellSeconds):
		return safezones.Errorf(safezones.CodeInvalid, "alt_m, eta_s, eta_min_s, eta_max_s and dwell_s must be finite numbers")
	case len(a.Reason) > safezones.MaxNameLen:
		return safezones.FieldErrorf(safezones.CodeInvalid, "reason", "reason is longer than %d bytes", safezones.MaxNameLen)
	case !a.Source.Kind.Valid():
		return safezones.FieldErrorf(safezones.CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", a.Source.Kind)
	}
	return d.checkSimulated(a.Source)
}

func validPoint(p geo.Point) bool {
	return p.Lon >= -180 && p.Lon <= 180 && p.Lat >= -90 && p.Lat <= 90
}

func finite(xs ...*float64) bool {
	for _, x := range xs {
		if x != nil && (math.IsNaN(*x) || math.IsInf(*x, 0)) {
			return false
		}
	}
	return true
}

func insertAlert(ctx context.Context, tx *sql.Tx, a *safezones.Alert) error {
	src, err := json.Marshal(a.Source)
	if err != nil {
		return err
	}
	var entryLon, entryLat any
	if a.Entry != nil {
		entryLon, entryLat = a.Entry.Lon, a.Entry.Lat
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO alerts(seq, id, kind, object_id, zone_id, zone_version, zone_kind, zone_name,
		at, lon, lat, alt_m, altitude_known, eta_s, eta_min_s, eta_max_s, entry_lon, entry_lat, reason, dwell_s, source, created)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.Seq, a.ID, string(a.Kind), a.ObjectID, a.ZoneID, a.ZoneVersion, string(a.ZoneKind), a.ZoneName,
		formatTime(a.At), a.Point.Lon, a.Point.Lat, nullFloat(a.AltM), a.AltitudeKnown,
		nullFloat(a.ETASeconds), nullFloat(a.ETAMinSeconds), nullFloat(a.ETAMaxSeconds), entryLon, entryLat,
		a.Reason, nullFloat(a.DwellSeconds), string(src), formatTime(a.Created))
	if err != nil {
		return fmt.Errorf("insert alert %s: %w", a.ID, err)
	}
	return nil
}

func nullFloat(x *float64) any {
	if x == nil {
		return nil
	}
	return *x
}

// queueDeliveries writes one pending outbox row for a per subscription in
// subs that wants it, due at now.
func queueDeliveries(ctx context.Context, tx *sql.Tx, subs []safezones.WebhookSubscription, a *safezones.Alert, now time.Time) error {
	for i := range subs {
		if !subs[i].Matches(a) {
			continue
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries(subscription_id, alert_seq, state, attempts, next_attempt)
			VALUES (?, ?, ?, 0, ?)`, subs[i].ID, a.Seq, string(safezones.DeliveryPending), formatTime(now))
		if err != nil {
			return fmt.Errorf("queue alert %s for webhook %s: %w", a.ID, subs[i].ID, err)
		}
	}
	return nil
}

const alertColumns = `seq, id, kind, object_id, zone_id, zone_version, zone_kind, zone_name, at, lon, lat, alt_m, altitude_known,
	eta_s, eta_min_s, eta_max_s, entry_lon, entry_lat, reason, dwell_s, source, created`

// ListAlerts returns the alerts matching f in Seq order, at most f.Limit
// (default 100, at most 1000).
func (d *DB) ListAlerts(ctx context.Context, f safezones.AlertFilter) ([]safezones.Alert, error) {
	where := []string{"seq > ?"}
	args := []any{f.AfterSeq}
	if len(f.Kinds) > 0 {
		where = append(where, "kind IN ("+placeholders(len(f.Kinds))+")")
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	if len(f.ZoneIDs) > 0 {
		where = append(where, "zone_id IN ("+placeholders(len(f.ZoneIDs))+")")
		for _, z := range f.ZoneIDs {
			args = append(args, z)
		}
	}
	if f.ObjectID != "" {
		where = append(where, "object_id = ?")
		args = append(args, f.ObjectID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultAlertLimit
	}
	args = append(args, min(limit, maxAlertLimit))
	return queryRows(ctx, d.db, scanAlert, `SELECT `+alertColumns+` FROM alerts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY seq LIMIT ?`, args...)
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// LastAlertSeq returns the highest Seq stored, 0 when none.
func (d *DB) LastAlertSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM alerts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("last alert seq: %w", err)
	}
	return n, nil
}

// alertsBySeq returns the alerts with the given seqs, keyed by seq.
func alertsBySeq(ctx context.Context, q querier, seqs []int64) (map[int64]*safezones.Alert, error) {
	out := make(map[int64]*safezones.Alert, len(seqs))
	if len(seqs) == 0 {
		return out, nil
	}
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	as, err := queryRows(ctx, q, scanAlert, `SELECT `+alertColumns+` FROM alerts WHERE seq IN (`+placeholders(len(seqs))+`)`, args...)
	if err != nil {
		return nil, err
	}
	for i := range as {
		out[as[i].Seq] = &as[i]
	}
	return out, nil
}

func scanAlert(s scanner) (*safezones.Alert, error) {
	var a safezones.Alert
	var kind, zoneKind, at, src, created string
	var altM, eta, etaMin, etaMax, entryLon, entryLat, dwell sql.NullFloat64
	if err := s.Scan(&a.Seq, &a.ID, &kind, &a.ObjectID, &a.ZoneID, &a.ZoneVersion, &zoneKind, &a.ZoneName, &at,
		&a.Point.Lon, &a.Point.Lat, &altM, &a.AltitudeKnown, &eta, &etaMin, &etaMax, &entryLon, &entryLat,
		&a.Reason, &dwell, &src, &created); err != nil {
		return nil, err
	}
	a.Kind, a.ZoneKind = safezones.AlertKind(kind), safezones.Kind(zoneKind)
	a.AltM, a.ETASeconds, a.ETAMinSeconds, a.ETAMaxSeconds, a.DwellSeconds =
		floatPtr(altM), floatPtr(eta), floatPtr(etaMin), floatPtr(etaMax), floatPtr(dwell)
	if entryLon.Valid && entryLat.Valid {
		a.Entry = &geo.Point{Lon: entryLon.Float64, Lat: entryLat.Float64}
	}
	if err := json.Unmarshal([]byte(src), &a.Source); err != nil {
		return nil, fmt.Errorf("alert %s source: %w", a.ID, err)
	}
	var err error
	if a.At, err = parseTime(at); err != nil {
		return nil, fmt.Errorf("alert %s at: %w", a.ID, err)
	}
	if a.Created, err = parseTime(created); err != nil {
		return nil, fmt.Errorf("alert %s created: %w", a.ID, err)
	}
	return &a, nil
}

func floatPtr(x sql.NullFloat64) *float64 {
	if !x.Valid {
		return nil
	}
	v := x.Float64
	return &v
}

// alertRecord re-reads the ledger record of an alert from the tables; ok
// is false when typ is not an alert.
func (d *DB) alertRecord(ctx context.Context, typ, recordID string, notFound error) (any, bool, error) {
	if typ != safezones.LedgerAlert {
		return nil, false, nil
	}
	rest, ok := strings.CutPrefix(recordID, "alert/")
	seq, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil {
		return nil, true, notFound
	}
	a, err := scanAlert(d.db.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE seq = ?`, seq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, notFound
	}
	if err != nil {
		return nil, true, err
	}
	return newAlertRecord(a), true, nil
}
