package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/geo"
)

// Store is what the suite exercises.
type Store interface {
	safezones.ZoneService
	safezones.PartyService
	safezones.LedgerReader
	safezones.MemberService
	safezones.KeyService
	safezones.ConsentService
	safezones.CommitmentService
}

// Clock is a settable time source the suite drives; the constructor must
// make the store read the time from it.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T, clock *Clock) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store, c *Clock)
	}{
		{"Parties", testParties},
		{"CreateAndGet", testCreateAndGet},
		{"CreateErrors", testCreateErrors},
		{"Versions", testVersions},
		{"Lifecycle", testLifecycle},
		{"AsOf", testAsOf},
		{"ListFilters", testListFilters},
		{"ImportedActive", testImportedActive},
		{"Expire", testExpire},
		{"Members", testMembers},
		{"Tokens", testTokens},
		{"Keys", testKeys},
		{"Roles", testRoles},
		{"Policy", testPolicy},
		{"ConsentSequences", testConsentSequences},
		{"GeometryChangeAfterActivation", testGeometryChangeAfterActivation},
		{"ValidityBeginsLater", testValidityBeginsLater},
		{"DecisionRefusals", testDecisionRefusals},
		{"PresumedConsent", testPresumedConsent},
		{"Commitments", testCommitments},
		{"Alerts", testAlerts},
		{"Webhooks", testWebhooks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clock{T: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
			s := newStore(t, c)
			tc.fn(t, s, c)
			checkLedger(t, s)
		})
	}
}

var ctx = context.Background()

func square(lon, lat, d float64) geo.Polygon {
	return geo.Polygon{geo.Ring{pt(lon, lat), pt(lon+d, lat), pt(lon+d, lat+d), pt(lon, lat+d), pt(lon, lat)}}
}

func pt(lon, lat float64) geo.Point { return geo.Point{Lon: lon, Lat: lat} }

func safeArea(id, name string, g geo.Geometry) *safezones.Zone {
	return &safezones.Zone{ID: id, Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: name, Geometry: g}}
}

func mustCreate(t *testing.T, s Store, z *safezones.Zone, st safezones.Status) *safezones.Zone {
	t.Helper()
	out, err := s.CreateZone(ctx, z, st)
	if err != nil {
		t.Fatalf("CreateZone(%s) = %v", z.ID, err)
	}
	return out
}

func wantCode(t *testing.T, call string, err error, code safezones.Code, field string) {
	t.Helper()
	if got := safezones.ErrorCode(err); got != code {
		t.Fatalf("%s: code %q (err %v), want %q", call, got, err, code)
	}
	if field == "" {
		return
	}
	if e, _ := err.(*safezones.Error); e == nil || e.Field != field {
		t.Fatalf("%s: err %v, want field %q", call, err, field)
	}
}

func testParties(t *testing.T, s Store, c *Clock) {
	p := &safezones.Party{ID: "turkey", Name: "Turkey", Kind: safezones.PartyState, Country: "TUR",
		Source: safezones.Source{Kind: safezones.SourceReal}}
	if _, err := s.CreateParty(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateParty(ctx, p)
	wantCode(t, "CreateParty(dup)", err, safezones.CodeConflict, "id")
	_, err = s.CreateParty(ctx, &safezones.Party{ID: "Bad Id", Name: "x", Kind: safezones.PartyNGO})
	wantCode(t, "CreateParty(bad id)", err, safezones.CodeInvalid, "id")
	_, err = s.CreateParty(ctx, &safezones.Party{ID: "x", Name: "x", Kind: "alien"})
	wantCode(t, "CreateParty(bad kind)", err, safezones.CodeInvalid, "kind")
	got, err := s.Party(ctx, "turkey")
	if err != nil {
		t.Fatal(err)
	}
	want := *p
	want.CreatedAt = c.T
	if d := cmp.Diff(&want, got); d != "" {
		t.Errorf("Party(turkey) mismatch (-want +got):\n%s", d)
	}
	_, err = s.Party(ctx, "nobody")
	wantCode(t, "Party(nobody)", err, safezones.CodeNotFound, "")
	list, err := s.ListParties(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "turkey" {
		t.Errorf("ListParties() = %v, %v; want [turkey]", list, err)
	}
}

func testCreateAndGet(t *testing.T, s Store, c *Clock) {
	floor, ceil := 0.0, 10000.0
	z := &safezones.Zone{ID: "idlib-nfz", Terms: safezones.Terms{
		Kind: safezones.KindNoFly, Name: "Idlib no-fly", Description: "test", FloorM: &floor, CeilingM: &ceil,
		Geometry: square(36, 35.5, 1), Valid: safezones.TimeWindow{From: c.T, To: c.T.Add(24 * time.Hour)},
		Source: safezones.Source{Kind: safezones.SourceSimulated, Description: "scenario"},
	}}
	got := mustCreate(t, s, z, safezones.StatusProposed)
	if got.Version != 1 || got.Status != safezones.StatusProposed || got.Hash == "" || got.CreatedBy != "operator" {
		t.Fatalf("CreateZone = %+v; want version 1, proposed, a hash, by operator", got)
	}
	read, err := s.Zone(ctx, "idlib-nfz", 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, read); d != "" {
		t.Errorf("Zone(idlib-nfz, 0) differs from what CreateZone returned (-created +read):\n%s", d)
	}
	wantHash, _ := z.Terms.Hash()
	if read.Hash != wantHash {
		t.Errorf("stored hash %s, want Terms.Hash() %s", read.Hash, wantHash)
	}
	// Ids are generated when absent.
	gen := mustCreate(t, s, safeArea("", "generated", square(1, 1, 1)), safezones.StatusProposed)
	if !safezones.ValidID(gen.ID) {
		t.Errorf("generated id %q is not a valid id", gen.ID)
	}
}

func testCreateErrors(t *testing.T, s Store, c *Clock) {
	mustCreate(t, s, safeArea("a", "A", square(0, 0, 1)), safezones.StatusProposed)
	cases := []struct {
		name  string
		z     *safezones.Zone
		st    safezones.Status
		code  safezones.Code
		field string
	}{
		{"duplicate id", safeArea("a", "again", square(0, 0, 1)), safezones.StatusProposed, safezones.CodeConflict, "id"},
		{"bad id", safeArea("A B", "x", square(0, 0, 1)), safezones.StatusProposed, safezones.CodeInvalid, "id"},
		{"no name", safeArea("b", "", square(0, 0, 1)), safezones.StatusProposed, safezones.CodeInvalid, "name"},
		{"wrong geometry for kind", safeArea("b", "x", geo.Point{Lon: 1, Lat: 1}), safezones.StatusProposed, safezones.CodeInvalid, "geometry"},
		{"unknown sponsor", &safezones.Zone{ID: "b", Terms: safezones.Terms{Kind: safezones.KindSafeArea, Name: "x",
			SponsorPartyID: "ghost", Geometry: square(0, 0, 1)}}, safezones.StatusProposed, safezones.CodeInvalid, "sponsor_party_id"},
		{"site without radius", &safezones.Zone{ID: "b", Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "x",
			Geometry: geo.Point{Lon: 1, Lat: 1}}}, safezones.StatusProposed, safezones.CodeInvalid, "radius_m"},
		{"starts suspended", safeArea("b", "x", square(0, 0, 1)), safezones.StatusSuspended, safezones.CodeInvalid, "status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateZone(ctx, tc.z, tc.st)
			wantCode(t, "CreateZone("+tc.name+")", err, tc.code, tc.field)
		})
	}
	if _, err := s.Zone(ctx, "b", 0); safezones.ErrorCode(err) != safezones.CodeNotFound {
		t.Errorf("after failed creates, Zone(b) = %v; want not_found (nothing half-written)", err)
	}
}

func testVersions(t *testing.T, s Store, c *Clock) {
	v1 := mustCreate(t, s, safeArea("ghouta", "Eastern Ghouta", square(36.3, 33.5, 0.2)), safezones.StatusProposed)
	c.T = c.T.Add(time.Hour)
	terms := v1.Terms
	terms.Geometry = square(36.3, 33.5, 0.3)
	v2, err := s.AddVersion(ctx, "ghouta", 1, terms, "operator")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Hash == v1.Hash || v2.Status != safezones.StatusProposed {
		t.Fatalf("AddVersion = v%d %s %s; want v2, new hash, proposed", v2.Version, v2.Hash, v2.Status)
	}
	_, err = s.AddVersion(ctx, "ghouta", 1, terms, "operator")
	wantCode(t, "AddVersion(stale base)", err, safezones.CodeConflict, "base_version")
	_, err = s.AddVersion(ctx, "ghouta", 2, terms, "operator")
	wantCode(t, "AddVersion(same terms)", err, safezones.CodeConflict, "")
	_, err = s.AddVersion(ctx, "nowhere", 1, terms, "operator")
	wantCode(t, "AddVersion(unknown)", err, safezones.CodeNotFound, "")
	bad := terms
	bad.Kind = safezones.KindNoFly
	_, err = s.AddVersion(ctx, "ghouta", 2, bad, "operator")
	wantCode(t, "AddVersion(kind change)", err, safezones.CodeInvalid, "kind")

	old, err := s.Zone(ctx, "ghouta", 1)
	if err != nil || old.Hash != v1.Hash {
		t.Errorf("Zone(ghouta, 1) = %v, %v; want version 1 unchanged", old, err)
	}
	_, err = s.Zone(ctx, "ghouta", 3)
	wantCode(t, "Zone(ghouta, 3)", err, safezones.CodeNotFound, "")
	latest, _ := s.Zone(ctx, "ghouta", 0)
	if latest.Version != 2 {
		t.Errorf("Zone(ghouta, 0).Version = %d, want 2", latest.Version)
	}
	versions, changes, err := s.ZoneHistory(ctx, "ghouta")
	if err != nil || len(versions) != 2 || len(changes) != 2 {
		t.Fatalf("ZoneHistory = %d versions, %d changes, %v; want 2, 2", len(versions), len(changes), err)
	}
	// Putting v2 in force closes the older proposal v1 for good.
	if _, err := s.SetStatus(ctx, safezones.StatusChange{ZoneID: "ghouta", Version: 2, Status: safezones.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if old, _ := s.Zone(ctx, "ghouta", 1); old.Status != safezones.StatusRevoked {
		t.Errorf("proposed v1 after v2 activated: %s, want revoked (superseded)", old.Status)
	}
}

func testLifecycle(t *testing.T, s Store, c *Clock) {
	v1 := mustCreate(t, s, safeArea("idlib", "Idlib", square(36, 35.5, 1)), safezones.StatusProposed)
	set := func(v int, st safezones.Status) (*safezones.Zone, error) {
		c.T = c.T.Add(time.Minute)
		return s.SetStatus(ctx, safezones.StatusChange{ZoneID: "idlib", Version: v, Status: st, Reason: "test"})
	}
	if _, err := set(1, safezones.StatusExpired); safezones.ErrorCode(err) != safezones.CodeConflict {
		t.Errorf("proposed -> expired: %v; want conflict", err)
	}
	if z, err := set(1, safezones.StatusActive); err != nil || z.Status != safezones.StatusActive {
		t.Fatalf("proposed -> active: %v, %v", z, err)
	}
	terms := v1.Terms
	terms.Name = "Idlib (enlarged)"
	terms.Geometry = square(36, 35.5, 1.2)
	if _, err := s.AddVersion(ctx, "idlib", 1, terms, "operator"); err != nil {
		t.Fatal(err)
	}
	terms3 := terms
	terms3.Name = "Idlib (third proposal)"
	if _, err := s.AddVersion(ctx, "idlib", 2, terms3, "operator"); err != nil {
		t.Fatal(err)
	}
	// The old version stays in force while the new one awaits consent.
	active, _ := s.ActiveZones(ctx, c.T)
	if len(active) != 1 || active[0].Version != 1 {
		t.Fatalf("ActiveZones while v2 proposed = %v; want v1", active)
	}
	if _, err := set(2, safezones.StatusActive); err != nil {
		t.Fatal(err)
	}
	old, _ := s.Zone(ctx, "idlib", 1)
	if old.Status != safezones.StatusRevoked {
		t.Errorf("v1 after v2 activated: %s, want revoked (superseded)", old.Status)
	}
	if v3, _ := s.Zone(ctx, "idlib", 3); v3.Status != safezones.StatusProposed {
		t.Errorf("v3 after v2 activated: %s, want still proposed (newer proposals stay open)", v3.Status)
	}
	active, _ = s.ActiveZones(ctx, c.T)
	if len(active) != 1 || active[0].Version != 2 {
		t.Fatalf("ActiveZones after v2 = %v; want v2 only", active)
	}
	if _, err := set(2, safezones.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if active, _ = s.ActiveZones(ctx, c.T); len(active) != 0 {
		t.Errorf("ActiveZones while suspended = %v; want none", active)
	}
	if _, err := set(1, safezones.StatusActive); safezones.ErrorCode(err) != safezones.CodeConflict {
		t.Errorf("revoked -> active: %v; want conflict", err)
	}
	_, err := s.SetStatus(ctx, safezones.StatusChange{ZoneID: "idlib", Version: 9, Status: safezones.StatusActive})
	wantCode(t, "SetStatus(v9)", err, safezones.CodeNotFound, "")
	_, err = s.SetStatus(ctx, safezones.StatusChange{ZoneID: "idlib", Version: 2, Status: "dormant"})
	wantCode(t, "SetStatus(dormant)", err, safezones.CodeInvalid, "status")
}

func testAsOf(t *testing.T, s Store, c *Clock) {
	t0 := c.T
	mustCreate(t, s, safeArea("aleppo", "Aleppo", square(37.1, 36.1, 0.2)), safezones.StatusProposed)
	c.T = t0.Add(time.Hour)
	s.SetStatus(ctx, safezones.StatusChange{ZoneID: "aleppo", Version: 1, Status: safezones.StatusActive})
	z1, _ := s.Zone(ctx, "aleppo", 1)
	terms := z1.Terms
	terms.Geometry = square(37.1, 36.1, 0.3)
	c.T = t0.Add(2 * time.Hour)
	s.AddVersion(ctx, "aleppo", 1, terms, "operator")
	c.T = t0.Add(3 * time.Hour)
	if _, err := s.SetStatus(ctx, safezones.StatusChange{ZoneID: "aleppo", Version: 2, Status: safezones.StatusActive}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   time.Time
		want int // version in force, 0 for none
	}{
		{"before anything", t0.Add(-time.Hour), 0},
		{"while proposed", t0.Add(30 * time.Minute), 0},
		{"at activation instant", t0.Add(time.Hour), 1},
		{"v2 proposed, v1 in force", t0.Add(150 * time.Minute), 1},
		{"after v2 activated", t0.Add(4 * time.Hour), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			z, err := s.ZoneAsOf(ctx, "aleppo", tc.at)
			got := 0
			if err == nil {
				got = z.Version
			} else if safezones.ErrorCode(err) != safezones.CodeNotFound {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ZoneAsOf(aleppo, %s) = v%d, want v%d", tc.at.Format(time.RFC3339), got, tc.want)
			}
			at := tc.at
			page, err := s.ListZones(ctx, safezones.ZoneFilter{AsOf: &at})
			if err != nil {
				t.Fatal(err)
			}
			gotList := 0
			if len(page.Zones) == 1 {
				gotList = page.Zones[0].Version
			}
			if gotList != tc.want || len(page.Zones) > 1 {
				t.Errorf("ListZones(as_of %s) = %d zones (v%d), want v%d", tc.at.Format(time.RFC3339), len(page.Zones), gotList, tc.want)
			}
		})
	}
	_, err := s.ZoneAsOf(ctx, "ghost", t0)
	wantCode(t, "ZoneAsOf(ghost)", err, safezones.CodeNotFound, "")

	// Suspended now, but active then: as_of reports the status it had then,
	// and a status filter applies to that status.
	c.T = t0.Add(5 * time.Hour)
	if _, err := s.SetStatus(ctx, safezones.StatusChange{ZoneID: "aleppo", Version: 2, Status: safezones.StatusSuspended}); err != nil {
		t.Fatal(err)
	}
	then := t0.Add(4 * time.Hour)
	page, err := s.ListZones(ctx, safezones.ZoneFilter{AsOf: &then, Statuses: []safezones.Status{safezones.StatusActive}})
	if err != nil || len(page.Zones) != 1 || page.Zones[0].Status != safezones.StatusActive || !page.Zones[0].StatusChangedAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("ListZones(as_of while active, status=active) = %+v, %v; want v2, active since activation", page.Zones, err)
	}
	page, _ = s.ListZones(ctx, safezones.ZoneFilter{AsOf: &then, Statuses: []safezones.Status{safezones.StatusSuspended}})
	if len(page.Zones) != 0 {
		t.Errorf("ListZones(as_of while active, status=suspended) = %d zones, want none", len(page.Zones))
	}
	z, err := s.ZoneAsOf(ctx, "aleppo", then)
	if err != nil || z.Status != safezones.StatusActive {
		t.Errorf("ZoneAsOf(aleppo, while active) = %v, %v; want status active", z, err)
	}

	// Effective times: not in the future, and not before the last change.
	_, err = s.SetStatus(ctx, safezones.StatusChange{ZoneID: "aleppo", Version: 2, Status: safezones.StatusActive, At: c.T.Add(24 * time.Hour)})
	wantCode(t, "SetStatus(at in the future)", err, safezones.CodeInvalid, "at")
	_, err = s.SetStatus(ctx, safezones.StatusChange{ZoneID: "aleppo", Version: 2, Status: safezones.StatusActive, At: t0})
	wantCode(t, "SetStatus(at before the last change)", err, safezones.CodeInvalid, "at")
}

func testListFilters(t *testing.T, s Store, c *Clock) {
	mustCreate(t, s, safeArea("a", "A", square(36, 35, 1)), safezones.StatusActive)
	mustCreate(t, s, safeArea("b", "B", square(40, 35, 1)), safezones.StatusProposed)
	mustCreate(t, s, &safezones.Zone{ID: "h", Terms: safezones.Terms{Kind: safezones.KindProtectedSite, Name: "H",
		Geometry: geo.Point{Lon: 38, Lat: 35}, RadiusM: 1000}}, safezones.StatusActive)
	// A triangle whose bounding box covers (37.9, 36.9) but whose area does not.
	tri := geo.Polygon{geo.Ring{pt(37, 36), pt(38, 36), pt(37, 37), pt(37, 36)}}
	mustCreate(t, s, safeArea("t", "T", tri), safezones.StatusProposed)
	ids := func(p safezones.ZonePage) []string {
		var out []string
		for _, z := range p.Zones {
			out = append(out, z.ID)
		}
		return out
	}
	rect := func(a, b, c, d float64) *geo.Rect { return &geo.Rect{Min: pt(a, b), Max: pt(c, d)} }
	cases := []struct {
		name string
		f    safezones.ZoneFilter
		want []string
	}{
		{"all", safezones.ZoneFilter{}, []string{"a", "b", "h", "t"}},
		{"kind", safezones.ZoneFilter{Kinds: []safezones.Kind{safezones.KindProtectedSite}}, []string{"h"}},
		{"status", safezones.ZoneFilter{Statuses: []safezones.Status{safezones.StatusProposed}}, []string{"b", "t"}},
		{"bbox west", safezones.ZoneFilter{BBox: rect(35, 34, 37, 36)}, []string{"a", "t"}},
		{"bbox in triangle's box but not its area", safezones.ZoneFilter{BBox: rect(37.8, 36.8, 37.95, 36.95)}, nil},
		{"bbox within site radius", safezones.ZoneFilter{BBox: rect(38.005, 35.0, 38.1, 35.1)}, []string{"h"}},
		{"bbox beyond site radius", safezones.ZoneFilter{BBox: rect(38.02, 35.0, 38.1, 35.1)}, nil},
		{"limit", safezones.ZoneFilter{Limit: 2}, []string{"a", "b"}},
		{"offset", safezones.ZoneFilter{Limit: 2, Offset: 2}, []string{"h", "t"}},
		{"offset past end", safezones.ZoneFilter{Offset: 10}, nil},
	}
	for _, tc := range cases {
		page, err := s.ListZones(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListZones(%s): %v", tc.name, err)
		}
		if d := cmp.Diff(tc.want, ids(page)); d != "" {
			t.Errorf("ListZones(%s) ids (-want +got):\n%s", tc.name, d)
		}
	}
	page, _ := s.ListZones(ctx, safezones.ZoneFilter{Limit: 1})
	if page.Matched != 4 {
		t.Errorf("ListZones(limit 1).Matched = %d, want 4", page.Matched)
	}
}

func testImportedActive(t *testing.T, s Store, c *Clock) {
	from := c.T.Add(-365 * 24 * time.Hour)
	z := safeArea("old", "Agreed elsewhere", square(36, 35, 1))
	z.Valid.From = from
	mustCreate(t, s, z, safezones.StatusActive)
	got, err := s.ZoneAsOf(ctx, "old", from.Add(time.Hour))
	if err != nil || got.Version != 1 {
		t.Errorf("ZoneAsOf(old, a year ago) = %v, %v; want v1 (in force since valid_from)", got, err)
	}
	_, changes, _ := s.ZoneHistory(ctx, "old")
	if len(changes) != 1 || changes[0].Status != safezones.StatusActive || !changes[0].At.Equal(from) {
		t.Errorf("history = %+v; want one change to active at %s", changes, from)
	}
}

// SampleParty returns a party for tests outside the suite.
func SampleParty() *safezones.Party {
	return &safezones.Party{ID: "un-ocha", Name: "UN OCHA", Kind: safezones.PartyUNAgency,
		Source: safezones.Source{Kind: safezones.SourceReal}}
}

func testExpire(t *testing.T, s Store, c *Clock) {
	end := c.T.Add(48 * time.Hour)
	z := safeArea("temp", "Temporary", square(36, 35, 1))
	z.Valid.To = end
	mustCreate(t, s, z, safezones.StatusActive)
	mustCreate(t, s, safeArea("lasting", "Lasting", square(37, 35, 1)), safezones.StatusActive)
	if ch, err := s.ExpireZones(ctx, end.Add(-time.Second)); err != nil || len(ch) != 0 {
		t.Fatalf("ExpireZones(before end) = %v, %v; want no changes", ch, err)
	}
	ch, err := s.ExpireZones(ctx, end.Add(time.Hour))
	if err != nil || len(ch) != 1 || ch[0].ZoneID != "temp" || !ch[0].At.Equal(end) {
		t.Fatalf("ExpireZones(after end) = %+v, %v; want temp expired at %s", ch, err, end)
	}
	got, _ := s.Zone(ctx, "temp", 1)
	if got.Status != safezones.StatusExpired {
		t.Errorf("temp status = %s, want expired", got.Status)
	}
	if _, err := s.ZoneAsOf(ctx, "temp", end.Add(-time.Minute)); err != nil {
		t.Errorf("ZoneAsOf(temp, before end) = %v; want it in force then", err)
	}
	if ch, _ := s.ExpireZones(ctx, end.Add(2*time.Hour)); len(ch) != 0 {
		t.Errorf("second ExpireZones = %v; want nothing (already expired)", ch)
	}
}
