package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/sqlite"
)

type incidentCmd struct{ env *environment }

const incidentUsage = `Usage: safezones incident <import|list|history> [flags]

Commands:
  import    load incident reports from a UCDP GED or ACLED-layout CSV file,
            or from a GeoJSON FeatureCollection
  list      list stored reports with their review status
  history   show every revision of one report with its reason and ledger entry

Examples:
  safezones incident import --db cell.db ged_syria.csv.gz
  safezones incident import --db cell.db reports.geojson
  safezones incident list --db cell.db --source ucdp-ged --from 2019-05-01
  safezones incident history --db cell.db ucdp-ged:214797
`

func (c *incidentCmd) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.env.stderr, incidentUsage)
		return usagef("incident needs a subcommand")
	}
	switch args[0] {
	case "import":
		return c.importReports(ctx, args[1:])
	case "list":
		return c.list(ctx, args[1:])
	case "history":
		return c.history(ctx, args[1:])
	case "-h", "--help", "-help", "help":
		fmt.Fprint(c.env.stdout, incidentUsage)
		return nil
	}
	return usagef("unknown incident command %q", args[0])
}

const incidentImportUsage = `Usage: safezones incident import [--db FILE] [--format ucdp|acled|geojson] [--reason TEXT] FILE[.gz]

Loads incident reports from a CSV file in UCDP GED's or ACLED's column
layout, or from a GeoJSON FeatureCollection of Point features whose
properties are reports (docs/incidents.md); the format is read from the
header unless --format names it, and a gzip-compressed file is recognised
by its first bytes. A bad GeoJSON feature is printed as FILE:N: with N its
1-based index in "features". Each report is kept
under its source's own event id: re-importing a file updates reports whose
content changed (a new revision with --reason, logged in the ledger) and
leaves identical ones alone. A bad row is printed as FILE:LINE: column:
reason and skipped; every good row is still imported, and the command then
exits with status 1.

Examples:
  safezones incident import --db cell.db ged_syria.csv.gz
  safezones incident import --db cell.db --format acled --reason "ACLED weekly update" acled_week.csv
`

// maxRowErrorsShown is how many bad rows import prints before it only
// counts the rest.
const maxRowErrorsShown = 100

// storeChunk is how many reports import hands to the store per call, so
// that the progress bar moves while a large file is stored.
const storeChunk = 2000

func (c *incidentCmd) importReports(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "incident import", incidentImportUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` [SAFEZONES_DB]")
	format := fs.String("format", "", "`format` of the file: ucdp, acled or geojson (default: read from the header)")
	reason := fs.String("reason", "", "reason recorded with every new revision (default: \"import FILE\")")
	by := fs.String("by", safezones.OperatorPartyID, "who the revisions are recorded as made by")
	quiet := fs.Bool("quiet", false, "no progress output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("incident import needs exactly one FILE, got %d arguments", fs.NArg())
	}
	if *format != "" && *format != "ucdp" && *format != "acled" && *format != "geojson" {
		return usagef("incident import: --format %q: want ucdp, acled or geojson", *format)
	}
	name := fs.Arg(0)
	if *reason == "" {
		*reason = "import " + filepath.Base(name)
	}
	subs, rowErrs, err := c.readReports(name, *format, *quiet)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := c.storeReports(ctx, db, subs, *by, *reason, *quiet)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c.printRowErrors(name, rowErrs)
	fmt.Fprintf(c.env.stdout, "%s: %d created, %d updated, %d unchanged, %d failed\n",
		name, res.Created, res.Updated, res.Unchanged, len(rowErrs))
	if len(rowErrs) > 0 {
		return fmt.Errorf("%s: %d of %d rows failed; the other %d were imported",
			name, len(rowErrs), len(rowErrs)+len(subs), len(subs))
	}
	return nil
}

// readReports opens name (gzip or plain), picks the reader for format or
// for the header, and reads every row or feature, drawing a bar over the
// file's bytes. CSV rows become submissions without a reporter.
func (c *incidentCmd) readReports(name, format string, quiet bool) ([]incidents.Submission, []incidents.RowError, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	counted := &countingReader{r: f}
	var progress func(int)
	if st, err := f.Stat(); err == nil && !quiet && st.Size() > 0 {
		bar := progressBar(c.env.stderr, "reading "+filepath.Base(name))
		size := st.Size()
		progress = func(int) { bar(int(min(counted.n, size)), int(size)) }
	}
	r, err := decompressed(counted)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if format == "" {
		if format, err = detectFormat(br); err != nil {
			return nil, nil, err
		}
	}
	var reports []incidents.Report
	var rowErrs []incidents.RowError
	switch format {
	case "geojson":
		return incidents.ReadGeoJSON(br, progress)
	case "acled":
		reports, rowErrs, err = incidents.ReadACLED(br, progress)
	default:
		reports, rowErrs, err = incidents.ReadUCDP(br, progress)
	}
	subs := make([]incidents.Submission, len(reports))
	for i := range reports {
		subs[i].Report = reports[i]
	}
	return subs, rowErrs, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decompressed returns r itself, or r gunzipped when it starts with the
// gzip magic bytes 1f 8b.
func decompressed(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}

// detectFormat reads the header line from br without consuming it and
// names the format whose id column it has: ACLED's event_id_cnty or UCDP
// GED's type_of_violence.
func detectFormat(br *bufio.Reader) (string, error) {
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", err
	}
	if trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
		return "geojson", nil
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cols := map[string]bool{}
	for _, col := range strings.Split(strings.ToLower(string(line)), ",") {
		cols[strings.Trim(strings.TrimSpace(col), "\"\ufeff")] = true
	}
	switch {
	case cols["event_id_cnty"]:
		return "acled", nil
	case cols["type_of_violence"]:
		return "ucdp", nil
	}
	return "", fmt.Errorf("the file is not JSON and its header has neither ACLED's event_id_cnty nor UCDP GED's type_of_violence column; name the format with --format")
}

// storeReports hands reports to the store, drawing a bar: in chunks of
// storeChunk, except that a submission with a reporter or a public radius
// is stored on its own with them.
func (c *incidentCmd) storeReports(ctx context.Context, store incidents.Store, subs []incidents.Submission, by, reason string, quiet bool) (incidents.ImportResult, error) {
	var total incidents.ImportResult
	bar := func(int, int) {}
	if !quiet {
		bar = progressBar(c.env.stderr, "storing reports")
	}
	chunk := make([]incidents.Report, 0, storeChunk)
	flush := func() error {
		res, err := store.UpsertReports(ctx, chunk, by, reason)
		total = total.Add(res)
		chunk = chunk[:0]
		return err
	}
	for i, s := range subs {
		if s.Reporter != nil || s.PublicRadiusM > 0 {
			if err := flush(); err != nil {
				return total, err
			}
			exists := true
			if _, err := store.Report(ctx, s.Report.Key()); safezones.ErrorCode(err) == safezones.CodeNotFound {
				exists = false
			}
			_, changed, err := store.SubmitReport(ctx, s, by, reason)
			if err != nil {
				return total, err
			}
			switch {
			case !changed:
				total.Unchanged++
			case exists:
				total.Updated++
			default:
				total.Created++
			}
		} else if chunk = append(chunk, s.Report); len(chunk) == storeChunk {
			if err := flush(); err != nil {
				return total, err
			}
		}
		if (i+1)%storeChunk == 0 {
			bar(i+1, len(subs))
		}
	}
	if err := flush(); err != nil {
		return total, err
	}
	bar(len(subs), len(subs))
	return total, nil
}

// printRowErrors prints the first maxRowErrorsShown bad rows as
// "FILE:LINE: column: reason", then how many more there were.
func (c *incidentCmd) printRowErrors(name string, errs []incidents.RowError) {
	for i, e := range errs {
		if i == maxRowErrorsShown {
			fmt.Fprintf(c.env.stderr, "%s: and %d more bad rows\n", name, len(errs)-i)
			return
		}
		if e.Column != "" {
			fmt.Fprintf(c.env.stderr, "%s:%d: %s: %s\n", name, e.Line, e.Column, e.Reason)
		} else {
			fmt.Fprintf(c.env.stderr, "%s:%d: %s\n", name, e.Line, e.Reason)
		}
	}
}

const incidentListUsage = `Usage: safezones incident list [--db FILE] [--source ID] [--status S] [--from DATE] [--to DATE] [--limit N]

Lists stored reports (current revisions) by start time: those of one
source, in one review status (new, in_review, verified, rejected, merged),
and those whose time overlaps [from, to) (dates as 2006-01-02, UTC).
KILLED is the best estimate with its range, reviewers' corrections applied.

Examples:
  safezones incident list --db cell.db --limit 20
  safezones incident list --db cell.db --source ucdp-ged --from 2019-05-01 --to 2019-06-01
`

func (c *incidentCmd) list(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "incident list", incidentListUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` [SAFEZONES_DB]")
	var f incidents.ReportFilter
	fs.StringVar(&f.SourceID, "source", "", "only this source `id` (ucdp-ged, acled)")
	status := fs.String("status", "", "only reports in this review `status`")
	from := fs.String("from", "", "only reports overlapping from this `date` on")
	to := fs.String("to", "", "only reports overlapping up to this `date` (exclusive)")
	fs.IntVar(&f.Limit, "limit", 50, "at most `n` reports; 0 for all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.Status = incidents.ReviewStatus(*status); f.Status != "" && !f.Status.Valid() {
		return usagef("--status %q: want one of %v", *status, incidents.ReviewStatuses)
	}
	var err error
	if f.From, err = parseDateFlag("from", *from); err != nil {
		return err
	}
	if f.To, err = parseDateFlag("to", *to); err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	revs, err := db.ListReports(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tREV\tSTATUS\tFROM\tTYPE\tKILLED\tLOCATION")
	for _, rv := range revs {
		rep := rv.Effective()
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", rv.Key, rv.Revision, rv.Review.Status, rep.Time.From.Format(time.DateOnly),
			rep.EventType, killedText(&rep), rep.Location.Value)
	}
	return tw.Flush()
}

// killedText is the killed figure as "best (min-max)", or "-".
func killedText(rep *incidents.Report) string {
	if k, ok := rep.Figure(incidents.Killed); ok {
		return fmt.Sprintf("%d (%d-%d)", k.Best, k.Min, k.Max)
	}
	return "-"
}

const incidentHistoryUsage = `Usage: safezones incident history [--db FILE] KEY

Prints every revision of the report KEY (source-id:event-id), oldest first:
when, by whom, why, its review status and killed figure (reviewers'
corrections applied), and the index of its ledger entry, which
safezones verify checks.

Example:
  safezones incident history --db cell.db ucdp-ged:214797
`

func (c *incidentCmd) history(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "incident history", incidentHistoryUsage)
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database `file` [SAFEZONES_DB]")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("incident history needs exactly one KEY, got %d arguments", fs.NArg())
	}
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	revs, err := db.ReportHistory(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REV\tRECORDED\tBY\tSTATUS\tKILLED\tLEDGER\tREASON")
	for _, rv := range revs {
		rep := rv.Effective()
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", rv.Revision, rv.RecordedAt.Format(time.RFC3339), rv.By, rv.Review.Status,
			killedText(&rep), rv.LedgerIndex, rv.Reason)
	}
	return tw.Flush()
}

// parseDateFlag parses a --from/--to date; empty means unbounded.
func parseDateFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usagef("--%s %q: want a date like 2019-05-01", name, s)
	}
	return t, nil
}
