package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/safezones/safezones/web"
)

// The map's files are text or binary to the document.
func init() {
	for _, ct := range []string{"text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
}

// A browser's Accept header (Chromium's, for a navigation).
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// get sends GET path to h with the Accept header (when set) and token
// (when set) and returns the answer.
func get(h http.Handler, path, accept, token string) *http.Response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLandingNegotiation checks that / is the map for browsers and the
// JSON landing page for API clients, OGC API style, and says Vary: Accept.
func TestLandingNegotiation(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	srv.Web = web.Handler()
	h := srv.Handler()
	for _, tc := range []struct {
		name, path, accept string
		html               bool
	}{
		{"a browser", "/", browserAccept, true},
		{"a browser asking for json", "/?f=json", browserAccept, false},
		{"f=html", "/?f=html", "", true},
		{"f=html over an Accept for json", "/?f=html", "application/json", true},
		{"an API client", "/", "application/json", false},
		{"curl's wildcard", "/", "*/*", false},
		{"no Accept", "/", "", false},
		{"a tie goes to json", "/", "application/json, text/html", false},
		{"json preferred", "/", "text/html;q=0.5, application/json", false},
		{"html preferred", "/", "text/html, application/json;q=0.9", true},
		{"html refused", "/", "text/html;q=0, */*", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(h, tc.path, tc.accept, "")
			b := body(t, r)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET %s (Accept %q) = %d %s", tc.path, tc.accept, r.StatusCode, b)
			}
			if got := r.Header.Get("Vary"); got != "Accept" {
				t.Errorf("GET %s (Accept %q): Vary %q, want Accept", tc.path, tc.accept, got)
			}
			gotHTML := strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") && strings.Contains(b, `<script type="module" src="/ui/app.js">`)
			gotJSON := r.Header.Get("Content-Type") == "application/json" && strings.Contains(b, `"rel":"service-desc"`)
			if gotHTML != tc.html || gotJSON == tc.html {
				t.Errorf("GET %s (Accept %q) = %s %.80s; want html %v", tc.path, tc.accept, r.Header.Get("Content-Type"), b, tc.html)
			}
			if tc.html && r.Header.Get("Content-Security-Policy") != web.ContentSecurityPolicy {
				t.Errorf("the page came without its Content-Security-Policy: %q", r.Header.Get("Content-Security-Policy"))
			}
		})
	}
	// The JSON landing page links to the map.
	if b := body(t, get(h, "/", "application/json", "")); !strings.Contains(b, `"rel":"alternate","type":"text/html"`) {
		t.Errorf("the landing page %s has no alternate link to the map", b)
	}
}

// TestWebWithoutMap: a server with no map answers / with JSON whatever
// the client asks, and /ui/ with 404.
func TestWebWithoutMap(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	h := srv.Handler()
	r := get(h, "/", browserAccept, "")
	if b := body(t, r); r.StatusCode != http.StatusOK || !strings.Contains(b, `"rel":"service-desc"`) || strings.Contains(b, `"alternate"`) {
		t.Errorf("GET / from a browser without a map = %d %s, want the JSON landing page without a map link", r.StatusCode, b)
	}
	r = get(h, "/ui/app.js", "", "")
	if b := body(t, r); r.StatusCode != http.StatusNotFound || !strings.Contains(b, `"code":"not_found"`) {
		t.Errorf("GET /ui/app.js without a map = %d %s, want 404 with the error JSON", r.StatusCode, b)
	}
}

// TestWebNeedsNoToken: with public reads off, the page and its files
// load without a token (even with a stale one), so that the page can ask
// for one; the data and the JSON landing page still need it.
func TestWebNeedsNoToken(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	srv.PublicReads = false
	srv.Web = web.Handler()
	h := srv.Handler()
	for _, tc := range []struct {
		path, accept, token string
		status              int
	}{
		{"/", browserAccept, "", http.StatusOK},
		{"/ui/", "", "", http.StatusOK},
		{"/ui/app.js", "", "", http.StatusOK},
		{"/ui/vendor/leaflet/leaflet.js", "", "", http.StatusOK},
		{"/ui/app.js", "", "a-token-that-expired", http.StatusOK},
		{"/ui/no-such-file.js", "", "", http.StatusNotFound},
		{"/", "application/json", "", http.StatusUnauthorized},
		{"/", "application/json", testToken, http.StatusOK},
		{"/v1/zones", browserAccept, "", http.StatusUnauthorized},
		{"/api", browserAccept, "", http.StatusUnauthorized},
	} {
		r := get(h, tc.path, tc.accept, tc.token)
		if b := body(t, r); r.StatusCode != tc.status {
			t.Errorf("GET %s (Accept %q, token %q) = %d %.100s, want %d", tc.path, tc.accept, tc.token, r.StatusCode, b, tc.status)
		}
	}
	// Writes to the map's paths are not let through.
	req := httptest.NewRequest(http.MethodPost, "/ui/app.js", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("POST /ui/app.js without a token = %d, want 401", rec.Code)
	}
}

// TestWebMatchesDocument validates the map's answers against the OpenAPI
// document: the page by ?f=html, a script, the basemap, a missing file.
func TestWebMatchesDocument(t *testing.T) {
	srv, _ := newServer(t, mustOpenDB(t))
	srv.Web = web.Handler()
	a := newAPITest(t, srv)
	if r := a.do(call{method: "GET", path: "/?f=html", status: 200}); !strings.Contains(string(r.body), "<title>") {
		t.Errorf("GET /?f=html = %.100s, want the page", r.body)
	}
	a.do(call{method: "GET", path: "/?f=json", status: 200})
	a.do(call{method: "GET", path: "/ui/app.js", status: 200, docPath: "/ui/{path}", params: map[string]string{"path": "app.js"}})
	a.do(call{method: "GET", path: "/ui/basemap.geojson", status: 200, docPath: "/ui/{path}", params: map[string]string{"path": "basemap.geojson"}})
	a.do(call{method: "GET", path: "/ui/vendor/leaflet/images/layers.png", status: 200, docPath: "/ui/{path}",
		params: map[string]string{"path": "vendor/leaflet/images/layers.png"}})
	a.do(call{method: "GET", path: "/ui/nothing-here", status: 404, docPath: "/ui/{path}", params: map[string]string{"path": "nothing-here"}})
}
