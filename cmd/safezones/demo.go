package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/aircraft"
	"github.com/safezones/safezones/consent"
	"github.com/safezones/safezones/demo"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/incidents"
	"github.com/safezones/safezones/sqlite"
	"github.com/safezones/safezones/zonefile"
)

type demoCmd struct{ env *environment }

const demoUsage = `Usage: safezones demo [--addr ADDR] [--keep]

Serves the shipped scenario on a fresh temporary database: the real Syria
governorate boundaries, the parties of the 2017 safe-zone debate, and
simulated zones around Idlib, Aleppo and eastern Ghouta with protected sites.
Every simulated record says so in its source. The operator token for writes
is printed at start (or taken from SAFEZONES_OPERATOR_TOKEN).

The consent scenario (simulated): every party gets a signing key made at
start, its private half kept in the demo's temporary directory; the eastern
Aleppo proposal needs Syria and Russia, Syria has approved (a real
signature over a payload marked simulated), and the demo prints a token
and key with which to approve it as Russia; Saudi Arabia, Qatar and the
UAE have pledged funds to the Idlib safe area.

The watch floor (simulated): two aircraft fly west over Idlib, replayed
from a recorded SBS-1 feed in a loop; SIMUL01 at 5,000 m is warned about
the Idlib no-fly zone (0-10,000 m) and then violates it, SIMUL02 at
12,000 m passes above it. Alerts stream at /v1/alerts/stream, are listed
at /v1/alerts and published as CAP 1.2 at /v1/alerts/cap; tracks are
archived (/v1/tracks/icao:F00001).

Incidents: the 593 real UCDP GED events of the 2019 Idlib offensive (Idlib
and Hama governorates), and a simulated air strike on the Kafr Nobol
scenario hospital told by three sources, which /v1/incidents/linked joins
into one incident, and a fourth report 20 km away that stays apart. The
monitoring cell's reviewer has revised the civil defence report's
casualties, confirmed it from a (simulated) photo held by SHA-256, and
verified it; public reads show it coarsened to 5 km and without its
reporter. The demo prints the reviewer's token.

Notifications (simulated): UN OCHA notified the Kafr Nobol scenario
hospital to Syria and Russia four days before the demo started (the
demo sets its store's clock back to record it then); Syria acknowledged
it six hours later with a signature by its demo key, Russia never
answered and its 72 hours have run out, so an escalation is listed at
/v1/notifications/alerts. An aid convoy from Bab al-Hawa to Idleb, told
to Syria, Russia and Turkey at start, leaves three days later. Anonymous
readers see each place only as a 0.1-degree box; the demo prints a token
of UN OCHA's notifier, who sees the exact coordinates (every such read
is recorded at /v1/notifications/ID/disclosures), and the accountability
report at /v1/reports/accountability takes any token.

Examples:
  safezones demo
  safezones demo --addr 127.0.0.1:9090
`

func (c *demoCmd) Run(ctx context.Context, args []string) error {
	cfg := DefaultConfig()
	if err := cfg.applyEnv(c.env.getenv); err != nil {
		return err
	}
	fs := newFlagSet(c.env, "demo", demoUsage)
	cfg.bindFlags(fs, false)
	keep := fs.Bool("keep", false, "keep the temporary database after exit and print its path")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", fs.Args())
	}
	if cfg.OperatorToken == "" {
		var b [24]byte
		rand.Read(b[:])
		cfg.OperatorToken = hex.EncodeToString(b[:])
	}
	dir, err := os.MkdirTemp("", "safezones-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	cfg.DB = filepath.Join(dir, "demo.db")
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.logger()
	db, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	db.Logger = log
	loaded, keys, err := loadDemoScenario(ctx, db, filepath.Join(dir, "keys"))
	if err != nil {
		return fmt.Errorf("load demo scenario: %w", err)
	}
	blobs, err := evidence.Open(cfg.evidencePath())
	if err != nil {
		return err
	}
	if err := loadDemoIncidents(ctx, db, blobs, loaded); err != nil {
		return fmt.Errorf("load demo incidents: %w", err)
	}
	if err := loadDemoNotifications(ctx, db, keys, loaded); err != nil {
		return fmt.Errorf("load demo notifications: %w", err)
	}
	// Whatever visitors sign or pledge here is scenario data, and says so.
	db.SimulatedOnly = true
	sbsAddr, err := startDemoFlights(ctx, dir, log)
	if err != nil {
		return err
	}
	cfg.SBS = append(cfg.SBS, sbsAddr)
	return serveHTTP(ctx, c.env, cfg, db, log, func(url, ledgerKey string) {
		fmt.Fprintf(c.env.stdout, "safezones demo: %d zones loaded (simulated scenario data, marked as such)\n", loaded.zones)
		fmt.Fprintf(c.env.stdout, "  map and API:     %s/\n", url)
		fmt.Fprintf(c.env.stdout, "  zones (GeoJSON): %s/collections/zones/items?limit=100\n", url)
		fmt.Fprintf(c.env.stdout, "  OpenAPI:         %s/api\n", url)
		fmt.Fprintf(c.env.stdout, "  operator token:  export SAFEZONES_TOKEN=%s\n", cfg.OperatorToken)
		fmt.Fprintf(c.env.stdout, "  ledger key:      export SAFEZONES_LEDGER_PUBKEY=%s\n", ledgerKey)
		fmt.Fprintf(c.env.stdout, "  consent:         eastern-aleppo-safe-area waits for Russia (Syria approved; simulated):\n")
		fmt.Fprintf(c.env.stdout, "                   curl -s %s/v1/zones/eastern-aleppo-safe-area/summary\n", url)
		fmt.Fprintf(c.env.stdout, "  watch floor:     two simulated aircraft fly west over Idlib from an SBS-1 feed (%s);\n", sbsAddr)
		fmt.Fprintf(c.env.stdout, "                   SIMUL01 is warned within ~30 s and violates the no-fly zone after ~3.5 min:\n")
		fmt.Fprintf(c.env.stdout, "                   curl -N %s/v1/alerts/stream\n", url)
		fmt.Fprintf(c.env.stdout, "                   curl -s %s/v1/alerts/cap\n", url)
		fmt.Fprintf(c.env.stdout, "  incidents:       %d real UCDP GED reports of the 2019 Idlib offensive, and a simulated strike\n", loaded.realIncidents)
		fmt.Fprintf(c.env.stdout, "                   on the Kafr Nobol scenario hospital told by three sources, linked as one:\n")
		fmt.Fprintf(c.env.stdout, "                   curl -s '%s/v1/incidents/linked?from=2019-05-05T00:00:00Z&to=2019-05-06T00:00:00Z'\n", url)
		fmt.Fprintf(c.env.stdout, "                   curl -s %s/v1/incidents/%s/history   (public: coarsened to 5 km)\n", url, demo.SimulatedStrikeKey)
		fmt.Fprintf(c.env.stdout, "                   export REVIEWER_TOKEN=%s   (the monitoring cell's reviewer)\n", loaded.reviewerToken)
		fmt.Fprintf(c.env.stdout, "  notifications:   UN OCHA's Kafr Nobol hospital and Bab al-Hawa convoy (simulated); Syria acknowledged, Russia is overdue:\n")
		fmt.Fprintf(c.env.stdout, "                   export NOTIFIER_TOKEN=%s   (UN OCHA's notifier)\n", loaded.notifierToken)
		fmt.Fprintf(c.env.stdout, "                   curl -s %s/v1/notifications/%s   (anonymous: a 0.1° box; exact with -H \"Authorization: Bearer $NOTIFIER_TOKEN\", each read recorded)\n", url, demo.NotifiedHospitalID)
		fmt.Fprintf(c.env.stdout, "                   curl -s -H \"Authorization: Bearer $NOTIFIER_TOKEN\" '%s/v1/reports/accountability?f=html'\n", url)
		fmt.Fprintf(c.env.stdout, "  approve as Russia (a demo signer token and key):\n")
		fmt.Fprintf(c.env.stdout, "                   export RUSSIA_TOKEN=%s\n", loaded.signerToken)
		fmt.Fprintf(c.env.stdout, "                   safezones zone approve --simulated --server %s --token \"$RUSSIA_TOKEN\" --key %s eastern-aleppo-safe-area\n",
			url, loaded.signerKey)
		if *keep {
			fmt.Fprintf(c.env.stdout, "  database:        %s (kept)\n", cfg.DB)
		}
		fmt.Fprintln(c.env.stdout, "Press Ctrl-C to stop.")
	})
}

// loadDemo stores the demo parties and zones and returns how many zones.
func loadDemo(ctx context.Context, db *sqlite.DB) (int, error) {
	parties, err := demo.Parties()
	if err != nil {
		return 0, err
	}
	for i := range parties {
		if _, err := db.CreateParty(ctx, &parties[i]); err != nil {
			return 0, fmt.Errorf("party %s: %w", parties[i].ID, err)
		}
	}
	res, err := zonefile.Import(ctx, db, demo.ZonesGeoJSON(), zonefile.Options{StatusFromProperties: true}, nil)
	if err != nil {
		return 0, err
	}
	if len(res.Errors) > 0 {
		return 0, fmt.Errorf("demo zones: %v (and %d more)", res.Errors[0], len(res.Errors)-1)
	}
	return res.Count(zonefile.Created), nil
}

// demoLoad is what loading the scenario made.
type demoLoad struct {
	zones int
	// signerToken is a token of a signer of Russia, and signerKey the path
	// of Russia's private key ("" when keys were not written): the tour
	// approves the Aleppo proposal with them.
	signerToken string
	signerKey   string
	// realIncidents counts the real UCDP reports loaded; reviewerToken is
	// a token of the monitoring cell's reviewer (demo.DemoReviewer).
	realIncidents int
	reviewerToken string
	// notifierToken is a token of UN OCHA's notifier (demo.DemoNotifier),
	// who sees the exact places of its notifications.
	notifierToken string
}

// demoSigner is the member of Russia that the tour signs with.
const demoSigner = "russia-demo-signer"

// loadDemoScenario stores the demo parties and zones (loadDemo), then the
// consent scenario: a signing key for every party (made here, the private keys
// written to keyDir with mode 0600 unless keyDir is ""), the policies and
// roles, the scenario's decisions signed with those keys and marked
// simulated in the signed payload, the Gulf funders' pledges and
// deliveries, and a signer member of Russia with a token for the tour. It
// returns the parties' private keys too, by party id.
func loadDemoScenario(ctx context.Context, db *sqlite.DB, keyDir string) (*demoLoad, map[string]ed25519.PrivateKey, error) {
	nz, err := loadDemo(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	parties, err := demo.Parties()
	if err != nil {
		return nil, nil, err
	}
	out := &demoLoad{zones: nz}

	sc, err := demo.Consent()
	if err != nil {
		return nil, nil, err
	}
	if keyDir != "" {
		if err := os.MkdirAll(keyDir, 0o700); err != nil {
			return nil, nil, err
		}
	}
	keys := map[string]ed25519.PrivateKey{}
	for _, p := range parties {
		pub, priv, err := consent.GenerateKey()
		if err != nil {
			return nil, nil, err
		}
		if keyDir != "" {
			path := filepath.Join(keyDir, p.ID+".key")
			if err := consent.WritePrivateKeyFile(path, priv); err != nil {
				return nil, nil, err
			}
			if p.ID == "russia" {
				out.signerKey = path
			}
		}
		if _, err := db.RegisterKey(ctx, p.ID, pub, safezones.OperatorPartyID); err != nil {
			return nil, nil, fmt.Errorf("key of %s: %w", p.ID, err)
		}
		keys[p.ID] = priv
	}
	for _, p := range sc.Policies {
		if _, _, err := db.SetZonePolicy(ctx, p.ZoneID, p.Policy, safezones.OperatorPartyID, p.Reason); err != nil {
			return nil, nil, fmt.Errorf("policy of %s: %w", p.ZoneID, err)
		}
	}
	for _, r := range sc.Roles {
		if _, err := db.AssignZoneRole(ctx, r.ZoneID, r.PartyID, r.Role, safezones.OperatorPartyID); err != nil {
			return nil, nil, fmt.Errorf("role %s of %s: %w", r.Role, r.PartyID, err)
		}
	}
	for _, d := range sc.Decisions {
		z, err := db.Zone(ctx, d.ZoneID, d.Version)
		if err != nil {
			return nil, nil, err
		}
		priv := keys[d.PartyID]
		p := consent.NewPayload(z, d.PartyID, consent.KeyID(priv.Public().(ed25519.PublicKey)), d.Verdict, d.Reason, db.Now())
		p.Simulated = true
		canonical, sig, err := consent.Sign(priv, p)
		if err != nil {
			return nil, nil, err
		}
		if _, err := db.RecordDecision(ctx, safezones.SignedDecision{Payload: canonical, Signature: sig}, safezones.OperatorPartyID); err != nil {
			return nil, nil, fmt.Errorf("decision of %s on %s: %w", d.PartyID, d.ZoneID, err)
		}
	}
	for _, c := range sc.Commitments {
		deliveries := c.Deliveries
		c.Deliveries = nil
		if _, err := db.Pledge(ctx, &c); err != nil {
			return nil, nil, fmt.Errorf("commitment %s: %w", c.ID, err)
		}
		for _, dl := range deliveries {
			dl.CommitmentID = c.ID
			if _, err := db.RecordDelivery(ctx, &dl); err != nil {
				return nil, nil, fmt.Errorf("delivery %s: %w", dl.ID, err)
			}
		}
	}
	if _, err := db.CreateMember(ctx, &safezones.Member{ID: demoSigner, PartyID: "russia", Name: "Russia liaison (demo member)",
		Role: safezones.RoleSigner}); err != nil {
		return nil, nil, err
	}
	if _, out.signerToken, err = db.CreateToken(ctx, demoSigner, "demo tour", time.Time{}, safezones.OperatorPartyID); err != nil {
		return nil, nil, err
	}
	return out, keys, nil
}

// loadDemoIncidents stores the real UCDP reports of the 2019 Idlib
// offensive and the simulated Kafr Nobol strike: three sources' reports
// (linked as one incident by the API) and one 20 km away; the monitoring
// cell's reviewer takes the civil defence's report in review, revises
// its casualties, the civil defence attaches a (simulated) photo, and the
// reviewer confirms that it happened and verifies it. Every step is a
// revision with its reason in the ledger.
func loadDemoIncidents(ctx context.Context, db *sqlite.DB, blobs *evidence.Dir, out *demoLoad) error {
	ucdp, err := demo.RealIncidents()
	if err != nil {
		return err
	}
	res, err := db.UpsertReports(ctx, ucdp, safezones.OperatorPartyID, "demo: UCDP GED 19.1, 2019 Idlib offensive (real data)")
	if err != nil {
		return err
	}
	out.realIncidents = res.Created
	members := []safezones.Member{
		{ID: demo.DemoReviewer, PartyID: "monitor-cell", Name: "Monitoring cell reviewer (demo member)", Role: safezones.RoleReporter},
		{ID: "syria-civil-defence-demo-reporter", PartyID: "syria-civil-defence", Name: "Civil defence reporter (demo member)", Role: safezones.RoleReporter},
	}
	for i := range members {
		if _, err := db.CreateMember(ctx, &members[i]); err != nil {
			return err
		}
	}
	if _, out.reviewerToken, err = db.CreateToken(ctx, demo.DemoReviewer, "demo tour", time.Time{}, safezones.OperatorPartyID); err != nil {
		return err
	}
	for _, s := range demo.SimulatedIncidents() {
		by := safezones.OperatorPartyID
		for _, m := range members {
			if m.PartyID == s.Report.Source.ID {
				by = m.ID
			}
		}
		if _, _, err := db.SubmitReport(ctx, s, by, "submitted (simulated demo report)"); err != nil {
			return fmt.Errorf("report %s: %w", s.Report.Key(), err)
		}
	}
	key, reviewer := demo.SimulatedStrikeKey, demo.DemoReviewer
	status := func(s incidents.ReviewStatus) *incidents.ReviewStatus { return &s }
	confidence := func(c incidents.Confidence) *incidents.Confidence { return &c }
	fixed := []incidents.Figure{
		{Category: incidents.Killed, Min: 5, Best: 5, Max: 6, Source: "hospital admission and burial lists (simulated)"},
		{Category: incidents.KilledChildren, Min: 2, Best: 2, Max: 2, Source: "hospital admission lists (simulated)"},
		{Category: incidents.Injured, Min: 12, Best: 14, Max: 15, Source: "hospital admission lists (simulated)"},
	}
	steps := []incidents.ReviewChange{
		{Status: status(incidents.StatusInReview), Assignee: &reviewer, Reason: "triage: a strike on a notified hospital"},
		{Casualties: &fixed, Reason: "the hospital's lists name five dead, two of them children (simulated)"},
	}
	for _, c := range steps {
		if _, err := db.ReviewReport(ctx, key, c, reviewer, false); err != nil {
			return err
		}
	}
	photo := demo.SimulatedEvidencePhoto()
	blob, err := blobs.Put(ctx, bytes.NewReader(photo), "image/png", evidence.Limits{})
	if err != nil {
		return err
	}
	thumb, err := blobs.Thumbnail(ctx, blob.SHA256, 320)
	if err != nil {
		return err
	}
	if _, _, err := db.AddEvidence(ctx, key, evidence.Item{Original: blob, Thumbnail: &thumb,
		Caption: "East wing after the strike (a simulated placard standing in for a photo)", Credit: "Syria Civil Defence (simulated)",
		SourceKind: evidence.SourceOrganisation, SourceName: "Syria Civil Defence", UploadedBy: "syria-civil-defence-demo-reporter",
		Filename: "east-wing.png"}); err != nil {
		return err
	}
	for _, c := range []incidents.ReviewChange{
		{Happened: confidence(incidents.ConfidenceConfirmed), CiviliansHarmed: confidence(incidents.ConfidenceHighlyProbable),
			Reason: "the photo and the hospital's lists agree (simulated)"},
		{Status: status(incidents.StatusVerified), Reason: "three sources, a photo and the hospital's lists (simulated)"},
	} {
		if _, err := db.ReviewReport(ctx, key, c, reviewer, false); err != nil {
			return err
		}
	}
	return nil
}

// loadDemoNotifications stores the simulated notifications of UN OCHA
// (demo.SimulatedNotifications from the demo's start), each version with
// the store's clock set to when the scenario notified it, so that its
// receipts and deadlines run from then; the addressed parties' answers are
// signed with their demo keys (marked simulated in the signed payload) and
// relayed by the operator at their scenario times. The clock is then put
// back and deadlines swept once, which records the reminder and the
// escalation of Russia's unanswered hospital. UN OCHA's notifier member,
// made first, gets a token for the tour.
func loadDemoNotifications(ctx context.Context, db *sqlite.DB, keys map[string]ed25519.PrivateKey, out *demoLoad) error {
	if _, err := db.CreateMember(ctx, &safezones.Member{ID: demo.DemoNotifier, PartyID: "un-ocha", Name: "UN OCHA notifier (demo member)",
		Role: safezones.RoleReporter}); err != nil {
		return err
	}
	clock := db.Now
	defer func() { db.Now = clock }()
	at := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	for _, sn := range demo.SimulatedNotifications(clock()) {
		db.Now = at(sn.NotifiedAt)
		n := sn.Notification
		stored, err := db.CreateNotification(ctx, &n)
		if err != nil {
			return fmt.Errorf("notification %s: %w", n.ID, err)
		}
		for _, a := range sn.Answers {
			priv, ok := keys[a.PartyID]
			if !ok {
				return fmt.Errorf("answer of %s to %s: the party has no demo key", a.PartyID, n.ID)
			}
			p := consent.NewAckPayload(stored, a.PartyID, consent.KeyID(priv.Public().(ed25519.PublicKey)), a.Response, a.Reason, a.At)
			p.Simulated = true
			canonical, sig, err := consent.SignAck(priv, p)
			if err != nil {
				return err
			}
			db.Now = at(a.At)
			if _, err := db.RecordAcknowledgement(ctx, safezones.SignedAcknowledgement{Payload: canonical, Signature: sig}, safezones.OperatorPartyID); err != nil {
				return fmt.Errorf("answer of %s to %s: %w", a.PartyID, n.ID, err)
			}
		}
	}
	db.Now = clock
	if _, err := db.SweepNotifications(ctx, clock()); err != nil {
		return err
	}
	var err error
	_, out.notifierToken, err = db.CreateToken(ctx, demo.DemoNotifier, "demo tour", time.Time{}, safezones.OperatorPartyID)
	return err
}

// startDemoFlights replays the demo's simulated aircraft (demo.SimulatedFlights)
// as an SBS-1 source on a loopback port, in a loop, until ctx ends, and
// returns its address for the server's feed.
func startDemoFlights(ctx context.Context, dir string, log *slog.Logger) (string, error) {
	path := filepath.Join(dir, "simulated-flights.sbs")
	if err := os.WriteFile(path, demo.SimulatedFlights(), 0o600); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo flights: %w", err)
	}
	rp := &aircraft.Replayer{Path: path, Rate: demo.FlightsPerSecond, Loop: true, Logger: log}
	go func() {
		if err := rp.Serve(ctx, ln); err != nil && ctx.Err() == nil {
			log.Error("demo flights stopped", "err", err)
		}
	}()
	return ln.Addr().String(), nil
}
