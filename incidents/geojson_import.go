package incidents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geojson"
)

// ReadGeoJSON reads a GeoJSON FeatureCollection (RFC 7946) of incident
// reports, for safezones incident import FILE.geojson, and returns one
// Submission per good feature, a RowError per bad one, and an error when
// the file cannot be read on.
//
// Each feature is decoded by the rules of DecodeSubmission for a Feature,
// and must also carry a source event id (a source_event_id property or the
// feature's "id"), so that importing the file again updates its reports
// instead of adding new ones. A feature whose Report.Key repeats an
// earlier feature's is a RowError naming the earlier one. Report.Line
// stays 0.
//
// In a RowError, Line is the feature's 1-based position in "features" and
// Column the JSON path of the fault within the file, starting with the
// feature's 0-based index: Line 3, Column
// "features[2].properties.casualties[0].min".
//
// The error is a *safezones.Error with CodeInvalid when the file is not
// JSON or not a FeatureCollection (a "crs" other than WGS 84 longitude,
// latitude and any member but type, features, bbox, name and crs are
// refused), and with CodeTooLarge, also wrapping ErrTooLarge, when it
// exceeds MaxFileBytes; any other error is an I/O failure. The file is read
// as a stream, one feature at a time. progress, if not nil, is called with
// the number of features read every 1000 features and at the end.
func ReadGeoJSON(r io.Reader, progress func(n int)) ([]Submission, []RowError, error) {
	return readGeoJSON(r, progress, MaxFileBytes)
}

// readGeoJSON is ReadGeoJSON with the file size limit as a parameter.
func readGeoJSON(r io.Reader, progress func(n int), maxBytes int) ([]Submission, []RowError, error) {
	br := bufio.NewReader(&guardReader{r: r, maxFile: maxBytes, maxLine: maxBytes})
	c := &collectionReader{maxBytes: maxBytes, progress: progress, seen: map[string]int{}}
	b, err := br.Peek(len(utf8BOM))
	switch {
	case err != nil && !errors.Is(err, io.EOF): // a shorter file is for the decoder to judge
		return nil, nil, c.fail("", err)
	case bytes.Equal(b, utf8BOM):
		br.Discard(len(utf8BOM))
		c.bom = int64(len(utf8BOM))
	}
	c.dec = json.NewDecoder(br)
	c.dec.UseNumber()
	if err := c.read(); err != nil {
		return nil, nil, err
	}
	if progress != nil {
		progress(c.n)
	}
	return c.subs, c.errs, nil
}

// collectionReader reads one FeatureCollection from dec.
type collectionReader struct {
	dec      *json.Decoder
	bom      int64 // bytes of byte order mark skipped, for offsets
	maxBytes int
	progress func(int)

	n    int            // features read
	seen map[string]int // Report.Key to the index of its feature
	subs []Submission
	errs []RowError
}

// collectionMembers are the members a FeatureCollection may have: "name"
// and "crs" as GDAL and QGIS write them.
var collectionMembers = []string{"type", "features", "bbox", "name", "crs"}

// read reads the whole collection, checking its members.
func (c *collectionReader) read() error {
	tok, err := c.dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return invalidf("", "the file is empty; want a GeoJSON FeatureCollection")
	case err != nil:
		return c.fail("", err)
	case tok != json.Delim('{'):
		return invalidf("", "is %s, not a GeoJSON FeatureCollection", kindOf(tok))
	}
	var seen []string
	typ := ""
	for c.dec.More() {
		k, err := c.dec.Token()
		if err != nil {
			return c.fail("", err)
		}
		key, _ := k.(string)
		field := memberPath("", key)
		if !slices.Contains(collectionMembers, key) {
			return invalidf(field, "is not a member of a FeatureCollection; its members are %s", joinNames(collectionMembers))
		}
		if slices.Contains(seen, key) {
			return invalidf(field, "appears twice in the FeatureCollection")
		}
		seen = append(seen, key)
		switch key {
		case "type":
			if err := c.decode(field, &typ, "a string"); err != nil {
				return err
			}
			switch typ {
			case "FeatureCollection":
			case "Feature":
				return invalidf(field, `is "Feature": a file holds a FeatureCollection of features; post a single Feature to the API instead`)
			default:
				return invalidf(field, `is %q; want "FeatureCollection"`, abbrev(typ))
			}
		case "features":
			err = c.features()
		case "bbox":
			var bbox []float64
			err = c.decode(field, &bbox, "an array of numbers")
			if err == nil && len(bbox) != 4 && len(bbox) != 6 {
				err = invalidf(field, "has %d numbers; a bbox has 4 or 6", len(bbox))
			}
		case "name":
			var name string
			err = c.decode(field, &name, "a string")
		case "crs":
			err = c.crs()
		}
		if err != nil {
			return err
		}
	}
	if _, err := c.dec.Token(); err != nil { // the closing brace
		return c.fail("", err)
	}
	if _, err := c.dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return c.fail("", err)
		}
		return invalidf("", "has more data after the FeatureCollection, at byte %d", c.dec.InputOffset()+c.bom)
	}
	switch {
	case typ == "":
		return invalidf("type", `is required: "FeatureCollection"`)
	case !slices.Contains(seen, "features"):
		return invalidf("features", "is required: the array of features")
	}
	return nil
}

// crs reads a "crs" member, accepting only a name of WGS 84.
func (c *collectionReader) crs() error {
	var crs struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := c.decode("crs", &crs, `{"type": "name", "properties": {"name": ...}}`); err != nil {
		return err
	}
	if crs.Type != "name" || !slices.Contains(geojson.CRS84Names, crs.Properties.Name) {
		return invalidf("crs", "%q is not WGS 84 longitude, latitude: omit \"crs\" or name %s", abbrev(crs.Properties.Name), geojson.CRS84Names[0])
	}
	return nil
}

// features reads the "features" array, one feature at a time.
func (c *collectionReader) features() error {
	tok, err := c.dec.Token()
	if err != nil {
		return c.fail("features", err)
	}
	if tok != json.Delim('[') {
		return invalidf("features", "must be an array, got %s", kindOf(tok))
	}
	for i := 0; c.dec.More(); i++ {
		field := indexPath("features", i)
		var raw json.RawMessage
		if err := c.dec.Decode(&raw); err != nil {
			return c.fail(field, err)
		}
		c.feature(i, raw)
		c.n++
		if c.progress != nil && c.n%progressEvery == 0 {
			c.progress(c.n)
		}
	}
	if _, err := c.dec.Token(); err != nil { // the closing bracket
		return c.fail("features", err)
	}
	return nil
}

// feature decodes feature i and keeps it, or records why not.
func (c *collectionReader) feature(i int, raw json.RawMessage) {
	prefix := indexPath("features", i)
	fail := func(field, reason string) {
		c.errs = append(c.errs, RowError{Line: i + 1, Column: joinField(prefix, field), Reason: reason})
	}
	st, err := decodeSubmission(raw, true)
	if err != nil {
		var e *safezones.Error
		if errors.As(err, &e) {
			fail(e.Field, e.Message)
		} else {
			fail("", err.Error())
		}
		return
	}
	rep := &st.sub.Report
	if rep.SourceEventID == "" {
		fail("properties.source_event_id", "is required in a file: give each feature a source_event_id property or an id, "+
			"so that importing the file again updates its reports instead of adding new ones")
		return
	}
	if j, dup := c.seen[rep.Key()]; dup {
		fail(st.idPath, fmt.Sprintf("source event id %q of source %s repeats features[%d]", abbrev(rep.SourceEventID), rep.Source.ID, j))
		return
	}
	c.seen[rep.Key()] = i
	c.subs = append(c.subs, st.sub)
}

// joinField returns the path of field within the value at prefix; "$" and
// "" name the value itself.
func joinField(prefix, field string) string {
	switch {
	case field == "" || field == "$":
		return prefix
	case field[0] == '[':
		return prefix + field
	}
	return prefix + "." + field
}

// decode decodes the next value into v, which it must fit (want says what
// that is, for the message).
func (c *collectionReader) decode(field string, v any, want string) error {
	err := c.dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return invalidf(field, "must be %s", want)
	}
	if err != nil {
		return c.fail(field, err)
	}
	return nil
}

// fail turns an error from the decoder at field into the error of the
// file: too large, not valid JSON, cut short, or an I/O failure.
func (c *collectionReader) fail(field string, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, ErrTooLarge):
		return fmt.Errorf("%w: %w", safezones.Errorf(safezones.CodeTooLarge, "the file is larger than %d bytes", c.maxBytes), ErrTooLarge)
	case errors.As(err, &se):
		return invalidf(field, "not valid JSON at byte %d: %v", se.Offset+c.bom, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf(field, "the file ends before its JSON does: is it cut short?")
	}
	return fmt.Errorf("GeoJSON: %w", err)
}
