package httpapi

import (
	"net/http"

	"github.com/safezones/safezones"
)

func (s *Server) registerPartyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/parties", s.handleListParties)
	mux.HandleFunc("POST /v1/parties", s.handleCreateParty)
	mux.HandleFunc("GET /v1/parties/{id}", s.handleGetParty)
}

// handleListParties serves GET /v1/parties.
func (s *Server) handleListParties(w http.ResponseWriter, r *http.Request) {
	ps, err := s.Parties.ListParties(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ps == nil {
		ps = []safezones.Party{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"parties": ps})
}

// handleGetParty serves GET /v1/parties/{id}.
func (s *Server) handleGetParty(w http.ResponseWriter, r *http.Request) {
	p, err := s.Parties.Party(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

type partyRequest struct {
	ID      string              `json:"id"`
	Name    string              `json:"name"`
	Kind    safezones.PartyKind `json:"kind"`
	Country string              `json:"country"`
	Source  safezones.Source    `json:"source"`
}

// handleCreateParty serves POST /v1/parties (operator only).
func (s *Server) handleCreateParty(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req partyRequest
	if err := s.readStrict(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Parties.CreateParty(r.Context(), &safezones.Party{ID: req.ID, Name: req.Name, Kind: req.Kind,
		Country: req.Country, Source: req.Source})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/parties/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
}
