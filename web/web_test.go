package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestHandler(t *testing.T) {
	for _, tc := range []struct {
		target, contentType string
		status              int
		contains            string
	}{
		{"/ui/", "text/html; charset=utf-8", 200, `<script type="module" src="/ui/app.js">`},
		{"/ui/index.html", "text/html; charset=utf-8", 200, "<title>"},
		{"/ui/app.js", "text/javascript; charset=utf-8", 200, "import {"},
		{"/ui/style.css", "text/css; charset=utf-8", 200, ":root"},
		{"/ui/basemap.geojson", "application/geo+json", 200, `"FeatureCollection"`},
		{"/ui/icon.svg", "image/svg+xml", 200, "<svg"},
		{"/ui/vendor/leaflet/leaflet.js", "text/javascript; charset=utf-8", 200, `version="1.9.4"`},
		{"/ui/vendor/leaflet/images/layers.png", "image/png", 200, "PNG"},
		{"/ui/vendor/leaflet/LICENSE", "text/plain; charset=utf-8", 200, "BSD"},
		{"/ui/nope.js", "application/json", 404, `"code":"not_found"`},
		{"/ui/../web.go", "application/json", 404, `"code":"not_found"`},
		{"/elsewhere", "application/json", 404, `"code":"not_found"`},
	} {
		res, body := serve(t, http.MethodGet, tc.target, nil)
		if res.StatusCode != tc.status || res.Header.Get("Content-Type") != tc.contentType || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s = %d %q %.60q; want %d %q containing %q", tc.target, res.StatusCode, res.Header.Get("Content-Type"), body,
				tc.status, tc.contentType, tc.contains)
		}
		if tc.status != 200 {
			continue
		}
		if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: ETag %q, Cache-Control %q, X-Content-Type-Options %q", tc.target,
				res.Header.Get("ETag"), res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
		}
		csp := res.Header.Get("Content-Security-Policy")
		if isPage := strings.HasPrefix(tc.contentType, "text/html"); isPage != (csp == ContentSecurityPolicy) {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.target, csp)
		}
	}
}

func TestHandlerRevalidates(t *testing.T) {
	res, body := serve(t, http.MethodGet, "/ui/app.js", nil)
	etag := res.Header.Get("ETag")
	res2, body2 := serve(t, http.MethodGet, "/ui/app.js", map[string]string{"If-None-Match": etag})
	if res2.StatusCode != http.StatusNotModified || body2 != "" {
		t.Errorf("GET with If-None-Match %s = %d with %d bytes, want 304 and no body", etag, res2.StatusCode, len(body2))
	}
	res3, body3 := serve(t, http.MethodHead, "/ui/app.js", nil)
	if res3.StatusCode != http.StatusOK || body3 != "" || res3.Header.Get("Content-Length") != res.Header.Get("Content-Length") || len(body) == 0 {
		t.Errorf("HEAD = %d, %d bytes, length %s; want 200, no body, length %s", res3.StatusCode, len(body3),
			res3.Header.Get("Content-Length"), res.Header.Get("Content-Length"))
	}
	res4, _ := serve(t, http.MethodPost, "/ui/app.js", nil)
	if res4.StatusCode != http.StatusMethodNotAllowed || res4.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d Allow %q, want 405 and GET, HEAD", res4.StatusCode, res4.Header.Get("Allow"))
	}
}

var (
	pageRef   = regexp.MustCompile(`(?:src|href)="([^"#]+)"`)
	moduleRef = regexp.MustCompile(`(?m)^import .* from '(\./[^']+)';$`)
	anyURL    = regexp.MustCompile(`\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)
)

// TestPageLoadsOnlyEmbeddedFiles checks that every file the page names
// (in index.html, as module imports, in url() of style sheets) is
// embedded, and that the map's own files name no other host: the page
// must work with no internet. (The browser tests check the requests the
// page really makes.)
func TestPageLoadsOnlyEmbeddedFiles(t *testing.T) {
	files := loadFiles()
	page := string(files["index.html"].body)
	refs := pageRef.FindAllStringSubmatch(page, -1)
	if len(refs) < 5 {
		t.Fatalf("index.html names %d files; want its scripts and style sheets", len(refs))
	}
	for _, m := range refs {
		name, ok := strings.CutPrefix(m[1], Prefix)
		if !ok || files[name] == nil {
			t.Errorf("index.html names %s, which is not an embedded file under %s", m[1], Prefix)
		}
	}
	for name, f := range files {
		switch path.Ext(name) {
		case ".js":
			if strings.HasPrefix(name, "vendor/") {
				continue
			}
			for _, m := range moduleRef.FindAllStringSubmatch(string(f.body), -1) {
				if files[path.Join(path.Dir(name), m[1])] == nil {
					t.Errorf("%s imports %s, which is not embedded", name, m[1])
				}
			}
		case ".css":
			for _, m := range regexp.MustCompile(`url\(([^)#]+)\)`).FindAllStringSubmatch(string(f.body), -1) {
				if ref := strings.Trim(m[1], `'"`); !strings.HasPrefix(ref, "data:") && files[path.Join(path.Dir(name), ref)] == nil {
					t.Errorf("%s uses %s, which is not embedded", name, ref)
				}
			}
		}
		if strings.HasPrefix(name, "vendor/") || name == "SOURCES.md" || name == "basemap.geojson" {
			continue
		}
		for _, u := range anyURL.FindAllString(string(f.body), -1) {
			if u != "http://www.w3.org/2000/svg" {
				t.Errorf("%s names %s: the map's files must not refer to other hosts", name, u)
			}
		}
	}
}

// TestSources checks that static/SOURCES.md names every file the map
// ships, and that the vendored Leaflet is the version the refresh script
// pins, with its digest.
func TestSources(t *testing.T) {
	sources := string(loadFiles()["SOURCES.md"].body)
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "static/vendor/") || p == "static/SOURCES.md" {
			return err
		}
		if name := strings.TrimPrefix(p, "static/"); !strings.Contains(sources, "`"+name+"`") {
			t.Errorf("SOURCES.md does not name %s", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("refresh-leaflet.sh")
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`(?m)^LEAFLET_VERSION=(\S+)$`).FindSubmatch(script)
	digest := regexp.MustCompile(`(?m)^LEAFLET_SHA512=\$\{LEAFLET_SHA512-([0-9a-f]{128})\}$`).FindSubmatch(script)
	if version == nil || digest == nil {
		t.Fatal("refresh-leaflet.sh pins no version or digest")
	}
	want := "leaflet " + string(version[1]) + "\nsha512 " + string(digest[1]) + "\n"
	if got := string(loadFiles()["vendor/leaflet/VERSION"].body); got != want {
		t.Errorf("vendor/leaflet/VERSION = %q, want %q: run web/refresh-leaflet.sh", got, want)
	}
	if !strings.Contains(sources, "leaflet@"+string(version[1])) {
		t.Errorf("SOURCES.md does not name leaflet@%s", version[1])
	}
}
