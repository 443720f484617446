package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the safezones binary built once for the process tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "safezones-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "safezones")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build safezones: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const testToken = "test-operator-token-0123456789"

var servingURL = regexp.MustCompile(`msg=serving url=(http://[0-9.:]+)`)

// startServe runs `safezones serve` on db and returns its base URL and the
// process. The process is killed when the test ends.
func startServe(t *testing.T, db string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "SAFEZONES_OPERATOR_TOKEN="+testToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	select {
	case u := <-urlc:
		return u, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not report its address within 30s")
	}
	return "", nil
}

func request(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	return requestAs(t, method, url, testToken, body)
}

// requestAs is request with another bearer token; "" sends none.
func requestAs(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const zoneFeature = `{"type":"Feature","id":"ghouta",
 "geometry":{"type":"Polygon","coordinates":[[[36.35,33.50],[36.50,33.50],[36.50,33.62],[36.35,33.62],[36.35,33.50]]]},
 "properties":{"name":"Eastern Ghouta","kind":"safe_area","source":{"kind":"simulated"}}}`

// TestSIGKILLAfterWrite kills the server with SIGKILL right after writes
// were acknowledged and checks that a restarted server has every one.
func TestSIGKILLAfterWrite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crash.db")
	base, cmd := startServe(t, db)
	status, body := request(t, "POST", base+"/v1/zones", zoneFeature)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/zones = %d %s", status, body)
	}
	v2 := strings.Replace(zoneFeature, `"kind":"safe_area"`, `"kind":"safe_area","base_version":1`, 1)
	v2 = strings.Replace(v2, "36.50,33.62", "36.52,33.63", 1)
	status, body = request(t, "POST", base+"/v1/zones/ghouta/versions", v2)
	if status != http.StatusCreated {
		t.Fatalf("POST versions = %d %s", status, body)
	}
	var created struct {
		Properties struct {
			Hash string `json:"hash"`
		} `json:"properties"`
	}
	json.Unmarshal(body, &created)
	status, body = request(t, "POST", base+"/v1/zones/ghouta/versions/2/status", `{"status":"active","reason":"test"}`)
	if status != http.StatusOK {
		t.Fatalf("POST status = %d %s", status, body)
	}
	// No graceful shutdown: the process dies the instant after the last
	// acknowledgement.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	base, _ = startServe(t, db)
	status, body = request(t, "GET", base+"/v1/zones/ghouta", "")
	if status != http.StatusOK {
		t.Fatalf("after restart GET = %d %s", status, body)
	}
	var got struct {
		Properties struct {
			Version int    `json:"version"`
			Status  string `json:"status"`
			Hash    string `json:"hash"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Properties.Version != 2 || got.Properties.Status != "active" || got.Properties.Hash != created.Properties.Hash {
		t.Errorf("after SIGKILL and restart: version %d %s hash %s; want version 2 active hash %s",
			got.Properties.Version, got.Properties.Status, got.Properties.Hash, created.Properties.Hash)
	}
	status, body = request(t, "GET", base+"/v1/zones/ghouta/versions/1", "")
	if status != http.StatusOK || !bytes.Contains(body, []byte(`"status":"revoked"`)) {
		t.Errorf("version 1 after restart = %d %s; want it kept, revoked (superseded)", status, body)
	}
}

// startDemo runs the demo in-process through Run's environment on a free
// port and returns its base URL.
func startDemo(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, ready: func(a string) { addrc <- a },
		getenv: func(k string) string {
			if k == "SAFEZONES_OPERATOR_TOKEN" {
				return testToken
			}
			if k == "SAFEZONES_LOG_LEVEL" {
				return "warn"
			}
			return ""
		}}
	done := make(chan error, 1)
	go func() { done <- env.run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo returned %v", err)
		}
	})
	select {
	case a := <-addrc:
		return "http://" + a
	case err := <-done:
		t.Fatalf("demo exited early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start within 60s")
	}
	return ""
}

func TestDemoBBox(t *testing.T) {
	base := startDemo(t)
	status, body := request(t, "GET", base+"/collections/zones/items?bbox=35.5,35.5,37.5,36.8&limit=100", "")
	if status != http.StatusOK {
		t.Fatalf("items = %d %s", status, body)
	}
	var fc struct {
		Type          string `json:"type"`
		NumberMatched int    `json:"numberMatched"`
		Features      []struct {
			ID         string `json:"id"`
			Properties struct {
				Kind   string `json:"kind"`
				Source struct {
					Kind string `json:"kind"`
				} `json:"source"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 || fc.NumberMatched != len(fc.Features) {
		t.Fatalf("items = type %q, %d features of %d matched; want a non-empty FeatureCollection", fc.Type, len(fc.Features), fc.NumberMatched)
	}
	ids := map[string]bool{}
	for _, f := range fc.Features {
		ids[f.ID] = true
		if f.Properties.Source.Kind == "" {
			t.Errorf("feature %s has no source kind", f.ID)
		}
	}
	// Idlib and Aleppo lie in the box; eastern Ghouta (near Damascus) does not.
	var idlib, aleppo, ghouta bool
	for id := range ids {
		idlib = idlib || strings.Contains(id, "idlib")
		aleppo = aleppo || strings.Contains(id, "aleppo")
		ghouta = ghouta || strings.Contains(id, "ghouta")
	}
	if !idlib || !aleppo || ghouta {
		t.Errorf("bbox 35.5,35.5,37.5,36.8 gave %v; want Idlib and Aleppo zones, not Ghouta", ids)
	}
}

// TestLocateFollowsWrites checks that /v1/locate answers from zones as soon
// as they are in force: at once after an API write, and within the
// keeper's poll after another process imports zones into the same file.
func TestLocateFollowsWrites(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cell.db")
	base, _ := startServe(t, db)
	locate := func(lon, lat string) string {
		status, body := request(t, "GET", base+"/v1/locate?lon="+lon+"&lat="+lat, "")
		if status != http.StatusOK {
			t.Fatalf("locate = %d %s", status, body)
		}
		return string(body)
	}
	if got := locate("36.4", "33.55"); strings.Contains(got, "ghouta") {
		t.Fatalf("locate before any zone = %s", got)
	}
	active := strings.Replace(zoneFeature, `"kind":"safe_area"`, `"kind":"safe_area","status":"active"`, 1)
	if status, body := request(t, "POST", base+"/v1/zones", active); status != http.StatusCreated {
		t.Fatalf("POST = %d %s", status, body)
	}
	if got := locate("36.4", "33.55"); !strings.Contains(got, `"id":"ghouta"`) {
		t.Fatalf("locate right after creating an active zone = %s; want ghouta", got)
	}

	file := filepath.Join(dir, "douma.geojson")
	writeFile(t, file, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"douma-site",
	 "geometry":{"type":"Point","coordinates":[36.402,33.572]},
	 "properties":{"name":"Douma site","kind":"protected_site","radius_m":300}}]}`))
	out, err := exec.Command(binary, "zone", "import", "--db", db, "--active", "--quiet", file).CombinedOutput()
	if err != nil {
		t.Fatalf("zone import: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(locate("36.402", "33.572"), `"id":"douma-site"`) {
		if time.Now().After(deadline) {
			t.Fatal("a zone imported by another process was not seen by locate within 15 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
