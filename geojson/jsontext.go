package geojson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/safezones/safezones"
)

// This file holds the small JSON layer under the decoders. The document is
// checked once (size, nesting depth, syntax); after that every object and
// array is walked in place over the original bytes, so each value keeps the
// path it came from and nothing is copied or re-validated.

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkDocument runs the checks every decode starts with: size, nesting
// depth (on the raw bytes, so deep nesting never reaches encoding/json) and
// JSON syntax. It returns the document without surrounding whitespace or a
// leading UTF-8 byte order mark, which RFC 8259 §8.1 lets parsers ignore.
func checkDocument(data []byte, lim Limits) ([]byte, error) {
	if int64(len(data)) > lim.MaxBytes {
		return nil, safezones.Errorf(safezones.CodeTooLarge,
			"document is %d bytes, more than the limit of %d", len(data), lim.MaxBytes)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if err := checkDepth(data, lim.MaxDepth); err != nil {
		return nil, err
	}
	if !json.Valid(data) {
		return nil, syntaxError(data)
	}
	end := len(data)
	for end > 0 && isSpace(data[end-1]) {
		end--
	}
	return data[skipSpace(data, 0):end], nil
}

// checkDepth fails when arrays and objects nest deeper than max anywhere in
// data. It only tracks strings and brackets, so it is safe on invalid JSON.
func checkDepth(data []byte, max int) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		if !structural[data[i]] {
			continue
		}
		switch data[i] {
		case '"':
			i = skipString(data, i) - 1
		case '[', '{':
			depth++
			if depth > max {
				line, col := lineCol(data, i)
				return safezones.Errorf(safezones.CodeTooLarge,
					"JSON nesting deeper than %d levels at line %d, column %d", max, line, col)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// syntaxError describes why data is not JSON, with the line and column.
func syntaxError(data []byte) error {
	var v struct{}
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return safezones.Errorf(safezones.CodeInvalid, "not valid JSON")
	}
	off := int(se.Offset)
	if off > 0 {
		off-- // Offset counts the byte that was read when the error was found.
	}
	line, col := lineCol(data, off)
	return safezones.Errorf(safezones.CodeInvalid, "not valid JSON: %s at line %d, column %d (byte %d)",
		se.Error(), line, col, se.Offset)
}

// lineCol returns the 1-based line and column (in bytes) of data[off].
func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// member is one name/value pair of a JSON object; val is the raw value.
type member struct {
	key string
	val []byte
}

// object is a JSON object split into its members, in document order, with
// no duplicate names.
type object []member

// get returns the raw value of the member named key.
func (o object) get(key string) ([]byte, bool) {
	for _, m := range o {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// parseObject splits raw, a valid JSON value, into its members. It fails
// when raw is not an object, naming what it is, and when a name repeats:
// RFC 8259 leaves duplicate names to each parser, so one reader might see a
// different geometry than another, which a record people consent to cannot
// allow.
func parseObject(raw []byte, what string) (object, error) {
	if kind := kindOf(raw); kind != "object" {
		return nil, safezones.Errorf(safezones.CodeInvalid, "%s must be a JSON object, got %s", what, kind)
	}
	var o object
	var seen map[string]bool // used once o is too long to search
	i := skipSpace(raw, 1)
	if i < len(raw) && raw[i] == '}' {
		return o, nil
	}
	for i < len(raw) {
		end := skipString(raw, i)
		key, err := decodeString(raw[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(raw, end)
		i = skipSpace(raw, i+1) // the ':'
		end = skipValue(raw, i)
		dup := false
		switch {
		case seen != nil:
			dup = seen[key]
			seen[key] = true
		case len(o) >= 16:
			seen = make(map[string]bool, 2*len(o))
			for _, m := range o {
				seen[m.key] = true
			}
			dup = seen[key]
			seen[key] = true
		default:
			_, dup = o.get(key)
		}
		if dup {
			return nil, safezones.FieldErrorf(safezones.CodeInvalid, key,
				"member %q appears more than once, which makes the %s ambiguous", key, what)
		}
		o = append(o, member{key: key, val: raw[i:end]})
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] == '}' {
			break
		}
		i = skipSpace(raw, i+1) // the ','
	}
	return o, nil
}

// forEachElement calls fn with the index and raw value of each element of
// raw, a valid JSON array, and stops at the first error fn returns.
func forEachElement(raw []byte, fn func(i int, val []byte) error) error {
	i := skipSpace(raw, 1)
	if i < len(raw) && raw[i] == ']' {
		return nil
	}
	for n := 0; i < len(raw); n++ {
		end := skipValue(raw, i)
		if err := fn(n, raw[i:end]); err != nil {
			return err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] == ']' {
			break
		}
		i = skipSpace(raw, i+1)
	}
	return nil
}

// kindOf names the JSON type of a valid raw value.
func kindOf(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// decodeString returns the Go string of raw, a valid JSON string token.
func decodeString(raw []byte) (string, error) {
	if len(raw) >= 2 {
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", safezones.Errorf(safezones.CodeInvalid, "invalid JSON string: %v", err)
	}
	return s, nil
}

// stringMember returns the string value of member key of o. It reports
// whether the member is present; a present member that is not a string is
// an error naming key.
func stringMember(o object, key string) (string, bool, error) {
	raw, ok := o.get(key)
	if !ok {
		return "", false, nil
	}
	if kind := kindOf(raw); kind != "string" {
		return "", true, safezones.FieldErrorf(safezones.CodeInvalid, key, "%q must be a string, got %s", key, kind)
	}
	s, err := decodeString(raw)
	if err != nil {
		return "", true, safezones.WithFieldPrefix(err, key)
	}
	return s, true, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// structural marks the bytes skipValue must look at inside an array or
// object; a table lookup keeps the loop over long coordinate arrays tight.
var structural = [256]bool{'"': true, '[': true, ']': true, '{': true, '}': true}

// skipValue returns the index just past the valid JSON value at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			c := b[i]
			if !structural[c] {
				continue
			}
			switch c {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && !isDelimiter(b[i]) {
		i++
	}
	return i
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ']', '}', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// describe returns a short quotation of raw for messages.
func describe(raw []byte) string {
	const max = 60
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		raw = buf.Bytes()
	}
	if len(raw) > max {
		return fmt.Sprintf("%s…", raw[:max])
	}
	return string(raw)
}
