package webhooks_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/webhooks"
)

// TestCheckTarget: internal addresses are refused unless allow-listed;
// public ones pass. Only address literals and "localhost" are used, so no
// DNS query leaves the machine.
func TestCheckTarget(t *testing.T) {
	ctx := context.Background()
	allow, err := webhooks.ParseAllowlist([]string{"127.0.0.1/32", "10.0.0.0/8", "::1", "LocalHost."})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url         string
		open, allow bool // passes with no allow-list; passes with allow
	}{
		{"http://127.0.0.1:8080/hook", false, true},
		{"http://127.0.0.2/", false, false},
		{"http://10.1.2.3/", false, true},
		{"http://172.16.0.1/", false, false},
		{"http://192.168.1.1/", false, false},
		{"http://169.254.169.254/latest/meta-data/", false, false},
		{"http://[::1]:9000/", false, true},
		{"http://[fc00::1]/", false, false},
		{"http://[fe80::1]/", false, false},
		{"http://0.0.0.0/", false, false},
		{"http://[::]/", false, false},
		{"http://224.0.0.1/", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://[::ffff:127.0.0.1]/", false, true},
		{"http://[64:ff9b::a00:1]/", false, false}, // NAT64 form of 10.0.0.1: judged as IPv6, not in 10/8
		{"http://[64:ff9b::808:808]/", true, true}, // NAT64 form of 8.8.8.8
		{"http://localhost:8080/", false, true},
		{"https://8.8.8.8/hook", true, true},
		{"https://[2001:4860:4860::8888]/", true, true},
		{"ftp://8.8.8.8/", false, false},
		{"8.8.8.8/hook", false, false},
		{"http:///nohost", false, false},
	}
	for _, tc := range cases {
		for _, a := range []struct {
			name string
			list *webhooks.Allowlist
			want bool
		}{{"no allow-list", nil, tc.open}, {"allow-list", allow, tc.allow}} {
			err := a.list.CheckTarget(ctx, tc.url)
			if (err == nil) != a.want {
				t.Errorf("%s: CheckTarget(%s) = %v, want allowed %v", a.name, tc.url, err, a.want)
			}
			if err != nil && safezones.ErrorCode(err) != safezones.CodeInvalid {
				t.Errorf("%s: CheckTarget(%s) = %v, want code invalid", a.name, tc.url, err)
			}
		}
	}
	if err := webhooks.CheckTarget(ctx, "http://169.254.169.254/"); err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Errorf("CheckTarget(metadata address) = %v, want a refusal naming link-local", err)
	}
}

func TestCheckAddr(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fd12::1", "::ffff:192.168.0.1", "2002:a00:1::1"} {
		if err := (*webhooks.Allowlist)(nil).CheckAddr(netip.MustParseAddr(s)); !errors.Is(err, webhooks.ErrForbiddenTarget) {
			t.Errorf("CheckAddr(%s) = %v, want ErrForbiddenTarget", s, err)
		}
	}
}

func TestParseAllowlistRefuses(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "not a host", "-bad.example", "a..b", ""} {
		if _, err := webhooks.ParseAllowlist([]string{"127.0.0.1", bad}); err == nil || !strings.Contains(err.Error(), "[1]") {
			t.Errorf("ParseAllowlist(%q) = %v, want an error naming entry [1]", bad, err)
		}
	}
}

// TestDispatcherRefusesInternalTarget: with no allow-list, a receiver on
// 127.0.0.1 gets nothing: the connection is refused at dial time, also
// when the URL names the host "localhost" (resolved when dialled), and the
// receipt says why. Allow-listing the name lets the delivery through.
func TestDispatcherRefusesInternalTarget(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			db, _ := newDB(t)
			rc := newReceiver(t, nil)
			subscribe(t, db, "ops", strings.Replace(rc.srv.URL, "127.0.0.1", host, 1))
			appendAlerts(t, db, 1)
			opts := testOptions()
			opts.Allow = nil
			reg := prometheus.NewRegistry()
			opts.Registerer = reg
			_, stop := start(t, db, opts)
			waitFor(t, "a refused attempt", func() bool { return deliveries(t, db, "ops")[0].Attempts >= 1 })
			stop()
			d := deliveries(t, db, "ops")[0]
			if d.State != safezones.DeliveryPending || d.LastStatus != 0 || !strings.Contains(d.LastError, "loopback") {
				t.Errorf("receipt %+v; want pending for a retry, no status, an error naming loopback", d)
			}
			if n := len(rc.requests()); n != 0 {
				t.Errorf("receiver got %d requests, want none", n)
			}

			opts = testOptions()
			opts.Allow = []string{host}
			start(t, db, opts)
			waitFor(t, "delivery once allow-listed", settled(t, db, "ops"))
			if ids := rc.ids(); len(ids) != 1 {
				t.Errorf("receiver got %v after allow-listing %s, want [al-1]", ids, host)
			}
		})
	}
}

// TestRedirectNotFollowed: a 3xx answer is a failed attempt; the target
// it names is not contacted.
func TestRedirectNotFollowed(t *testing.T) {
	db, _ := newDB(t)
	elsewhere := newReceiver(t, nil)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, elsewhere.srv.URL, http.StatusTemporaryRedirect)
	})
	subscribe(t, db, "ops", rc.srv.URL)
	appendAlerts(t, db, 1)
	_, stop := start(t, db, testOptions())
	waitFor(t, "two attempts", func() bool { return len(rc.requests()) >= 2 })
	stop()
	d := deliveries(t, db, "ops")[0]
	if d.State != safezones.DeliveryPending || d.LastStatus != http.StatusTemporaryRedirect {
		t.Errorf("receipt %+v; want pending with status 307", d)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("redirect target got %d requests, want none", n)
	}
}
