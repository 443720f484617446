package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The map's browser tests drive Debian's chromium (headless, through the
// DevTools protocol with chromedp) against the demo served in-process, as
// a person would use it: the page must load with no failed request, no
// console error and no request to another host; show the demo zones; open
// a zone's panel with its consent on a click (and on the keyboard); show
// an alert pushed through the API within 2 seconds; and after sign-in show
// live aircraft with predicted paths. Screenshots of two moments go to
// $SAFEZONES_ARTIFACTS (default: a temporary directory).

// chromiumPath returns Debian's chromium, or skips the test (fails it
// when SAFEZONES_TEST_BROWSER=1, as CI sets).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SAFEZONES_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err == nil {
		return p
	}
	msg := "chromium is not installed (no `chromium` in PATH; set SAFEZONES_CHROMIUM to use another binary): install Debian's package with `apt-get install chromium` to run the map's browser tests"
	if os.Getenv("SAFEZONES_TEST_BROWSER") == "1" {
		t.Fatal(msg + "; SAFEZONES_TEST_BROWSER=1 requires them")
	}
	t.Skip(msg + " (SAFEZONES_TEST_BROWSER=1 turns this skip into a failure)")
	return ""
}

// artifactsDir returns where screenshots go: $SAFEZONES_ARTIFACTS, or a
// temporary directory of the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SAFEZONES_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// lockedBuffer is a bytes.Buffer safe for one writer and readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDemoBanner runs the demo in-process like startDemo and returns its
// base URL and the banner it printed (with the ledger key).
func startDemoBanner(t *testing.T) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	out := &lockedBuffer{}
	env := &environment{stdout: out, stderr: io.Discard, ready: func(a string) { addrc <- a },
		getenv: func(k string) string {
			return map[string]string{"SAFEZONES_OPERATOR_TOKEN": testToken, "SAFEZONES_LOG_LEVEL": "warn"}[k]
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
		return "http://" + a, out.String()
	case err := <-done:
		t.Fatalf("demo exited early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start within 60s")
	}
	return "", ""
}

// browser is one headless chromium tab on the server at base. It records
// every problem the page shows: a request that failed or answered 400 or
// more, a request to another host, a console error or warning, an
// uncaught exception, a browser log error (CSP violations among them).
type browser struct {
	t    *testing.T
	ctx  context.Context
	base *url.URL

	mu       sync.Mutex
	problems []string
	urls     map[network.RequestID]string
	requests int
	// expected are problems a test provokes on purpose, by substring.
	expected []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // the tests may run as root, where chromium's sandbox cannot start
		chromedp.WindowSize(1366, 820),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-GB"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: ctx, base: u, urls: map[network.RequestID]string{}}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Listen(ctx, b.event); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	for _, enable := range []func() error{
		func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err },
		func() error { _, err := chromedp.Call(ctx, cdpruntime.Enable, cdp.Empty{}); return err },
		func() error { _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); return err },
		// A laptop's screen.
		func() error { return chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)) },
	} {
		if err := enable(); err != nil {
			t.Fatalf("chromium (%s): enable events: %v", exe, err)
		}
	}
	return b
}

func (b *browser) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.expected {
		if strings.Contains(msg, e) {
			return
		}
	}
	b.problems = append(b.problems, msg)
}

func (b *browser) event(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		b.urls[ev.RequestID] = ev.Request.URL
		b.requests++
		b.mu.Unlock()
		u, err := url.Parse(ev.Request.URL)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != b.base.Host) {
			b.problem("request to another host: %s", ev.Request.URL)
		}
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 {
			b.problem("%s answered %d", ev.Response.URL, ev.Response.Status)
		}
	case *network.EventLoadingFailed:
		if ev.Canceled { // the page cancelled it (a reload ends its alert stream)
			return
		}
		b.mu.Lock()
		u := b.urls[ev.RequestID]
		b.mu.Unlock()
		b.problem("request failed: %s: %s", u, ev.ErrorText)
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError || ev.Type == cdpruntime.ConsoleAPICalledTypeWarning || ev.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.problem("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *cdpruntime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problem("uncaught exception: %s (%s:%d)", msg, d.URL, d.LineNumber)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			b.problem("browser log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
}

// checkClean fails the test with every problem recorded so far.
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.requests == 0 {
		b.t.Error("the browser recorded no request at all: the network events are not being seen")
	}
	for _, p := range b.problems {
		b.t.Errorf("page problem: %s", p)
	}
	b.problems = nil
}

func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript boolean expression every 50 ms until it is
// true, and returns how long that took; it fails the test after timeout,
// printing what describe (an expression) says then.
func (b *browser) waitFor(what, expr, describe string, timeout time.Duration) time.Duration {
	b.t.Helper()
	start := time.Now()
	// During a reload the document may be gone and the evaluation fail:
	// that counts as not yet.
	try := "(() => { try { return Boolean(" + expr + "); } catch { return false; } })()"
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](try, chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			d := time.Since(start)
			if d > time.Second {
				b.t.Logf("%s: took %v", what, d.Round(time.Millisecond))
			}
			return d
		}
		if time.Since(start) > timeout {
			var got any
			if describe != "" {
				got = eval[any](b, describe)
			}
			b.checkClean()
			b.t.Fatalf("%s: not within %v (%s = %v)", what, timeout, describe, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) screenshot(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

// clickShape clicks with the mouse on a point of the element matching
// selector that no other element covers (found with elementFromPoint on
// a grid over its bounds).
func (b *browser) clickShape(selector string) {
	b.t.Helper()
	type point struct {
		X, Y  float64
		Found bool
	}
	pt := eval[point](b, fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return {found: false};
		const r = e.getBoundingClientRect();
		for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
			const x = r.left + r.width * i / 12, y = r.top + r.height * j / 12;
			if (document.elementFromPoint(x, y) === e) return {x, y, found: true};
		}
		return {found: false};
	})()`, selector))
	if !pt.Found {
		b.t.Fatalf("no point of %s can be clicked: it is missing or covered", selector)
	}
	b.run("click "+selector, chromedp.MouseClickXY(pt.X, pt.Y))
}

// apiJSON sends a request to the server with the operator token and
// decodes the JSON answer into out.
func apiJSON(t *testing.T, method, u, body string, out any) {
	t.Helper()
	status, b := request(t, method, u, body)
	if status >= 300 {
		t.Fatalf("%s %s = %d %s", method, u, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
	}
}

type featureIDs struct {
	Features []struct {
		ID string `json:"id"`
	} `json:"features"`
}

func (f featureIDs) ids() []string {
	var ids []string
	for _, x := range f.Features {
		ids = append(ids, x.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestMap is the acceptance test of the map (issue 9) on the demo.
func TestMap(t *testing.T) {
	chromiumPath(t)
	base, banner := startDemoBanner(t)
	ledgerKey := regexp.MustCompile(`SAFEZONES_LEDGER_PUBKEY=(\S+)`).FindStringSubmatch(banner)
	if ledgerKey == nil {
		t.Fatalf("the demo banner has no ledger key:\n%s", banner)
	}
	art := artifactsDir(t)
	b := newBrowser(t, base)

	var zones featureIDs
	apiJSON(t, "GET", base+"/v1/zones?status=active,proposed,suspended&limit=10000", "", &zones)
	want := zones.ids()
	if len(want) < 10 {
		t.Fatalf("the demo has %d zones; want its scenario", len(want))
	}

	// The page loads, anonymous, and draws every zone.
	start := time.Now()
	b.run("open the page", chromedp.Navigate(base+"/"))
	b.waitFor("the page is ready", `document.body.dataset.ready === 'true'`, `document.body.dataset.ready`, 20*time.Second)
	b.waitFor("every demo zone is drawn", fmt.Sprintf(`document.querySelectorAll('path.sz-zone').length === %d`, len(want)),
		`document.querySelectorAll('path.sz-zone').length`, 10*time.Second)
	t.Logf("page ready with %d zone shapes in %v", len(want), time.Since(start).Round(time.Millisecond))
	drawn := eval[[]string](b, `[...document.querySelectorAll('path.sz-zone')].map((e) => e.dataset.zoneId).sort()`)
	if !slices.Equal(drawn, want) {
		t.Errorf("zone shapes %v, want the API's zones %v", drawn, want)
	}
	title := eval[string](b, `document.title`)
	banner2 := eval[string](b, `document.getElementById('sim-banner').hidden ? '' : document.getElementById('sim-banner').textContent`)
	if !strings.Contains(title, "safezones") || !strings.Contains(banner2, "simulated") {
		t.Errorf("title %q, banner %q; want the map's title and the simulated-data banner", title, banner2)
	}
	b.waitFor("the alert stream is live", `document.getElementById('stream-status').dataset.state === 'live'`,
		`document.getElementById('stream-status').textContent`, 10*time.Second)
	b.checkClean()
	b.screenshot(filepath.Join(art, "map-1-loaded.png"))

	// A click on a zone opens its panel with the consent: eastern Aleppo
	// was approved by Syria and awaits Russia (demo consent scenario), and
	// the ledger proof of its version checks out in the browser.
	b.clickShape(`path[data-zone-id="eastern-aleppo-safe-area"]`)
	b.waitFor("the zone panel shows who approved and who must",
		`!document.getElementById('panel').hidden && document.querySelector('#zone-consent .awaiting')?.textContent.includes('russia') &&
		 document.querySelector('#zone-consent .approved')?.textContent.includes('syria')`,
		`document.getElementById('panel').innerText`, 10*time.Second)
	panelTitle := eval[string](b, `document.getElementById('panel-title').textContent`)
	if !strings.Contains(panelTitle, "Aleppo") {
		t.Errorf("panel title %q, want the eastern Aleppo safe area", panelTitle)
	}
	b.waitFor("the ledger proof is verified in the browser", `document.getElementById('ledger-status')?.dataset.state === 'verified'`,
		`document.getElementById('ledger-status')?.textContent`, 10*time.Second)

	// The keyboard: Escape closes the panel; a zone shape on the map takes
	// the focus and Enter opens it (Idlib's, with the Gulf pledges).
	b.run("close with Escape", chromedp.KeyEvent(kb.Escape))
	b.waitFor("Escape closes the panel", `document.getElementById('panel').hidden`, "", 5*time.Second)
	b.run("focus the Idlib safe area", chromedp.Focus(chromedp.CSS(`path[data-zone-id="idlib-safe-area"]`)), chromedp.KeyEvent(kb.Enter))
	b.waitFor("Enter on a focused zone opens its panel with pledges and deliveries",
		`document.getElementById('panel-title').textContent.includes('Idlib') &&
		 ['qatar', 'uae', 'saudi-arabia'].every((p) => document.getElementById('zone-commitments')?.textContent.includes(p))`,
		`document.getElementById('panel').innerText`, 10*time.Second)

	// The ledger check recomputes the root itself: a changed leaf does
	// not lead to the checkpoint's root.
	type proofCheck struct{ Good, Tampered bool }
	proof := eval[proofCheck](b, `(async () => {
		const m = await import('/ui/ledger.js');
		const cp = m.parseCheckpoint(await (await fetch('/v1/ledger/checkpoint')).text());
		const e = await (await fetch('/v1/ledger/lookup?record_id=zone/idlib-safe-area/v1')).json();
		const p = await (await fetch('/v1/ledger/proof/inclusion?index=' + e.index + '&size=' + cp.size)).json();
		const path = p.proof.map(m.hexToBytes);
		const leaf = await m.leafHash(new TextEncoder().encode(e.data));
		const bad = await m.leafHash(new TextEncoder().encode(e.data.replace('Idlib', 'Idleb')));
		const same = (a, b) => m.bytesToHex(a) === m.bytesToHex(b);
		return {good: same(await m.rootFromInclusionProof(e.index, cp.size, leaf, path), cp.root),
		        tampered: same(await m.rootFromInclusionProof(e.index, cp.size, bad, path), cp.root)};
	})()`)
	if !proof.Good || proof.Tampered {
		t.Errorf("in-browser proof check: real leaf reaches the root %v (want true), changed leaf %v (want false)", proof.Good, proof.Tampered)
	}

	// A live alert pushed through the API shows within 2 seconds: an
	// aircraft 20-odd km east of the Idlib no-fly zone flying west at
	// 5,000 m (inside the band) is warned at once (ETA under the urgent
	// 5 minutes), then reported inside the zone.
	const object = "TEST01"
	post := func(lon, lat float64) time.Time {
		line := fmt.Sprintf(`{"id":%q,"lon":%g,"lat":%g,"alt_m":5000,"speed_ms":200,"heading_deg":270,"t":%q}`,
			object, lon, lat, time.Now().UTC().Format(time.RFC3339Nano))
		sent := time.Now()
		var res struct {
			Events []struct {
				Kind   string `json:"kind"`
				ZoneID string `json:"zone_id"`
			} `json:"events"`
		}
		apiJSON(t, "POST", base+"/v1/positions", line, &res)
		t.Logf("POST /v1/positions %s: events %+v", line, res.Events)
		return sent
	}
	sent := post(37.2, 35.93)
	b.waitFor("the warning with its ETA countdown appears",
		fmt.Sprintf(`/ETA \d+:\d\d/.test(document.querySelector('#alert-list li.kind-warning[data-object=%q][data-zone="idlib-no-fly"] .eta')?.textContent || '')`, object),
		`document.getElementById('alert-list').innerText.slice(0, 400)`, 5*time.Second)
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("the warning appeared %v after the POST, want within 2 s", d)
	} else {
		t.Logf("warning on the page %v after the POST", d.Round(time.Millisecond))
	}
	sent = post(36.75, 35.93)
	b.waitFor("the violation appears", fmt.Sprintf(`document.querySelector('#alert-list li.kind-violation[data-object=%q]')`, object),
		`document.getElementById('alert-list').innerText.slice(0, 400)`, 5*time.Second)
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("the violation appeared %v after the POST, want within 2 s", d)
	} else {
		t.Logf("violation on the page %v after the POST", d.Round(time.Millisecond))
	}
	b.waitFor("the warning says the aircraft entered and the map marks the violation",
		fmt.Sprintf(`document.querySelector('#alert-list li.kind-warning[data-object=%q][data-zone="idlib-no-fly"] .eta')?.textContent === 'entered the zone' &&
		 document.querySelector('path.sz-alert.kind-violation')`, object),
		`document.querySelector('#alert-list li.kind-warning[data-zone="idlib-no-fly"] .eta')?.textContent`, 3*time.Second)
	b.checkClean()

	// Signed in (with the ledger key), the map shows live aircraft with
	// their predicted paths, and checks the checkpoint's signature.
	b.run("sign in",
		chromedp.Click(chromedp.CSS(`#signin-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#signin-token`)),
		chromedp.SendKeys(chromedp.CSS(`#signin-token`), testToken),
		chromedp.SetValue(chromedp.CSS(`#signin-ledger-key`), ledgerKey[1]),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.waitFor("signed in after the reload", `document.body.dataset.ready === 'true' && document.getElementById('who').textContent.includes('operator')`,
		`document.getElementById('who').textContent`, 20*time.Second)
	b.waitFor("the test aircraft is drawn with its predicted path",
		fmt.Sprintf(`document.querySelector('.sz-aircraft[data-object-id=%q]') &&
		 [...document.querySelectorAll('path.sz-predicted')].some((p) => (p.getAttribute('d') || '').length > 10)`, object),
		`[...document.querySelectorAll('.sz-aircraft')].map((e) => e.dataset.objectId)`, 10*time.Second)
	b.clickShape(`path[data-zone-id="idlib-no-fly"]`)
	b.waitFor("the no-fly zone's panel counts the violation and verifies the signed checkpoint",
		`document.getElementById('panel-title').textContent.includes('no-fly') &&
		 /[1-9]\d* violations/.test(document.getElementById('zone-alerts')?.textContent || '') &&
		 document.getElementById('ledger-status')?.dataset.state === 'verified' &&
		 document.getElementById('ledger-status').textContent.includes('signature is valid')`,
		`document.getElementById('panel').innerText`, 10*time.Second)
	b.clickShape(`path[data-zone-id="eastern-aleppo-safe-area"]`)
	b.waitFor("eastern Aleppo's panel again, its checkpoint signature checked",
		`document.getElementById('panel-title').textContent.includes('Aleppo') &&
		 document.querySelector('#zone-consent .awaiting')?.textContent.includes('russia') &&
		 document.getElementById('ledger-status')?.textContent.includes('signature is valid')`,
		`document.getElementById('panel').innerText`, 10*time.Second)
	b.checkClean()
	b.screenshot(filepath.Join(art, "map-2-live.png"))
}

// TestMapReplay moves the time slider with the keyboard and by value: the
// map replays the zones in force at the chosen day (none before the
// scenario's start), and End returns to live.
func TestMapReplay(t *testing.T) {
	chromiumPath(t)
	base := startDemo(t)
	b := newBrowser(t, base)
	b.run("open the page", chromedp.Navigate(base+"/"))
	b.waitFor("the page is ready", `document.body.dataset.ready === 'true' && document.querySelectorAll('path.sz-zone').length > 0`,
		`document.body.dataset.ready`, 20*time.Second)
	live := eval[int](b, `document.querySelectorAll('path.sz-zone').length`)

	// Home goes to the slider's start (2016-01-01), before every zone.
	b.run("Home on the slider", chromedp.Focus(chromedp.CSS(`#time-slider`)), chromedp.KeyEvent(kb.Home))
	b.waitFor("no zone was in force in January 2016", `document.getElementById('time-label').textContent === '2016-01-01' &&
		document.querySelectorAll('path.sz-zone').length === 0 && document.body.classList.contains('replay')`,
		`[document.getElementById('time-label').textContent, document.querySelectorAll('path.sz-zone').length]`, 10*time.Second)

	var then featureIDs
	apiJSON(t, "GET", base+"/v1/zones?as_of=2018-01-01T23:59:59Z&limit=10000", "", &then)
	eval[bool](b, `(() => { const s = document.getElementById('time-slider'); s.value = String(Date.UTC(2018, 0, 1) / 86400000);
		s.dispatchEvent(new Event('input')); return true; })()`)
	b.waitFor("the zones in force on 2018-01-01 are drawn", fmt.Sprintf(`document.getElementById('time-label').textContent === '2018-01-01' &&
		document.querySelectorAll('path.sz-zone').length === %d`, len(then.Features)),
		`document.querySelectorAll('path.sz-zone').length`, 10*time.Second)

	b.run("End", chromedp.KeyEvent(kb.End))
	b.waitFor("End returns to live", fmt.Sprintf(`document.getElementById('time-label').textContent === 'Live' &&
		document.querySelectorAll('path.sz-zone').length === %d && !document.body.classList.contains('replay')`, live),
		`document.getElementById('time-label').textContent`, 10*time.Second)
	b.checkClean()
}
