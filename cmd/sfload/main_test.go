package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/httpapi"
)

const testToken = "sfload-test-token"

// serve runs handler on 127.0.0.1 (a random port) until the test ends and
// returns its base URL.
func serve(t *testing.T, handler http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

// newService returns the service's handler on the first zones of the
// standard workload, as safezones serve builds it (without a store: only
// locate and positions are exercised).
func newService(t *testing.T, zones int) http.Handler {
	t.Helper()
	snap, err := fence.Build(fence.WorkloadZones(1, zones), fence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine := fence.NewEngine(snap)
	s := &httpapi.Server{Fence: engine, Tracker: fence.NewTracker(engine, fence.TrackerOptions{}), OperatorToken: testToken}
	return s.Handler()
}

// args are the flags of a small run against url.
func args(url string, extra ...string) []string {
	return append([]string{"-server", url, "-token", testToken, "-zones", "1000", "-objects", "40", "-updates", "25",
		"-count", "1000", "-timeout", "1m"}, extra...)
}

var (
	rowPattern = regexp.MustCompile(`(?m)^\| (\w+) \| (\S+) \| (\S+) \| (\d+) \| [0-9.]+k \| .* \| (\d+) \|$`)
	sumPattern = regexp.MustCompile(`(?m)^sfload: (\w+), shape (\S+): (\d+) `)
)

// TestShapesAgreeWithTheTruth runs every shape in both modes against a
// real in-process service and expects every answer right and the counts
// whole: 1,000 queries; 40 objects x 25 updates = 1,000 positions.
func TestShapesAgreeWithTheTruth(t *testing.T) {
	url := serve(t, newService(t, 1000))
	for _, batch := range []string{"7", "1"} {
		var out bytes.Buffer
		if err := run(context.Background(), args(url, "-mode", "both", "-shapes", "-batch", batch), &out); err != nil {
			t.Fatalf("-batch %s: %v\n%s", batch, err, out.String())
		}
		t.Log(out.String())
		rows := rowPattern.FindAllStringSubmatch(out.String(), -1)
		if len(rows) != 6 {
			t.Fatalf("-batch %s: %d table rows, want 6 (2 modes x 3 shapes)", batch, len(rows))
		}
		for _, m := range sumPattern.FindAllStringSubmatch(out.String(), -1) {
			if want := "1000"; m[3] != want {
				t.Errorf("-batch %s, %s shape %s: %s items, want %s", batch, m[1], m[2], m[3], want)
			}
		}
		if !strings.Contains(out.String(), "1000 accepted") {
			t.Errorf("-batch %s: no run reports all 1000 positions accepted", batch)
		}
		for _, r := range rows {
			if r[5] != "0" {
				t.Errorf("-batch %s: %s shape %s: %s wrong", batch, r[1], r[2], r[5])
			}
		}
	}
}

// TestPipelinedResponsesComeBackInOrder sends 64 requests in one write on
// one connection and checks that Go's server answers them in order:
// runConn fails on a response whose X-Request-Id is not its request's.
func TestPipelinedResponsesComeBackInOrder(t *testing.T) {
	url := serve(t, newService(t, 200))
	tg, err := parseTarget(url, testToken, false)
	if err != nil {
		t.Fatal(err)
	}
	pts := fence.WorkloadPoints(1, 64)
	work := locateWork(pts, 1)
	res, err := runConn(context.Background(), tg, 0, work[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		want := fmt.Sprintf(`"point":[%v,%v]`, p.Lon, p.Lat)
		if !bytes.Contains(res.bodies[i], []byte(want)) {
			t.Fatalf("response %d is not for point %d: %s", i, i, res.bodies[i])
		}
	}
}

// TestWrongAnswersAreCaught puts a server between sfload and the service
// that drops one zone from locate answers and turns enter events into
// inside events: both runs must report mismatches and fail.
func TestWrongAnswersAreCaught(t *testing.T) {
	real := newService(t, 1000)
	firstZone := regexp.MustCompile(`"zones":\[\{[^}]*\},?`)
	liar := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		real.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.URL.Path == "/v1/locate" {
			body = firstZone.ReplaceAll(body, []byte(`"zones":[`))
		} else {
			body = bytes.ReplaceAll(body, []byte(`"kind":"enter"`), []byte(`"kind":"inside"`))
		}
		w.Header().Set("X-Request-Id", rec.Header().Get("X-Request-Id"))
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	url := serve(t, liar)
	for _, mode := range []string{"locate", "updates"} {
		var out bytes.Buffer
		err := run(context.Background(), args(url, "-mode", mode, "-conns", "2", "-pipeline", "4", "-count", "2000"), &out)
		if err == nil || !strings.Contains(err.Error(), "differ from the in-process truth") {
			t.Errorf("%s: run against a lying server = %v, want an error naming the differences\n%s", mode, err, out.String())
		}
		if !strings.Contains(out.String(), "wrong: ") {
			t.Errorf("%s: no wrong answer shown:\n%s", mode, out.String())
		}
	}
}

func TestRefusesRemoteTargets(t *testing.T) {
	for _, c := range []struct {
		server string
		allow  bool
		ok     bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080", false, true},
		{"http://[::1]:8080", false, true},
		{"http://10.0.0.5:8080", false, false},
		{"http://example.org:8080", false, false},
		{"http://10.0.0.5:8080", true, true},
		{"https://127.0.0.1:8080", false, false},
		{"http://127.0.0.1:8080/api", false, false},
	} {
		_, err := parseTarget(c.server, "", c.allow)
		if (err == nil) != c.ok {
			t.Errorf("parseTarget(%q, allowRemote=%v) = %v, want ok=%v", c.server, c.allow, err, c.ok)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, a := range [][]string{
		{"-mode", "bulk"},
		{"-pipeline", "0"},
		{"-count", "0"},
		{"extra"},
		{"-server", "http://192.0.2.1:80"},
	} {
		if err := run(context.Background(), a, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) succeeded, want an error", a)
		}
	}
}

// TestTimeoutStopsARun points sfload at a server that never answers: the
// run must end at -timeout with an error saying so.
func TestTimeoutStopsARun(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	start := time.Now()
	err := run(context.Background(), []string{"-server", url, "-zones", "50", "-mode", "locate", "-count", "10", "-timeout", "300ms"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "-timeout") {
		t.Errorf("run against a silent server = %v, want a -timeout error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("run took %v to stop at a 300ms timeout", d)
	}
}
