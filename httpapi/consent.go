package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

func (s *Server) registerConsentRoutes(mux *http.ServeMux) {
	if s.Consent == nil {
		return
	}
	mux.HandleFunc("GET /v1/zones/{id}/policy", s.handleGetPolicy)
	mux.HandleFunc("PUT /v1/zones/{id}/policy", s.handleSetPolicy)
	mux.HandleFunc("GET /v1/zones/{id}/roles", s.handleListRoles)
	mux.HandleFunc("POST /v1/zones/{id}/roles", s.handleAssignRole)
	mux.HandleFunc("DELETE /v1/zones/{id}/roles/{party}/{role}", s.handleRemoveRole)
	mux.HandleFunc("GET /v1/zones/{id}/decisions", s.handleListDecisions)
	mux.HandleFunc("POST /v1/zones/{id}/decisions", s.handleRecordDecision)
	mux.HandleFunc("GET /v1/zones/{id}/summary", s.handleZoneSummary)
}

// handleGetPolicy serves GET /v1/zones/{id}/policy: the effective consent
// policy, where it comes from, and every explicit setting.
func (s *Server) handleGetPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.Consent.ZonePolicy(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type policyRequest struct {
	Policy json.RawMessage `json:"policy"`
	Reason string          `json:"reason"`
}

type policyResponse struct {
	*safezones.ZonePolicy
	// StatusChanges are the versions the new policy let into force.
	StatusChanges []safezones.StatusChange `json:"status_changes"`
}

// handleSetPolicy serves PUT /v1/zones/{id}/policy (operator): sets the
// consent policy of every version of the zone.
func (s *Server) handleSetPolicy(w http.ResponseWriter, r *http.Request) {
	a, err := authorizeOperator(r, "set consent policies")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req policyRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Policy) == 0 {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "policy", `policy is required, for example {"all":["syria"]}`))
		return
	}
	p, err := safezones.ParseConsentPolicy(req.Policy)
	if err != nil {
		s.writeError(w, r, safezones.WithFieldPrefix(err, "policy"))
		return
	}
	zp, changes, err := s.Consent.SetZonePolicy(r.Context(), r.PathValue("id"), p, a.Name(), req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if changes == nil {
		changes = []safezones.StatusChange{}
	}
	writeJSON(w, http.StatusOK, policyResponse{ZonePolicy: zp, StatusChanges: changes})
}

// authorizeOperator refuses anyone but the operator, saying what for.
func authorizeOperator(r *http.Request, what string) (safezones.Actor, error) {
	a, err := actor(r.Context())
	if err != nil {
		return a, err
	}
	if !a.Operator {
		return a, safezones.Errorf(safezones.CodeForbidden, "only the operator may %s", what)
	}
	return a, nil
}

// handleListRoles serves GET /v1/zones/{id}/roles: every role assignment,
// removed ones included.
func (s *Server) handleListRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := s.Consent.ZoneRoles(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zone_id": r.PathValue("id"), "roles": roles})
}

type zoneRoleRequest struct {
	PartyID string              `json:"party_id"`
	Role    safezones.PartyRole `json:"role"`
}

// handleAssignRole serves POST /v1/zones/{id}/roles (operator).
func (s *Server) handleAssignRole(w http.ResponseWriter, r *http.Request) {
	a, err := authorizeOperator(r, "assign zone roles")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req zoneRoleRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	role, err := s.Consent.AssignZoneRole(r.Context(), r.PathValue("id"), req.PartyID, req.Role, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, role)
}

// handleRemoveRole serves DELETE /v1/zones/{id}/roles/{party}/{role}
// (operator): the assignment ends; its record stays.
func (s *Server) handleRemoveRole(w http.ResponseWriter, r *http.Request) {
	a, err := authorizeOperator(r, "remove zone roles")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	role, err := s.Consent.RemoveZoneRole(r.Context(), r.PathValue("id"), r.PathValue("party"), safezones.PartyRole(r.PathValue("role")), a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, role)
}

// handleListDecisions serves GET /v1/zones/{id}/decisions: every signed
// decision on the zone in the order recorded, with payload and signature.
func (s *Server) handleListDecisions(w http.ResponseWriter, r *http.Request) {
	ds, err := s.Consent.Decisions(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zone_id": r.PathValue("id"), "decisions": ds})
}

type versionState struct {
	ID      string           `json:"id"`
	Version int              `json:"version"`
	Hash    string           `json:"hash"`
	Status  safezones.Status `json:"status"`
}

type decisionResponse struct {
	Decision      *safezones.Decision      `json:"decision"`
	Zone          versionState             `json:"zone"`
	StatusChanges []safezones.StatusChange `json:"status_changes"`
	Awaiting      []string                 `json:"awaiting"`
}

// handleRecordDecision serves POST /v1/zones/{id}/decisions: a signed
// decision, posted by a signer (or admin) of the party that signed it, or
// relayed by the operator.
func (s *Server) handleRecordDecision(w http.ResponseWriter, r *http.Request) {
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	var sd safezones.SignedDecision
	if err := s.decodeBody(w, r, &sd); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _, err := consent.DecodePayload(sd.Payload)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.ZoneID != r.PathValue("id") {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "payload.zone_id",
			"the payload names zone %q, the path zone %q", p.ZoneID, r.PathValue("id")))
		return
	}
	a, err := authorize(r.Context(), p.PartyID, safezones.RoleSigner, "sign decisions")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Consent.RecordDecision(r.Context(), sd, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.Changes == nil {
		res.Changes = []safezones.StatusChange{}
	}
	for _, ch := range res.Changes {
		s.logger().Info("zone status changed by consent", "zone_id", ch.ZoneID, "version", ch.Version, "status", ch.Status, "party", p.PartyID)
	}
	writeJSON(w, http.StatusCreated, decisionResponse{Decision: res.Decision,
		Zone:          versionState{ID: res.Zone.ID, Version: res.Zone.Version, Hash: res.Zone.Hash, Status: res.Zone.Status},
		StatusChanges: res.Changes, Awaiting: res.Awaiting})
}

// handleZoneSummary serves GET /v1/zones/{id}/summary: consent per version
// and party, and pledged against delivered.
func (s *Server) handleZoneSummary(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	versions, _, err := s.Zones.ZoneHistory(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pol, err := s.Consent.ZonePolicy(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	roles, err := s.Consent.ZoneRoles(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, err := s.Consent.Decisions(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var cs []safezones.Commitment
	if s.Commitments != nil {
		if cs, err = s.Commitments.Commitments(ctx, id); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, consent.Summarize(id, versions, pol, roles, ds, cs))
}
