package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"golang.org/x/mod/sumdb/note"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geojson"
	"github.com/safezones/safezones/httpapi"
	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/snapshots"
	"github.com/safezones/safezones/sqlite"
)

const testToken = "secret-operator-token"

// loadDoc loads and validates the served OpenAPI document.
func loadDoc(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	if err != nil {
		tb.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		tb.Fatalf("validate openapi.json: %v", err)
	}
	return doc
}

// mustOpenDB opens a fresh SQLite store in a temporary directory.
func mustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "t.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// newServer returns a server on db with every optional part (ledger,
// signing key) configured, so that it registers every route.
func newServer(tb testing.TB, db *sqlite.DB) (*httpapi.Server, string) {
	tb.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "safezones-test")
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	engine := fence.NewEngine(nil)
	keeper := &snapshots.Keeper{Zones: db, Changes: db, Engine: engine}
	if err := keeper.Rebuild(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return &httpapi.Server{Zones: snapshots.Notifying(db, keeper), Parties: db, Health: db, Ledger: db, LedgerSigner: signer,
		Fence: engine, Tracker: fence.NewTracker(engine, fence.TrackerOptions{}), Members: db, Keys: db, Consent: db, Commitments: db, TrackStore: db, OperatorToken: testToken, PublicReads: true}, vkey
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadDoc(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3 (OGC API - Features oas30 class)", doc.OpenAPI)
	}
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" || op.Description == "" {
				t.Errorf("%s: needs operationId, summary and description", name)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s: has no tag", name)
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s: tag %q is not declared in tags", name, tag)
				}
			}
			if op.Security == nil {
				t.Errorf("%s: says nothing about security", name)
			}
			ok := false
			for code := range op.Responses.Map() {
				ok = ok || strings.HasPrefix(code, "2")
			}
			if !ok {
				t.Errorf("%s: has no 2xx response", name)
			}
			if op.Responses.Status(500) == nil {
				t.Errorf("%s: has no 500 response", name)
			}
		}
	}
}

// registeredRoutes returns the ServeMux patterns this package registers, read
// from its source: the string literal of every Handle or HandleFunc call,
// whatever its receiver. A call on a *http.ServeMux variable whose pattern is
// not a string literal fails the test, so no route hides from it.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var routes []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			muxes := serveMuxVars(fn)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					// Not a pattern literal: fine for, say, slog's
					// Handle(ctx, record), fatal on a ServeMux.
					if recv, ok := sel.X.(*ast.Ident); ok && muxes[recv.Name] {
						t.Fatalf("%s: %s.%s pattern is not a string literal; this test cannot read it",
							fset.Position(call.Pos()), recv.Name, sel.Sel.Name)
					}
					return true
				}
				p, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				routes = append(routes, p)
				return true
			})
		}
	}
	if len(routes) == 0 {
		t.Fatal("found no route registrations")
	}
	return routes
}

// serveMuxVars names fn's parameters of type *http.ServeMux and its
// variables assigned http.NewServeMux().
func serveMuxVars(fn *ast.FuncDecl) map[string]bool {
	isSel := func(e ast.Expr, pkg, name string) bool {
		s, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := s.X.(*ast.Ident)
		return ok && id.Name == pkg && s.Sel.Name == name
	}
	out := map[string]bool{}
	for _, field := range fn.Type.Params.List {
		if star, ok := field.Type.(*ast.StarExpr); ok && isSel(star.X, "http", "ServeMux") {
			for _, n := range field.Names {
				out[n.Name] = true
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, rhs := range as.Rhs {
			if call, ok := rhs.(*ast.CallExpr); ok && isSel(call.Fun, "http", "NewServeMux") {
				if id, ok := as.Lhs[i].(*ast.Ident); ok {
					out[id.Name] = true
				}
			}
		}
		return true
	})
	return out
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// routeKey reduces "GET /collections/{collection}/items" and the OpenAPI
// path "/collections/{collectionId}/items" with method get to the same key,
// "GET /collections/{}/items": parameter names may differ.
func routeKey(method, path string) string {
	path = strings.TrimSuffix(path, "{$}")
	if path == "" {
		path = "/"
	}
	return strings.ToUpper(method) + " " + wildcard.ReplaceAllString(path, "{}")
}

// TestOpenAPICoversRoutes checks that the document describes exactly the
// routes the server registers, and that a request for each documented
// operation reaches the route registered for it: the route label of the
// request metric names the pattern that matched.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := loadDoc(t)

	registered := map[string]string{} // key -> pattern
	for _, p := range registeredRoutes(t) {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Errorf("pattern %q has no method: it would answer every method", p)
			continue
		}
		k := routeKey(method, path)
		if old, dup := registered[k]; dup {
			t.Errorf("patterns %q and %q are the same route", old, p)
		}
		registered[k] = p
	}

	documented := map[string]string{} // key -> "METHOD path"
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[routeKey(method, path)] = method + " " + path
		}
	}
	for k, p := range registered {
		if _, ok := documented[k]; !ok {
			t.Errorf("route %q is registered but not in openapi.json", p)
		}
	}
	for k, op := range documented {
		if _, ok := registered[k]; !ok {
			t.Errorf("operation %s is in openapi.json but no route serves it", op)
		}
	}

	db := mustOpenDB(t)
	for k, op := range documented {
		want, ok := registered[k]
		if !ok {
			continue // reported above
		}
		method, path, _ := strings.Cut(op, " ")
		path = wildcard.ReplaceAllStringFunc(path, func(p string) string {
			if p == "{version}" {
				return "1"
			}
			return "x"
		})
		// A fresh server per request, so that its metrics hold this
		// request alone when /metrics is scraped next.
		srv, _ := newServer(t, db)
		h := srv.Handler()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		h.ServeHTTP(httptest.NewRecorder(), req)

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if got := routeLabels(t, rec.Body.String()); len(got) != 1 || got[0] != want {
			t.Errorf("%s %s reached routes %q, want [%q]", method, path, got, want)
		}
	}
}

var (
	requestMetric = regexp.MustCompile(`(?m)^safezones_http_requests_total\{(.*)\} \S+$`)
	routeLabel    = regexp.MustCompile(`route="((?:[^"\\]|\\.)*)"`)
)

// routeLabels returns the route labels of the request counter in a
// Prometheus text exposition, sorted.
func routeLabels(t *testing.T, metrics string) []string {
	t.Helper()
	var out []string
	for _, m := range requestMetric.FindAllStringSubmatch(metrics, -1) {
		r := routeLabel.FindStringSubmatch(m[1])
		if r == nil {
			t.Fatalf("request metric without a route label: %s", m[0])
		}
		out = append(out, r[1])
	}
	slices.Sort(out)
	return out
}

// apiTest sends requests to a server and validates each request and
// response against the OpenAPI document with kin-openapi.
type apiTest struct {
	t      *testing.T
	doc    *openapi3.T
	router routers.Router
	ts     *httptest.Server
}

func newAPITest(t *testing.T, srv *httpapi.Server) *apiTest {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	doc := loadDoc(t)
	doc.Servers = openapi3.Servers{{URL: ts.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiTest{t: t, doc: doc, router: router, ts: ts}
}

// call is one request and what the test expects of it.
type call struct {
	method, path string
	body         []byte
	contentType  string // application/json when empty and there is a body
	token        string // sent as "Bearer <token>" unless empty
	auth         string // a raw Authorization header, instead of token
	status       int
	// invalid says the document itself rejects the request (a bad
	// parameter, a missing token): ValidateRequest must fail on it.
	invalid bool
	// docPath names the document's path for a request kin-openapi's
	// router cannot match (a parameter spanning slashes); params then
	// holds its path parameters.
	docPath string
	params  map[string]string
}

func (c call) String() string { return c.method + " " + c.path }

// result is a response: its status, headers and body.
type result struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// authenticate stands in for the bearer scheme: the document can only
// require that a token is present; the server judges whether it is valid.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if len(h) <= len("Bearer ") || !strings.EqualFold(h[:len("Bearer ")], "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

func (a *apiTest) newRequest(c call) *http.Request {
	a.t.Helper()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, a.ts.URL+c.path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if c.body != nil {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	switch {
	case c.auth != "":
		req.Header.Set("Authorization", c.auth)
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req
}

// do sends c, checks the status, and validates request and response
// against the document.
func (a *apiTest) do(c call) result {
	a.t.Helper()
	ctx := context.Background()
	vreq := a.newRequest(c)
	route, params, err := a.router.FindRoute(vreq)
	if c.docPath != "" {
		item := a.doc.Paths.Value(c.docPath)
		if item == nil || item.GetOperation(c.method) == nil {
			a.t.Fatalf("%v: %s %s is not in the document", c, c.method, c.docPath)
		}
		route = &routers.Route{Spec: a.doc, Server: a.doc.Servers[0], Path: c.docPath, PathItem: item,
			Method: c.method, Operation: item.GetOperation(c.method)}
		params, err = c.params, nil
	}
	if err != nil {
		a.t.Fatalf("%v: not in the document: %v", c, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: authenticate, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	err = openapi3filter.ValidateRequest(ctx, in)
	switch {
	case c.invalid && err == nil:
		a.t.Errorf("%v: the document accepts this request, want it to reject it", c)
	case !c.invalid && err != nil:
		a.t.Errorf("%v: the document rejects this request: %v", c, err)
	}

	resp, err := a.ts.Client().Do(a.newRequest(c))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if resp.StatusCode != c.status {
		a.t.Errorf("%v = %d %s, want %d", c, resp.StatusCode, truncate(body), c.status)
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
	})
	if err != nil {
		a.t.Errorf("%v: response %d does not match the document: %v\nbody: %s", c, resp.StatusCode, err, truncate(body))
	}
	if resp.StatusCode >= 400 {
		a.checkError(c, resp.StatusCode, body)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: body}
}

var codeByStatus = map[int]string{400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
	409: "conflict", 413: "too_large", 500: "internal", 503: "unavailable"}

// checkError checks an error body carries the code of its status.
func (a *apiTest) checkError(c call, status int, body []byte) {
	a.t.Helper()
	var e struct {
		Error struct{ Code, Message, Field string }
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		a.t.Errorf("%v: error body %s is not the error JSON", c, truncate(body))
		return
	}
	if want := codeByStatus[status]; e.Error.Code != want {
		a.t.Errorf("%v: status %d with code %q, want %q", c, status, e.Error.Code, want)
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// feature builds a zone Feature body.
func feature(id string, geometry map[string]any, props map[string]any) []byte {
	f := map[string]any{"type": "Feature", "geometry": geometry, "properties": props}
	if id != "" {
		f["id"] = id
	}
	return mustJSON(f)
}

func polygon(ring ...[2]float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}}
}

func point(lon, lat float64) map[string]any {
	return map[string]any{"type": "Point", "coordinates": [2]float64{lon, lat}}
}

// circle returns a closed ring of n+1 positions around (lon, lat).
func circle(lon, lat, r float64, n int) [][2]float64 {
	ring := make([][2]float64, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, [2]float64{lon + r*math.Cos(a), lat + r*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// idsOf returns the feature ids of a FeatureCollection, in order.
func idsOf(t *testing.T, fc map[string]any) []string {
	t.Helper()
	feats, ok := fc["features"].([]any)
	if !ok {
		t.Fatalf("no features array in %v", fc)
	}
	var ids []string
	for _, f := range feats {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	return ids
}

// link returns the href of the first link with rel, "" when none.
func link(doc map[string]any, rel string) string {
	links, _ := doc["links"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}

// pathOf returns an absolute link's path and query, checking it points at
// the test server.
func (a *apiTest) pathOf(href string) string {
	a.t.Helper()
	u, err := url.Parse(href)
	if err != nil || u.Scheme+"://"+u.Host != a.ts.URL {
		a.t.Fatalf("link %q does not point at the server %s", href, a.ts.URL)
	}
	return u.RequestURI()
}

func props(t *testing.T, f map[string]any) map[string]any {
	t.Helper()
	p, ok := f["properties"].(map[string]any)
	if !ok {
		t.Fatalf("feature without properties: %v", f)
	}
	return p
}

func sameIDs(got []string, want ...string) bool {
	return slices.Equal(got, want)
}

// TestOpenAPIResponses drives the API through a realistic session against
// a SQLite store and validates every request and response with
// openapi3filter.
// NDJSON position batches are text to the document: one string body.
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
}

func TestOpenAPIResponses(t *testing.T) {
	db := mustOpenDB(t)
	srv, vkey := newServer(t, db)
	srv.MaxBodyBytes, srv.Limits = 1<<20, geojson.Limits{MaxVertices: 500}
	a := newAPITest(t, srv)
	const geo = "application/geo+json"
	tok := testToken

	// Parties.
	r := a.do(call{method: "POST", path: "/v1/parties", token: tok, status: 201, body: mustJSON(map[string]any{
		"id": "un-ocha", "name": "UN OCHA", "kind": "un_agency",
		"source": map[string]any{"kind": "simulated", "description": "demo scenario"}})})
	if got := r.header.Get("Location"); got != "/v1/parties/un-ocha" {
		t.Errorf("POST /v1/parties Location = %q", got)
	}
	a.do(call{method: "POST", path: "/v1/parties", token: tok, status: 201,
		body: []byte(`{"id":"tur","name":"Turkey","kind":"state","country":"TUR"}`)})
	a.do(call{method: "POST", path: "/v1/parties", token: tok, status: 409,
		body: []byte(`{"id":"tur","name":"Turkey again","kind":"state"}`)})
	a.do(call{method: "POST", path: "/v1/parties", token: tok, status: 400, invalid: true,
		body: []byte(`{"id":"x","name":"X","kind":"state","members":[]}`)})
	a.do(call{method: "POST", path: "/v1/parties", token: tok, status: 400, invalid: true,
		body: []byte(`{"id":"Bad Id","name":"X","kind":"state"}`)})
	a.do(call{method: "POST", path: "/v1/parties", status: 401, invalid: true,
		body: []byte(`{"id":"x","name":"X","kind":"state"}`)})
	if got := len(a.do(call{method: "GET", path: "/v1/parties", status: 200}).json(t)["parties"].([]any)); got != 2 {
		t.Errorf("GET /v1/parties: %d parties, want 2", got)
	}
	a.do(call{method: "GET", path: "/v1/parties/un-ocha", status: 200})
	a.do(call{method: "GET", path: "/v1/parties/nobody", status: 404})

	// Zones.
	idlib := polygon([2]float64{36.2, 35.6}, [2]float64{37.0, 35.6}, [2]float64{37.0, 36.3}, [2]float64{36.2, 36.3}, [2]float64{36.2, 35.6})
	r = a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 201,
		body: feature("idlib", idlib, map[string]any{"name": "Idlib safe area", "kind": "safe_area", "sponsor": "un-ocha",
			"valid_from": "2017-05-06T00:00:00Z", "source": map[string]any{"kind": "simulated"}})})
	created := r.json(t)
	if p := props(t, created); p["status"] != "proposed" || p["version"] != 1.0 || p["sponsor_party_id"] != "un-ocha" {
		t.Errorf("POST /v1/zones idlib: properties %v", p)
	}
	if got, want := r.header.Get("ETag"), strconv.Quote(props(t, created)["hash"].(string)); got != want {
		t.Errorf("POST /v1/zones ETag = %s, want %s", got, want)
	}
	if got := r.header.Get("Location"); got != "/v1/zones/idlib" {
		t.Errorf("POST /v1/zones Location = %q", got)
	}
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 201,
		body: feature("aleppo-hospital", point(37.16, 36.2), map[string]any{"name": "Al-Quds hospital",
			"kind": "protected_site", "radius_m": 300, "valid_from": "2017-05-06T00:00:00Z", "status": "active"})})
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 201,
		body: feature("ghouta-no-fly", polygon([2]float64{36.3, 33.45}, [2]float64{36.6, 33.45}, [2]float64{36.6, 33.65},
			[2]float64{36.3, 33.65}, [2]float64{36.3, 33.45}), map[string]any{"name": "Eastern Ghouta no-fly zone",
			"kind": "no_fly", "floor_m": 0, "ceiling_m": 10000, "valid_from": "2017-05-06T00:00:00Z",
			"valid_to": "2100-01-01T00:00:00Z", "status": "active"})})
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 201,
		body: feature("idlib-aleppo", map[string]any{"type": "LineString", "coordinates": [][2]float64{{36.6, 35.9}, {37.1, 36.2}}},
			map[string]any{"name": "Idlib–Aleppo corridor", "kind": "corridor", "half_width_m": 2000,
				"valid_from": "2017-05-06T00:00:00Z", "windows": []any{
					map[string]any{"from": "2017-05-06T06:00:00Z", "to": "2017-05-06T18:00:00Z"},
					map[string]any{"from": "2017-05-07T06:00:00Z"}}})})
	r = a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 201,
		body: feature("", point(36.29, 33.51), map[string]any{"name": "Damascus hospital", "kind": "protected_site", "radius_m": 200})})
	autoID := r.json(t)["id"].(string)
	if !strings.HasPrefix(autoID, "z-") {
		t.Errorf("zone without id got id %q, want z-…", autoID)
	}

	// Zone errors.
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 409,
		body: feature("idlib", idlib, map[string]any{"name": "Idlib again", "kind": "safe_area"})})
	r = a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 400,
		body: feature("r", idlib, map[string]any{"name": "R", "kind": "safe_area", "radius_m": 10})})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "properties.radius_m" {
		t.Errorf("radius_m on a safe_area: field %v, want properties.radius_m", f)
	}
	r = a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 400,
		body: feature("bowtie", polygon([2]float64{36, 35}, [2]float64{37, 36}, [2]float64{37, 35}, [2]float64{36, 36}, [2]float64{36, 35}),
			map[string]any{"name": "Bow tie", "kind": "safe_area"})})
	if f, _ := r.json(t)["error"].(map[string]any)["field"].(string); !strings.HasPrefix(f, "geometry.coordinates") {
		t.Errorf("self-intersecting ring: field %q, want geometry.coordinates…", f)
	}
	r = a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 400,
		body: feature("s", point(36, 35), map[string]any{"name": "S", "kind": "protected_site", "radius_m": 5, "sponsor": "nobody"})})
	if f := r.json(t)["error"].(map[string]any)["field"]; f != "properties.sponsor" {
		t.Errorf("unknown sponsor: field %v, want properties.sponsor", f)
	}
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 400, invalid: true,
		body: feature("k", idlib, map[string]any{"name": "K"})})
	a.do(call{method: "POST", path: "/v1/zones", contentType: geo, status: 401, invalid: true,
		body: feature("n", idlib, map[string]any{"name": "N", "kind": "safe_area"})})
	r = a.do(call{method: "POST", path: "/v1/zones", auth: "Bearer wrong-token", contentType: geo, status: 401,
		body: feature("n", idlib, map[string]any{"name": "N", "kind": "safe_area"})})
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	big := append(feature("big", idlib, map[string]any{"name": "Big", "kind": "safe_area"}), bytes.Repeat([]byte(" "), 1<<20)...)
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 413, body: big})
	a.do(call{method: "POST", path: "/v1/zones", token: tok, contentType: geo, status: 413,
		body: feature("many", polygon(circle(36.5, 35.5, 0.1, 600)...), map[string]any{"name": "Many vertices", "kind": "safe_area"})})

	// Lists and paging.
	all := a.do(call{method: "GET", path: "/v1/zones", status: 200}).json(t)
	if got := idsOf(t, all); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly", "idlib", "idlib-aleppo", autoID) {
		t.Errorf("GET /v1/zones: %v", got)
	}
	page := a.do(call{method: "GET", path: "/v1/zones?bbox=35.5,35.5,37.5,36.8&limit=2", status: 200}).json(t)
	if got := idsOf(t, page); !sameIDs(got, "aleppo-hospital", "idlib") || page["numberMatched"] != 3.0 || page["numberReturned"] != 2.0 {
		t.Errorf("bbox page 1: %v matched %v returned %v", got, page["numberMatched"], page["numberReturned"])
	}
	next := link(page, "next")
	if next == "" {
		t.Fatal("bbox page 1 has no next link")
	}
	page = a.do(call{method: "GET", path: a.pathOf(next), status: 200}).json(t)
	if got := idsOf(t, page); !sameIDs(got, "idlib-aleppo") || link(page, "next") != "" || link(page, "prev") == "" {
		t.Errorf("bbox page 2: %v, links %v", got, page["links"])
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?kind=protected_site,no_fly", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly", autoID) {
		t.Errorf("kind=protected_site,no_fly: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?status=active", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly") {
		t.Errorf("status=active: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?as_of=2017-06-01T00:00:00Z", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly") {
		t.Errorf("as_of=2017-06-01: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?as_of=2017-01-01T00:00:00Z", status: 200}).json(t)); len(got) != 0 {
		t.Errorf("as_of=2017-01-01: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?datetime=2019-01-01T00:00:00Z", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly", "idlib", "idlib-aleppo") {
		t.Errorf("datetime=2019-01-01: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/v1/zones?datetime=2018-01-01T00:00:00Z/..", status: 200}).json(t)); len(got) != 5 {
		t.Errorf("datetime=2018-01-01/..: %v", got)
	}
	a.do(call{method: "GET", path: "/v1/zones?bbox=1,2,3", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/zones?bbox=170,0,-170,10", status: 400})
	a.do(call{method: "GET", path: "/v1/zones?bbox=0,10,10,0", status: 400})
	a.do(call{method: "GET", path: "/v1/zones?limit=20000", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/zones?kind=airport", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/zones?datetime=last-week", status: 400})

	// One zone, versions, lifecycle.
	r = a.do(call{method: "GET", path: "/v1/zones/idlib", status: 200})
	if r.header.Get("ETag") == "" {
		t.Error("GET /v1/zones/idlib without ETag")
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere", status: 404})
	a.do(call{method: "GET", path: "/v1/zones/idlib?as_of=2017-06-01T00:00:00Z", status: 404})
	a.do(call{method: "GET", path: "/v1/zones/aleppo-hospital?as_of=2017-06-01T00:00:00Z", status: 200})
	a.do(call{method: "GET", path: "/v1/zones/idlib?as_of=yesterday", status: 400, invalid: true})

	idlib2 := polygon([2]float64{36.2, 35.6}, [2]float64{37.2, 35.6}, [2]float64{37.2, 36.3}, [2]float64{36.2, 36.3}, [2]float64{36.2, 35.6})
	v2 := map[string]any{"name": "Idlib safe area", "kind": "safe_area", "sponsor": "un-ocha",
		"valid_from": "2017-05-06T00:00:00Z", "source": map[string]any{"kind": "simulated"}, "base_version": 1}
	r = a.do(call{method: "POST", path: "/v1/zones/idlib/versions", token: tok, contentType: geo, status: 201, body: feature("", idlib2, v2)})
	if p := props(t, r.json(t)); p["version"] != 2.0 || p["status"] != "proposed" {
		t.Errorf("new version: %v", p)
	}
	if got := r.header.Get("Location"); got != "/v1/zones/idlib/versions/2" {
		t.Errorf("new version Location = %q", got)
	}
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions", token: tok, contentType: geo, status: 409, body: feature("", idlib2, v2)})
	v2["base_version"] = 2
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions", token: tok, contentType: geo, status: 409, body: feature("", idlib2, v2)})
	a.do(call{method: "POST", path: "/v1/zones/nowhere/versions", token: tok, contentType: geo, status: 404, body: feature("", idlib2, v2)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions", token: tok, contentType: geo, status: 400, body: feature("other", idlib2, v2)})
	delete(v2, "base_version")
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions", token: tok, contentType: geo, status: 400, invalid: true, body: feature("", idlib2, v2)})

	if p := props(t, a.do(call{method: "GET", path: "/v1/zones/idlib/versions/1", status: 200}).json(t)); p["version"] != 1.0 {
		t.Errorf("versions/1: %v", p)
	}
	a.do(call{method: "GET", path: "/v1/zones/idlib/versions/9", status: 404})
	a.do(call{method: "GET", path: "/v1/zones/idlib/versions/abc", status: 400, invalid: true})

	// History stays in order: a change cannot take effect before the
	// version's last one (its proposal, just now), nor in the future.
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 400,
		body: []byte(`{"status":"active","reason":"host and guarantors consented","at":"2017-07-01T00:00:00Z"}`)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 400,
		body: []byte(`{"status":"active","reason":"host and guarantors consented","at":"2999-07-01T00:00:00Z"}`)})
	r = a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 200,
		body: []byte(`{"status":"active","reason":"host and guarantors consented"}`)})
	activeSince := time.Now().UTC()
	if p := props(t, r.json(t)); p["status"] != "active" {
		t.Errorf("activate v2: %v", p)
	}
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/1/status", token: tok, status: 409, body: []byte(`{"status":"active"}`)})
	a.do(call{method: "POST", path: "/v1/zones/aleppo-hospital/versions/1/status", token: tok, status: 409, body: []byte(`{"status":"proposed"}`)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 400, invalid: true, body: []byte(`{"status":"paused"}`)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 400, invalid: true, body: []byte(`{"status":"active","by":"me"}`)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", token: tok, status: 400, invalid: true, body: []byte(`{"status":"active","at":"soon"}`)})
	a.do(call{method: "POST", path: "/v1/zones/nowhere/versions/1/status", token: tok, status: 404, body: []byte(`{"status":"active"}`)})
	a.do(call{method: "POST", path: "/v1/zones/idlib/versions/2/status", status: 401, invalid: true, body: []byte(`{"status":"revoked"}`)})

	hist := a.do(call{method: "GET", path: "/v1/zones/idlib/history", status: 200}).json(t)
	if n, m := len(hist["versions"].([]any)), len(hist["status_changes"].([]any)); n != 2 || m != 4 {
		// v1 proposed, v2 proposed, v2 active, v1 revoked (superseded).
		t.Errorf("history: %d versions, %d status changes, want 2 and 4", n, m)
	}
	a.do(call{method: "GET", path: "/v1/zones/nowhere/history", status: 404})
	a.do(call{method: "GET", path: "/v1/zones/idlib?as_of=2017-08-01T00:00:00Z", status: 404})
	asOf := activeSince.Add(time.Second).Format(time.RFC3339)
	if p := props(t, a.do(call{method: "GET", path: "/v1/zones/idlib?as_of=" + asOf, status: 200}).json(t)); p["version"] != 2.0 {
		t.Errorf("idlib as_of %s: version %v, want 2", asOf, p["version"])
	}

	// OGC API - Features.
	landing := a.do(call{method: "GET", path: "/", status: 200}).json(t)
	for _, rel := range []string{"self", "service-desc", "conformance", "data"} {
		if href := link(landing, rel); href == "" {
			t.Errorf("landing page has no %s link", rel)
		} else {
			a.pathOf(href)
		}
	}
	conf := a.do(call{method: "GET", path: "/conformance", status: 200}).json(t)
	for _, c := range []string{"core", "geojson", "oas30"} {
		if !slices.Contains(conf["conformsTo"].([]any), any("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+c)) {
			t.Errorf("conformance lacks %s: %v", c, conf["conformsTo"])
		}
	}
	r = a.do(call{method: "GET", path: "/api", status: 200})
	if !bytes.Equal(r.body, httpapi.OpenAPI()) {
		t.Error("GET /api differs from OpenAPI()")
	}
	if cols := a.do(call{method: "GET", path: "/collections", status: 200}).json(t)["collections"].([]any); len(cols) != 2 {
		t.Errorf("collections: %v", cols)
	}
	a.do(call{method: "GET", path: "/collections/zones", status: 200})
	a.do(call{method: "GET", path: "/collections/protected_sites", status: 200})
	a.do(call{method: "GET", path: "/collections/incidents", status: 404})

	items := a.do(call{method: "GET", path: "/collections/zones/items", status: 200}).json(t)
	if got := idsOf(t, items); len(got) != 5 {
		t.Errorf("items: %v", got)
	}
	var paged []string
	path := "/collections/zones/items?bbox=35.5,35.5,37.5,36.8&limit=1"
	for i := 0; path != "" && i < 10; i++ {
		fc := a.do(call{method: "GET", path: path, status: 200}).json(t)
		if fc["numberMatched"] != 3.0 || fc["numberReturned"] != 1.0 {
			t.Errorf("%s: matched %v returned %v", path, fc["numberMatched"], fc["numberReturned"])
		}
		paged = append(paged, idsOf(t, fc)...)
		path = ""
		if next := link(fc, "next"); next != "" {
			path = a.pathOf(next)
		}
	}
	if !sameIDs(paged, "aleppo-hospital", "idlib", "idlib-aleppo") {
		t.Errorf("items by bbox, following next: %v", paged)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/collections/zones/items?datetime=2019-01-01T00:00:00Z", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", "ghouta-no-fly", "idlib", "idlib-aleppo") {
		t.Errorf("items datetime=2019-01-01: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/collections/zones/items?datetime=../2017-01-01T00:00:00Z", status: 200}).json(t)); len(got) != 0 {
		t.Errorf("items datetime=../2017-01-01: %v", got)
	}
	if got := idsOf(t, a.do(call{method: "GET", path: "/collections/protected_sites/items", status: 200}).json(t)); !sameIDs(got, "aleppo-hospital", autoID) {
		t.Errorf("protected_sites items: %v", got)
	}
	item := a.do(call{method: "GET", path: "/collections/zones/items/idlib", status: 200})
	if f := item.json(t); link(f, "self") == "" || link(f, "collection") == "" || props(t, f)["version"] != 2.0 {
		t.Errorf("item idlib: %s", truncate(item.body))
	}
	a.do(call{method: "GET", path: "/collections/protected_sites/items/aleppo-hospital", status: 200})
	a.do(call{method: "GET", path: "/collections/protected_sites/items/idlib", status: 404})
	a.do(call{method: "GET", path: "/collections/zones/items/nowhere", status: 404})
	a.do(call{method: "GET", path: "/collections/incidents/items", status: 404})
	a.do(call{method: "GET", path: "/collections/zones/items?bbox=a,b,c,d", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/collections/zones/items?bbox=35.5,35.5,37.5", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/collections/zones/items?datetime=yesterday", status: 400})
	a.do(call{method: "GET", path: "/collections/zones/items?datetime=2018-01-01T00:00:00Z/2017-01-01T00:00:00Z", status: 400})
	// Above the documented maximum, OGC clients expect the page capped.
	if r := a.do(call{method: "GET", path: "/collections/zones/items?limit=10001", status: 200, invalid: true}); !bytes.Contains(r.body, []byte(`limit=10001`)) {
		t.Errorf("items limit=10001: self link lost the request's limit")
	}
	a.do(call{method: "GET", path: "/v1/zones?limit=10001", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/collections/zones/items?limit=0", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/collections/zones/items?colour=red", status: 400})
	a.do(call{method: "GET", path: "/collections/protected_sites/items?kind=safe_area", status: 200})
	a.do(call{method: "GET", path: "/collections/zones/items?offset=-1", status: 400, invalid: true})

	// Ledger.
	r = a.do(call{method: "GET", path: "/v1/ledger/checkpoint", status: 200})
	cp, err := ledger.Open(r.body, vkey)
	if err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, r.body)
	}
	entries := a.do(call{method: "GET", path: "/v1/ledger/entries?start=0&limit=1000", status: 200}).json(t)["entries"].([]any)
	if int64(len(entries)) != cp.Size || cp.Size < 3 {
		t.Fatalf("checkpoint size %d, %d entries", cp.Size, len(entries))
	}
	a.do(call{method: "GET", path: "/v1/ledger/entries?limit=2", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/entries?limit=5000", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/ledger/entries/0", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/entries/" + strconv.FormatInt(cp.Size, 10), status: 404})
	a.do(call{method: "GET", path: "/v1/ledger/entries/first", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/ledger/lookup?record_id=zone/idlib/v1", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/lookup?record_id=party/un-ocha", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/lookup?record_id=zone/nowhere/v1", status: 404})
	a.do(call{method: "GET", path: "/v1/ledger/lookup", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion?record_id=zone/idlib/v2", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion?index=0&size=2", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion?index=1", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion?index=2&size=2", status: 400})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion?size=many&index=1", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/ledger/proof/inclusion", status: 400})
	a.do(call{method: "GET", path: "/v1/ledger/proof/consistency?from=1&to=3", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/proof/consistency?from=0", status: 200})
	a.do(call{method: "GET", path: "/v1/ledger/proof/consistency?from=3&to=1", status: 400})
	a.do(call{method: "GET", path: "/v1/ledger/proof/consistency", status: 400, invalid: true})
	tile := fmt.Sprintf("8/0/000.p/%d", cp.Size)
	r = a.do(call{method: "GET", path: "/v1/ledger/tile/" + tile, status: 200,
		docPath: "/v1/ledger/tile/{path}", params: map[string]string{"path": tile}})
	if len(r.body) != 32*int(cp.Size) {
		t.Errorf("tile %s: %d bytes, want %d", tile, len(r.body), 32*cp.Size)
	}
	a.do(call{method: "GET", path: "/v1/ledger/tile/8/0/001", status: 404,
		docPath: "/v1/ledger/tile/{path}", params: map[string]string{"path": "8/0/001"}})
	a.do(call{method: "GET", path: "/v1/ledger/tile/latest", status: 400})

	// Locate: the fence engine sees zones as soon as they are in force.
	loc := a.do(call{method: "GET", path: "/v1/locate?lon=36.4&lat=33.55&alt=500", status: 200}).json(t)
	if zs, _ := loc["zones"].([]any); len(zs) != 1 || zs[0].(map[string]any)["id"] != "ghouta-no-fly" {
		t.Errorf("locate inside the active Ghouta no-fly zone at 500 m = %v, want ghouta-no-fly", loc["zones"])
	}
	a.do(call{method: "GET", path: "/v1/locate?lon=36.4&lat=33.55&at=2017-06-01T00:00:00Z", status: 200})
	a.do(call{method: "GET", path: "/v1/locate?lon=200&lat=33.55", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/locate?lat=33.55", status: 400, invalid: true})
	a.do(call{method: "GET", path: "/v1/locate?lon=36.4&lat=33.55&height=3", status: 400})

	// Positions: an object flies into the active Ghouta no-fly zone and out.
	nd := "application/x-ndjson"
	batch := strings.Join([]string{
		`{"id":"ac1","lon":36.2,"lat":33.55,"alt_m":500,"t":"2030-01-01T00:00:00Z"}`,
		`{"id":"ac1","lon":36.4,"lat":33.55,"alt_m":500,"t":"2030-01-01T00:01:00Z"}`,
		`{"id":"ac1","lon":36.4,"lat":33.55,"alt_m":500,"t":"2030-01-01T00:01:00Z"}`,
		`{"id":"ac1","lon":99,"lat":133.55,"t":"2030-01-01T00:01:30Z"}`,
		`not json`,
		`{"id":"ac1","lon":36.4,"lat":33.55,"alt_m":20000,"t":"2030-01-01T00:02:00Z"}`,
	}, "\n")
	pos := a.do(call{method: "POST", path: "/v1/positions", token: tok, contentType: nd, status: 200, body: []byte(batch)}).json(t)
	var kinds []string
	for _, e := range pos["events"].([]any) {
		ev := e.(map[string]any)
		if ev["kind"] == "enter" || ev["kind"] == "exit" {
			kinds = append(kinds, fmt.Sprint(ev["kind"], " ", ev["zone_id"]))
		}
	}
	if pos["accepted"] != 3.0 || pos["duplicate"] != 1.0 || pos["invalid"] != 2.0 ||
		!slices.Equal(kinds, []string{"enter ghouta-no-fly", "exit ghouta-no-fly"}) {
		t.Errorf("positions = %v; want 3 accepted, 1 duplicate, 2 invalid, enter then exit (above the ceiling)", pos)
	}
	if errs := pos["errors"].([]any); len(errs) != 2 || errs[0].(map[string]any)["line"] != 4.0 || errs[0].(map[string]any)["field"] != "lat" {
		t.Errorf("position errors = %v; want line 4 field lat, then line 5", errs)
	}
	a.do(call{method: "POST", path: "/v1/positions", contentType: nd, status: 401, invalid: true, body: []byte(batch)})

	// Operations.
	a.do(call{method: "GET", path: "/healthz", status: 200})
	a.do(call{method: "GET", path: "/healthz", auth: "Basic Zm9vOmJhcg==", status: 200})
	r = a.do(call{method: "GET", path: "/metrics", status: 200})
	if !bytes.Contains(r.body, []byte("safezones_http_requests_total")) {
		t.Error("metrics lack safezones_http_requests_total")
	}
}

// TestOpenAPIPrivateReads checks the documented behaviour of a server that
// does not serve reads without a token.
func TestOpenAPIPrivateReads(t *testing.T) {
	db := mustOpenDB(t)
	a := newAPITest(t, &httpapi.Server{Zones: db, Parties: db, Health: db, OperatorToken: testToken})
	r := a.do(call{method: "GET", path: "/v1/zones", status: 401})
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	a.do(call{method: "GET", path: "/collections/zones/items", status: 401})
	a.do(call{method: "GET", path: "/api", status: 401})
	a.do(call{method: "GET", path: "/v1/zones", token: testToken, status: 200})
	a.do(call{method: "GET", path: "/", token: testToken, status: 200})
	a.do(call{method: "GET", path: "/healthz", status: 200})
}

// TestOpenAPIUnrouted checks what the document says of requests no route
// serves: 404 for an unknown path, 405 with Allow for a known path and
// another method, both with the error JSON.
func TestOpenAPIUnrouted(t *testing.T) {
	doc := loadDoc(t)
	db := mustOpenDB(t)
	srv, _ := newServer(t, db)
	h := srv.Handler()
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/v2/zones", 404, ""},
		{"GET", "/collections/zones/items/idlib/extra", 404, ""},
		{"DELETE", "/v1/zones/idlib", 405, "GET, HEAD"},
		{"PUT", "/v1/zones", 405, "GET, HEAD, POST"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d Allow %q, want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		if err := doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: body %s is not an Error: %v", tc.method, tc.path, rec.Body, err)
		}
	}
}
