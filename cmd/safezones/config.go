package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/safezones/safezones/ledger"
	"github.com/safezones/safezones/webhooks"
	"golang.org/x/mod/sumdb/note"
)

// Config is everything the service can be told. DefaultConfig gives the
// defaults; environment variables (SAFEZONES_*) override them, and flags
// override both.
type Config struct {
	Addr      string // listen address
	DB        string // SQLite file
	LedgerKey string // ledger signing key file; next to DB when empty
	// EvidenceDir is the blob store of incident evidence; "evidence" next
	// to DB when empty.
	EvidenceDir string
	// PredictEvery is the least track time between two early-warning
	// predictions of one object; 0 turns early warning off.
	PredictEvery  time.Duration
	OperatorToken string // bearer token for writes; never logged
	PublicReads   bool   // GETs without a token
	MaxBodyBytes  int64
	LogLevel      string // debug, info, warn, error
	LogFormat     string // text or json
	// SBS lists SBS-1 BaseStation feeds (host:port, port 30003 of
	// dump1090/readsb) whose positions go into the tracker.
	SBS []string
	// AircraftJSON lists readsb/dump1090 aircraft.json URLs to poll.
	AircraftJSON []string
	// AircraftJSONInterval is the time between two polls of each URL.
	AircraftJSONInterval time.Duration
	// WebhookAllow lists internal addresses (CIDR prefixes, addresses or
	// host names) that webhooks may reach; public addresses need no entry.
	WebhookAllow []string
}

// DefaultConfig returns the defaults: loopback on 8080, safezones.db,
// public reads, 16 MiB bodies, info logs as text.
func DefaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", DB: "safezones.db", PublicReads: true,
		MaxBodyBytes: 16 << 20, LogLevel: "info", LogFormat: "text", PredictEvery: 30 * time.Second,
		AircraftJSONInterval: time.Second,
	}
}

// envVars names the environment variable behind each setting.
var envVars = map[string]string{
	"addr": "SAFEZONES_ADDR", "db": "SAFEZONES_DB", "operator-token": "SAFEZONES_OPERATOR_TOKEN",
	"ledger-key": "SAFEZONES_LEDGER_KEY", "evidence-dir": "SAFEZONES_EVIDENCE_DIR", "predict-every": "SAFEZONES_PREDICT_EVERY",
	"public-reads": "SAFEZONES_PUBLIC_READS", "max-body-bytes": "SAFEZONES_MAX_BODY_BYTES",
	"log-level": "SAFEZONES_LOG_LEVEL", "log-format": "SAFEZONES_LOG_FORMAT",
	"sbs": "SAFEZONES_SBS", "aircraft-json": "SAFEZONES_AIRCRAFT_JSON",
	"aircraft-json-interval": "SAFEZONES_AIRCRAFT_JSON_INTERVAL", "webhook-allow": "SAFEZONES_WEBHOOK_ALLOW",
}

// applyEnv overrides c with the environment variables that are set.
func (c *Config) applyEnv(getenv func(string) string) error {
	for name, v := range envVars {
		val := getenv(v)
		if val == "" {
			continue
		}
		var err error
		switch name {
		case "addr":
			c.Addr = val
		case "db":
			c.DB = val
		case "ledger-key":
			c.LedgerKey = val
		case "evidence-dir":
			c.EvidenceDir = val
		case "predict-every":
			c.PredictEvery, err = time.ParseDuration(val)
		case "operator-token":
			c.OperatorToken = val
		case "public-reads":
			c.PublicReads, err = strconv.ParseBool(val)
		case "max-body-bytes":
			c.MaxBodyBytes, err = strconv.ParseInt(val, 10, 64)
		case "log-level":
			c.LogLevel = val
		case "log-format":
			c.LogFormat = val
		case "sbs":
			c.SBS = splitList(val)
		case "aircraft-json":
			c.AircraftJSON = splitList(val)
		case "aircraft-json-interval":
			c.AircraftJSONInterval, err = time.ParseDuration(val)
		case "webhook-allow":
			c.WebhookAllow = splitList(val)
		}
		if err != nil {
			return usagef("%s=%q: %v", v, val, err)
		}
	}
	return nil
}

// bindFlags registers the service flags on fs, defaulting to c's values.
func (c *Config) bindFlags(fs *flag.FlagSet, withDB bool) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen `address` (host:port) [SAFEZONES_ADDR]")
	if withDB {
		fs.StringVar(&c.DB, "db", c.DB, "SQLite database `file` [SAFEZONES_DB]")
		fs.StringVar(&c.LedgerKey, "ledger-key", c.LedgerKey, "ledger signing key `file`, made on first start [SAFEZONES_LEDGER_KEY] (default ledger.key next to --db)")
		fs.StringVar(&c.EvidenceDir, "evidence-dir", c.EvidenceDir, "`directory` of incident evidence files, stored by SHA-256 [SAFEZONES_EVIDENCE_DIR] (default evidence next to --db)")
	}
	fs.StringVar(&c.OperatorToken, "operator-token", c.OperatorToken, "bearer `token` that authorises writes [SAFEZONES_OPERATOR_TOKEN]; prefer the environment variable, flags show in ps")
	fs.BoolVar(&c.PublicReads, "public-reads", c.PublicReads, "serve GET requests without a token [SAFEZONES_PUBLIC_READS]")
	fs.DurationVar(&c.PredictEvery, "predict-every", c.PredictEvery, "least track `time` between two early-warning predictions of one object; 0 turns early warning off [SAFEZONES_PREDICT_EVERY]")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body in `bytes` [SAFEZONES_MAX_BODY_BYTES]")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error [SAFEZONES_LOG_LEVEL]")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json [SAFEZONES_LOG_FORMAT]")
}

// bindFeedFlags registers the aircraft feed flags (serve only).
func (c *Config) bindFeedFlags(fs *flag.FlagSet) {
	fs.Var(&listFlag{list: &c.SBS}, "sbs", "SBS-1 BaseStation feed `host:port` (port 30003 of dump1090/readsb); repeat for more [SAFEZONES_SBS, comma-separated]")
	fs.Var(&listFlag{list: &c.AircraftJSON}, "aircraft-json", "readsb/dump1090 aircraft.json `URL` to poll; repeat for more [SAFEZONES_AIRCRAFT_JSON, comma-separated]")
	fs.DurationVar(&c.AircraftJSONInterval, "aircraft-json-interval", c.AircraftJSONInterval, "`time` between two polls of each aircraft.json URL [SAFEZONES_AIRCRAFT_JSON_INTERVAL]")
	fs.Var(&listFlag{list: &c.WebhookAllow}, "webhook-allow", "internal `address` (CIDR, IP or host name) webhooks may reach; public ones need none; repeat for more [SAFEZONES_WEBHOOK_ALLOW, comma-separated]")
}

// listFlag is a repeatable flag: the first use replaces the values from the
// environment, later ones append.
type listFlag struct {
	list *[]string
	set  bool
}

func (f *listFlag) String() string {
	if f.list == nil {
		return ""
	}
	return strings.Join(*f.list, ",")
}

func (f *listFlag) Set(v string) error {
	if !f.set {
		*f.list, f.set = nil, true
	}
	*f.list = append(*f.list, splitList(v)...)
	return nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// validateFeeds checks the aircraft feed settings.
func (c *Config) validateFeeds() error {
	for _, a := range c.SBS {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || port == "" {
			return usagef("--sbs %q is not host:port", a)
		}
	}
	for _, raw := range c.AircraftJSON {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--aircraft-json %q is not an http or https URL", redactURL(raw))
		}
	}
	if c.AircraftJSONInterval < 100*time.Millisecond {
		return usagef("--aircraft-json-interval %v is below 100ms", c.AircraftJSONInterval)
	}
	return nil
}

// redactURL hides a password written into a URL.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// Validate checks c and names the first bad field.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return usagef("--addr %q: %v", c.Addr, err)
	}
	if c.DB == "" {
		return usagef("--db must name a file")
	}
	if c.PredictEvery < 0 {
		return usagef("--predict-every %v is negative", c.PredictEvery)
	}
	if c.MaxBodyBytes < 1024 {
		return usagef("--max-body-bytes %d is below 1024", c.MaxBodyBytes)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return usagef("--log-format %q is not text or json", c.LogFormat)
	}
	if c.OperatorToken != "" && len(c.OperatorToken) < 16 {
		return usagef("--operator-token is shorter than 16 characters; use a long random token")
	}
	if _, err := webhooks.ParseAllowlist(c.WebhookAllow); err != nil {
		return usagef("--webhook-allow: %v", err)
	}
	return c.validateFeeds()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, usagef("--log-level %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// logger returns the slog logger c asks for, writing to stderr.
func (c *Config) logger() *slog.Logger {
	lvl, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// newFlagSet returns a flag set whose usage prints usage then the flags.
func newFlagSet(e *environment, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, usage)
		fmt.Fprintln(e.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping -h to errHelpShown and mistakes to usage
// errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelpShown
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// ledgerKeyPath returns the signing key file: LedgerKey, or ledger.key in
// the database's directory.
func (c *Config) ledgerKeyPath() string {
	if c.LedgerKey != "" {
		return c.LedgerKey
	}
	return filepath.Join(filepath.Dir(c.DB), ledger.KeyFile)
}

// evidencePath returns the evidence blob store: EvidenceDir, or evidence
// in the database's directory.
func (c *Config) evidencePath() string {
	if c.EvidenceDir != "" {
		return c.EvidenceDir
	}
	return filepath.Join(filepath.Dir(c.DB), "evidence")
}

// ledgerSigner loads the ledger key, creating it on first start with a name
// unique to this deployment.
func (c *Config) ledgerSigner() (note.Signer, string, error) {
	var b [4]byte
	rand.Read(b[:])
	return ledger.LoadOrCreateKey(c.ledgerKeyPath(), "safezones-"+hex.EncodeToString(b[:]))
}
