package incidents

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
)

// Limits that guard the importers against input that would exhaust memory.
// Exceeding MaxFileBytes or MaxLineBytes stops the import with an error
// wrapping ErrTooLarge; a row with more than MaxFields fields is a RowError.
const (
	MaxFileBytes = 512 << 20 // the whole file
	MaxLineBytes = 1 << 20   // one physical line
	MaxFields    = 256       // fields in the header or in one row
	maxIDBytes   = 128       // a source event id
)

// ErrTooLarge is wrapped by the error an importer returns when the input
// exceeds MaxFileBytes or MaxLineBytes.
var ErrTooLarge = errors.New("input too large")

// progressEvery is how many rows pass between calls to a progress function.
const progressEvery = 1000

// RowError is one bad row: its line in the file (1 is the header), the
// column at fault when one is, and why. The row is skipped; the import goes
// on with the next one.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// Error returns "line N: column C: reason".
func (e RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d: column %s: %s", e.Line, e.Column, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// guardReader passes bytes through while counting them, failing once the
// file exceeds maxFile bytes or a line exceeds maxLine bytes.
type guardReader struct {
	r                io.Reader
	maxFile, maxLine int
	total, lineLen   int
	line             int
}

func (g *guardReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		g.total++
		g.lineLen++
		if c == '\n' {
			g.line++
			g.lineLen = 0
		}
		if g.total > g.maxFile {
			return 0, &tooLarge{fmt.Sprintf("file exceeds %d bytes", g.maxFile)}
		}
		if g.lineLen > g.maxLine {
			return 0, &tooLarge{fmt.Sprintf("line %d exceeds %d bytes", g.line+1, g.maxLine)}
		}
	}
	return n, err
}

// tooLarge is a limit error that says which limit and matches ErrTooLarge.
type tooLarge struct{ msg string }

func (e *tooLarge) Error() string        { return e.msg + ": " + ErrTooLarge.Error() }
func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

// row is one data row being parsed: its fields by column, its line, and
// the first error found in it. The parse methods record the first failure
// and return zero values after it, so a row parser reads straight through
// and checks err once.
type row struct {
	cols map[string]int
	rec  []string
	line int
	err  *RowError
}

// fail records the first error of the row.
func (r *row) fail(col, format string, args ...any) {
	if r.err == nil {
		r.err = &RowError{Line: r.line, Column: col, Reason: fmt.Sprintf(format, args...)}
	}
}

// str returns the raw field of col, or "" when the file lacks the column.
func (r *row) str(col string) string {
	if i, ok := r.cols[col]; ok {
		return r.rec[i]
	}
	return ""
}

// text returns the cleaned field of col.
func (r *row) text(col string) Text { return CleanText(strings.TrimSpace(r.str(col))) }

// id returns the source event id in col: required, at most maxIDBytes,
// printable ASCII (ids are keys, so they must compare byte for byte).
func (r *row) id(col string) string {
	s := strings.TrimSpace(r.str(col))
	switch {
	case s == "":
		r.fail(col, "is empty; every event needs its source id")
	case len(s) > maxIDBytes:
		r.fail(col, "is %d bytes long; at most %d", len(s), maxIDBytes)
	case strings.ContainsFunc(s, func(c rune) bool { return c < '!' || c > '~' }):
		r.fail(col, "%q has characters other than printable ASCII", s)
	}
	return s
}

// int returns the integer in col, which must lie in [lo, hi].
func (r *row) int(col string, lo, hi int) int {
	s := strings.TrimSpace(r.str(col))
	v, err := strconv.Atoi(s)
	switch {
	case err != nil:
		r.fail(col, "%q is not an integer", s)
	case v < lo || v > hi:
		r.fail(col, "%d is outside %d..%d", v, lo, hi)
	}
	return v
}

// float returns the finite number in col, which must lie in [lo, hi].
func (r *row) float(col string, lo, hi float64) float64 {
	s := strings.TrimSpace(r.str(col))
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		r.fail(col, "%q is not a number", s)
	case v < lo || v > hi:
		r.fail(col, "%v is outside %v..%v", v, lo, hi)
	}
	return v
}

// date returns the day in col as midnight UTC, trying layouts in order.
func (r *row) date(col string, layouts ...string) time.Time {
	s := strings.TrimSpace(r.str(col))
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	r.fail(col, "%q is not a date (want %s)", s, layouts[0])
	return time.Time{}
}

// readHeader reads the header row and returns each column's index by its
// lower-cased, trimmed name. It fails when the file is empty, a name
// repeats, or a required column is missing, naming all missing columns.
func readHeader(cr *csv.Reader, format string, required []string) (map[string]int, int, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, safezones.Errorf(safezones.CodeInvalid, "%s: the file is empty; want a header row", format)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: header: %w", format, err)
	}
	if len(rec) > MaxFields {
		return nil, 0, safezones.Errorf(safezones.CodeInvalid, "%s: header has %d columns; at most %d", format, len(rec), MaxFields)
	}
	cols := make(map[string]int, len(rec))
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF")
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if j, dup := cols[name]; dup {
			return nil, 0, safezones.Errorf(safezones.CodeInvalid, "%s: header: column %q appears twice (columns %d and %d)", format, name, j+1, i+1)
		}
		cols[name] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, 0, safezones.Errorf(safezones.CodeInvalid, "%s: header lacks required columns %s", format, strings.Join(missing, ", "))
	}
	return cols, len(rec), nil
}

// readRows reads a CSV file with a header: it checks the header for the
// required columns, then hands each data row to parse and collects the
// reports, one RowError per bad row (a CSV syntax error, a wrong field
// count, a repeated event id, or whatever parse finds), and returns an
// error only when the input cannot be read on (I/O failure, a limit
// exceeded, a bad header). keyCol names the event id column for repeats.
func readRows(rd io.Reader, format string, required []string, keyCol string, progress func(int), parse func(*row) Report) ([]Report, []RowError, error) {
	g := &guardReader{r: rd, maxFile: MaxFileBytes, maxLine: MaxLineBytes}
	cr := csv.NewReader(g)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cols, width, err := readHeader(cr, format, required)
	if err != nil {
		return nil, nil, err
	}
	var (
		reports []Report
		errs    []RowError
		seen    = map[string]int{}
		n       int
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		if progress != nil && n%progressEvery == 0 {
			progress(n)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, RowError{Line: pe.StartLine, Reason: "CSV syntax: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", format, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != width {
			errs = append(errs, RowError{Line: line, Reason: fmt.Sprintf("has %d fields; the header has %d", len(rec), width)})
			continue
		}
		r := &row{cols: cols, rec: rec, line: line}
		rep := parse(r)
		if r.err == nil {
			if first, dup := seen[rep.SourceEventID]; dup {
				r.fail(keyCol, "event id %q repeats the row on line %d", rep.SourceEventID, first)
			}
		}
		if r.err != nil {
			errs = append(errs, *r.err)
			continue
		}
		seen[rep.SourceEventID] = line
		rep.Line = line
		reports = append(reports, rep)
	}
	if progress != nil {
		progress(n)
	}
	return reports, errs, nil
}

// nonEmpty returns the texts that have a value.
func nonEmpty(ts ...Text) []Text {
	var out []Text
	for _, t := range ts {
		if t.Value != "" {
			out = append(out, t)
		}
	}
	return out
}
