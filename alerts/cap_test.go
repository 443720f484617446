package alerts_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/geo"
)

// ValidateCAP runs xmllint with the official CAP 1.2 schema over files
// and fails the test with its output when one is invalid. It skips the
// test when xmllint is not installed.
func validateCAP(t *testing.T, files ...string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils): CAP 1.2 schema validation skipped")
	}
	args := append([]string{"--noout", "--nonet", "--schema", filepath.Join("testdata", "CAP-v1.2.xsd")}, files...)
	out, err := exec.Command(xmllint, args...).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint --schema CAP-v1.2.xsd: %v\n%s", err, out)
	}
}

// writeXML encodes v into a file in dir and returns its path.
func writeXML(t *testing.T, dir, name string, v any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := alerts.EncodeXML(&buf, v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	nfzZone = safezones.Zone{ID: "nfz", Version: 2, Terms: safezones.Terms{Kind: safezones.KindNoFly, Name: "Idlib no-fly zone",
		Geometry: geo.Polygon{geo.Ring{{Lon: 36.5, Lat: 35.8}, {Lon: 36.7, Lat: 35.8}, {Lon: 36.7, Lat: 36.0}, {Lon: 36.5, Lat: 36.0}, {Lon: 36.5, Lat: 35.8}}},
		FloorM:   ptr(0), CeilingM: ptr(3000)}}
	siteZone = safezones.Zone{ID: "hospital", Version: 1, Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "Al-Quds hospital",
		Geometry: geo.Point{Lon: 37.16, Lat: 36.2}, RadiusM: 300}}
)

// capAlerts are a violation, its end, a warning for a site, its re-issue
// and its cancellation, as a store would hold them.
func capAlerts() []safezones.Alert {
	base := safezones.Alert{ObjectID: "4ca7b5", At: t0, Point: geo.Point{Lon: 36.6, Lat: 35.9}, AltitudeKnown: true,
		Source: safezones.Source{Kind: safezones.SourceSimulated, Description: "demo scenario"}}
	nfz := func(a safezones.Alert) safezones.Alert {
		a.ZoneID, a.ZoneVersion, a.ZoneKind, a.ZoneName = "nfz", 2, safezones.KindNoFly, "Idlib no-fly zone"
		return a
	}
	site := func(a safezones.Alert) safezones.Alert {
		a.ZoneID, a.ZoneVersion, a.ZoneKind, a.ZoneName = "hospital", 1, safezones.KindProtectedSite, "Al-Quds hospital"
		return a
	}
	as := []safezones.Alert{
		nfz(base), nfz(base), site(base), site(base), site(base),
	}
	as[0].Kind = safezones.AlertViolation
	as[1].Kind, as[1].Reason, as[1].DwellSeconds = safezones.AlertViolationEnd, "exited", ptr(240)
	as[2].Kind, as[2].ETASeconds, as[2].ETAMinSeconds, as[2].ETAMaxSeconds = safezones.AlertWarning, ptr(600), ptr(540), ptr(700)
	as[2].Entry = &geo.Point{Lon: 37.157, Lat: 36.2}
	as[3].Kind, as[3].ETASeconds, as[3].ETAMinSeconds, as[3].ETAMaxSeconds = safezones.AlertWarning, ptr(200), ptr(60), ptr(400)
	as[4].Kind, as[4].Reason = safezones.AlertWarningCancelled, "path_changed"
	for i := range as {
		as[i].Seq = int64(i + 1)
		as[i].ID = "al-" + string(rune('1'+i))
		as[i].Created = t0.Add(time.Duration(i)*time.Minute + 500*time.Millisecond)
		as[i].At = as[i].Created.Add(-time.Second)
	}
	return as
}

// capOf renders alert i of as with its zone and the previous alert found
// in a store holding all of as.
func capOf(t *testing.T, as []safezones.Alert, i int) *alerts.CAPAlert {
	t.Helper()
	store := alerts.NewMemoryStore()
	if err := store.AppendAlerts(context.Background(), append([]safezones.Alert(nil), as...)); err != nil {
		t.Fatal(err)
	}
	prev, err := alerts.Previous(context.Background(), store, &as[i])
	if err != nil {
		t.Fatal(err)
	}
	if prev != nil {
		prev = &as[prev.Seq-1] // with its Created, which the store replaced
	}
	zone := &nfzZone
	if as[i].ZoneKind == safezones.KindProtectedSite {
		zone = &siteZone
	}
	m, err := alerts.CAPMessage(as[i], "safezones@cell.example.org", alerts.CAPOptions{HostID: "idlib", Zone: zone, Previous: prev,
		SenderName: "Idlib coordination cell"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCAPMessages(t *testing.T) {
	as := capAlerts()
	const sender = "safezones@cell.example.org"
	tests := []struct {
		name                                    string
		i                                       int
		msgType, urgency, certainty, references string
		polygon, circle, altitude, ceiling      string
	}{
		{name: "violation", i: 0, msgType: "Alert", urgency: "Immediate", certainty: "Observed",
			polygon: "35.8,36.5 35.8,36.7 36,36.7 36,36.5 35.8,36.5", altitude: "0", ceiling: "9843"},
		{name: "violation end", i: 1, msgType: "Update", urgency: "Past", certainty: "Observed",
			references: sender + ",safezones-idlib-al-1,2026-11-25T12:00:00-00:00", polygon: "35.8,36.5 35.8,36.7 36,36.7 36,36.5 35.8,36.5", altitude: "0", ceiling: "9843"},
		{name: "warning", i: 2, msgType: "Alert", urgency: "Expected", certainty: "Likely", circle: "36.2,37.16 0.3"},
		{name: "warning re-issued", i: 3, msgType: "Update", urgency: "Immediate", certainty: "Possible",
			references: sender + ",safezones-idlib-al-3,2026-11-25T12:02:00-00:00", circle: "36.2,37.16 0.3"},
		{name: "warning cancelled", i: 4, msgType: "Cancel", urgency: "Past", certainty: "Unlikely",
			references: sender + ",safezones-idlib-al-4,2026-11-25T12:03:00-00:00", circle: "36.2,37.16 0.3"},
	}
	dir := t.TempDir()
	var files []string
	for _, tt := range tests {
		m := capOf(t, as, tt.i)
		in := m.Infos[0]
		area := in.Areas[0]
		got := []string{m.MsgType, in.Urgency, in.Certainty, m.References, strings.Join(area.Polygons, "|"), strings.Join(area.Circles, "|"), area.Altitude, area.Ceiling}
		want := []string{tt.msgType, tt.urgency, tt.certainty, tt.references, tt.polygon, tt.circle, tt.altitude, tt.ceiling}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: [msgType urgency certainty references polygon circle altitude ceiling] = %q, want %q", tt.name, got, want)
		}
		if m.Status != "Exercise" || m.Scope != "Public" || m.Note == "" {
			t.Errorf("%s: status %q scope %q note %q, want Exercise, Public and a note for simulated data", tt.name, m.Status, m.Scope, m.Note)
		}
		if want := "safezones-idlib-" + as[tt.i].ID; m.Identifier != want {
			t.Errorf("%s: identifier %q, want %q", tt.name, m.Identifier, want)
		}
		if want := as[tt.i].Created.Truncate(time.Second).Format("2006-01-02T15:04:05") + "-00:00"; m.Sent != want {
			t.Errorf("%s: sent %q, want %q", tt.name, m.Sent, want)
		}
		files = append(files, writeXML(t, dir, strings.ReplaceAll(tt.name, " ", "-")+".xml", m))
	}
	// A real alert without a zone at hand: Actual, areaDesc alone.
	real := as[0]
	real.Source = safezones.Source{Kind: safezones.SourceReal}
	m, err := alerts.CAPMessage(real, sender, alerts.CAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != "Actual" || m.Identifier != "safezones-al-1" || m.Infos[0].Areas[0].AreaDesc == "" {
		t.Errorf("real alert without zone: status %q identifier %q area %+v", m.Status, m.Identifier, m.Infos[0].Areas[0])
	}
	files = append(files, writeXML(t, dir, "real.xml", m))
	validateCAP(t, files...)
}

func TestCAPMessageRefusesBadSender(t *testing.T) {
	a := capAlerts()[0]
	for _, sender := range []string{"two words", "a,b", "x<y", "a&b"} {
		if _, err := alerts.CAPMessage(a, sender, alerts.CAPOptions{}); err == nil {
			t.Errorf("CAPMessage(sender %q) = nil error, want one: CAP forbids it", sender)
		}
	}
	a.Seq = 0
	if _, err := alerts.CAPMessage(a, "s", alerts.CAPOptions{}); err == nil {
		t.Error("CAPMessage of an unstored alert = nil error, want one")
	}
}

// TestCAPAtomFeed validates the CAP content of every entry of the feed
// against the schema, and checks the feed's Atom structure.
func TestCAPAtomFeed(t *testing.T) {
	as := capAlerts()
	var entries []alerts.CAPEntry
	for i := len(as) - 1; i >= 0; i-- {
		entries = append(entries, alerts.CAPEntry{Message: capOf(t, as, i), URL: "https://cell.example.org/v1/alerts/" + as[i].ID + "/cap"})
	}
	feed := alerts.CAPAtomFeed(alerts.FeedOptions{ID: "https://cell.example.org/v1/alerts/cap", Self: "https://cell.example.org/v1/alerts/cap",
		Title: "safezones alerts", Author: "safezones", Updated: t0}, entries)
	var buf bytes.Buffer
	if err := alerts.EncodeXML(&buf, feed); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := capFilesOfFeed(t, buf.Bytes(), dir)
	if len(files) != len(as) {
		t.Fatalf("feed has %d CAP entries, want %d:\n%s", len(files), len(as), buf.String())
	}
	validateCAP(t, files...)
}

// capFilesOfFeed parses an Atom feed generically (not with the package's
// types), checks its required elements, and writes each entry's <alert>
// content, as it appears in the feed, to a file.
func capFilesOfFeed(t *testing.T, feed []byte, dir string) []string {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Content struct {
				Type  string `xml:"type,attr"`
				Inner []byte `xml:",innerxml"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(feed, &doc); err != nil {
		t.Fatalf("parse feed: %v", err)
	}
	if doc.ID == "" || doc.Updated == "" {
		t.Errorf("feed without id or updated")
	}
	var files []string
	for i, e := range doc.Entries {
		if e.ID == "" || e.Title == "" || e.Content.Type != "application/cap+xml" {
			t.Errorf("entry %d: id %q title %q content type %q", i, e.ID, e.Title, e.Content.Type)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated); err != nil {
			t.Errorf("entry %d: updated %q is not RFC 3339", i, e.Updated)
		}
		path := filepath.Join(dir, "entry-"+string(rune('a'+i))+".xml")
		if err := os.WriteFile(path, append([]byte(xml.Header), bytes.TrimSpace(e.Content.Inner)...), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return files
}

// TestCAPRoundTripExamples decodes real CAP 1.2 messages with the
// package's types, encodes them again and checks that nothing was lost
// and that the result is still valid against the schema; CAP 1.1 and the
// external-entity attack are refused.
func TestCAPRoundTripExamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "examples", "*"))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]bool{"nws-5c2cf27b1f56885d61654dc47fa411d5.xml": true, "xee.cap": true}
	dir := t.TempDir()
	var files []string
	n := 0
	for _, path := range paths {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "LICENSE") {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := alerts.DecodeCAP(f)
		f.Close()
		if refused[name] {
			if err == nil {
				t.Errorf("DecodeCAP(%s) = nil error, want it refused", name)
			}
			continue
		}
		if err != nil {
			t.Errorf("DecodeCAP(%s): %v", name, err)
			continue
		}
		n++
		out := writeXML(t, dir, name, m)
		again, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := alerts.DecodeCAP(again)
		again.Close()
		if err != nil {
			t.Errorf("DecodeCAP(encoded %s): %v", name, err)
			continue
		}
		if !reflect.DeepEqual(m, m2) {
			t.Errorf("%s: round trip changed the message:\nfirst  %+v\nsecond %+v", name, m, m2)
		}
		if m.Identifier == "" || len(m.Infos) == 0 || m.Infos[0].Event == "" {
			t.Errorf("%s: decoded without identifier or info: %+v", name, m)
		}
		files = append(files, out)
	}
	if n < 8 {
		t.Errorf("decoded %d examples, want at least 8", n)
	}
	validateCAP(t, files...)
}
