package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var staticFS embed.FS

// Prefix is the path under which Handler serves the files; the page is
// Prefix itself.
const Prefix = "/ui/"

// ContentSecurityPolicy is the policy the page is served with: scripts,
// styles, images and connections from this server only (images also from
// blob: URLs, which the evidence gallery makes from authenticated
// fetches, and data: URLs, which Leaflet's CSS uses), no frames, no
// plugins. Besides defence in depth it makes the browser refuse any
// request to another host, so the page works offline by construction.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// file is one embedded file ready to serve.
type file struct {
	name        string
	body        []byte
	etag        string
	contentType string
}

var (
	filesOnce sync.Once
	files     map[string]*file // by path under static/
)

// contentTypes maps file extensions to Content-Type, independent of the
// machine's MIME tables.
var contentTypes = map[string]string{
	".html":    "text/html; charset=utf-8",
	".js":      "text/javascript; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".geojson": "application/geo+json",
	".json":    "application/json",
	".map":     "application/json",
	".png":     "image/png",
	".svg":     "image/svg+xml",
	".md":      "text/plain; charset=utf-8",
	"":         "text/plain; charset=utf-8", // LICENSE, VERSION
}

func loadFiles() map[string]*file {
	filesOnce.Do(func() {
		files = map[string]*file{}
		err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := staticFS.ReadFile(p)
			if err != nil {
				return err
			}
			ct, ok := contentTypes[path.Ext(p)]
			if !ok {
				ct = "application/octet-stream"
			}
			sum := sha256.Sum256(b)
			name := strings.TrimPrefix(p, "static/")
			files[name] = &file{name: name, body: b, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, contentType: ct}
			return nil
		})
		if err != nil {
			// The embedded tree is fixed at build time; a walk over it
			// cannot fail unless the binary is broken.
			panic("web: read embedded files: " + err.Error())
		}
	})
	return files
}

// Handler returns the handler of the map's files: GET and HEAD of
// Prefix+path serve static/path, and Prefix itself the page
// (static/index.html). Every answer carries an ETag (part of the file's
// SHA-256) and Cache-Control: no-cache, so that browsers revalidate and a
// new binary's files are used at once; If-None-Match answers 304. The page
// carries ContentSecurityPolicy. Other paths answer 404 and other methods
// 405, with the API's error JSON.
func Handler() http.Handler {
	fsys := loadFiles()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on the map's files; allowed: GET, HEAD")
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, Prefix)
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no map file at "+r.URL.Path)
			return
		}
		if name == "" {
			name = "index.html"
		}
		f, ok := fsys[name]
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no map file at "+r.URL.Path)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasSuffix(name, ".html") {
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
			h.Set("X-Frame-Options", "DENY")
		}
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
	})
}

// writeError writes the API's error JSON.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
