package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/incidents"
)

// Limits of the incident lists.
const (
	defaultIncidentLimit = 100
	maxIncidentLimit     = 10_000
)

func (s *Server) registerIncidentRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/incidents", s.handleSubmitIncident)
	mux.HandleFunc("GET /v1/incidents", s.handleListIncidents)
	mux.HandleFunc("GET /v1/incidents/linked", s.handleLinkedIncidents)
	mux.HandleFunc("GET /v1/incidents/{key}", s.handleIncident)
	mux.HandleFunc("GET /v1/incidents/{key}/history", s.handleIncidentHistory)
	mux.HandleFunc("POST /v1/incidents/{key}/review", s.handleReviewIncident)
	mux.HandleFunc("GET /v1/incidents/violations", s.handleIncidentViolations)
	mux.HandleFunc("GET /v1/incidents/{key}/violations", s.handleReportViolations)
	s.registerEvidenceRoutes(mux)
}

// incidentViewer is what one request may see of incident reports:
// reviewers see everything, reporters included; the party that gave a
// report sees its exact place but not its reporter; everyone else sees
// Revision.Public.
type incidentViewer struct {
	reviewer bool
	party    string // the caller's party, "" when anonymous
	by       string // the caller as revisions name it: member id or "operator"
	operator bool
	role     safezones.MemberRole
}

// reviewerPartyKinds are the kinds of party whose members review
// incidents: monitors and UN agencies, never a party to the conflict.
var reviewerPartyKinds = []safezones.PartyKind{safezones.PartyMonitor, safezones.PartyUNAgency}

// incidentViewer resolves the caller. A member reviews when its party is
// a monitor or a UN agency and its role is reporter or above; the
// operator always does.
func (s *Server) incidentViewer(ctx context.Context) (incidentViewer, error) {
	a, ok := safezones.ActorFromContext(ctx)
	if !ok {
		return incidentViewer{}, nil
	}
	v := incidentViewer{party: a.PartyID, by: a.MemberID, operator: a.Operator, role: a.Role}
	if a.Operator {
		v.reviewer, v.by = true, safezones.OperatorPartyID
		return v, nil
	}
	if !a.Role.Includes(safezones.RoleReporter) || s.Parties == nil {
		return v, nil
	}
	p, err := s.Parties.Party(ctx, a.PartyID)
	if err != nil {
		if safezones.ErrorCode(err) == safezones.CodeNotFound {
			return v, nil
		}
		return v, err
	}
	for _, k := range reviewerPartyKinds {
		if p.Kind == k {
			v.reviewer = true
		}
	}
	return v, nil
}

// view returns what v may read of rv.
func (v incidentViewer) view(rv incidents.Revision) incidents.Revision {
	switch {
	case v.reviewer:
		return rv
	case v.party != "" && rv.Report.Source.ID == v.party:
		rv.Reporter = nil
		return rv
	}
	return rv.Public()
}

func (s *Server) incidentStore(w http.ResponseWriter, r *http.Request) (incidents.Store, incidentViewer, bool) {
	if s.Incidents == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server keeps no incident reports"))
		return nil, incidentViewer{}, false
	}
	v, err := s.incidentViewer(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return nil, v, false
	}
	return s.Incidents, v, true
}

// sourceKindOf is the source kind of a report a party submits itself.
func sourceKindOf(k safezones.PartyKind) incidents.SourceKind {
	switch k {
	case safezones.PartyMonitor:
		return incidents.SourceMonitor
	case safezones.PartyState, safezones.PartyArmedGroup:
		return incidents.SourceParty
	}
	return incidents.SourceNGO
}

// handleSubmitIncident serves POST /v1/incidents?reason=: one report as
// JSON or as a GeoJSON Feature (incidents.DecodeSubmission). A member
// (reporter role or above) submits for its own party: source.id is its
// party's id (filled in when absent, refused when another), the source's
// name and kind come from the party, and the grade is F (cannot be
// judged) — a source does not grade itself. The operator may submit for
// any source. Without source_event_id the server assigns one; with it, a
// repeated post is idempotent (200, nothing written) and a changed one is
// a new revision. 201 for a new report.
func (s *Server) handleSubmitIncident(w http.ResponseWriter, r *http.Request) {
	store, v, ok := s.incidentStore(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, []string{"reason"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !v.operator && !v.role.Includes(safezones.RoleReporter) {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden, "submitting incident reports needs the role reporter or above; this member is a %s", v.role))
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sub, err := incidents.DecodeSubmission(body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	src := &sub.Report.Source
	if !v.operator {
		switch {
		case src.ID != "" && src.ID != v.party:
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeForbidden, "source.id", "a member of %s submits reports as source %s, not %s", v.party, v.party, src.ID))
			return
		case src.Grade != "" && src.Grade != incidents.GradeF:
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeForbidden, "source.grade", "a source does not grade itself; reviewers grade sources"))
			return
		}
		p, err := s.Parties.Party(r.Context(), v.party)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		*src = incidents.Source{ID: p.ID, Name: p.Name, Kind: sourceKindOf(p.Kind), Grade: incidents.GradeF}
	} else if src.ID == "" {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "source.id", "the operator submits for a named source: give source.id"))
		return
	}
	if sub.Report.SourceEventID == "" {
		var b [8]byte
		rand.Read(b[:])
		sub.Report.SourceEventID = "r-" + hex.EncodeToString(b[:])
	}
	reason := strings.TrimSpace(q.Get("reason"))
	if reason == "" {
		reason = "submitted through the API"
	}
	if _, err := store.Report(r.Context(), sub.Report.Key()); err != nil && safezones.ErrorCode(err) != safezones.CodeNotFound {
		s.writeError(w, r, err)
		return
	} else {
		created := err != nil
		rv, _, err := store.SubmitReport(r.Context(), sub, v.by, reason)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.raiseIncidentAlerts(r.Context(), *rv); err != nil {
			// The report is stored; its alerts are kept pending by the
			// producer and stored with the next batch.
			s.logger().Error("incident alerts not stored", "request_id", requestID(r.Context()), "report", rv.Key, "err", err)
		}
		w.Header().Set("Location", "/v1/incidents/"+url.PathEscape(rv.Key))
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, v.view(*rv))
	}
}

// incidentParams are the query parameters the incident lists take.
var incidentParams = []string{"bbox", "from", "to", "source", "status", "assignee", "limit", "offset"}

// reportFilter reads the incident list parameters.
func reportFilter(q url.Values) (incidents.ReportFilter, error) {
	var f incidents.ReportFilter
	if err := checkParams(q, incidentParams); err != nil {
		return f, err
	}
	var err error
	if f.BBox, err = parseBBox(q.Get("bbox"), "bbox"); err != nil {
		return f, err
	}
	from, err := parseTime(q.Get("from"), "from")
	if err != nil {
		return f, err
	}
	to, err := parseTime(q.Get("to"), "to")
	if err != nil {
		return f, err
	}
	if from != nil {
		f.From = *from
	}
	if to != nil {
		f.To = *to
	}
	f.SourceID, f.Assignee = q.Get("source"), q.Get("assignee")
	if st := incidents.ReviewStatus(q.Get("status")); st != "" {
		if !st.Valid() {
			return f, safezones.FieldErrorf(safezones.CodeInvalid, "status", "status %q: want one of %v", st, incidents.ReviewStatuses)
		}
		f.Status = st
	}
	if f.Limit, err = parseInt(q, "limit", defaultIncidentLimit, maxIncidentLimit); err != nil {
		return f, err
	}
	if f.Offset, err = parseInt(q, "offset", 0, 0); err != nil {
		return f, err
	}
	return f, nil
}

// handleListIncidents serves GET /v1/incidents: the current revision of
// each report the filter selects, as the caller may see it, ordered by
// start time.
func (s *Server) handleListIncidents(w http.ResponseWriter, r *http.Request) {
	v, revs, ok := s.reportsRequest(w, r, r.URL.Query())
	if !ok {
		return
	}
	for i := range revs {
		revs[i] = v.view(revs[i])
	}
	if revs == nil {
		revs = []incidents.Revision{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": revs})
}

// reportsRequest answers the list routes' common part: the caller's view
// and the current revisions the filter in q selects. When ok is false it
// has answered.
func (s *Server) reportsRequest(w http.ResponseWriter, r *http.Request, q url.Values) (incidentViewer, []incidents.Revision, bool) {
	store, v, ok := s.incidentStore(w, r)
	if !ok {
		return v, nil, false
	}
	f, err := reportFilter(q)
	if err != nil {
		s.writeError(w, r, err)
		return v, nil, false
	}
	revs, err := store.ListReports(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return v, nil, false
	}
	return v, revs, true
}

// reportRequest resolves a route on the one report named by {key}, which
// takes no query parameters: the caller's view and the report's current
// revision. When ok is false it has answered.
func (s *Server) reportRequest(w http.ResponseWriter, r *http.Request) (v incidentViewer, rv *incidents.Revision, ok bool) {
	store, v, ok := s.incidentStore(w, r)
	if !ok {
		return v, nil, false
	}
	if err := checkParams(r.URL.Query(), nil); err != nil {
		s.writeError(w, r, err)
		return v, nil, false
	}
	rv, err := store.Report(r.Context(), r.PathValue("key"))
	if err != nil {
		s.writeError(w, r, err)
		return v, nil, false
	}
	return v, rv, true
}

// handleIncident serves GET /v1/incidents/{key}.
func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	if v, rv, ok := s.reportRequest(w, r); ok {
		writeJSON(w, http.StatusOK, v.view(*rv))
	}
}

// handleIncidentHistory serves GET /v1/incidents/{key}/history: every
// revision, oldest first, each with its reason and ledger index. Public
// reads of a coarsened report are coarsened in every revision by the
// current review's radius, so an older revision cannot undo it.
func (s *Server) handleIncidentHistory(w http.ResponseWriter, r *http.Request) {
	store, v, ok := s.incidentStore(w, r)
	if !ok {
		return
	}
	if err := checkParams(r.URL.Query(), nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	revs, err := store.ReportHistory(r.Context(), r.PathValue("key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cur := revs[len(revs)-1].Review.PublicRadiusM
	for i := range revs {
		revs[i].Review.PublicRadiusM = max(revs[i].Review.PublicRadiusM, cur)
		revs[i] = v.view(revs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": r.PathValue("key"), "revisions": revs})
}

// handleReviewIncident serves POST /v1/incidents/{key}/review: a
// reviewer's change (incidents.ReviewChange, reason required) as a new
// revision.
func (s *Server) handleReviewIncident(w http.ResponseWriter, r *http.Request) {
	store, v, ok := s.incidentStore(w, r)
	if !ok {
		return
	}
	if !v.reviewer {
		s.writeError(w, r, safezones.Errorf(safezones.CodeForbidden, "only reviewers (members of a monitor or UN agency with the role reporter or above, or the operator) review incident reports"))
		return
	}
	var c incidents.ReviewChange
	if err := s.readStrict(w, r, &c); err != nil {
		s.writeError(w, r, err)
		return
	}
	rv, err := store.ReviewReport(r.Context(), r.PathValue("key"), c, v.by, v.operator)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rv)
}

// handleLinkedIncidents serves GET /v1/incidents/linked: the reports the
// filter selects (rejected and merged ones left out), with the reviewers'
// corrections, linked into incidents by incidents.DefaultLinkRule (which
// the answer states) and shown as the caller may see them; an incident
// with a coarsened report carries no links, whose distances come from the
// exact places.
func (s *Server) handleLinkedIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("limit") == "" {
		q.Set("limit", "10000")
	}
	v, revs, ok := s.reportsRequest(w, r, q)
	if !ok {
		return
	}
	// Link on the exact reports, so that a coarsened report joins its
	// incident for every reader (never counted twice), then rebuild each
	// incident from the reports as this caller may see them.
	exact := make([]incidents.Report, 0, len(revs))
	viewed := make(map[string]incidents.Revision, len(revs))
	for _, rv := range revs {
		if !rv.Review.StandsAlone() {
			continue
		}
		exact = append(exact, rv.Effective())
		viewed[rv.Key] = v.view(rv)
	}
	rule := incidents.DefaultLinkRule()
	linked := incidents.Link(exact, rule)
	for i, inc := range linked {
		reports := make([]incidents.Report, len(inc.Reports))
		coarsened := false
		for j, r := range inc.Reports {
			vrv := viewed[r.Key()]
			reports[j] = vrv.Effective()
			coarsened = coarsened || vrv.Coarsened
		}
		linked[i] = inc.Rebuild(reports)
		if coarsened {
			linked[i].Links = nil
		}
	}
	if linked == nil {
		linked = []incidents.Incident{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"rule": rule, "incidents": linked})
}

// IncidentAlertWindow is how recent an incident must be (its interval
// ending no earlier than this before now) for a submission to push
// violation alerts; older ones are history, found by the violation
// queries, not news to push to people.
const IncidentAlertWindow = 7 * 24 * time.Hour

// IncidentAlerter stores and pushes alerts built outside the tracker
// (alerts.Producer.Raise).
type IncidentAlerter interface {
	Raise(ctx context.Context, alerts []safezones.Alert) error
}

// raiseIncidentAlerts pushes a violation alert for each zone a recent,
// not rejected report lies in or within its precision of. Alerts go to
// everyone (stream, webhooks, CAP), so they are built from the public
// view of the report.
func (s *Server) raiseIncidentAlerts(ctx context.Context, rv incidents.Revision) error {
	if s.IncidentAlerts == nil || s.Zones == nil || !rv.Review.StandsAlone() {
		return nil
	}
	pub := rv.Public()
	rep := pub.Effective()
	if rep.Time.To.Before(s.now().Add(-IncidentAlertWindow)) {
		return nil
	}
	vs, err := alerts.IncidentViolations(ctx, s.Zones, rv.Key, rep)
	if err != nil || len(vs) == 0 {
		return err
	}
	batch := make([]safezones.Alert, len(vs))
	for i, v := range vs {
		batch[i] = v.Alert()
	}
	return s.IncidentAlerts.Raise(ctx, batch)
}

// handleReportViolations serves GET /v1/incidents/{key}/violations: the
// active zones the report lies in or within its precision of, when the
// event began, computed from the report as the caller may see it.
func (s *Server) handleReportViolations(w http.ResponseWriter, r *http.Request) {
	v, rv, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	vs, err := alerts.IncidentViolations(r.Context(), s.Zones, rv.Key, v.view(*rv).Effective())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if vs == nil {
		vs = []alerts.IncidentViolation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": rv.Key, "violations": vs})
}

// handleIncidentViolations serves GET /v1/incidents/violations: the
// violations of every report the filter selects (rejected and merged
// ones left out), as the caller may see the reports, in report order.
// The limit (100 by default, at most 1,000) counts reports, each of which
// costs one zone query.
func (s *Server) handleIncidentViolations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := parseInt(q, "limit", defaultIncidentLimit, maxViolationReports)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.Set("limit", strconv.Itoa(n))
	v, revs, ok := s.reportsRequest(w, r, q)
	if !ok {
		return
	}
	out := []alerts.IncidentViolation{}
	for _, rv := range revs {
		if !rv.Review.StandsAlone() {
			continue
		}
		vs, err := alerts.IncidentViolations(r.Context(), s.Zones, rv.Key, v.view(rv).Effective())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, vs...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": len(revs), "violations": out})
}

// maxViolationReports bounds the reports one violations query checks.
const maxViolationReports = 1000
