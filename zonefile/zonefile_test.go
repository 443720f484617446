package zonefile_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/zonefile"
)

var ctx = context.Background()

func mustOpen(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "z.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func feature(id, props, coords string) string {
	return fmt.Sprintf(`{"type":"Feature","id":%q,"geometry":{"type":"Polygon","coordinates":%s},"properties":{%s}}`, id, coords, props)
}

const square = `[[[36,35],[36.5,35],[36.5,35.5],[36,35.5],[36,35]]]`
const bowTie = `[[[36,35],[37,36],[37,35],[36,36],[36,35]]]`

func collection(fs ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`)
}

func fields(errs []error) []string {
	var out []string
	for _, e := range errs {
		if se, ok := e.(*safezones.Error); ok {
			out = append(out, se.Field)
		} else {
			out = append(out, "not a *safezones.Error: "+e.Error())
		}
	}
	return out
}

func TestImportChecksEverythingFirst(t *testing.T) {
	db := mustOpen(t)
	data := collection(
		feature("a", `"name":"A","kind":"safe_area"`, square),
		feature("b", `"name":"B","kind":"safe_area"`, bowTie),
		feature("c", `"name":"C","kind":"safe_area","radius_m":5`, square),
		feature("d", `"name":"D","kind":"safe_area"`, square),
	)
	res, err := zonefile.Import(ctx, db, data, zonefile.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"features[1].geometry.coordinates[0][2]", "features[2].properties.radius_m"}
	if d := cmp.Diff(want, fields(res.Errors)); d != "" {
		t.Errorf("error fields (-want +got):\n%s", d)
	}
	if res.Count(zonefile.Skipped) != 2 || res.Count(zonefile.Failed) != 2 {
		t.Errorf("outcomes %+v; want 2 skipped, 2 failed", res.Items)
	}
	if page, _ := db.ListZones(ctx, safezones.ZoneFilter{}); page.Matched != 0 {
		t.Errorf("%d zones stored from an invalid file; want none", page.Matched)
	}

	res, err = zonefile.Import(ctx, db, data, zonefile.Options{SkipInvalid: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count(zonefile.Created) != 2 || len(res.Errors) != 2 {
		t.Errorf("SkipInvalid: %d created, %d errors; want 2 and 2 (the bad ones still reported)", res.Count(zonefile.Created), len(res.Errors))
	}
}

func TestReimportUpdates(t *testing.T) {
	db := mustOpen(t)
	first := collection(
		feature("a", `"name":"A","kind":"safe_area"`, square),
		feature("b", `"name":"B","kind":"safe_area"`, square),
	)
	var calls int
	if _, err := zonefile.Import(ctx, db, first, zonefile.Options{}, func(done, total int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("progress called %d times, want 2", calls)
	}
	second := collection(
		feature("a", `"name":"A","kind":"safe_area"`, square),
		feature("b", `"name":"B renamed","kind":"safe_area"`, square),
	)
	res, err := zonefile.Import(ctx, db, second, zonefile.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []zonefile.Outcome{res.Items[0].Outcome, res.Items[1].Outcome}
	if d := cmp.Diff([]zonefile.Outcome{zonefile.Unchanged, zonefile.Versioned}, got); d != "" {
		t.Errorf("re-import outcomes (-want +got):\n%s", d)
	}
	b, _ := db.Zone(ctx, "b", 0)
	if b.Version != 2 || b.Name != "B renamed" || b.Status != safezones.StatusProposed {
		t.Errorf("b after re-import: v%d %q %s; want v2, renamed, proposed", b.Version, b.Name, b.Status)
	}
}

func TestImportActive(t *testing.T) {
	db := mustOpen(t)
	data := collection(feature("agreed", `"name":"Agreed","kind":"safe_area","valid_from":"2017-05-06T00:00:00Z"`, square))
	if _, err := zonefile.Import(ctx, db, data, zonefile.Options{Active: true}, nil); err != nil {
		t.Fatal(err)
	}
	_, changes, err := db.ZoneHistory(ctx, "agreed")
	if err != nil || len(changes) != 1 || changes[0].Status != safezones.StatusActive || !strings.Contains(changes[0].Reason, "agreed elsewhere") {
		t.Errorf("history = %+v, %v; want one change to active saying it was agreed elsewhere", changes, err)
	}
}

func TestImportStoreErrorsNameTheFeature(t *testing.T) {
	db := mustOpen(t)
	data := collection(
		feature("ok", `"name":"OK","kind":"safe_area"`, square),
		feature("ghost", `"name":"Ghost","kind":"safe_area","sponsor":"nobody"`, square),
	)
	res, err := zonefile.Import(ctx, db, data, zonefile.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"features[1].properties.sponsor"}, fields(res.Errors)); d != "" {
		t.Errorf("error fields (-want +got):\n%s", d)
	}
	if _, err := db.Zone(ctx, "ok", 0); err != nil {
		t.Errorf("the good feature was not stored: %v", err)
	}
}

func TestImportDocumentErrors(t *testing.T) {
	db := mustOpen(t)
	for _, data := range []string{`not json`, `{"type":"Feature"}`, `{"type":"FeatureCollection"}`} {
		if _, err := zonefile.Import(ctx, db, []byte(data), zonefile.Options{}, nil); safezones.ErrorCode(err) != safezones.CodeInvalid {
			t.Errorf("Import(%s) = %v; want an invalid error for the document", data, err)
		}
	}
}
