package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/safezones/safezones/tracks"
)

// TestTracksArchivedAndServed posts positions through the ingest with the
// archive on, then reads the object's track back as GeoJSON (validated
// against the OpenAPI document): every accepted position is there, in
// time order, a resent batch adds nothing, and the route refuses reads
// without a token even though public reads are on.
func TestTracksArchivedAndServed(t *testing.T) {
	db := mustOpenDB(t)
	srv, _ := newServer(t, db)
	archive := tracks.NewArchive(db)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go archive.Run(ctx)
	srv.Archive = archive
	a := newAPITest(t, srv)
	var body strings.Builder
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&body, `{"id":"conv-1","lon":%g,"lat":35.5,"alt_m":%d,"t":"2026-11-25T10:00:%02dZ"}`+"\n", 36+0.01*float64(i), 100*i, 10*i)
	}
	body.WriteString(`{"id":"other","lon":37,"lat":35,"t":"2026-11-25T10:00:00Z"}` + "\n")
	post := call{method: http.MethodPost, path: "/v1/positions", body: []byte(body.String()), contentType: "application/x-ndjson", token: testToken, status: http.StatusOK}
	a.do(post)
	a.do(post) // a client retrying: the archive takes it again, the track shows it once

	got := a.do(call{method: http.MethodGet, path: "/v1/tracks/conv-1?from=2026-11-25T00:00:00Z", token: testToken, status: http.StatusOK}).json(t)
	geom := got["geometry"].(map[string]any)
	coords := geom["coordinates"].([]any)
	props := got["properties"].(map[string]any)
	if geom["type"] != "LineString" || len(coords) != 5 || props["positions"].(float64) != 5 {
		t.Fatalf("track = %v", got)
	}
	times := props["times"].([]any)
	if times[0] != "2026-11-25T10:00:00Z" || times[4] != "2026-11-25T10:00:40Z" {
		t.Errorf("times = %v", times)
	}
	if alt := props["alt_m"].([]any); alt[4].(float64) != 400 {
		t.Errorf("alt_m = %v", alt)
	}
	part := a.do(call{method: http.MethodGet, path: "/v1/tracks/conv-1?from=2026-11-25T10:00:15Z&to=2026-11-25T10:00:30Z", token: testToken, status: http.StatusOK}).json(t)
	if n := part["properties"].(map[string]any)["positions"].(float64); n != 2 {
		t.Errorf("window 10:00:15-10:00:30 holds %v positions, want 2", n)
	}
	one := a.do(call{method: http.MethodGet, path: "/v1/tracks/other?from=2026-11-25T00:00:00Z", token: testToken, status: http.StatusOK}).json(t)
	if one["geometry"].(map[string]any)["type"] != "Point" {
		t.Errorf("a one-position track: %v", one)
	}
	none := a.do(call{method: http.MethodGet, path: "/v1/tracks/nobody?from=2026-11-25T00:00:00Z", token: testToken, status: http.StatusOK}).json(t)
	if none["geometry"] != nil {
		t.Errorf("an unknown object's track: %v", none)
	}
	a.do(call{method: http.MethodGet, path: "/v1/tracks/conv-1", status: http.StatusUnauthorized, invalid: true})
	a.do(call{method: http.MethodGet, path: "/v1/tracks/conv-1?from=yesterday", token: testToken, status: http.StatusBadRequest, invalid: true})
	a.do(call{method: http.MethodGet, path: "/v1/tracks/conv-1?from=2026-11-25T11:00:00Z&to=2026-11-25T10:00:00Z", token: testToken, status: http.StatusBadRequest})
}

type failingArchive struct{}

func (failingArchive) Append(context.Context, []tracks.Position) error {
	return errors.New("disk full")
}

// TestPositionsFailWhenArchiveFails: positions that cannot be archived are
// not acknowledged.
func TestPositionsFailWhenArchiveFails(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	srv.Archive = failingArchive{}
	a := newAPITest(t, srv)
	res := a.do(call{method: http.MethodPost, path: "/v1/positions", body: []byte(`{"id":"a","lon":36,"lat":35,"t":"2026-11-25T10:00:00Z"}` + "\n"),
		contentType: "application/x-ndjson", token: testToken, status: http.StatusServiceUnavailable})
	if !strings.Contains(string(res.body), "could not be archived") {
		t.Errorf("body = %s", res.body)
	}
}
