package safezones

import (
	"math"
	"regexp"
	"strconv"
)

// Limits on zone terms that Validate enforces.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 4000
	MaxRadiusM        = 100_000
	MaxHalfWidthM     = 50_000
	MaxWindows        = 1000
	// MinAltitudeM and MaxAltitudeM bound a no-fly band: below the Dead
	// Sea shore to above any aircraft.
	MinAltitudeM = -500
	MaxAltitudeM = 100_000
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID reports whether id is a usable record id: 1–64 characters of
// lowercase letters, digits, '-' and '_', starting with a letter or digit.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Validate checks t against the rules of its kind and returns an *Error
// with code invalid naming the JSON field at fault, or nil. It checks the
// geometry's type for the kind, not its validity: geometry is validated
// where it is parsed (package geojson).
func (t *Terms) Validate() error {
	if !t.Kind.Valid() {
		return FieldErrorf(CodeInvalid, "kind", "kind %q is not one of safe_area, no_fly, corridor, protected_site", t.Kind)
	}
	if t.Name == "" {
		return FieldErrorf(CodeInvalid, "name", "name is required")
	}
	if len(t.Name) > MaxNameLen {
		return FieldErrorf(CodeInvalid, "name", "name is %d bytes, more than %d", len(t.Name), MaxNameLen)
	}
	if len(t.Description) > MaxDescriptionLen {
		return FieldErrorf(CodeInvalid, "description", "description is %d bytes, more than %d", len(t.Description), MaxDescriptionLen)
	}
	if t.SponsorPartyID != "" && !ValidID(t.SponsorPartyID) {
		return FieldErrorf(CodeInvalid, "sponsor_party_id", "%q is not a valid party id", t.SponsorPartyID)
	}
	if t.Geometry == nil {
		return FieldErrorf(CodeInvalid, "geometry", "geometry is required")
	}
	if err := t.validateKind(); err != nil {
		return err
	}
	if !t.Valid.To.IsZero() && !t.Valid.To.After(t.Valid.From) {
		return FieldErrorf(CodeInvalid, "valid_to", "valid_to %s is not after valid_from %s", t.Valid.To.UTC().Format("2006-01-02T15:04:05Z"), t.Valid.From.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if len(t.Windows) > MaxWindows {
		return FieldErrorf(CodeInvalid, "windows", "%d windows, more than %d", len(t.Windows), MaxWindows)
	}
	for i, w := range t.Windows {
		if w.From.IsZero() {
			return FieldErrorf(CodeInvalid, indexField("windows", i)+".from", "from is required")
		}
		if !w.To.IsZero() && !w.To.After(w.From) {
			return FieldErrorf(CodeInvalid, indexField("windows", i)+".to", "to is not after from")
		}
	}
	if t.Source.Kind != "" && !t.Source.Kind.Valid() {
		return FieldErrorf(CodeInvalid, "source.kind", "source kind %q is not one of real, simulated, operator", t.Source.Kind)
	}
	return nil
}

func (t *Terms) validateKind() error {
	gt := t.Geometry.Type()
	switch t.Kind {
	case KindSafeArea, KindNoFly:
		if gt != "Polygon" && gt != "MultiPolygon" {
			return FieldErrorf(CodeInvalid, "geometry", "a %s zone needs a Polygon or MultiPolygon, not a %s", t.Kind, gt)
		}
	case KindCorridor:
		if gt != "LineString" {
			return FieldErrorf(CodeInvalid, "geometry", "a corridor needs a LineString, not a %s", gt)
		}
	case KindProtectedSite:
		if gt != "Point" {
			return FieldErrorf(CodeInvalid, "geometry", "a protected_site needs a Point, not a %s", gt)
		}
	}
	if t.Kind != KindNoFly && (t.FloorM != nil || t.CeilingM != nil) {
		return FieldErrorf(CodeInvalid, "floor_m", "an altitude band applies only to no_fly zones")
	}
	if t.Kind != KindProtectedSite && t.RadiusM != 0 {
		return FieldErrorf(CodeInvalid, "radius_m", "radius_m applies only to protected_site zones")
	}
	if t.Kind != KindCorridor && t.HalfWidthM != 0 {
		return FieldErrorf(CodeInvalid, "half_width_m", "half_width_m applies only to corridor zones")
	}
	if t.Kind != KindCorridor && len(t.Windows) > 0 {
		return FieldErrorf(CodeInvalid, "windows", "time windows apply only to corridor zones")
	}
	switch t.Kind {
	case KindNoFly:
		for _, f := range []struct {
			name string
			v    *float64
		}{{"floor_m", t.FloorM}, {"ceiling_m", t.CeilingM}} {
			if f.v != nil && (!finite(*f.v) || *f.v < MinAltitudeM || *f.v > MaxAltitudeM) {
				return FieldErrorf(CodeInvalid, f.name, "%s %v is outside [%d, %d] metres", f.name, *f.v, MinAltitudeM, MaxAltitudeM)
			}
		}
		if t.FloorM != nil && t.CeilingM != nil && *t.FloorM >= *t.CeilingM {
			return FieldErrorf(CodeInvalid, "ceiling_m", "ceiling_m %v is not above floor_m %v", *t.CeilingM, *t.FloorM)
		}
	case KindProtectedSite:
		if !finite(t.RadiusM) || t.RadiusM <= 0 || t.RadiusM > MaxRadiusM {
			return FieldErrorf(CodeInvalid, "radius_m", "radius_m %v must be above 0 and at most %d metres", t.RadiusM, MaxRadiusM)
		}
	case KindCorridor:
		if !finite(t.HalfWidthM) || t.HalfWidthM <= 0 || t.HalfWidthM > MaxHalfWidthM {
			return FieldErrorf(CodeInvalid, "half_width_m", "half_width_m %v must be above 0 and at most %d metres", t.HalfWidthM, MaxHalfWidthM)
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func indexField(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }
