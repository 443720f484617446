package geojson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
)

// The largest radius of a protected site and half-width of a corridor, in
// metres. Larger areas are zones of their own (safe_area, no_fly).
const (
	MaxRadiusM    = 100_000
	MaxHalfWidthM = 50_000
)

// TermsFromFeature reads the terms of a zone from a decoded Feature's
// geometry and properties:
//
//   - name (string, required, not blank) and kind (required: safe_area,
//     no_fly, corridor or protected_site). The geometry must fit the kind:
//     Polygon or MultiPolygon for safe_area and no_fly, LineString for
//     corridor, Point for protected_site.
//   - description (string) and sponsor (the sponsoring party's id; the
//     name sponsor_party_id, which AppendZoneFeature writes, is read too).
//   - floor_m and ceiling_m (no_fly only): metres above mean sea level,
//     both optional, any finite number (below sea level is allowed), floor
//     below ceiling.
//   - radius_m (protected_site, required): metres, > 0 and <= MaxRadiusM.
//   - half_width_m (corridor, required): metres, > 0 and <= MaxHalfWidthM.
//   - valid_from and valid_to: RFC 3339 times, both optional, valid_to
//     after valid_from. An absent valid_from stays the zero time: the
//     caller decides what it means (usually "now"). An absent valid_to is
//     open-ended.
//   - windows (corridor only; an empty array is allowed on any kind): an
//     array of {from, to} RFC 3339 times, the half-open intervals
//     [from, to) when the corridor is open; to may be absent or null for
//     open-ended, else after from.
//   - source: {kind: real|simulated|operator, description, url}; kind
//     defaults to operator, url must be an absolute http or https URL.
//
// A null property counts as absent; unknown properties are ignored. Times
// are returned in UTC. On failure it returns a *safezones.Error with
// CodeInvalid whose Field names the property ("properties.radius_m",
// "properties.windows[1].to") or "geometry".
func TermsFromFeature(f Feature) (safezones.Terms, error) {
	r := propReader{m: f.Properties, prefix: "properties."}
	var t safezones.Terms
	if f.Geometry == nil {
		return t, invalid("geometry", "feature has no geometry")
	}
	t.Geometry = f.Geometry
	t.Name = r.requiredString("name")
	if r.err == nil && strings.TrimSpace(t.Name) == "" {
		r.fail("name", "name must not be blank")
	}
	t.Kind = safezones.Kind(r.requiredString("kind"))
	if r.err == nil && !t.Kind.Valid() {
		r.fail("kind", "kind %q is not one of %s", t.Kind, kindList())
	}
	if r.err != nil {
		return safezones.Terms{}, r.err
	}
	if want := geometryFor(t.Kind); !contains(want, f.Geometry.Type()) {
		return safezones.Terms{}, invalid("geometry", "a %s zone needs a %s geometry, got %s",
			t.Kind, strings.Join(want, " or "), f.Geometry.Type())
	}
	t.Description, _ = r.string("description")
	t.SponsorPartyID, _ = r.string("sponsor")
	if alias, ok := r.string("sponsor_party_id"); ok {
		if t.SponsorPartyID != "" && alias != t.SponsorPartyID {
			r.fail("sponsor_party_id", "sponsor_party_id %q differs from sponsor %q", alias, t.SponsorPartyID)
		}
		t.SponsorPartyID = alias
	}

	if floor, ok := r.kindNumber("floor_m", t.Kind, safezones.KindNoFly); ok {
		t.FloorM = &floor
	}
	if ceiling, ok := r.kindNumber("ceiling_m", t.Kind, safezones.KindNoFly); ok {
		t.CeilingM = &ceiling
	}
	if r.err == nil && t.FloorM != nil && t.CeilingM != nil && *t.CeilingM <= *t.FloorM {
		r.fail("ceiling_m", "ceiling_m %v must be above floor_m %v", *t.CeilingM, *t.FloorM)
	}
	t.RadiusM = r.distance("radius_m", t.Kind, safezones.KindProtectedSite, MaxRadiusM)
	t.HalfWidthM = r.distance("half_width_m", t.Kind, safezones.KindCorridor, MaxHalfWidthM)

	t.Valid.From = r.time("valid_from")
	t.Valid.To = r.time("valid_to")
	if r.err == nil && !t.Valid.From.IsZero() && !t.Valid.To.IsZero() && !t.Valid.To.After(t.Valid.From) {
		r.fail("valid_to", "valid_to %s must be after valid_from %s",
			t.Valid.To.Format(time.RFC3339), t.Valid.From.Format(time.RFC3339))
	}
	t.Windows = r.windows(t.Kind)
	t.Source = r.source()
	if r.err != nil {
		return safezones.Terms{}, r.err
	}
	return t, nil
}

func kindList() string {
	names := make([]string, len(safezones.Kinds))
	for i, k := range safezones.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// geometryFor lists the geometry types a zone kind may have.
func geometryFor(k safezones.Kind) []string {
	switch k {
	case safezones.KindCorridor:
		return []string{"LineString"}
	case safezones.KindProtectedSite:
		return []string{"Point"}
	}
	return []string{"Polygon", "MultiPolygon"}
}

// propReader reads typed properties and keeps the first error, whose Field
// is prefix and the property's name.
type propReader struct {
	m      map[string]any
	prefix string
	err    error
}

func (r *propReader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = invalid(r.prefix+field, format, args...)
	}
}

// sub returns a reader of the object m found at field.
func (r *propReader) sub(m map[string]any, field string) *propReader {
	return &propReader{m: m, prefix: r.prefix + field + "."}
}

// get returns the property name; null counts as absent.
func (r *propReader) get(name string) (any, bool) {
	v, ok := r.m[name]
	return v, ok && v != nil
}

func (r *propReader) string(name string) (string, bool) {
	v, ok := r.get(name)
	if !ok {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		r.fail(name, "%s must be a string, got %s", name, typeName(v))
		return "", false
	}
	return s, true
}

func (r *propReader) requiredString(name string) string {
	if _, ok := r.get(name); !ok {
		r.fail(name, "%s is required", name)
		return ""
	}
	s, _ := r.string(name)
	return s
}

func (r *propReader) number(name string) (float64, bool) {
	v, ok := r.get(name)
	if !ok {
		return 0, false
	}
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			r.fail(name, "%s %s is not a finite number", name, v)
			return 0, false
		}
	default:
		r.fail(name, "%s must be a number, got %s", name, typeName(v))
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(name, "%s must be a finite number", name)
		return 0, false
	}
	return f, true
}

// kindNumber reads a number that only zones of kind only may carry.
func (r *propReader) kindNumber(name string, kind, only safezones.Kind) (float64, bool) {
	if _, ok := r.get(name); ok && kind != only {
		r.fail(name, "%s applies only to %s zones, not %s", name, only, kind)
		return 0, false
	}
	return r.number(name)
}

// distance reads a length in metres that zones of kind only must carry, in
// (0, max].
func (r *propReader) distance(name string, kind, only safezones.Kind, max float64) float64 {
	if kind != only {
		r.kindNumber(name, kind, only)
		return 0
	}
	v, ok := r.number(name)
	switch {
	case r.err != nil:
		return 0
	case !ok:
		r.fail(name, "%s is required for %s zones (metres)", name, kind)
	case v <= 0:
		r.fail(name, "%s must be greater than 0 metres, got %v", name, v)
	case v > max:
		r.fail(name, "%s must be at most %v metres, got %v", name, max, v)
	}
	return v
}

func (r *propReader) time(name string) time.Time {
	s, ok := r.string(name)
	if !ok {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		r.fail(name, "%s %q is not an RFC 3339 time (like 2024-05-01T00:00:00Z)", name, s)
	}
	return t
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func (r *propReader) windows(kind safezones.Kind) []safezones.TimeWindow {
	v, ok := r.get("windows")
	if !ok {
		return nil
	}
	list, isList := v.([]any)
	switch {
	case !isList:
		r.fail("windows", "windows must be an array of {from, to}, got %s", typeName(v))
		return nil
	case len(list) == 0:
		return nil
	case kind != safezones.KindCorridor:
		r.fail("windows", "windows apply only to corridor zones, not %s", kind)
		return nil
	}
	var out []safezones.TimeWindow
	for i, item := range list {
		field := "windows[" + strconv.Itoa(i) + "]"
		w, isObject := item.(map[string]any)
		if !isObject {
			r.fail(field, "window must be an object {from, to}, got %s", typeName(item))
			return nil
		}
		sub := r.sub(w, field)
		from := sub.time("from")
		if _, ok := sub.get("from"); !ok && sub.err == nil {
			sub.fail("from", "from is required")
		}
		to := sub.time("to")
		if sub.err == nil && !to.IsZero() && !to.After(from) {
			sub.fail("to", "to %s must be after from %s", to.Format(time.RFC3339), from.Format(time.RFC3339))
		}
		if sub.err != nil {
			if r.err == nil {
				r.err = sub.err
			}
			return nil
		}
		out = append(out, safezones.TimeWindow{From: from, To: to})
	}
	return out
}

func (r *propReader) source() safezones.Source {
	src := safezones.Source{Kind: safezones.SourceOperator}
	v, ok := r.get("source")
	if !ok {
		return src
	}
	m, isObject := v.(map[string]any)
	if !isObject {
		r.fail("source", "source must be an object {kind, description, url}, got %s", typeName(v))
		return src
	}
	sub := r.sub(m, "source")
	if kind, ok := sub.string("kind"); ok {
		src.Kind = safezones.SourceKind(kind)
		if !src.Kind.Valid() {
			sub.fail("kind", "kind %q is not one of real, simulated, operator", kind)
		}
	}
	src.Description, _ = sub.string("description")
	if u, ok := sub.string("url"); ok {
		src.URL = u
		if parsed, err := url.Parse(u); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			sub.fail("url", "url %q must be an absolute http or https URL", u)
		}
	}
	if r.err == nil {
		r.err = sub.err
	}
	return src
}

// typeName names the JSON type of a value decoded by encoding/json.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64, int, int64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// FeatureField points an error about a zone's terms, whose Field names a
// zone JSON field ("radius_m", "sponsor_party_id", "windows[1].from"), at
// the place in the Feature a client sent ("properties.radius_m",
// "properties.sponsor"); "id" and "geometry" stay as they are. Other errors
// are returned unchanged.
func FeatureField(err error) error {
	var e *safezones.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	out := *e
	switch {
	case e.Field == "id" || e.Field == "geometry" || strings.HasPrefix(e.Field, "properties."):
	case e.Field == "sponsor_party_id":
		out.Field = "properties.sponsor"
	default:
		out.Field = "properties." + e.Field
	}
	return &out
}
