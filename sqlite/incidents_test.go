package sqlite_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/sqlite"
)

// sampleReports returns n UCDP-like reports a day apart, near Idlib.
func sampleReports(n int) []incidents.Report {
	day := time.Date(2019, 5, 5, 0, 0, 0, 0, time.UTC)
	var out []incidents.Report
	for i := range n {
		from := day.AddDate(0, 0, i)
		out = append(out, incidents.Report{
			Source: incidents.SourceUCDP, SourceEventID: strconv.Itoa(214797 + i),
			Line: i + 2, EventType: incidents.EventOneSided, SourceEventType: "type_of_violence 3 (one-sided violence)",
			Time:          incidents.Interval{From: from, To: from.Add(24 * time.Hour)},
			TimePrecision: incidents.Precision{Scheme: incidents.SchemeUCDPDate, Code: 1},
			Place:         geo.Point{Lon: 36.56 + float64(i)*0.01, Lat: 35.61}, RadiusM: 2000,
			PlacePrecision: incidents.Precision{Scheme: incidents.SchemeUCDPWhere, Code: 1},
			Location:       incidents.CleanText("Kafr Nabl"),
			Casualties:     []incidents.Figure{{Category: incidents.Killed, Min: 3, Best: 4, Max: 6, Source: "ucdp-ged:low/best/high"}},
			Happened:       incidents.ConfidenceProbable, CiviliansHarmed: incidents.ConfidenceProbable,
		})
	}
	return out
}

// TestIncidentReportRevisions stores reports, re-stores them unchanged
// (nothing written), then changes one casualty figure: revision 2 with its
// reason, in the history and in the ledger as the tables hold it.
func TestIncidentReportRevisions(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	clock := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	reports := sampleReports(3)

	res, err := db.UpsertReports(ctx, reports, "operator", "import ucdp.csv")
	if err != nil || res != (incidents.ImportResult{Created: 3}) {
		t.Fatalf("UpsertReports(3 new) = %+v, %v; want 3 created", res, err)
	}
	size, _ := db.LedgerSize(ctx)

	// Line is not content: a re-import from another line changes nothing.
	again := sampleReports(3)
	for i := range again {
		again[i].Line += 10
	}
	res, err = db.UpsertReports(ctx, again, "operator", "import ucdp.csv again")
	if err != nil || res != (incidents.ImportResult{Unchanged: 3}) {
		t.Fatalf("UpsertReports(same 3) = %+v, %v; want 3 unchanged", res, err)
	}
	if n, _ := db.LedgerSize(ctx); n != size {
		t.Errorf("ledger grew from %d to %d entries on an identical re-import", size, n)
	}

	clock = clock.Add(time.Hour)
	changed := sampleReports(3)
	changed[1].Casualties[0].Best, changed[1].Casualties[0].Max = 5, 7
	res, err = db.UpsertReports(ctx, changed, "reviewer", "UCDP 20.1 revised the figure")
	if err != nil || res != (incidents.ImportResult{Updated: 1, Unchanged: 2}) {
		t.Fatalf("UpsertReports(1 changed) = %+v, %v; want 1 updated, 2 unchanged", res, err)
	}
	key := changed[1].Key()
	hist, err := db.ReportHistory(ctx, key)
	if err != nil || len(hist) != 2 {
		t.Fatalf("ReportHistory(%s) = %d revisions, %v; want 2", key, len(hist), err)
	}
	if h := hist[1]; h.Revision != 2 || h.By != "reviewer" || h.Reason != "UCDP 20.1 revised the figure" || !h.RecordedAt.Equal(clock) {
		t.Errorf("revision 2 = %d by %q for %q at %v", h.Revision, h.By, h.Reason, h.RecordedAt)
	}
	if f, _ := hist[0].Report.Figure(incidents.Killed); f.Best != 4 {
		t.Errorf("revision 1 killed best = %d, want 4 (kept as it was)", f.Best)
	}
	cur, err := db.Report(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	want := changed[1]
	want.Line = 0
	if diff := cmp.Diff(want, cur.Report); diff != "" {
		t.Errorf("Report(%s) differs from what was stored (-want +got):\n%s", key, diff)
	}

	e, err := db.LedgerEntryByRecord(ctx, "incident_report/"+key+"/r2")
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != safezones.LedgerIncidentReport {
		t.Errorf("entry type %q, want %q", e.Type, safezones.LedgerIncidentReport)
	}
	checkLedgerRecords(t, db)
}

// checkLedgerRecords checks that every ledger entry logs exactly the
// record the tables hold now.
func checkLedgerRecords(t *testing.T, db *sqlite.DB) {
	t.Helper()
	ctx := context.Background()
	n, err := db.LedgerSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := db.LedgerEntries(ctx, 0, int(n))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		env, err := ledger.DecodeEnvelope(e.Data)
		if err != nil {
			t.Fatalf("entry %d: %v", e.Index, err)
		}
		cur, err := db.LedgerCurrentRecord(ctx, e)
		if err != nil || string(cur) != string(env.Record) {
			t.Errorf("entry %d (%s): logged\n%s\ntables hold\n%s (%v)", e.Index, e.RecordID, env.Record, cur, err)
		}
	}
}

// TestListReports selects by source, time, box and page.
func TestListReports(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	reports := sampleReports(5)
	if _, err := db.UpsertReports(ctx, reports, "operator", "test"); err != nil {
		t.Fatal(err)
	}
	day := reports[0].Time.From
	tests := []struct {
		name string
		f    incidents.ReportFilter
		want int
	}{
		{"all", incidents.ReportFilter{}, 5},
		{"by source", incidents.ReportFilter{SourceID: "acled"}, 0},
		{"interval touching the first report's end excludes it", incidents.ReportFilter{From: day.Add(24 * time.Hour)}, 4},
		{"two days", incidents.ReportFilter{From: day, To: day.Add(48 * time.Hour)}, 2},
		{"box on the first two", incidents.ReportFilter{BBox: &geo.Rect{Min: geo.Point{Lon: 36.5, Lat: 35}, Max: geo.Point{Lon: 36.575, Lat: 36}}}, 2},
		{"page", incidents.ReportFilter{Limit: 2, Offset: 4}, 1},
	}
	for _, tc := range tests {
		got, err := db.ListReports(ctx, tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: ListReports(%+v) = %d reports, %v; want %d", tc.name, tc.f, len(got), err, tc.want)
		}
	}
	if _, err := db.ListReports(ctx, incidents.ReportFilter{Limit: -1}); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("ListReports(limit -1) = %v, want invalid", err)
	}
}

// TestUpsertReportsRefuses checks the arguments before writing anything.
func TestUpsertReportsRefuses(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	noID := sampleReports(2)
	noID[1].SourceEventID = ""
	tests := []struct {
		name, by, reason string
		reports          []incidents.Report
		field            string
	}{
		{"no reason", "operator", "", sampleReports(1), "reason"},
		{"no by", "", "import", sampleReports(1), "by"},
		{"no event id", "operator", "import", noID, "reports[1].source_event_id"},
	}
	for _, tc := range tests {
		_, err := db.UpsertReports(ctx, tc.reports, tc.by, tc.reason)
		var se *safezones.Error
		if !errors.As(err, &se) || se.Code != safezones.CodeInvalid || se.Field != tc.field {
			t.Errorf("%s: UpsertReports = %v, want invalid on %s", tc.name, err, tc.field)
		}
	}
	if n, _ := db.LedgerSize(ctx); n != 0 {
		t.Errorf("refused upserts logged %d entries", n)
	}
}

// TestIncidentReview takes a report through review: a reviewer revises
// its casualties with a reason (a revision in the history with its ledger
// entry), the source's account stays as it was, an unchanged re-import
// writes nothing and a changed one reopens the verified review while
// keeping the corrections. The ledger logs a salted digest: neither the
// reporter nor the exact place appears in any entry, yet every entry
// still logs what the tables hold.
func TestIncidentReview(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	reports := sampleReports(2)
	if _, err := db.UpsertReports(ctx, reports, "operator", "import ucdp.csv"); err != nil {
		t.Fatal(err)
	}
	key := reports[0].Key()
	st := func(s incidents.ReviewStatus) *incidents.ReviewStatus { return &s }
	alice := "m_alice"

	if _, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Status: st(incidents.StatusInReview), Assignee: &alice, Reason: "triage"}, "m_lead", false); err != nil {
		t.Fatal(err)
	}
	fixed := []incidents.Figure{{Category: incidents.Killed, Min: 7, Best: 9, Max: 12, Source: "Idlib health directorate lists"},
		{Category: incidents.KilledChildren, Min: 2, Best: 3, Max: 3, Source: "Idlib health directorate lists"}}
	rv, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Casualties: &fixed, Reason: "hospital lists name nine dead"}, alice, false)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Revision != 3 || rv.Effective().Casualties[0].Best != 9 || rv.Report.Casualties[0].Best != 4 {
		t.Fatalf("after the casualty revision: revision %d, effective %+v, source %+v", rv.Revision, rv.Effective().Casualties, rv.Report.Casualties)
	}
	hist, err := db.ReportHistory(ctx, key)
	if err != nil || len(hist) != 3 {
		t.Fatalf("history: %d revisions, %v", len(hist), err)
	}
	h := hist[2]
	if h.By != alice || h.Reason != "hospital lists name nine dead" || h.Review.Casualties[1].Category != incidents.KilledChildren {
		t.Errorf("revision 3 = by %q for %q with %+v", h.By, h.Reason, h.Review.Casualties)
	}
	e, err := db.LedgerEntryByRecord(ctx, "incident_report/"+key+"/r3")
	if err != nil || e.Index != h.LedgerIndex {
		t.Fatalf("ledger entry of revision 3: %+v, %v; history says index %d", e, err, h.LedgerIndex)
	}
	env, _ := ledger.DecodeEnvelope(e.Data)
	for _, want := range []string{`"reason":"hospital lists name nine dead"`, `"by":"m_alice"`, `"status":"in_review"`, `"sha256":"`} {
		if !strings.Contains(string(env.Record), want) {
			t.Errorf("ledger record %s lacks %s", env.Record, want)
		}
	}

	// Only the assignee ends the review; merging needs a real report;
	// confirming needs evidence.
	if _, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Status: st(incidents.StatusVerified), Reason: "x"}, "m_bob", false); safezones.ErrorCode(err) != safezones.CodeForbidden {
		t.Errorf("another reviewer verifies: %v; want forbidden", err)
	}
	nowhere := "acled:NOPE"
	if _, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Status: st(incidents.StatusMerged), MergedInto: &nowhere, Reason: "x"}, alice, false); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("merge into a missing report: %v; want invalid", err)
	}
	confirmed := incidents.ConfidenceConfirmed
	if _, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Happened: &confirmed, Reason: "x"}, alice, false); safezones.ErrorCode(err) != safezones.CodeInvalid {
		t.Errorf("confirmed without evidence: %v; want invalid", err)
	}
	if _, err := db.ReviewReport(ctx, "ucdp-ged:0", incidents.ReviewChange{Reason: "x"}, alice, false); safezones.ErrorCode(err) != safezones.CodeNotFound {
		t.Errorf("review of a missing report: %v; want not_found", err)
	}
	if _, err := db.ReviewReport(ctx, key, incidents.ReviewChange{Status: st(incidents.StatusVerified), Reason: "two sources agree"}, alice, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ListReports(ctx, incidents.ReportFilter{Status: incidents.StatusVerified, Assignee: alice}); len(got) != 1 || got[0].Key != key {
		t.Errorf("verified reports of alice: %d", len(got))
	}

	size, _ := db.LedgerSize(ctx)
	if res, err := db.UpsertReports(ctx, sampleReports(2), "operator", "import again"); err != nil || res.Unchanged != 2 {
		t.Fatalf("unchanged re-import after review: %+v, %v", res, err)
	}
	if n, _ := db.LedgerSize(ctx); n != size {
		t.Errorf("an unchanged re-import after review logged %d entries", n-size)
	}
	changed := sampleReports(2)
	changed[0].Casualties[0].Max = 8
	if _, err := db.UpsertReports(ctx, changed, "operator", "UCDP 20.1"); err != nil {
		t.Fatal(err)
	}
	cur, _ := db.Report(ctx, key)
	if cur.Review.Status != incidents.StatusInReview || cur.Review.Assignee != alice || cur.Effective().Casualties[0].Best != 9 || cur.Report.Casualties[0].Max != 8 {
		t.Errorf("after the source changed: status %s, assignee %s, effective %+v, source %+v", cur.Review.Status, cur.Review.Assignee, cur.Effective().Casualties, cur.Report.Casualties)
	}

	// A submitted report with a reporter and a public radius.
	sub := incidents.Submission{Report: sampleReports(1)[0], Reporter: &incidents.Reporter{Name: "Dr. Hasan Witness", Contact: "+963 000"}, PublicRadiusM: 5000}
	sub.Report.Source = incidents.Source{ID: "sams", Name: "SAMS", Kind: incidents.SourceNGO, Grade: incidents.GradeF}
	sub.Report.SourceEventID = "r-1"
	sub.Report.Place = geo.Point{Lon: 36.641234, Lat: 35.930187}
	srv, changedNow, err := db.SubmitReport(ctx, sub, "m_sams", "submitted")
	if err != nil || !changedNow || srv.Reporter == nil || srv.Reporter.Name != "Dr. Hasan Witness" || srv.Review.PublicRadiusM != 5000 {
		t.Fatalf("SubmitReport = %+v, %v, %v", srv, changedNow, err)
	}
	if _, changedNow, err := db.SubmitReport(ctx, sub, "m_sams", "submitted"); err != nil || changedNow {
		t.Errorf("the same submission again: changed %v, %v", changedNow, err)
	}
	n, _ := db.LedgerSize(ctx)
	entries, _ := db.LedgerEntries(ctx, 0, int(n))
	for _, e := range entries {
		for _, secret := range []string{"Dr. Hasan Witness", "36.641234", "35.930187"} {
			if strings.Contains(string(e.Data), secret) {
				t.Errorf("ledger entry %d shows %q", e.Index, secret)
			}
		}
	}
	checkLedgerRecords(t, db)
}
