package geojson

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// verdict is what our decoder says about one fixture from testdata.
type verdict struct {
	// fields are the Fields of the errors, in order; none means accepted.
	fields []string
	// n is how many features (or the one geometry) decode.
	n int
	// unsupported marks a fixture that is valid GeoJSON but uses a
	// geometry type safezones does not store; its error must say so.
	unsupported bool
	// why explains a verdict that differs from the suite's own.
	why string
}

// Reasons for the verdicts that differ from a suite's expectation.
const (
	whyWinding   = "wrong winding is normalised, not rejected: RFC 7946 §3.1.6 says parsers SHOULD NOT reject it"
	whyNull      = "a null geometry is rejected: every safezones record needs a location"
	whyAltitude  = "altitude is ignored, so [100,0] and [100,0,4.9] are one position and the ring is closed"
	whyFourth    = "positions of 4 or more numbers are rejected: RFC 7946 §3.1.1 says positions SHOULD NOT go beyond 3, and a 4th number is more likely a mistake than data"
	whyOutOfBand = "coordinates outside [-180, 180] x [-90, 90] are rejected: GeoJSON positions are WGS 84 degrees (geojsonhint does not check ranges)"
)

// fixtureVerdicts lists every fixture under testdata (but the boundaries
// and fuzz folders) and our verdict on it. The suites' own expectations
// come from their layout (see suiteExpects).
var fixtureVerdicts = map[string]verdict{
	"rfc7946/a.1_point.geojson":                           {n: 1},
	"rfc7946/a.2_linestring.geojson":                      {n: 1},
	"rfc7946/a.3_polygon_no_holes.geojson":                {n: 1},
	"rfc7946/a.3_polygon_with_holes.geojson":              {n: 1},
	"rfc7946/a.4_multipoint.geojson":                      {fields: []string{"type"}, unsupported: true},
	"rfc7946/a.5_multilinestring.geojson":                 {fields: []string{"type"}, unsupported: true},
	"rfc7946/a.6_multipolygon.geojson":                    {n: 1},
	"rfc7946/a.7_geometrycollection.geojson":              {fields: []string{"type"}, unsupported: true},
	"rfc7946/s1.5_featurecollection.geojson":              {n: 3},
	"rfc7946/s3.1.9_antimeridian_multilinestring.geojson": {fields: []string{"type"}, unsupported: true},
	"rfc7946/s3.1.9_antimeridian_multipolygon.geojson":    {n: 1},
	"rfc7946/s5.2_bbox_antimeridian_fiji.geojson":         {},
	"rfc7946/s5.2_bbox_complement_not_crossing.geojson":   {},
	"rfc7946/s5_bbox_feature.geojson":                     {n: 1},
	"rfc7946/s5_bbox_featurecollection_2d.geojson":        {},
	"rfc7946/s5_bbox_featurecollection_3d.geojson":        {},
	"rfc7946/s6.1_foreign_member_centerline.geojson":      {fields: []string{"geometry"}, why: whyNull},

	"chrieke/invalid_geometries/invalid_exterior_not_ccw.geojson":             {n: 1, why: whyWinding},
	"chrieke/invalid_geometries/invalid_incorrect_geometry_data_type.geojson": {fields: []string{"features[0].geometry.coordinates[0]"}},
	"chrieke/invalid_geometries/invalid_interior_not_cw.geojson":              {n: 1, why: whyWinding},
	"chrieke/invalid_geometries/invalid_less_three_unique_nodes.geojson":      {fields: []string{"features[0].geometry.coordinates[0]"}},
	"chrieke/invalid_geometries/invalid_unclosed.geojson":                     {fields: []string{"features[0].geometry.coordinates[0]"}},

	"chrieke/invalid_structure/invalid_feature_geometry_is_string.geojson":                {fields: []string{"geometry"}},
	"chrieke/invalid_structure/invalid_feature_id_type.geojson":                           {fields: []string{"id"}},
	"chrieke/invalid_structure/invalid_feature_no_properties.geojson":                     {fields: []string{"properties"}},
	"chrieke/invalid_structure/invalid_feature_properties_is_array.geojson":               {fields: []string{"properties"}},
	"chrieke/invalid_structure/invalid_feature_properties_is_int.geojson":                 {fields: []string{"properties"}},
	"chrieke/invalid_structure/invalid_feature_wrong_geometry_key.geojson":                {fields: []string{"geometry"}},
	"chrieke/invalid_structure/invalid_featurecollection_feature_nullfeature.geojson":     {fields: []string{"features[0]"}},
	"chrieke/invalid_structure/invalid_featurecollection_features_is_object.geojson":      {fields: []string{"features"}},
	"chrieke/invalid_structure/invalid_featurecollection_no_features_member.geojson":      {fields: []string{"features"}},
	"chrieke/invalid_structure/invalid_featurecollection_nulltype.geojson":                {fields: []string{"type"}},
	"chrieke/invalid_structure/invalid_featurecollection_type_lowercase.geojson":          {fields: []string{"type"}},
	"chrieke/invalid_structure/invalid_featurecollection_unknown_type.geojson":            {fields: []string{"type"}},
	"chrieke/invalid_structure/invalid_geometry_bbox_not4or6.geojson":                     {fields: []string{"bbox"}},
	"chrieke/invalid_structure/invalid_geometry_bbox_not_list.geojson":                    {fields: []string{"bbox"}},
	"chrieke/invalid_structure/invalid_geometry_bbox_not_numbers.geojson":                 {fields: []string{"bbox"}},
	"chrieke/invalid_structure/invalid_geometry_coordinates_1d.geojson":                   {fields: []string{"coordinates[0]"}},
	"chrieke/invalid_structure/invalid_geometry_coordinates_empty_position.geojson":       {fields: []string{"coordinates[0][2]"}},
	"chrieke/invalid_structure/invalid_geometry_coordinates_missing.geojson":              {fields: []string{"coordinates"}},
	"chrieke/invalid_structure/invalid_geometry_coordinates_string.geojson":               {fields: []string{"coordinates"}},
	"chrieke/invalid_structure/invalid_geometry_depth_deep_point.geojson":                 {fields: []string{"coordinates"}},
	"chrieke/invalid_structure/invalid_geometry_depth_deep_polygon.geojson":               {fields: []string{"coordinates[0][0]"}},
	"chrieke/invalid_structure/invalid_geometry_depth_shallow_linestring.geojson":         {fields: []string{"coordinates[0]"}},
	"chrieke/invalid_structure/invalid_geometry_depth_shallow_multipolygon.geojson":       {fields: []string{"coordinates[0][0][0]"}},
	"chrieke/invalid_structure/invalid_geometry_depth_shallow_polygon.geojson":            {fields: []string{"coordinates[0][0]"}},
	"chrieke/invalid_structure/invalid_geometry_geometrycollection_null_geometry.geojson": {fields: []string{"type"}, unsupported: true},
	"chrieke/invalid_structure/invalid_geometry_mislabeled_point.geojson":                 {fields: []string{"coordinates[0]"}},
	"chrieke/invalid_structure/invalid_geometry_missing_type.geojson":                     {fields: []string{"type"}},
	"chrieke/invalid_structure/invalid_geometry_wrong_geometry_type.geojson":              {fields: []string{"type"}},

	// The "problematic" folders carry no verdict upstream; these are ours.
	"chrieke/problematic_geometries/problematic_3d_coordinates.geojson":                            {n: 1},
	"chrieke/problematic_geometries/problematic_4d_coordinates.geojson":                            {fields: []string{"features[0].geometry.coordinates[0][0]"}},
	"chrieke/problematic_geometries/problematic_crosses_antimeridian.geojson":                      {fields: []string{"features[0].geometry.coordinates[0][0]"}},
	"chrieke/problematic_geometries/problematic_duplicate_nodes.geojson":                           {n: 1},
	"chrieke/problematic_geometries/problematic_excessive_coordinate_precision.geojson":            {n: 1},
	"chrieke/problematic_geometries/problematic_excessive_vertices.geojson":                        {n: 1},
	"chrieke/problematic_geometries/problematic_feature_null_geometry.geojson":                     {fields: []string{"features[0].geometry"}},
	"chrieke/problematic_geometries/problematic_holes.geojson":                                     {n: 1},
	"chrieke/problematic_geometries/problematic_inner_and_exterior_ring_intersect.geojson":         {fields: []string{"features[0].geometry.coordinates[1][0]"}},
	"chrieke/problematic_geometries/problematic_multitype_geometry_with_just_one_geometry.geojson": {n: 1},
	"chrieke/problematic_geometries/problematic_outside_lat_lon_boundaries.geojson":                {fields: []string{"features[0].geometry.coordinates[0][0]"}},
	"chrieke/problematic_geometries/problematic_self_intersection_large.geojson":                   {fields: []string{"features[0].geometry.coordinates[0][3]"}},
	"chrieke/problematic_geometries/problematic_self_intersection_small.geojson":                   {fields: []string{"features[0].geometry.coordinates[0][3]"}},
	"chrieke/problematic_geometries/problematic_wrong_bbox_coordinate_order.geojson":               {n: 1},
	"chrieke/problematic_geometries/problematic_zero_length_linestring.geojson":                    {fields: []string{"features[0].geometry.coordinates"}},
	"chrieke/problematic_structure/problematic_crs_defined.geojson":                                {fields: []string{"crs"}},
	"chrieke/problematic_structure/problematic_geometry_not_wrapped.geojson":                       {n: 1},
	"chrieke/problematic_structure/problematic_geometrycollection_single.geojson":                  {fields: []string{"type"}, unsupported: true},
	"chrieke/problematic_structure/problematic_nested_geometrycollection.geojson":                  {fields: []string{"type"}, unsupported: true},

	"chrieke/valid/valid_feature.geojson":                                      {n: 1},
	"chrieke/valid/valid_feature_null_geometry.geojson":                        {fields: []string{"geometry"}, why: whyNull},
	"chrieke/valid/valid_feature_null_properties.geojson":                      {n: 1},
	"chrieke/valid/valid_feature_with_bbox.geojson":                            {n: 1},
	"chrieke/valid/valid_feature_with_id.geojson":                              {n: 1},
	"chrieke/valid/valid_feature_with_string_id.geojson":                       {n: 1},
	"chrieke/valid/valid_featurecollection.geojson":                            {n: 1},
	"chrieke/valid/valid_featurecollection_bboxes.geojson":                     {n: 2},
	"chrieke/valid/valid_featurecollection_empty_features.geojson":             {},
	"chrieke/valid/valid_featurecollection_multiple_feature_types.geojson":     {n: 4},
	"chrieke/valid/valid_featurecollection_with_geometrycollection.geojson":    {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"chrieke/valid/valid_geometry.geojson":                                     {n: 1},
	"chrieke/valid/valid_geometry_3d_coordinates.geojson":                      {n: 1},
	"chrieke/valid/valid_geometry_bbox.geojson":                                {n: 1},
	"chrieke/valid/valid_geometry_geometrycollection.geojson":                  {fields: []string{"type"}, unsupported: true},
	"chrieke/valid/valid_geometry_geometrycollection_empty_geometries.geojson": {fields: []string{"type"}, unsupported: true},
	"chrieke/valid/valid_geometry_linestring.geojson":                          {n: 1},
	"chrieke/valid/valid_geometry_multilinestring.geojson":                     {fields: []string{"type"}, unsupported: true},
	"chrieke/valid/valid_geometry_multipoint.geojson":                          {fields: []string{"type"}, unsupported: true},
	"chrieke/valid/valid_geometry_multipolygon.geojson":                        {n: 1},
	"chrieke/valid/valid_geometry_point.geojson":                               {n: 1},
	"chrieke/valid/valid_geometry_polygon.geojson":                             {n: 1},

	"geojsonhint/bad/bad-duplicate-properties.geojson":            {fields: []string{"type"}},
	"geojsonhint/bad/bad-featurelist.geojson":                     {fields: []string{"coordinates[0]"}},
	"geojsonhint/bad/bad-json.geojson":                            {fields: []string{""}},
	"geojsonhint/bad/bad-object-type.geojson":                     {fields: []string{"type"}},
	"geojsonhint/bad/bad-polygon-interiorring-rhr.geojson":        {n: 1},
	"geojsonhint/bad/bad-polygonloop.geojson":                     {fields: []string{"geometry.coordinates[0][0]"}},
	"geojsonhint/bad/bad-properties-as-array.geojson":             {fields: []string{"properties"}},
	"geojsonhint/bad/badcoord.geojson":                            {fields: []string{"coordinates"}},
	"geojsonhint/bad/badcoordtype.geojson":                        {fields: []string{"features[0].geometry.coordinates[0][0][0]"}},
	"geojsonhint/bad/badfeature.geojson":                          {fields: []string{"features[0]"}},
	"geojsonhint/bad/badfeatureid.geojson":                        {fields: []string{"features[0].id"}},
	"geojsonhint/bad/bbox-4or6elements.geojson":                   {fields: []string{"bbox"}},
	"geojsonhint/bad/bbox-contains-string.geojson":                {fields: []string{"bbox"}},
	"geojsonhint/bad/bbox-string.geojson":                         {fields: []string{"bbox"}},
	"geojsonhint/bad/different-first-last.geojson":                {fields: []string{"coordinates[0]"}},
	"geojsonhint/bad/different-first-size.geojson":                {n: 1, why: whyAltitude},
	"geojsonhint/bad/excessive_precision_truncated.geojson":       {n: 1},
	"geojsonhint/bad/expected_object.geojson":                     {fields: []string{"properties"}},
	"geojsonhint/bad/false.geojson":                               {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/feature_changed_semantics.geojson":           {fields: []string{"coordinates"}},
	"geojsonhint/bad/featurecollection-obj.geojson":               {fields: []string{"features"}},
	"geojsonhint/bad/featurecollection-type-case.geojson":         {fields: []string{"type"}},
	"geojsonhint/bad/featurecollection.geojson":                   {fields: []string{"features"}},
	"geojsonhint/bad/featurecollection_changed_semantics.geojson": {fields: []string{"coordinates"}},
	"geojsonhint/bad/geometry_changed_semantics.geojson":          {fields: []string{"geometry"}},
	"geojsonhint/bad/geometrycollection_nested.geojson":           {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/geometrycollection_single.geojson":           {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/multiple_problems.geojson": {n: 1, fields: []string{
		"features[0].id", "features[2].type", "features[3].type"}},
	"geojsonhint/bad/multipoint-multidimension.geojson":       {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/multipoint-nondimension.geojson":         {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/nofeaturetype.geojson":                   {fields: []string{"features[0].type"}},
	"geojsonhint/bad/notype.geojson":                          {fields: []string{"type"}},
	"geojsonhint/bad/point-labeled-as-a-multipolygon.geojson": {fields: []string{"geometry.coordinates[0]"}},
	"geojsonhint/bad/point-string.geojson":                    {fields: []string{"coordinates"}},
	"geojsonhint/bad/point-toofew.geojson":                    {fields: []string{"coordinates"}},
	"geojsonhint/bad/point-toomany.geojson":                   {fields: []string{"coordinates"}, why: whyFourth},
	"geojsonhint/bad/point.geojson":                           {fields: []string{"coordinates"}},
	"geojsonhint/bad/polygon_winding_order.geojson":           {n: 1},
	"geojsonhint/bad/rootstring.geojson":                      {fields: []string{""}},
	"geojsonhint/bad/short-line.geojson":                      {fields: []string{"coordinates"}},
	"geojsonhint/bad/short-linearring.geojson":                {fields: []string{"coordinates[0]"}},
	"geojsonhint/bad/short-multilinestring.geojson":           {fields: []string{"type"}, unsupported: true},
	"geojsonhint/bad/stringcoord.geojson":                     {n: 1, fields: []string{"features[0].geometry.coordinates"}},
	"geojsonhint/bad/unknowntype.geojson":                     {fields: []string{"type"}},

	"geojsonhint/good/good-feature-with-id.geojson":              {n: 1},
	"geojsonhint/good/good-feature-with-string-id.geojson":       {n: 1},
	"geojsonhint/good/good-feature.geojson":                      {n: 1},
	"geojsonhint/good/good-featurecollection-bbox.geojson":       {n: 2},
	"geojsonhint/good/good-featurecollection-bbox3d.geojson":     {n: 2},
	"geojsonhint/good/good-featurecollection-extensions.geojson": {n: 3},
	"geojsonhint/good/good-featurecollection.geojson":            {n: 3},
	"geojsonhint/good/good-geometrycollection.geojson":           {fields: []string{"type"}, unsupported: true},
	"geojsonhint/good/good-linestring.geojson":                   {n: 1},
	"geojsonhint/good/good-multilinestring.geojson":              {fields: []string{"type"}, unsupported: true},
	"geojsonhint/good/good-multipoint.geojson":                   {fields: []string{"type"}, unsupported: true},
	"geojsonhint/good/good-point-3d.geojson":                     {n: 1},
	"geojsonhint/good/good-point.geojson":                        {n: 1},
	"geojsonhint/good/good-polygon.geojson":                      {n: 1},
	"geojsonhint/good/issue82.geojson":                           {fields: []string{"coordinates[0][0][0]"}, why: whyOutOfBand},
	"geojsonhint/good/multipolygon.geojson":                      {n: 1},
	"geojsonhint/good/nullgeometry.geojson":                      {fields: []string{"features[0].geometry"}, why: whyNull},
	"geojsonhint/good/nullproperties.geojson":                    {n: 1},

	"turf-boolean-valid/false/GeometryCollection/empty-geometry-collection.geojson":        {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/GeometryCollection/malformed-geometry-in-collection.geojson": {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/GeometryCollection/nested-collection.geojson":                {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/GeometryCollection/no-type-in-nested-geometry.geojson":       {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/GeometryCollection/non-geometry-in-collection.geojson":       {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/MultiPoint/multipoint.geojson":                               {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/false/MultiPolygon/multipoly-with-2-vertices-touching.geojson":     {fields: []string{"features[0].geometry.coordinates[0][1]"}},
	"turf-boolean-valid/false/MultiPolygon/multipolygons-overlap.geojson":                  {fields: []string{"features[0].geometry.coordinates[1][0][0]"}},
	"turf-boolean-valid/false/MultiPolygon/not-enough-coords.geojson":                      {fields: []string{"features[0].geometry.coordinates[0][0]"}},
	"turf-boolean-valid/false/Point/point.geojson":                                         {fields: []string{"features[0].geometry.coordinates"}},
	"turf-boolean-valid/false/Polygon/not-closing-ring.geojson":                            {fields: []string{"features[0].geometry.coordinates[0]"}},
	"turf-boolean-valid/false/Polygon/not-enough-coords.geojson":                           {fields: []string{"features[0].geometry.coordinates[0]"}},
	"turf-boolean-valid/false/Polygon/polygon-with-hole-2-vertices-touching.geojson":       {fields: []string{"features[0].geometry.coordinates[1]"}},
	"turf-boolean-valid/false/Polygon/polygon-with-puncture.geojson":                       {fields: []string{"features[0].geometry.coordinates[0][2]"}},
	"turf-boolean-valid/false/Polygon/polygon-with-spike.geojson":                          {fields: []string{"features[0].geometry.coordinates[0][2]"}},

	"turf-boolean-valid/true/GeometryCollection/geometry-collection.geojson":       {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/true/LineString/linestring.geojson":                        {n: 1},
	"turf-boolean-valid/true/MultiLineString/multilinestring.geojson":              {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/true/MultiPoint/multipoint-with-z.geojson":                 {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/true/MultiPoint/multipoint.geojson":                        {fields: []string{"features[0].geometry.type"}, unsupported: true},
	"turf-boolean-valid/true/MultiPolygon/multipolygon-touch.geojson":              {n: 1},
	"turf-boolean-valid/true/MultiPolygon/multipolygon-with-hole.geojson":          {n: 1},
	"turf-boolean-valid/true/MultiPolygon/multipolygon.geojson":                    {n: 1},
	"turf-boolean-valid/true/Point/point-with-z.geojson":                           {n: 1},
	"turf-boolean-valid/true/Point/point.geojson":                                  {n: 1},
	"turf-boolean-valid/true/Polygon/polygon-internal-hole.geojson":                {n: 1},
	"turf-boolean-valid/true/Polygon/polygon-with-hole-1-vertice-touching.geojson": {n: 1},
	"turf-boolean-valid/true/Polygon/polygon.geojson":                              {n: 1},
}

// suiteExpects returns a fixture's verdict in its own suite: valid or not,
// and whether the suite gives one at all.
func suiteExpects(path string) (valid, known bool) {
	switch {
	case strings.HasPrefix(path, "rfc7946/"),
		strings.HasPrefix(path, "chrieke/valid/"),
		strings.HasPrefix(path, "geojsonhint/good/"),
		strings.HasPrefix(path, "turf-boolean-valid/true/"):
		return true, true
	case strings.HasPrefix(path, "geojsonhint/bad/"):
		// These .result files hold only "level": "message" notes (or
		// nothing), which geojsonhint does not count as errors.
		switch filepath.Base(path) {
		case "bad-polygon-interiorring-rhr.geojson", "polygon_winding_order.geojson",
			"point-toomany.geojson", "excessive_precision_truncated.geojson":
			return true, true
		}
		return false, true
	case strings.HasPrefix(path, "chrieke/invalid_"),
		strings.HasPrefix(path, "turf-boolean-valid/false/"):
		return false, true
	}
	return false, false
}

// fixtureFiles returns the .geojson fixtures fixtureVerdicts covers, by
// path under testdata.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "testdata"+string(filepath.Separator)))
		if d.IsDir() && (rel == "boundaries" || rel == "fuzz") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(rel, ".geojson") {
			paths = append(paths, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// decodeAny decodes data with the decoder its top-level "type" calls for,
// and returns how many features (or geometries) it gave and the errors.
func decodeAny(data []byte) (int, []error) {
	var peek struct{ Type any }
	_ = json.Unmarshal(data, &peek)
	switch peek.Type {
	case "FeatureCollection":
		fs, errs := DecodeFeatureCollection(data, Limits{})
		return len(fs), errs
	case "Feature":
		if _, err := DecodeFeature(data, Limits{}); err != nil {
			return 0, []error{err}
		}
		return 1, nil
	}
	if _, err := DecodeGeometry(data, Limits{}); err != nil {
		return 0, []error{err}
	}
	return 1, nil
}

func TestFixtures(t *testing.T) {
	files := fixtureFiles(t)
	seen := map[string]bool{}
	for _, path := range files {
		seen[path] = true
		t.Run(path, func(t *testing.T) {
			want, ok := fixtureVerdicts[path]
			if !ok {
				t.Fatalf("fixture %s has no entry in fixtureVerdicts", path)
			}
			data, err := os.ReadFile(filepath.Join("testdata", path))
			if err != nil {
				t.Fatal(err)
			}
			n, errs := decodeAny(data)
			var fields []string
			for _, err := range errs {
				e := asError(t, "decode "+path, err)
				fields = append(fields, e.Field)
				if want.unsupported && !strings.Contains(e.Message, "unsupported geometry type") {
					t.Errorf("decode %s error = %q, want the unsupported geometry type error", path, e)
				}
			}
			if diff := cmp.Diff(want.fields, fields); diff != "" || n != want.n {
				t.Errorf("decode %s = %d decoded, errors %v; want %d decoded, error fields %q (-want +got):\n%s",
					path, n, errs, want.n, want.fields, diff)
			}
			suiteValid, known := suiteExpects(path)
			ourValid := len(want.fields) == 0
			conflict := known && suiteValid != ourValid && !(suiteValid && want.unsupported)
			switch {
			case conflict && want.why == "":
				t.Errorf("decode %s: the suite says valid=%v, we say valid=%v, and no reason is documented", path, suiteValid, ourValid)
			case !conflict && want.why != "":
				t.Errorf("decode %s: documented exception %q, but our verdict agrees with the suite", path, want.why)
			}
		})
	}
	for path := range fixtureVerdicts {
		if !seen[path] {
			t.Errorf("fixtureVerdicts lists %s, which is not in testdata", path)
		}
	}
}
