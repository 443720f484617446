package httpapi

import (
	"net/http"

	"github.com/safezones/safezones"
)

func (s *Server) registerCommitmentRoutes(mux *http.ServeMux) {
	if s.Commitments == nil {
		return
	}
	mux.HandleFunc("GET /v1/zones/{id}/commitments", s.handleListCommitments)
	mux.HandleFunc("POST /v1/zones/{id}/commitments", s.handlePledge)
	mux.HandleFunc("POST /v1/zones/{id}/commitments/{commitment}/deliveries", s.handleRecordDelivery)
}

// handleListCommitments serves GET /v1/zones/{id}/commitments: every
// pledge to the zone with its deliveries.
func (s *Server) handleListCommitments(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Commitments.Commitments(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zone_id": r.PathValue("id"), "commitments": cs})
}

type pledgeRequest struct {
	ID string `json:"id"`
	// PartyID is the pledging party; the member's own when absent.
	PartyID     string                   `json:"party_id"`
	Kind        safezones.CommitmentKind `json:"kind"`
	Quantity    int64                    `json:"quantity"`
	Currency    string                   `json:"currency"`
	Description string                   `json:"description"`
	PledgedAt   string                   `json:"pledged_at"`
	Source      *safezones.Source        `json:"source"`
}

// handlePledge serves POST /v1/zones/{id}/commitments: a pledge by a
// signer (or admin) of the pledging party, or recorded by the operator.
func (s *Server) handlePledge(w http.ResponseWriter, r *http.Request) {
	a, err := actor(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req pledgeRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.PartyID == "" && !a.Operator {
		req.PartyID = a.PartyID
	}
	if req.PartyID == "" {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "party_id", "party_id is required: the pledging party"))
		return
	}
	if a, err = authorize(r.Context(), req.PartyID, safezones.RoleSigner, "pledge"); err != nil {
		s.writeError(w, r, err)
		return
	}
	at, err := parseTime(req.PledgedAt, "pledged_at")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c := &safezones.Commitment{ID: req.ID, ZoneID: r.PathValue("id"), PartyID: req.PartyID, Kind: req.Kind, Quantity: req.Quantity,
		Currency: req.Currency, Description: req.Description, Source: memberSource(a, req.Source), CreatedBy: a.Name()}
	if at != nil {
		c.PledgedAt = *at
	}
	out, err := s.Commitments.Pledge(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// memberSource is the source of a record a member made: as given, else
// real and recorded by the member; the operator's default is operator.
func memberSource(a safezones.Actor, src *safezones.Source) safezones.Source {
	if src != nil {
		return *src
	}
	if a.Operator {
		return safezones.Source{Kind: safezones.SourceOperator}
	}
	return safezones.Source{Kind: safezones.SourceReal, Description: "recorded by member " + a.MemberID + " of " + a.PartyID}
}

type deliveryRequest struct {
	ID          string            `json:"id"`
	Quantity    int64             `json:"quantity"`
	DeliveredAt string            `json:"delivered_at"`
	Description string            `json:"description"`
	Source      *safezones.Source `json:"source"`
}

// handleRecordDelivery serves POST
// /v1/zones/{id}/commitments/{commitment}/deliveries: a delivery against a
// pledge, recorded by a reporter (or above) of the pledging party, or by
// the operator.
func (s *Server) handleRecordDelivery(w http.ResponseWriter, r *http.Request) {
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Commitments.Commitment(r.Context(), r.PathValue("commitment"))
	if err == nil && c.ZoneID != r.PathValue("id") {
		err = safezones.Errorf(safezones.CodeNotFound, "zone %q has no commitment %q", r.PathValue("id"), r.PathValue("commitment"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := authorize(r.Context(), c.PartyID, safezones.RoleReporter, "record deliveries")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req deliveryRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	at, err := parseTime(req.DeliveredAt, "delivered_at")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dl := &safezones.Delivery{ID: req.ID, CommitmentID: c.ID, Quantity: req.Quantity, Description: req.Description,
		Source: memberSource(a, req.Source), CreatedBy: a.Name()}
	if at != nil {
		dl.DeliveredAt = *at
	}
	out, err := s.Commitments.RecordDelivery(r.Context(), dl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
