package geojson

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// AppendGeometry appends g to dst as an RFC 7946 geometry object and returns
// the extended slice. Positions are written [lon, lat], each number in the
// shortest decimal form that reads back to the same float64, with no
// exponent. Rings are written in the order and winding they have (decoded
// geometries are already RFC 7946 wound). A nil or unknown geometry is
// written as null; so is a NaN or infinite coordinate, which no decoded
// geometry holds and which makes the output invalid GeoJSON.
func AppendGeometry(dst []byte, g geo.Geometry) []byte {
	switch g := g.(type) {
	case geo.Point:
		dst = append(dst, `{"type":"Point","coordinates":`...)
		dst = appendPosition(dst, g)
	case geo.LineString:
		dst = append(dst, `{"type":"LineString","coordinates":`...)
		dst = appendPositions(dst, g)
	case geo.Polygon:
		dst = append(dst, `{"type":"Polygon","coordinates":`...)
		dst = appendRings(dst, g)
	case geo.MultiPolygon:
		dst = append(dst, `{"type":"MultiPolygon","coordinates":[`...)
		for i, pg := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRings(dst, pg)
		}
		dst = append(dst, ']')
	default:
		return append(dst, "null"...)
	}
	return append(dst, '}')
}

func appendNumber(dst []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

func appendPosition(dst []byte, p geo.Point) []byte {
	dst = append(dst, '[')
	dst = appendNumber(dst, p.Lon)
	dst = append(dst, ',')
	dst = appendNumber(dst, p.Lat)
	return append(dst, ']')
}

func appendPositions(dst []byte, ps []geo.Point) []byte {
	dst = append(dst, '[')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPosition(dst, p)
	}
	return append(dst, ']')
}

func appendRings(dst []byte, pg geo.Polygon) []byte {
	dst = append(dst, '[')
	for i, r := range pg {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendPositions(dst, r)
	}
	return append(dst, ']')
}

// zoneProperties is the "properties" object of a zone Feature: every JSON
// field of safezones.Zone but the geometry, flat and always present, so GIS
// tools see the same attribute table on every feature. Absent values are
// null; times are RFC 3339 UTC.
type zoneProperties struct {
	ID              string           `json:"id"`
	Version         int              `json:"version"`
	Kind            safezones.Kind   `json:"kind"`
	Name            string           `json:"name"`
	Description     string           `json:"description"`
	SponsorPartyID  string           `json:"sponsor_party_id"`
	FloorM          *float64         `json:"floor_m"`
	CeilingM        *float64         `json:"ceiling_m"`
	RadiusM         *float64         `json:"radius_m"`
	HalfWidthM      *float64         `json:"half_width_m"`
	Windows         []windowJSON     `json:"windows"`
	ValidFrom       *string          `json:"valid_from"`
	ValidTo         *string          `json:"valid_to"`
	Status          safezones.Status `json:"status"`
	Hash            string           `json:"hash"`
	CreatedAt       *string          `json:"created_at"`
	CreatedBy       string           `json:"created_by"`
	StatusChangedAt *string          `json:"status_changed_at"`
	Source          safezones.Source `json:"source"`
}

type windowJSON struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

// AppendZoneFeature appends z to dst as a GeoJSON Feature and returns the
// extended slice: "id" is z.ID, "geometry" is AppendGeometry's, and
// "properties" holds id, version, kind, name, description,
// sponsor_party_id, floor_m, ceiling_m, radius_m, half_width_m, windows
// (array of {from, to}), valid_from, valid_to, status, hash, created_at,
// created_by, status_changed_at and source. Every key is always written:
// floor_m and ceiling_m are null when unbounded, radius_m and half_width_m
// null when zero, valid_to and a window's to null when open-ended, and any
// zero time null. Times are RFC 3339 in UTC. TermsFromFeature reads the
// result back to the same Terms.
func AppendZoneFeature(dst []byte, z *safezones.Zone) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = appendJSON(dst, z.ID)
	dst = append(dst, `,"geometry":`...)
	dst = AppendGeometry(dst, z.Geometry)
	dst = append(dst, `,"properties":`...)
	props := zoneProperties{
		ID:              z.ID,
		Version:         z.Version,
		Kind:            z.Kind,
		Name:            z.Name,
		Description:     z.Description,
		SponsorPartyID:  z.SponsorPartyID,
		FloorM:          finite(z.FloorM),
		CeilingM:        finite(z.CeilingM),
		RadiusM:         nonZero(z.RadiusM),
		HalfWidthM:      nonZero(z.HalfWidthM),
		Windows:         make([]windowJSON, len(z.Windows)),
		ValidFrom:       timeString(z.Valid.From),
		ValidTo:         timeString(z.Valid.To),
		Status:          z.Status,
		Hash:            z.Hash,
		CreatedAt:       timeString(z.CreatedAt),
		CreatedBy:       z.CreatedBy,
		StatusChangedAt: timeString(z.StatusChangedAt),
		Source:          z.Source,
	}
	for i, w := range z.Windows {
		props.Windows[i] = windowJSON{From: timeString(w.From), To: timeString(w.To)}
	}
	dst = appendJSON(dst, props)
	return append(dst, '}')
}

// appendJSON appends v marshalled by encoding/json. The values given here
// (strings, finite numbers, pointers to them) always marshal.
func appendJSON(dst []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

func finite(v *float64) *float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return nil
	}
	return v
}

func nonZero(v float64) *float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func timeString(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}
