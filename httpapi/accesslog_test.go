package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAccessLogQuietRoutes checks that successful point queries are logged
// at debug only, while their failures and other routes are logged at info.
func TestAccessLogQuietRoutes(t *testing.T) {
	var logs bytes.Buffer
	srv, _ := newServer(t, mustOpenDB(t))
	srv.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := srv.Handler()
	get := func(path string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	get("/v1/locate?lon=36&lat=35")
	if strings.Contains(logs.String(), "/v1/locate") {
		t.Errorf("a successful locate was logged at info:\n%s", logs.String())
	}
	get("/v1/locate?lon=361&lat=35")
	if !strings.Contains(logs.String(), "status=400") {
		t.Errorf("a failed locate was not logged:\n%s", logs.String())
	}
	get("/v1/zones")
	if !strings.Contains(logs.String(), "path=/v1/zones") {
		t.Errorf("GET /v1/zones was not logged:\n%s", logs.String())
	}
}
