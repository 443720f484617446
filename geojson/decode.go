package geojson

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Feature is a decoded GeoJSON Feature whose geometry passed validation.
type Feature struct {
	// ID is the feature's "id" member: a string as given, or a number in
	// its shortest form ("7", "2.5", "1e+300"); "" when absent.
	ID string
	// Geometry is a geo.Point, geo.LineString, geo.Polygon or
	// geo.MultiPolygon; never nil.
	Geometry geo.Geometry
	// Properties is the "properties" object as encoding/json decodes it
	// into map[string]any (numbers are float64); nil when it was null.
	Properties map[string]any
	// Index is the feature's position in its FeatureCollection (0 for a
	// lone Feature), so callers can name it in their own errors.
	Index int
}

// The geometry types safezones stores, and the ones it recognises but
// rejects.
var (
	supportedTypes   = []string{"Point", "LineString", "Polygon", "MultiPolygon"}
	unsupportedTypes = []string{"MultiPoint", "MultiLineString", "GeometryCollection"}
	objectTypes      = []string{"Feature", "FeatureCollection"}
)

// DecodeGeometry decodes one RFC 7946 geometry object (Point, LineString,
// Polygon or MultiPolygon) and validates it by the rules in the package
// documentation, returning a geo.Point, geo.LineString, geo.Polygon or
// geo.MultiPolygon with rings wound shell counter-clockwise, holes
// clockwise. On failure it returns a *safezones.Error with CodeInvalid, or
// CodeTooLarge when a limit is exceeded, whose Field is the path of the
// offending part, e.g. "coordinates[0][7]" or "type".
func DecodeGeometry(data []byte, lim Limits) (geo.Geometry, error) {
	lim = lim.withDefaults()
	data, err := checkDocument(data, lim)
	if err != nil {
		return nil, err
	}
	return decodeGeometry(data, lim)
}

// DecodeFeature decodes one RFC 7946 Feature whose geometry is valid for
// DecodeGeometry. Errors are as DecodeGeometry's, with Fields such as
// "geometry.coordinates[1]", "id" or "properties.name".
func DecodeFeature(data []byte, lim Limits) (Feature, error) {
	lim = lim.withDefaults()
	data, err := checkDocument(data, lim)
	if err != nil {
		return Feature{}, err
	}
	return decodeFeature(data, lim)
}

// DecodeFeatureCollection decodes an RFC 7946 FeatureCollection. It returns
// every valid feature, in document order, and one error per invalid
// feature, whose Field starts with "features[i]", so one bad record neither
// hides the good ones nor stops the check of the rest. When the document as
// a whole is unusable (too big or too deep, not JSON, not a
// FeatureCollection, more features than lim.MaxFeatures) it returns no
// features and that single error. Every error is a *safezones.Error.
func DecodeFeatureCollection(data []byte, lim Limits) ([]Feature, []error) {
	lim = lim.withDefaults()
	data, err := checkDocument(data, lim)
	if err != nil {
		return nil, []error{err}
	}
	o, err := parseObject(data, "GeoJSON text")
	if err != nil {
		return nil, []error{err}
	}
	if err := checkType(o, "FeatureCollection"); err != nil {
		return nil, []error{err}
	}
	if err := checkEnvelope(o, "FeatureCollection", "coordinates", "geometries", "geometry", "properties"); err != nil {
		return nil, []error{err}
	}
	raw, ok := o.get("features")
	if !ok {
		return nil, []error{invalid("features", `missing "features" member`)}
	}
	if kind := kindOf(raw); kind != "array" {
		return nil, []error{invalid("features", `"features" must be an array, got %s`, kind)}
	}
	var features []Feature
	var errs []error
	tooMany := forEachElement(raw, func(i int, val []byte) error {
		if i >= lim.MaxFeatures {
			return safezones.FieldErrorf(safezones.CodeTooLarge, "features",
				"collection has more than %d features, the limit", lim.MaxFeatures)
		}
		f, err := decodeFeature(val, lim)
		if err != nil {
			errs = append(errs, safezones.WithFieldPrefix(err, "features["+strconv.Itoa(i)+"]"))
			return nil
		}
		f.Index = i
		features = append(features, f)
		return nil
	})
	if tooMany != nil {
		return nil, []error{tooMany}
	}
	return features, errs
}

func decodeGeometry(raw []byte, lim Limits) (geo.Geometry, error) {
	o, err := parseObject(raw, "geometry")
	if err != nil {
		return nil, err
	}
	typ, err := geometryType(o)
	if err != nil {
		return nil, err
	}
	if err := checkEnvelope(o, "geometry", "geometry", "properties", "features"); err != nil {
		return nil, err
	}
	coords, ok := o.get("coordinates")
	if !ok {
		return nil, invalid("coordinates", `missing "coordinates" member`)
	}
	g, err := readCoordinates(coords, typ, lim)
	if err != nil {
		return nil, err
	}
	if err := validateGeometry(g); err != nil {
		return nil, err
	}
	return g, nil
}

// geometryType returns o's "type" if it is one safezones stores.
func geometryType(o object) (string, error) {
	typ, ok, err := stringMember(o, "type")
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", invalid("type", `missing "type" member; a geometry has one of %s`, strings.Join(supportedTypes, ", "))
	case contains(supportedTypes, typ):
		return typ, nil
	case contains(unsupportedTypes, typ):
		return "", invalid("type", "unsupported geometry type %q: safezones accepts only %s", typ, strings.Join(supportedTypes, ", "))
	case contains(objectTypes, typ):
		return "", invalid("type", "expected a geometry object, got a %s", typ)
	}
	return "", unknownType(typ)
}

// checkType checks that o's "type" is want (Feature or FeatureCollection).
func checkType(o object, want string) error {
	typ, ok, err := stringMember(o, "type")
	switch {
	case err != nil:
		return err
	case !ok:
		return invalid("type", `missing "type" member; expected %q`, want)
	case typ == want:
		return nil
	case contains(supportedTypes, typ) || contains(unsupportedTypes, typ):
		return invalid("type", "expected a %s, got a %s geometry", want, typ)
	case contains(objectTypes, typ):
		return invalid("type", "expected a %s, got a %s", want, typ)
	}
	return unknownType(typ)
}

func unknownType(typ string) error {
	for _, known := range [][]string{supportedTypes, unsupportedTypes, objectTypes} {
		for _, k := range known {
			if strings.EqualFold(k, typ) {
				return invalid("type", "unknown type %q; GeoJSON type names are case-sensitive: %q", typ, k)
			}
		}
	}
	return invalid("type", "unknown type %q", typ)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkEnvelope checks the members every GeoJSON object may carry ("crs",
// "bbox") and rejects the members RFC 7946 §7.1 forbids on this kind of
// object. Other members are foreign members and are ignored.
func checkEnvelope(o object, kind string, forbidden ...string) error {
	for _, name := range forbidden {
		if _, ok := o.get(name); ok {
			return invalid(name, "a %s must not have a %q member (RFC 7946 §7.1)", kind, name)
		}
	}
	if raw, ok := o.get("crs"); ok {
		if err := checkCRS(raw); err != nil {
			return err
		}
	}
	if raw, ok := o.get("bbox"); ok {
		if err := checkBBox(raw); err != nil {
			return err
		}
	}
	return nil
}

// CRS84Names are the "crs" names (GeoJSON 2008) that mean WGS 84
// longitude, latitude, the only coordinates RFC 7946 allows; a document
// naming any other is refused.
var CRS84Names = []string{
	"urn:ogc:def:crs:OGC:1.3:CRS84",
	"urn:ogc:def:crs:OGC::CRS84",
	"http://www.opengis.net/def/crs/OGC/1.3/CRS84",
	"urn:ogc:def:crs:EPSG::4326",
	"http://www.opengis.net/def/crs/EPSG/0/4326",
	"EPSG:4326",
}

// checkCRS accepts a GeoJSON 2008 named "crs" that means WGS 84 (the
// default RFC 7946 assumes) and rejects every other value, including null
// (which meant "unknown" in 2008).
func checkCRS(raw []byte) error {
	what := describe(raw)
	fail := func() error {
		return invalid("crs", `unsupported "crs" %s: coordinates must be WGS 84 longitude, latitude `+
			`(omit "crs", or name urn:ogc:def:crs:OGC:1.3:CRS84)`, what)
	}
	o, err := parseObject(raw, `"crs"`)
	if err != nil {
		return fail()
	}
	typ, _, _ := stringMember(o, "type")
	props, ok := o.get("properties")
	if typ != "name" || !ok {
		return fail()
	}
	po, err := parseObject(props, `"crs" properties`)
	if err != nil {
		return fail()
	}
	name, _, _ := stringMember(po, "name")
	what = strconv.Quote(name)
	if !contains(CRS84Names, name) {
		return fail()
	}
	return nil
}

// checkBBox checks a "bbox" is 4 or 6 finite numbers. Its values are not
// compared with the geometry (RFC 7946 §5 lets a bbox cross the
// antimeridian), and it is otherwise ignored.
func checkBBox(raw []byte) error {
	if kind := kindOf(raw); kind != "array" {
		return invalid("bbox", `"bbox" must be an array of 4 or 6 numbers, got %s`, kind)
	}
	n := 0
	err := forEachElement(raw, func(i int, val []byte) error {
		n++
		if kind := kindOf(val); kind != "number" {
			return invalid("bbox", `"bbox" element %d must be a number, got %s`, i, kind)
		}
		if v, _ := strconv.ParseFloat(string(val), 64); math.IsInf(v, 0) {
			return invalid("bbox", `"bbox" element %d (%s) is too large to be a finite number`, i, val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != 4 && n != 6 {
		return invalid("bbox", `"bbox" has %d numbers; it needs 4 (2D) or 6 (3D)`, n)
	}
	return nil
}

func decodeFeature(raw []byte, lim Limits) (Feature, error) {
	o, err := parseObject(raw, "feature")
	if err != nil {
		return Feature{}, err
	}
	if err := checkType(o, "Feature"); err != nil {
		return Feature{}, err
	}
	if err := checkEnvelope(o, "Feature", "coordinates", "geometries", "features"); err != nil {
		return Feature{}, err
	}
	var f Feature
	if raw, ok := o.get("id"); ok {
		if f.ID, err = featureID(raw); err != nil {
			return Feature{}, err
		}
	}
	praw, ok := o.get("properties")
	if !ok {
		return Feature{}, invalid("properties", `missing "properties" member; RFC 7946 requires it (use {} or null for none)`)
	}
	if f.Properties, err = decodeProperties(praw); err != nil {
		return Feature{}, safezones.WithFieldPrefix(err, "properties")
	}
	graw, ok := o.get("geometry")
	switch {
	case !ok:
		return Feature{}, invalid("geometry", `missing "geometry" member`)
	case kindOf(graw) == "null":
		return Feature{}, invalid("geometry", "geometry is null; safezones needs a location for every feature")
	}
	if f.Geometry, err = decodeGeometry(graw, lim); err != nil {
		return Feature{}, safezones.WithFieldPrefix(err, "geometry")
	}
	return f, nil
}

// featureID normalises an "id" member, a string or a number, to a string.
// Integers keep their digits as written, so ids beyond 2^53 survive; other
// numbers take their shortest float64 form.
func featureID(raw []byte) (string, error) {
	switch kind := kindOf(raw); kind {
	case "string":
		s, err := decodeString(raw)
		return s, safezones.WithFieldPrefix(err, "id")
	case "number":
		if isIntegerLiteral(raw) {
			return string(raw), nil
		}
		v, _ := strconv.ParseFloat(string(raw), 64)
		if math.IsInf(v, 0) {
			return "", invalid("id", `"id" %s is too large to be a finite number`, raw)
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	default:
		return "", invalid("id", `"id" must be a string or a number, got %s`, kind)
	}
}

func isIntegerLiteral(raw []byte) bool {
	for i, c := range raw {
		if (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return false
		}
	}
	return true
}

// decodeProperties decodes a "properties" value: an object, or null. Each
// member is decoded on its own so an error names it.
func decodeProperties(raw []byte) (map[string]any, error) {
	if kindOf(raw) == "null" {
		return nil, nil
	}
	if kind := kindOf(raw); kind != "object" {
		return nil, invalid("", `"properties" must be an object or null, got %s`, kind)
	}
	o, err := parseObject(raw, "properties object")
	if err != nil {
		if e, ok := err.(*safezones.Error); ok && e.Field != "" {
			return nil, invalid(propertyField(e.Field), "%s", e.Message)
		}
		return nil, err
	}
	props := make(map[string]any, len(o))
	for _, m := range o {
		var v any
		if err := json.Unmarshal(m.val, &v); err != nil {
			return nil, invalid(propertyField(m.key), "cannot decode: %v", err)
		}
		props[m.key] = v
	}
	return props, nil
}

// propertyField returns the path step for property key: ".key" when key
// is a plain name, `["key"]` otherwise, so a path stays unambiguous.
func propertyField(key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return key
	}
	b, _ := json.Marshal(key)
	return "[" + string(b) + "]"
}
