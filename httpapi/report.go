package httpapi

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/deconflict"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/ledger"
	"golang.org/x/mod/sumdb/tlog"
)

// maxReportIncidents bounds the incidents one report covers.
const maxReportIncidents = 10_000

// ledgerProof is an entry's RFC 6962 inclusion proof in the tree of the
// report's checkpoint.
type ledgerProof struct {
	RecordID string   `json:"record_id"`
	Index    int64    `json:"index"`
	LeafHash string   `json:"leaf_hash"`
	Data     string   `json:"data"`
	Proof    []string `json:"proof"`
}

// partyStanding is one addressed party's standing, at the incident, on
// the notified version that was current then.
type partyStanding struct {
	safezones.Receipt
	// BeforeIncident: notified (delivered, acknowledged, objected)
	// before the incident began.
	NotifiedBefore     bool `json:"notified_before"`
	DeliveredBefore    bool `json:"delivered_before"`
	AcknowledgedBefore bool `json:"acknowledged_before"`
	ObjectedBefore     bool `json:"objected_before"`
}

type reportMatch struct {
	Notification notificationConflict `json:"notification"`
	Parties      []partyStanding      `json:"parties"`
	// Acknowledgements are the signed answers to the version, each
	// checkable against its party's logged key.
	Acknowledgements []ackView     `json:"acknowledgements"`
	Proofs           []ledgerProof `json:"proofs"`
}

type reportIncident struct {
	Key       string              `json:"key"`
	EventType incidents.EventType `json:"event_type"`
	From      time.Time           `json:"from"`
	To        time.Time           `json:"to"`
	Lon       float64             `json:"lon"`
	Lat       float64             `json:"lat"`
	RadiusM   float64             `json:"radius_m"`
	Coarsened bool                `json:"coarsened,omitempty"`
	Matches   []reportMatch       `json:"notified"`
}

type partyRow struct {
	safezones.PartyNotificationStats
	// LaterStruck counts the notifications this party had been told of
	// before an incident within the incident's precision.
	LaterStruck int `json:"later_struck"`
}

type accountabilityReport struct {
	GeneratedAt time.Time        `json:"generated_at"`
	From        time.Time        `json:"from,omitzero"`
	To          time.Time        `json:"to,omitzero"`
	Checkpoint  string           `json:"checkpoint"`
	TreeSize    int64            `json:"tree_size"`
	Incidents   []reportIncident `json:"incidents"`
	Parties     []partyRow       `json:"parties"`
}

// versionAt returns the version of a history in force at t: the latest
// created at or before t, nil when none or when it cancels.
func versionAt(history []safezones.Notification, t time.Time) *safezones.Notification {
	var out *safezones.Notification
	for i := range history {
		if !history[i].CreatedAt.After(t) {
			out = &history[i]
		}
	}
	if out == nil || out.Cancelled {
		return nil
	}
	return out
}

// handleAccountability serves GET /v1/reports/accountability: for each
// incident (from, to as GET /v1/incidents), the notified sites and
// movements in force then within its location precision, which parties
// had been notified of them, had read, acknowledged or objected and when,
// with the signed acknowledgements and ledger inclusion proofs against
// a signed checkpoint; and per-party counts. ?f=json (default), csv (with
// HXL hashtags) or html (printable). Needs a token; places and distances
// are shown as the caller may see them.
func (s *Server) handleAccountability(w http.ResponseWriter, r *http.Request) {
	store, ok := s.notifications(w, r)
	if !ok {
		return
	}
	if s.Incidents == nil {
		s.writeError(w, r, safezones.Errorf(safezones.CodeUnavailable, "this server keeps no incident reports"))
		return
	}
	if _, err := actor(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains([]string{"from", "to", "f"}, name) {
			s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, name, "unknown query parameter %q; this route takes from, to, f", name))
			return
		}
	}
	format := q.Get("f")
	if format != "" && format != "json" && format != "csv" && format != "html" {
		s.writeError(w, r, safezones.FieldErrorf(safezones.CodeInvalid, "f", "f must be json, csv or html"))
		return
	}
	var f incidents.ReportFilter
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		t, err := parseTime(q.Get(p.name), p.name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if t != nil {
			*p.dst = *t
		}
	}
	f.Limit = maxReportIncidents
	rep, err := s.accountability(r.Context(), store, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		writeReportCSV(w, rep)
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		if err := reportPage.Execute(w, rep); err != nil {
			s.logger().Error("write report page", "request_id", requestID(r.Context()), "err", err)
		}
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

func (s *Server) accountability(ctx context.Context, store safezones.NotificationService, f incidents.ReportFilter) (*accountabilityReport, error) {
	now := s.now()
	rep := &accountabilityReport{GeneratedAt: now, From: f.From, To: f.To, Incidents: []reportIncident{}}
	cp, err := s.signedCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	c, err := ledger.ParseCheckpoint(string(cp))
	if err != nil {
		return nil, err
	}
	rep.Checkpoint, rep.TreeSize = string(cp), c.Size
	viewer, err := s.incidentViewer(ctx)
	if err != nil {
		return nil, err
	}
	revs, err := s.Incidents.ListReports(ctx, f)
	if err != nil {
		return nil, err
	}
	all, err := store.ListNotifications(ctx, safezones.NotificationFilter{IncludeCancelled: true})
	if err != nil {
		return nil, err
	}
	histories := make([][]safezones.Notification, len(all))
	for i := range all {
		if histories[i], err = store.NotificationHistory(ctx, all[i].ID); err != nil {
			return nil, err
		}
	}
	rd := readerOf(ctx)
	struck := map[string]map[string]bool{} // party -> notification ids
	for _, rv := range revs {
		eff := rv.Effective()
		if rv.Review.Status == incidents.StatusRejected {
			continue
		}
		at := eff.Time.From
		var live []safezones.Notification
		for _, h := range histories {
			if n := versionAt(h, at); n != nil && n.Overlaps(safezones.TimeWindow{From: eff.Time.From, To: eff.Time.To}) {
				live = append(live, *n)
			}
		}
		if len(live) == 0 {
			continue
		}
		snap, err := deconflict.NotificationSnapshot(live)
		if err != nil {
			return nil, err
		}
		shown := viewer.view(rv).Effective()
		inc := reportIncident{Key: rv.Key, EventType: shown.EventType, From: shown.Time.From, To: shown.Time.To, Lon: shown.Place.Lon,
			Lat: shown.Place.Lat, RadiusM: shown.RadiusM, Coarsened: shown.Place != eff.Place}
		seen := map[string]bool{}
		for _, nr := range snap.Within(eff.Place, eff.RadiusM, at, nil) {
			id := deconflict.NotificationID(snap.Zone(nr.Index))
			if seen[id] {
				continue
			}
			seen[id] = true
			n := &live[slices.IndexFunc(live, func(x safezones.Notification) bool { return x.ID == id })]
			m, err := s.reportMatch(ctx, store, rd, n, nr.DistanceM, at, c.Size)
			if err != nil {
				return nil, err
			}
			for _, p := range m.Parties {
				if p.NotifiedBefore {
					if struck[p.PartyID] == nil {
						struck[p.PartyID] = map[string]bool{}
					}
					struck[p.PartyID][n.ID] = true
				}
			}
			inc.Matches = append(inc.Matches, m)
		}
		if len(inc.Matches) > 0 {
			rep.Incidents = append(rep.Incidents, inc)
		}
	}
	stats, err := store.NotificationStats(ctx, now)
	if err != nil {
		return nil, err
	}
	rep.Parties = []partyRow{}
	for _, st := range stats {
		rep.Parties = append(rep.Parties, partyRow{PartyNotificationStats: st, LaterStruck: len(struck[st.PartyID])})
		delete(struck, st.PartyID)
	}
	for party, ids := range struck { // parties whose notifications were all cancelled since
		rep.Parties = append(rep.Parties, partyRow{PartyNotificationStats: safezones.PartyNotificationStats{PartyID: party}, LaterStruck: len(ids)})
	}
	slices.SortFunc(rep.Parties, func(a, b partyRow) int { return strings.Compare(a.PartyID, b.PartyID) })
	return rep, nil
}

func (s *Server) reportMatch(ctx context.Context, store safezones.NotificationService, rd notificationReader, n *safezones.Notification,
	distance float64, at time.Time, size int64) (reportMatch, error) {
	rid := fmt.Sprintf("notification/%s/v%d", n.ID, n.Version)
	m := reportMatch{Notification: notificationConflict{ID: n.ID, Version: n.Version, Kind: n.Kind, Type: n.Type, Notifier: n.Notifier, RecordID: rid}}
	if rd.entitled(n) {
		m.Notification.Exact, m.Notification.Name, m.Notification.DistanceM = true, n.Name, &distance
	}
	rs, err := store.Receipts(ctx, n.ID, n.Version)
	if err != nil {
		return m, err
	}
	before := func(t time.Time) bool { return !t.IsZero() && t.Before(at) }
	for _, r := range rs {
		m.Parties = append(m.Parties, partyStanding{Receipt: r, NotifiedBefore: before(r.NotifiedAt), DeliveredBefore: before(r.DeliveredAt),
			AcknowledgedBefore: before(r.AcknowledgedAt), ObjectedBefore: before(r.ObjectedAt)})
	}
	acks, err := store.Acknowledgements(ctx, n.ID)
	if err != nil {
		return m, err
	}
	ids := []string{rid}
	m.Acknowledgements = []ackView{}
	for _, a := range ackViews(acks) {
		if a.Version == n.Version {
			m.Acknowledgements = append(m.Acknowledgements, a)
			ids = append(ids, fmt.Sprintf("%s/acknowledgement/%s", rid, a.ID))
		}
	}
	for _, id := range ids {
		e, err := s.Ledger.LedgerEntryByRecord(ctx, id)
		if err != nil {
			return m, err
		}
		if e.Index >= size {
			continue // logged after the checkpoint was signed
		}
		proof, err := ledger.ProveInclusion(ctx, ledgerHashes{s.Ledger}, size, e.Index)
		if err != nil {
			return m, err
		}
		m.Proofs = append(m.Proofs, ledgerProof{RecordID: id, Index: e.Index, LeafHash: ledger.EncodeHashes([]tlog.Hash{e.LeafHash})[0],
			Data: string(e.Data), Proof: ledger.EncodeHashes(proof)})
	}
	return m, nil
}

// reportColumns are the CSV report's header and HXL rows: one row per
// incident, notification and addressed party.
var reportColumns = [][2]string{
	{"incident", "#event+id"}, {"event_type", "#event+type"}, {"incident_from", "#date+start"}, {"incident_to", "#date+end"},
	{"incident_lon", "#geo+lon"}, {"incident_lat", "#geo+lat"}, {"incident_radius_m", "#geo+precision"},
	{"notification", "#meta+notification+id"}, {"notification_version", "#meta+notification+version"}, {"kind", "#loc+kind"},
	{"type", "#loc+type"}, {"notifier", "#org+notifier"}, {"distance_m", "#geo+distance"}, {"party", "#org+addressed"},
	{"notified_at", "#date+notified"}, {"delivered_at", "#date+delivered"}, {"acknowledged_at", "#date+acknowledged"},
	{"objected_at", "#date+objected"}, {"objection", "#description+objection"}, {"acknowledged_before_incident", "#indicator+acknowledged_before"},
	{"ledger_record", "#meta+ledger"},
}

func writeReportCSV(w http.ResponseWriter, rep *accountabilityReport) {
	cw := csv.NewWriter(w)
	head, tags := make([]string, len(reportColumns)), make([]string, len(reportColumns))
	for i, c := range reportColumns {
		head[i], tags[i] = c[0], c[1]
	}
	cw.Write(head)
	cw.Write(tags)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	for _, inc := range rep.Incidents {
		for _, m := range inc.Matches {
			dist := ""
			if m.Notification.DistanceM != nil {
				dist = strconv.FormatFloat(*m.Notification.DistanceM, 'f', 0, 64)
			}
			for _, p := range m.Parties {
				cw.Write([]string{inc.Key, string(inc.EventType), ts(inc.From), ts(inc.To), num(inc.Lon), num(inc.Lat), num(inc.RadiusM),
					m.Notification.ID, strconv.Itoa(m.Notification.Version), string(m.Notification.Kind), m.Notification.Type, m.Notification.Notifier,
					dist, p.PartyID, ts(p.NotifiedAt), ts(p.DeliveredAt), ts(p.AcknowledgedAt), ts(p.ObjectedAt), p.Objection,
					strconv.FormatBool(p.AcknowledgedBefore), m.Notification.RecordID})
			}
		}
	}
	cw.Flush()
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"metres": func(d *float64) string {
		if d == nil {
			return "(not disclosed)"
		}
		return strconv.FormatFloat(*d, 'f', 0, 64) + " m"
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Accountability report</title>
<style>body{font:14px/1.4 sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}pre{font-size:11px;white-space:pre-wrap}
@media print{section{page-break-inside:avoid}}</style></head><body>
<h1>Accountability report</h1>
<p>Generated {{when .GeneratedAt}}. Ledger tree size {{.TreeSize}}; every record named below has its inclusion proof against this signed checkpoint in the JSON form of this report.</p>
<pre>{{.Checkpoint}}</pre>
<h2>Parties</h2>
<table><tr><th>party</th><th>notified</th><th>delivered</th><th>acknowledged</th><th>objected</th><th>unacknowledged</th><th>overdue</th><th>later struck</th></tr>
{{range .Parties}}<tr><td>{{.PartyID}}</td><td>{{.Notified}}</td><td>{{.Delivered}}</td><td>{{.Acknowledged}}</td><td>{{.Objected}}</td><td>{{.Unacknowledged}}</td><td>{{.Overdue}}</td><td>{{.LaterStruck}}</td></tr>
{{end}}</table>
<h2>Incidents near notified places</h2>
{{range .Incidents}}<section><h3>{{.Key}} — {{.EventType}}, {{when .From}} to {{when .To}}</h3>
<p>Place [{{.Lon}}, {{.Lat}}] within {{.RadiusM}} m{{if .Coarsened}} (coarsened){{end}}.</p>
{{range .Matches}}<h4>{{.Notification.Kind}} {{.Notification.Type}} {{.Notification.ID}} v{{.Notification.Version}} by {{.Notification.Notifier}}{{if .Notification.Name}}: {{.Notification.Name}}{{end}}, {{metres .Notification.DistanceM}}</h4>
<table><tr><th>party</th><th>notified</th><th>delivered</th><th>acknowledged</th><th>objected</th><th>acknowledged before the incident</th></tr>
{{range .Parties}}<tr><td>{{.PartyID}}</td><td>{{when .NotifiedAt}}</td><td>{{when .DeliveredAt}}</td><td>{{when .AcknowledgedAt}}</td><td>{{when .ObjectedAt}}{{if .Objection}}: {{.Objection}}{{end}}</td><td>{{if .AcknowledgedBefore}}yes{{else}}no{{end}}</td></tr>
{{end}}</table>
<p>Ledger records: {{range .Proofs}}{{.RecordID}} (entry {{.Index}}) {{end}}</p>
{{end}}</section>
{{else}}<p>No incident lies within its precision of a notified site or movement.</p>
{{end}}</body></html>
`))
