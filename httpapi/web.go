package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/safezones/safezones"
)

// The map (package web) shares the root with the OGC API landing page, as
// OGC API servers do: GET / answers browsers with the page and everyone
// else with the JSON landing page (handleLanding). Its files live under
// /ui/. Neither the page nor its files carry data, so both are served
// without a token; the page asks for one itself when reads are not
// public, and every data request it makes goes through the API's checks.

func (s *Server) registerWebRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ui/{path...}", s.handleWeb)
}

// handleWeb serves GET /ui/{path...}: the map's static files from Web;
// 404 when the server has no map.
func (s *Server) handleWeb(w http.ResponseWriter, r *http.Request) {
	if s.Web == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "this server has no map"))
		return
	}
	s.Web.ServeHTTP(w, r)
}

// isPublicWebRequest reports whether r is for the map's page or files,
// which need no token: GET or HEAD of /ui/..., or of / when it is answered
// with the page.
func (s *Server) isPublicWebRequest(r *http.Request) bool {
	if s.Web == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	return strings.HasPrefix(r.URL.Path, "/ui/") || (r.URL.Path == "/" && wantsHTML(r))
}

// servesMapPage reports whether GET / answers r with the map page: there
// is a map, and wantsHTML.
func (s *Server) servesMapPage(r *http.Request) bool {
	return s.Web != nil && wantsHTML(r)
}

// serveMapPage answers GET / with the map's page, which Web serves at /ui/.
func (s *Server) serveMapPage(w http.ResponseWriter, r *http.Request) {
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = "/ui/", ""
	s.Web.ServeHTTP(w, r2)
}

// wantsHTML reports whether the client asks for HTML: ?f=html, or no ?f
// and an Accept header that lists text/html with a higher quality than
// application/json. A wildcard alone (curl's */*) or a tie gets JSON, so
// API clients keep the landing page unless they ask for HTML.
func wantsHTML(r *http.Request) bool {
	switch r.URL.Query().Get("f") {
	case "html":
		return true
	case "":
	default:
		return false
	}
	html, json := -1.0, -1.0
	for _, accept := range r.Header.Values("Accept") {
		for _, part := range strings.Split(accept, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
			switch mt {
			case "text/html":
				html = max(html, q)
			case "application/json":
				json = max(json, q)
			}
		}
	}
	return html > 0 && html > json
}
