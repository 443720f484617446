package incidents

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/safezones/safezones"
)

// This file holds the JSON layer under DecodeSubmission: checks on the raw
// bytes that run before any decoding (nesting depth, which form a body
// is), a token reader whose every error names a JSON path, and the typed
// readers of scalar values.

// checkDepth fails when objects and arrays nest deeper than
// MaxSubmissionDepth anywhere in data. It tracks only strings and brackets,
// so it is safe on any bytes, and it runs before any decoding, so that no
// decoder walks deep input.
func checkDepth(data []byte) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			if depth > MaxSubmissionDepth {
				return invalidf("", "nests JSON deeper than %d levels, at byte %d", MaxSubmissionDepth, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// isFeature reports whether data, a JSON object, has a top-level "type"
// whose value is the string "Feature". It scans the bytes of the members
// before that one without decoding them, so that telling the two forms
// apart costs little even for a body of a million junk members; on
// invalid JSON it reports false and leaves the error to the decoding
// proper, which names its path.
func isFeature(data []byte) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	for {
		i = skipSpace(data, i+1) // past the '{' or ','
		key := stringAt(data, i)
		if key == nil {
			return false
		}
		i = skipSpace(data, i+len(key))
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		if jsonStringIs(key, "type") {
			v := stringAt(data, i)
			return v != nil && jsonStringIs(v, "Feature")
		}
		i = skipSpace(data, valueEnd(data, i))
		if i >= len(data) || data[i] != ',' {
			return false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringAt returns the JSON string token, quotes included, that starts at
// b[i], or nil when there is none.
func stringAt(b []byte, i int) []byte {
	if i >= len(b) || b[i] != '"' {
		return nil
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return b[i : j+1]
		}
	}
	return nil
}

// valueEnd returns the index just past the JSON value that starts at b[i],
// or len(b) when it does not end; it tracks only strings and brackets.
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			s := stringAt(b, i)
			if s == nil {
				return len(b)
			}
			i += len(s) - 1
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // a number or literal ends where its container does
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsonStringIs reports whether tok, a JSON string token, means s.
func jsonStringIs(tok []byte, s string) bool {
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1:len(tok)-1]) == s
	}
	var v string
	return json.Unmarshal(tok, &v) == nil && v == s
}

// jsonIn reads one JSON document token by token, so that every error can
// name the path of the value it is about.
type jsonIn struct {
	dec *json.Decoder
}

func newJSONIn(data []byte) *jsonIn {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &jsonIn{dec: dec}
}

// next returns the next token; path names the value it belongs to.
func (in *jsonIn) next(path string) (json.Token, error) {
	tok, err := in.dec.Token()
	if err != nil {
		return nil, syntaxError(path, in.dec.InputOffset(), err)
	}
	return tok, nil
}

// syntaxError describes a failure of the JSON syntax at path, off bytes in.
func syntaxError(path string, off int64, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return invalidf(path, "not valid JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf(path, "the JSON ends early, at byte %d", off)
	}
	return invalidf(path, "not valid JSON at byte %d: %v", off, err)
}

// readString reads a string of at most maxBytes bytes.
func readString(path string, tok json.Token, maxBytes int) (string, error) {
	s, ok := tok.(string)
	if !ok {
		return "", typeError(path, "a string", tok)
	}
	if len(s) > maxBytes {
		return "", invalidf(path, "is %d bytes, more than %d", len(s), maxBytes)
	}
	return s, nil
}

// readPlain reads a string that is not cleaned (a name, a note): at most
// MaxTextBytes, and no control characters but tab and line breaks.
func readPlain(path string, tok json.Token) (string, error) {
	s, err := readString(path, tok, MaxTextBytes)
	if err == nil && strings.ContainsFunc(s, isBadControl) {
		err = invalidf(path, "%q has control characters", abbrev(s))
	}
	return s, err
}

// isBadControl reports control characters other than tab and line breaks.
func isBadControl(r rune) bool {
	return r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r)
}

// readNumber reads a finite number in [lo, hi].
func readNumber(path string, tok json.Token, lo, hi float64) (float64, error) {
	n, ok := tok.(json.Number)
	if !ok {
		return 0, typeError(path, "a number", tok)
	}
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, invalidf(path, "%s is beyond the range of a number", abbrev(string(n)))
	}
	if v < lo || v > hi {
		return 0, invalidf(path, "%s is outside [%s, %s]", fmtNum(v), fmtNum(lo), fmtNum(hi))
	}
	return v, nil
}

// fmtNum writes v for a message: 1000000, not 1e+06.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// readInt reads an integer, written without fraction or exponent, in
// [lo, hi].
func readInt(path string, tok json.Token, lo, hi int) (int, error) {
	n, ok := tok.(json.Number)
	if !ok {
		return 0, typeError(path, "an integer", tok)
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < int64(lo) || v > int64(hi) {
		return 0, invalidf(path, "%s is not an integer from %d to %d", abbrev(string(n)), lo, hi)
	}
	return int(v), nil
}

// invalidf returns a CodeInvalid error at path; "$" names the document.
func invalidf(path, format string, args ...any) error {
	if path == "" {
		path = "$"
	}
	return safezones.FieldErrorf(safezones.CodeInvalid, path, format, args...)
}

// typeError says that the value at path, which starts with tok, is not want.
func typeError(path, want string, tok json.Token) error {
	return invalidf(path, "must be %s, got %s", want, kindOf(tok))
}

// kindOf names the JSON type of the value that starts with tok.
func kindOf(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// memberPath returns the path of member key of the value at path. Names
// that are not plain identifiers are quoted in brackets, and long ones cut.
func memberPath(path, key string) string {
	plain := key != "" && !strings.ContainsFunc(key, func(r rune) bool {
		return !(r == '_' || r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
	})
	if !plain {
		return path + "[" + strconv.Quote(abbrev(key)) + "]"
	}
	if len(key) > 64 {
		key = abbrev(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath returns the path of element i of the array at path.
func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// abbrev cuts s to about 64 bytes for a message, at a character boundary.
func abbrev(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// joinNames lists names for a message: "a, b, c".
func joinNames[S ~string](names []S) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(n))
	}
	return b.String()
}

// utf8BOM is the byte order mark some tools write at the start of UTF-8
// files; RFC 8259 §8.1 lets a reader ignore it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}
