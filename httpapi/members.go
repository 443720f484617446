package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

func (s *Server) registerMemberRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/me", s.handleMe)
	if s.Members != nil {
		mux.HandleFunc("GET /v1/parties/{id}/members", s.handleListMembers)
		mux.HandleFunc("POST /v1/parties/{id}/members", s.handleCreateMember)
		mux.HandleFunc("POST /v1/parties/{id}/members/{member}/role", s.handleSetMemberRole)
		mux.HandleFunc("POST /v1/parties/{id}/members/{member}/tokens", s.handleCreateToken)
		mux.HandleFunc("GET /v1/parties/{id}/tokens", s.handleListTokens)
		mux.HandleFunc("POST /v1/parties/{id}/tokens/{token}/revoke", s.handleRevokeToken)
	}
	if s.Keys != nil {
		mux.HandleFunc("GET /v1/parties/{id}/keys", s.handleListKeys)
		mux.HandleFunc("POST /v1/parties/{id}/keys", s.handleRegisterKey)
		mux.HandleFunc("POST /v1/parties/{id}/keys/{key}/revoke", s.handleRevokeKey)
	}
}

// actor returns the request's actor, or unauthorized.
func actor(ctx context.Context) (safezones.Actor, error) {
	a, ok := safezones.ActorFromContext(ctx)
	if !ok {
		return a, safezones.Errorf(safezones.CodeUnauthorized, "this request needs a bearer token")
	}
	return a, nil
}

// authorize lets the request act for partyID with at least role need:
// the operator always, a member only for its own party and with the role.
// what says what is being done, for the error: "sign decisions".
func authorize(ctx context.Context, partyID string, need safezones.MemberRole, what string) (safezones.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return a, err
	}
	switch {
	case a.ActsFor(partyID, need):
		return a, nil
	case a.PartyID != partyID:
		return a, safezones.Errorf(safezones.CodeForbidden, "a member of %s cannot %s for %s", a.PartyID, what, partyID)
	}
	return a, safezones.Errorf(safezones.CodeForbidden, "to %s needs the role %s or above; member %s of %s is a %s", what, need, a.MemberID, a.PartyID, a.Role)
}

type meResponse struct {
	PartyID  string               `json:"party_id"`
	MemberID string               `json:"member_id,omitempty"`
	Role     safezones.MemberRole `json:"role"`
	Operator bool                 `json:"operator"`
	TokenID  string               `json:"token_id,omitempty"`
}

// handleMe serves GET /v1/me: who the bearer token stands for.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{PartyID: a.PartyID, MemberID: a.MemberID, Role: a.Role, Operator: a.Operator, TokenID: a.TokenID})
}

// handleListMembers serves GET /v1/parties/{id}/members: a restricted
// read, for the party's own members and the operator.
func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	if _, err := authorize(r.Context(), party, safezones.RoleViewer, "list the members"); err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, err := s.Members.ListMembers(r.Context(), party)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"party_id": party, "members": ms})
}

type memberRequest struct {
	ID   string               `json:"id"`
	Name string               `json:"name"`
	Role safezones.MemberRole `json:"role"`
}

// checkGrant refuses to give a role above the actor's own.
func checkGrant(a safezones.Actor, role safezones.MemberRole) error {
	if !a.Operator && role.Valid() && !a.Role.Includes(role) {
		return safezones.FieldErrorf(safezones.CodeForbidden, "role", "member %s is a %s and cannot grant the role %s, which is above its own", a.MemberID, a.Role, role)
	}
	return nil
}

// handleCreateMember serves POST /v1/parties/{id}/members (an admin of
// the party, or the operator).
func (s *Server) handleCreateMember(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := authorize(r.Context(), party, safezones.RoleAdmin, "manage members")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req memberRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkGrant(a, req.Role); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Members.CreateMember(r.Context(), &safezones.Member{ID: req.ID, PartyID: party, Name: req.Name, Role: req.Role, CreatedBy: a.Name()})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/parties/"+party+"/members/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
}

// partyMember returns member id of party, or not_found when it is not one.
func (s *Server) partyMember(ctx context.Context, party, id string) (*safezones.Member, error) {
	m, err := s.Members.Member(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.PartyID != party {
		return nil, safezones.Errorf(safezones.CodeNotFound, "party %q has no member %q", party, id)
	}
	return m, nil
}

type roleRequest struct {
	Role safezones.MemberRole `json:"role"`
}

// handleSetMemberRole serves POST /v1/parties/{id}/members/{member}/role
// (an admin of the party, or the operator; nobody raises a role above
// their own).
func (s *Server) handleSetMemberRole(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := authorize(r.Context(), party, safezones.RoleAdmin, "manage members")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req roleRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkGrant(a, req.Role); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.partyMember(r.Context(), party, r.PathValue("member")); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Members.SetMemberRole(r.Context(), r.PathValue("member"), req.Role, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

type tokenRequest struct {
	Name string `json:"name"`
	// ExpiresAt is when the token stops working; 90 days from now when
	// absent.
	ExpiresAt string `json:"expires_at"`
}

type tokenCreated struct {
	safezones.Token
	// Secret is the bearer token itself: shown this once, never stored.
	Secret string `json:"token"`
}

// handleCreateToken serves POST /v1/parties/{id}/members/{member}/tokens
// (an admin of the party, or the operator). The token is in the response
// once and never again.
func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := authorize(r.Context(), party, safezones.RoleAdmin, "issue tokens")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req tokenRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	exp, err := parseTime(req.ExpiresAt, "expires_at")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.partyMember(r.Context(), party, r.PathValue("member"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var expiresAt time.Time
	if exp != nil {
		expiresAt = *exp
	}
	t, plain, err := s.Members.CreateToken(r.Context(), m.ID, req.Name, expiresAt, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tokenCreated{Token: *t, Secret: plain})
}

// handleListTokens serves GET /v1/parties/{id}/tokens: the metadata of
// the party's tokens, never their secrets (an admin of the party, or the
// operator).
func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	if _, err := authorize(r.Context(), party, safezones.RoleAdmin, "list tokens"); err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := s.Members.ListTokens(r.Context(), party)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"party_id": party, "tokens": ts})
}

// handleRevokeToken serves POST /v1/parties/{id}/tokens/{token}/revoke:
// an admin of the party, the operator, or the token's own member.
func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !a.Operator && a.PartyID != party {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden, "a member of %s cannot revoke tokens for %s", a.PartyID, party))
		return
	}
	t, err := s.Members.Token(r.Context(), r.PathValue("token"))
	if err == nil && t.PartyID != party {
		err = safezones.Errorf(safezones.CodeNotFound, "party %q has no token %q", party, r.PathValue("token"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !a.ActsFor(party, safezones.RoleAdmin) && a.MemberID != t.MemberID {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden,
			"member %s may revoke its own tokens only; revoking another member's token needs the role admin", a.MemberID))
		return
	}
	t, err = s.Members.RevokeToken(r.Context(), t.ID, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// handleListKeys serves GET /v1/parties/{id}/keys: the party's public
// keys, revoked ones included (public, like the ledger that logs them).
func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.Keys.PartyKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"party_id": r.PathValue("id"), "keys": ks})
}

type keyRequest struct {
	// PublicKey is the base64 ed25519 public key that
	// `safezones keys generate` printed.
	PublicKey string `json:"public_key"`
}

// handleRegisterKey serves POST /v1/parties/{id}/keys (an admin of the
// party, or the operator): the public half of a key pair made on the
// party's side.
func (s *Server) handleRegisterKey(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := authorize(r.Context(), party, safezones.RoleAdmin, "register signing keys")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req keyRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	pub, err := consent.ParsePublicKey(req.PublicKey)
	if err != nil {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "public_key", "%v", err))
		return
	}
	k, err := s.Keys.RegisterKey(r.Context(), party, pub, a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/v1/parties/%s/keys", party))
	writeJSON(w, http.StatusCreated, k)
}

// handleRevokeKey serves POST /v1/parties/{id}/keys/{key}/revoke (an admin
// of the party, or the operator). Decisions signed with the key are
// refused from now on; those recorded before stay valid.
func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	party := r.PathValue("id")
	a, err := authorize(r.Context(), party, safezones.RoleAdmin, "revoke signing keys")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	k, err := s.Keys.RevokeKey(r.Context(), party, r.PathValue("key"), a.Name())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, k)
}

// decodeBody reads a small JSON object body, refusing unknown fields.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}
