package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/safezones/safezones"
	"github.com/safezones/safezones/consent"
)

const decideUsage = `Usage: safezones zone <approve|reject|suspend|withdraw> --key FILE [flags] ZONE-ID

Signs a decision on one exact version of a zone with the party's private
key and posts it. The command fetches the version and its hash from the
server, builds the canonical payload (RFC 8785 JSON naming the zone, the
version, its hash, the party, the key id, the verdict, the reason and the
time), signs it locally — the key never leaves this machine — and posts
the payload and the signature. The server checks the signature against
the party's registered key and moves the zone through its lifecycle:

  approve   consent to the version; it comes into force once the zone's
            consent policy is satisfied and its validity has begun
  reject    refuse the version (you may approve it later)
  suspend   pause your consent to the version in force
  withdraw  end your consent to the version for good

The version is --version, else the latest for approve and reject, and the
one in force (else the latest) for suspend and withdraw. The token must
be a signer or admin of the key's party (or the operator's, with --party).

The demo accepts scenario decisions only: add --simulated there.

Examples:
  safezones zone approve --key syria.key eastern-aleppo-safe-area
  safezones zone approve --simulated --key "$DEMO_DIR/keys/russia.key" eastern-aleppo-safe-area
  safezones zone reject --key russia.key --reason "line cuts the M5 road" eastern-aleppo-safe-area
  safezones zone suspend --key syria.key --version 2 --reason "talks paused" idlib-safe-area
`

// decide runs zone approve|reject|suspend|withdraw.
func (c *zoneCmd) decide(ctx context.Context, verdict safezones.Verdict, args []string) error {
	fs := newFlagSet(c.env, "zone "+string(verdict), decideUsage)
	server, token := serverFlags(c.env, fs)
	keyFile := fs.String("key", "", "the party's private key `file` (safezones keys generate)")
	party := fs.String("party", "", "the deciding `party` (default: the token's own)")
	version := fs.Int("version", 0, "the version `N` to decide on")
	reason := fs.String("reason", "", "why, in a few words (signed with the decision)")
	simulated := fs.Bool("simulated", false, "mark the decision as scenario data, inside the signature (the demo accepts no other)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *keyFile == "" {
		return usagef("zone %s needs --key FILE and exactly one ZONE-ID", verdict)
	}
	if *version < 0 {
		return usagef("--version must be positive")
	}
	priv, err := consent.ReadPrivateKeyFile(*keyFile)
	if err != nil {
		return err
	}
	cl, p, err := newPartyClient(ctx, *server, *token, *party)
	if err != nil {
		return err
	}
	z, err := fetchVersion(ctx, cl, fs.Arg(0), *version, verdict)
	if err != nil {
		return err
	}
	sd, err := signDecision(priv, z, p, verdict, *reason, *simulated, time.Now())
	if err != nil {
		return err
	}
	var res struct {
		Decision      safezones.Decision       `json:"decision"`
		Zone          safezones.Zone           `json:"zone"`
		StatusChanges []safezones.StatusChange `json:"status_changes"`
		Awaiting      []string                 `json:"awaiting"`
	}
	if err := cl.do(ctx, http.MethodPost, "/v1/zones/"+url.PathEscape(z.ID)+"/decisions", sd, &res); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "%s: %s of zone %s version %d (hash %s…) recorded as %s, signed with key %s\n",
		p, verdict, z.ID, z.Version, z.Hash[:12], res.Decision.ID, res.Decision.KeyID)
	for _, ch := range res.StatusChanges {
		fmt.Fprintf(c.env.stdout, "version %d is now %s: %s\n", ch.Version, ch.Status, ch.Reason)
	}
	line := fmt.Sprintf("version %d stands %s", res.Zone.Version, res.Zone.Status)
	if len(res.Awaiting) > 0 {
		line += "; awaiting the approval of " + strings.Join(res.Awaiting, ", ")
	}
	fmt.Fprintln(c.env.stdout, line)
	return nil
}

// fetchVersion reads the version to decide on from the server: the one
// asked, else the latest (approve, reject) or the one in force (suspend,
// withdraw; the latest when none is).
func fetchVersion(ctx context.Context, cl *apiClient, id string, version int, v safezones.Verdict) (*safezones.Zone, error) {
	path := "/v1/zones/" + url.PathEscape(id)
	if version > 0 {
		return getVersion(ctx, cl, fmt.Sprintf("%s/versions/%d", path, version))
	}
	if v == safezones.VerdictSuspend || v == safezones.VerdictWithdraw {
		z, err := getVersion(ctx, cl, path+"?as_of="+url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano)))
		if e, ok := err.(*apiError); !ok || e.Status != http.StatusNotFound {
			return z, err
		}
	}
	return getVersion(ctx, cl, path)
}

func getVersion(ctx context.Context, cl *apiClient, path string) (*safezones.Zone, error) {
	var f struct {
		ID         string `json:"id"`
		Properties struct {
			Version int              `json:"version"`
			Hash    string           `json:"hash"`
			Status  safezones.Status `json:"status"`
		} `json:"properties"`
	}
	if err := cl.do(ctx, http.MethodGet, path, nil, &f); err != nil {
		return nil, err
	}
	if f.ID == "" || f.Properties.Version < 1 || len(f.Properties.Hash) != 64 {
		return nil, fmt.Errorf("GET %s: the answer names no zone version and hash", path)
	}
	return &safezones.Zone{ID: f.ID, Version: f.Properties.Version, Hash: f.Properties.Hash, Status: f.Properties.Status}, nil
}

// signDecision builds party's payload for verdict on version z at time at,
// marked simulated if asked, signs its RFC 8785 form with priv, and returns
// what the API takes.
func signDecision(priv ed25519.PrivateKey, z *safezones.Zone, party string, v safezones.Verdict, reason string, simulated bool, at time.Time) (safezones.SignedDecision, error) {
	pub := priv.Public().(ed25519.PublicKey)
	p := consent.NewPayload(z, party, consent.KeyID(pub), v, reason, at)
	p.Simulated = simulated
	canonical, sig, err := consent.Sign(priv, p)
	if err != nil {
		return safezones.SignedDecision{}, err
	}
	return safezones.SignedDecision{Payload: json.RawMessage(canonical), Signature: sig}, nil
}
