package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safezones/safezones"
)

// Limits of webhook subscriptions.
const (
	maxWebhookURL        = 2048
	defaultDeliveryLimit = 100
	maxDeliveryLimit     = 1000
)

// registerWebhookRoutes registers the webhook routes always; without
// Webhooks they answer 503 (see registerAlertRoutes).
func (s *Server) registerWebhookRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/webhooks", s.handleCreateWebhook)
	mux.HandleFunc("GET /v1/webhooks", s.handleListWebhooks)
	mux.HandleFunc("DELETE /v1/webhooks/{id}", s.handleDisableWebhook)
	mux.HandleFunc("GET /v1/webhooks/{id}/deliveries", s.handleWebhookDeliveries)
}

func (s *Server) webhooksAvailable() error {
	if s.Webhooks == nil {
		return safezones.Errorf(safezones.CodeUnavailable, "this server sends no webhooks (no webhook store is configured)")
	}
	return nil
}

type webhookRequest struct {
	// PartyID defaults to the acting member's party; the operator names
	// one (or subscribes as "operator").
	PartyID string                `json:"party_id"`
	URL     string                `json:"url"`
	Kinds   []safezones.AlertKind `json:"kinds"`
	ZoneIDs []string              `json:"zone_ids"`
}

// validate checks the request's URL and filters; check is the deployment's
// target allow-list (nil: any absolute http or https URL).
func (req *webhookRequest) validate(check func(string) error) error {
	u, err := url.Parse(req.URL)
	switch {
	case req.URL == "":
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url is required")
	case len(req.URL) > maxWebhookURL:
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url is longer than %d bytes", maxWebhookURL)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url must be an absolute http or https URL, got %q", req.URL)
	case u.User != nil:
		return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url must not carry credentials; the deliveries are signed instead")
	}
	if check != nil {
		if err := check(req.URL); err != nil {
			if safezones.ErrorCode(err) == safezones.CodeInvalid {
				return err // already says which part of the url, and why
			}
			return safezones.FieldErrorf(safezones.CodeInvalid, "url", "url is not an allowed webhook target: %v", err)
		}
	}
	for i, k := range req.Kinds {
		if !safezones.ValidAlertKind(k) {
			return safezones.FieldErrorf(safezones.CodeInvalid, "kinds["+strconv.Itoa(i)+"]", "kind %q is not one of violation, violation_end, warning, warning_cancelled", k)
		}
	}
	for i, z := range req.ZoneIDs {
		if strings.TrimSpace(z) == "" {
			return safezones.FieldErrorf(safezones.CodeInvalid, "zone_ids["+strconv.Itoa(i)+"]", "zone id is empty")
		}
	}
	return nil
}

// handleCreateWebhook serves POST /v1/webhooks: an admin of a party
// subscribes its party (the operator any party) to alerts by signed HTTP
// POST. The answer carries the signing secret, once.
func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req webhookRequest
	if err := s.readStrict(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.PartyID == "" {
		req.PartyID = a.PartyID
	}
	if _, err := authorize(r.Context(), req.PartyID, safezones.RoleAdmin, "manage webhooks"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.validate(s.WebhookTargetCheck); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.webhooksAvailable(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.PartyID != safezones.OperatorPartyID && s.Parties != nil {
		if _, err := s.Parties.Party(r.Context(), req.PartyID); safezones.ErrorCode(err) == safezones.CodeNotFound {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "party_id", "party %q does not exist", req.PartyID))
			return
		} else if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	sub, err := s.Webhooks.CreateWebhook(r.Context(), &safezones.WebhookSubscription{
		PartyID: req.PartyID, URL: req.URL, Kinds: req.Kinds, ZoneIDs: req.ZoneIDs, Created: s.now()})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logger().Info("webhook created", "webhook", sub.ID, "party", sub.PartyID, "by", a.PartyID, "member", a.MemberID)
	w.Header().Set("Location", "/v1/webhooks/"+sub.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, sub)
}

// handleListWebhooks serves GET /v1/webhooks: the acting party's
// subscriptions (the operator's: every party's, or ?party=), for members
// with the role viewer or above. Secrets are never listed.
func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"party"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	party := q.Get("party")
	if party == "" && !a.Operator {
		party = a.PartyID
	}
	if party != "" {
		if _, err := authorize(r.Context(), party, safezones.RoleViewer, "list webhooks"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.webhooksAvailable(); err != nil {
		s.writeError(w, r, err)
		return
	}
	subs, err := s.Webhooks.Webhooks(r.Context(), party)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if subs == nil {
		subs = []safezones.WebhookSubscription{}
	}
	for i := range subs {
		subs[i].Secret = "" // whatever the store returned
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": subs})
}

// ownWebhook returns subscription id when the actor may act on it with
// role need: the operator always, a member of the owning party with the
// role. Another party's subscription is not_found, so that its existence
// does not leak.
func (s *Server) ownWebhook(r *http.Request, id string, need safezones.MemberRole, what string) (*safezones.WebhookSubscription, error) {
	a, err := actor(r.Context())
	if err != nil {
		return nil, err
	}
	if err := s.webhooksAvailable(); err != nil {
		return nil, err
	}
	sub, err := s.Webhooks.Webhook(r.Context(), id)
	if err != nil {
		return nil, err
	}
	sub.Secret = ""
	if !a.Operator && a.PartyID != sub.PartyID {
		return nil, safezones.Errorf(safezones.CodeNotFound, "webhook %q not found", id)
	}
	if _, err := authorize(r.Context(), sub.PartyID, need, what); err != nil {
		return nil, err
	}
	return sub, nil
}

// handleDisableWebhook serves DELETE /v1/webhooks/{id}: stops deliveries
// to a subscription (its receipts stay), for an admin of its party or the
// operator. It answers the disabled subscription.
func (s *Server) handleDisableWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	sub, err := s.ownWebhook(r, id, safezones.RoleAdmin, "manage webhooks")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Webhooks.DisableWebhook(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, _ := actor(r.Context())
	s.logger().Info("webhook disabled", "webhook", id, "party", sub.PartyID, "by", a.PartyID, "member", a.MemberID)
	sub.Disabled = true
	writeJSON(w, http.StatusOK, sub)
}

// handleWebhookDeliveries serves GET /v1/webhooks/{id}/deliveries: the
// subscription's deliveries (receipts) after ?after, for members of its
// party with the role viewer or above, and the operator.
func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, []string{"after", "limit"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	var after int64
	if v := q.Get("after"); v != "" {
		var err error
		if after, err = parseSeq(v, "after"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	limit, err := parseInt(q, "limit", defaultDeliveryLimit, maxDeliveryLimit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if limit < 1 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "limit", "limit must be at least 1"))
		return
	}
	id := r.PathValue("id")
	if _, err := s.ownWebhook(r, id, safezones.RoleViewer, "read webhook deliveries"); err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, err := s.Webhooks.Deliveries(r.Context(), id, after, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ds == nil {
		ds = []safezones.WebhookDelivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook_id": id, "deliveries": ds})
}
