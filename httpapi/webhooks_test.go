package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/webhooks"
)

// TestWebhookAuthorization drives the webhook routes as members of two
// parties and the operator: a party manages only its own subscriptions
// and cannot see, read or disable another's.
func TestWebhookAuthorization(t *testing.T) {
	w := newWorld(t)
	store := alerts.NewMemoryStore()
	srv := w.server()
	srv.Alerts, srv.Webhooks = store, store
	srv.WebhookTargetCheck = func(u string) error {
		if strings.Contains(u, "127.0.0.1") || strings.Contains(u, "localhost") {
			return errors.New("loopback targets are not allowed")
		}
		return nil
	}
	a := newAPITest(t, srv)
	op := testToken
	syriaAdmin, syriaViewer, russiaAdmin := w.tokens["syria-admin"], w.tokens["syria-viewer"], w.tokens["russia-admin"]
	body := func(s string) []byte { return []byte(s) }

	// Create: an admin for its own party; the secret is shown once.
	r := a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 201,
		body: body(`{"url":"https://ops.syria.example/hook","kinds":["violation"],"zone_ids":["aleppo"]}`)})
	created := r.json(t)
	id, secret := created["id"].(string), created["secret"].(string)
	if created["party_id"] != "syria" || secret == "" || r.header.Get("Location") != "/v1/webhooks/"+id || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("POST /v1/webhooks = %v, Location %q, Cache-Control %q", created, r.header.Get("Location"), r.header.Get("Cache-Control"))
	}
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaViewer, status: 403, body: body(`{"url":"https://ops.syria.example/v"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 403, body: body(`{"party_id":"russia","url":"https://ops.syria.example/r"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 400, body: body(`{"url":"https://127.0.0.1:9/hook"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 400, body: body(`{"url":"ftp://ops.syria.example/x"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 400, body: body(`{"url":"https://user:pw@ops.syria.example/x"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 400, invalid: true, body: body(`{"url":"https://ops.syria.example/x","kinds":["strike"]}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: syriaAdmin, status: 400, invalid: true, body: body(`{}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", status: 401, invalid: true, body: body(`{"url":"https://ops.syria.example/x"}`)})
	a.do(call{method: "POST", path: "/v1/webhooks", token: op, status: 400, body: body(`{"party_id":"nobody","url":"https://x.example/"}`)})
	r = a.do(call{method: "POST", path: "/v1/webhooks", token: op, status: 201, body: body(`{"party_id":"russia","url":"https://ops.russia.example/hook"}`)})
	russiaID := r.json(t)["id"].(string)

	// List: own party only; never a secret.
	list := func(token, query string) []any {
		t.Helper()
		r := a.do(call{method: "GET", path: "/v1/webhooks" + query, token: token, status: 200})
		if strings.Contains(string(r.body), secret) {
			t.Errorf("GET /v1/webhooks%s shows a secret", query)
		}
		return r.json(t)["webhooks"].([]any)
	}
	if ws := list(syriaViewer, ""); len(ws) != 1 || ws[0].(map[string]any)["id"] != id {
		t.Errorf("syria sees %v, want its own subscription only", ws)
	}
	if ws := list(russiaAdmin, ""); len(ws) != 1 || ws[0].(map[string]any)["id"] != russiaID {
		t.Errorf("russia sees %v, want its own subscription only", ws)
	}
	if ws := list(op, ""); len(ws) != 2 {
		t.Errorf("the operator sees %d subscriptions, want 2", len(ws))
	}
	if ws := list(op, "?party=syria"); len(ws) != 1 {
		t.Errorf("the operator sees %d of syria's subscriptions, want 1", len(ws))
	}
	a.do(call{method: "GET", path: "/v1/webhooks?party=syria", token: russiaAdmin, status: 403})
	a.do(call{method: "GET", path: "/v1/webhooks", status: 401, invalid: true})

	// Deliveries: an alert for the subscription's zone and kind is queued.
	if err := store.AppendAlerts(context.Background(), []safezones.Alert{
		{Kind: safezones.AlertViolation, ObjectID: "x", ZoneID: "aleppo", ZoneVersion: 1, ZoneKind: safezones.KindNoFly, Source: safezones.Source{Kind: safezones.SourceSimulated}},
		{Kind: safezones.AlertWarning, ObjectID: "x", ZoneID: "aleppo", ZoneVersion: 1, ZoneKind: safezones.KindNoFly, Source: safezones.Source{Kind: safezones.SourceSimulated}},
	}); err != nil {
		t.Fatal(err)
	}
	ds := a.do(call{method: "GET", path: "/v1/webhooks/" + id + "/deliveries", token: syriaViewer, status: 200}).json(t)["deliveries"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["alert_seq"] != 1.0 || ds[0].(map[string]any)["state"] != "pending" {
		t.Errorf("syria's deliveries = %v, want alert 1 pending", ds)
	}
	a.do(call{method: "GET", path: "/v1/webhooks/" + id + "/deliveries", token: op, status: 200})
	a.do(call{method: "GET", path: "/v1/webhooks/" + id + "/deliveries", token: russiaAdmin, status: 404})
	a.do(call{method: "GET", path: "/v1/webhooks/nothing/deliveries", token: op, status: 404})

	// Disable: an admin of the owning party or the operator.
	a.do(call{method: "DELETE", path: "/v1/webhooks/" + id, token: russiaAdmin, status: 404})
	a.do(call{method: "DELETE", path: "/v1/webhooks/" + id, token: syriaViewer, status: 403})
	if got, _ := store.Webhook(context.Background(), id); got.Disabled {
		t.Fatal("a refused DELETE disabled the subscription")
	}
	r = a.do(call{method: "DELETE", path: "/v1/webhooks/" + id, token: syriaAdmin, status: 200})
	if d := r.json(t); d["disabled"] != true || d["secret"] != nil {
		t.Errorf("DELETE answer %v, want disabled and no secret", d)
	}
	if ws := list(syriaViewer, ""); len(ws) != 1 || ws[0].(map[string]any)["disabled"] != true {
		t.Errorf("after DELETE syria sees %v", ws)
	}
	a.do(call{method: "DELETE", path: "/v1/webhooks/" + russiaID, token: op, status: 200})
	a.do(call{method: "DELETE", path: "/v1/webhooks/nothing", token: op, status: 404})
}

// TestWebhookRefusedTargetSaysWhy: the dispatcher's own check refuses a
// private address, and the answer names the field and the reason once.
func TestWebhookRefusedTargetSaysWhy(t *testing.T) {
	w := newWorld(t)
	store := alerts.NewMemoryStore()
	srv := w.server()
	srv.Alerts, srv.Webhooks = store, store
	srv.WebhookTargetCheck = func(u string) error { return webhooks.CheckTarget(context.Background(), u) }
	a := newAPITest(t, srv)
	r := a.do(call{method: "POST", path: "/v1/webhooks", token: testToken, status: 400, body: []byte(`{"url":"http://10.0.0.5/hook"}`)})
	e := r.json(t)["error"].(map[string]any)
	msg := e["message"].(string)
	if e["field"] != "url" || !strings.Contains(msg, "10.0.0.5 is a private address") || strings.Contains(msg, "url: url") {
		t.Errorf("refusal = %v", e)
	}
}
