package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
	"github.com/safezones/safezones/alerts"
	"github.com/safezones/safezones/boundary"
	"github.com/safezones/safezones/evidence"
	"github.com/safezones/safezones/fence"
	"github.com/safezones/safezones/geojson"
	"github.com/safezones/safezones/incidents"
	"golang.org/x/mod/sumdb/note"
)

// Pinger reports whether the store answers; /healthz calls it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server serves the HTTP API. Fill its fields, then call Handler once.
type Server struct {
	Zones   safezones.ZoneService
	Parties safezones.PartyService
	Health  Pinger
	// Fence answers /v1/locate from the snapshot in force.
	Fence SnapshotSource
	// Tracker takes /v1/positions and turns them into events.
	Tracker *fence.Tracker
	// Ledger serves /v1/ledger; LedgerSigner signs its checkpoints.
	Ledger       safezones.LedgerReader
	LedgerSigner note.Signer
	// Members resolves member tokens (sz_…) and serves members and
	// tokens; Keys, Consent and Commitments serve theirs. Each is
	// optional: its routes exist only when it is set.
	Members     safezones.MemberService
	Keys        safezones.KeyService
	Consent     safezones.ConsentService
	Commitments safezones.CommitmentService
	// Alerts serves /v1/alerts and their CAP forms; AlertHub streams them
	// (/v1/alerts/stream); AlertProducer turns the tracker's events of
	// /v1/positions into stored alerts. Webhooks serves /v1/webhooks,
	// whose target URLs WebhookTargetCheck vets (nil: any http(s) URL).
	// Without them those routes answer 503.
	Alerts             safezones.AlertService
	AlertHub           *alerts.Hub
	AlertProducer      EventHandler
	Webhooks           safezones.WebhookService
	WebhookTargetCheck func(url string) error
	// CAPSender and CAPHostID name this deployment in CAP messages
	// (sender; identifiers "safezones-<CAPHostID>-al-<seq>"); no spaces,
	// commas, '<' or '&'. SSEHeartbeat is the comment interval of idle
	// alert streams (15 s when 0).
	// Archive keeps every position the ingest accepts before it answers
	// (nil: positions are not archived); TrackStore serves the archive at
	// /v1/tracks (nil: no route).
	Archive    Archiver
	TrackStore safezones.TrackService
	// Incidents serves /v1/incidents and the OGC incidents collection;
	// Evidence, Blobs and EvidenceLimits serve evidence uploads and files.
	// Without them those routes answer 503 (no incidents collection).
	Incidents incidents.Store
	// IncidentAlerts pushes violation alerts of recent submitted reports
	// (alerts.Producer); nil: none are pushed.
	IncidentAlerts IncidentAlerter
	Evidence       EvidenceService
	Blobs          *evidence.Dir
	EvidenceLimits evidence.Limits
	CAPSender      string
	CAPHostID      string
	SSEHeartbeat   time.Duration
	// Notifications serves /v1/notifications, /v1/check and the
	// accountability report (which reads Incidents); NotificationRules
	// sets deadlines, check thresholds and the public grid (defaults when
	// zero); Boundaries resolve declared governorates and districts (nil:
	// no area check). Without Notifications those routes answer 503.
	Notifications     safezones.NotificationService
	NotificationRules safezones.NotificationRules
	Boundaries        *boundary.Set

	// OperatorToken authorises writes (and reads unless PublicReads) as
	// the bootstrap admin. Empty disables it; member tokens (Members)
	// still work.
	OperatorToken string
	// PublicReads lets unauthenticated clients use GET and HEAD.
	PublicReads bool
	// MaxBodyBytes caps request bodies; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// Limits bound geometry input.
	Limits geojson.Limits
	// Title names the service on the landing page.
	Title string
	// Web serves the map (package web): its files under /ui/ and, for
	// browsers, the page at / (web.go). nil: no map; / is the JSON
	// landing page for everyone and /ui/ answers 404.
	Web http.Handler
	// BaseURL is the public scheme and host for absolute links (behind a
	// proxy); the request's own host when empty.
	BaseURL string
	// Registry receives the HTTP metrics; a new registry when nil.
	Registry *prometheus.Registry
	// Logger receives access logs and errors; discards when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	checkpoints  checkpointCache
	history      historySnapshot
	operatorHash [sha256.Size]byte
	metrics      *metrics
	mux          *http.ServeMux
}

// DefaultMaxBodyBytes is the request body cap when Server.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 16 << 20

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s.Logger
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Handler returns the complete HTTP handler: routes wrapped in request ids,
// panic recovery, metrics, access logs and authentication.
func (s *Server) Handler() http.Handler {
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.Limits == (geojson.Limits{}) {
		s.Limits = geojson.DefaultLimits()
	}
	if s.Title == "" {
		s.Title = "safezones"
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.operatorHash = sha256.Sum256([]byte(s.OperatorToken))
	s.metrics = newMetrics(s.Registry)

	mux := http.NewServeMux()
	s.registerHealthRoutes(mux)
	s.registerZoneRoutes(mux)
	s.registerPartyRoutes(mux)
	s.registerOGCRoutes(mux)
	s.registerLedgerRoutes(mux)
	s.registerMemberRoutes(mux)
	s.registerConsentRoutes(mux)
	s.registerCommitmentRoutes(mux)
	s.registerLocateRoutes(mux)
	s.registerPositionRoutes(mux)
	s.registerAlertRoutes(mux)
	s.registerWebhookRoutes(mux)
	s.registerTrackRoutes(mux)
	s.registerIncidentRoutes(mux)
	s.registerObjectRoutes(mux)
	s.registerNotificationRoutes(mux)
	s.registerWebRoutes(mux)
	s.mux = mux
	return s.withRequestID(s.withRecover(s.withAccessLog(s.withAuth(s.withMethodCheck(mux)))))
}

// withMethodCheck answers what no route serves with the error JSON instead
// of the mux's plain text: 404 for an unknown path, 405 with Allow for a
// known path and another method.
func (s *Server) withMethodCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := s.mux.Handler(r); pattern != "" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptestRecorder{header: http.Header{}}
		next.ServeHTTP(&rec, r) // the mux's own 404 or 405, which sets Allow
		if rec.status != http.StatusMethodNotAllowed {
			s.writeError(w, r, safezones.Errorf(safezones.CodeNotFound, "no route for %s %s", r.Method, r.URL.Path))
			return
		}
		allow := rec.header.Get("Allow")
		w.Header().Set("Allow", allow)
		s.writeError(w, r, safezones.Errorf(safezones.CodeMethodNotAllowed,
			"%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
	})
}

// httptestRecorder captures the headers a handler sets and drops its body.
type httptestRecorder struct {
	header http.Header
	status int
}

func (r *httptestRecorder) Header() http.Header         { return r.header }
func (r *httptestRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *httptestRecorder) WriteHeader(code int)        { r.status = code }

// requestInfo travels in the context from the outermost middleware, so
// that inner layers can tell the access log who acted.
type requestInfo struct {
	id     string
	actor  string
	member string
}

type requestInfoKey struct{}

func requestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID takes a sane X-Request-Id from the client or makes one,
// and echoes it in the response.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		info := &requestInfo{id: id, actor: "anonymous"}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
	})
}

func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().Error("panic serving request", "request_id", requestID(r.Context()), "panic", v)
				s.writeError(w, r, safezones.Errorf(safezones.CodeInternal, "internal error (request %s)", requestID(r.Context())))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the recorder.
func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// quietRoutes are read routes served thousands of times a second, whose
// successful requests are logged at debug: an info line costs more than
// the query itself (about 6 µs against 5 µs for a point query,
// docs/benchmarks.md). Their failures and their metrics stay.
var quietRoutes = map[string]bool{"GET /v1/locate": true}

// withAccessLog logs one line per request and records metrics by route
// pattern (never by raw path, which would explode label cardinality).
func (s *Server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		// The mux sets r.Pattern only on the request it is handed, which
		// the auth layer derives from this one; ask the mux directly.
		_, route := s.mux.Handler(r)
		if route == "" || route == "/" {
			route = "unmatched"
		}
		s.metrics.observe(r.Method, route, rec.status, d)
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case rec.status < 400 && quietRoutes[route]:
			level = slog.LevelDebug
		}
		s.logger().LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", d), slog.String("remote", r.RemoteAddr),
			slog.String("party", loggedActor(r.Context())), slog.String("member", loggedMember(r.Context())))
	})
}

func loggedActor(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info.actor
	}
	return "anonymous"
}

func loggedMember(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info.member
	}
	return ""
}

func actorName(ctx context.Context) string {
	if a, ok := safezones.ActorFromContext(ctx); ok {
		return a.PartyID
	}
	return "anonymous"
}

// withAuth resolves the bearer token to an Actor. Writes always need one;
// reads need one unless PublicReads; /healthz never does.
func (s *Server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r) // probes carry no credentials, and need none
			return
		}
		if s.isPublicWebRequest(r) {
			next.ServeHTTP(w, r) // the map's page and files hold no data; the page asks for a token itself
			return
		}
		if tok, ok := bearerToken(r); ok {
			actor, err := s.authenticate(ctx, tok)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx = safezones.WithActor(ctx, actor)
			if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
				info.actor, info.member = actor.PartyID, actor.MemberID
			}
		} else if r.Header.Get("Authorization") != "" {
			s.writeError(w, r, safezones.Errorf(safezones.CodeUnauthorized, "the Authorization header must be \"Bearer <token>\""))
			return
		}
		_, authed := safezones.ActorFromContext(ctx)
		read := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !authed && (!read || !s.PublicReads) {
			s.writeError(w, r, safezones.Errorf(safezones.CodeUnauthorized, "this request needs a bearer token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// authenticate resolves a bearer token: the operator token (the bootstrap
// admin, acting as party "operator"), or a member token through Members.
// Tokens are never logged.
func (s *Server) authenticate(ctx context.Context, tok string) (safezones.Actor, error) {
	if s.isOperator(tok) {
		return safezones.Actor{PartyID: safezones.OperatorPartyID, Operator: true, Role: safezones.RoleAdmin}, nil
	}
	if s.Members != nil && strings.HasPrefix(tok, safezones.TokenPrefix) {
		a, err := s.Members.Authenticate(ctx, tok)
		if err != nil && safezones.ErrorCode(err) != safezones.CodeUnauthorized {
			return a, fmt.Errorf("authenticate: %w", err)
		}
		return a, err
	}
	return safezones.Actor{}, safezones.Errorf(safezones.CodeUnauthorized, "the bearer token is not valid")
}

// isOperator compares token hashes in constant time, so neither the
// token's length nor its prefix leaks through timing.
func (s *Server) isOperator(tok string) bool {
	if s.OperatorToken == "" {
		return false
	}
	h := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(h[:], s.operatorHash[:]) == 1
}

// requireOperator returns a forbidden error unless the operator acts.
func requireOperator(ctx context.Context) error {
	a, ok := safezones.ActorFromContext(ctx)
	if !ok {
		return safezones.Errorf(safezones.CodeUnauthorized, "this request needs a bearer token")
	}
	if !a.Operator {
		return safezones.Errorf(safezones.CodeForbidden, "only the operator may do this")
	}
	return nil
}

// readBody reads the request body up to MaxBodyBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, safezones.Errorf(safezones.CodeTooLarge, "request body is larger than %d bytes", mbe.Limit)
	}
	if err != nil {
		return nil, safezones.Errorf(safezones.CodeInvalid, "read request body: %v", err)
	}
	if len(b) == 0 {
		return nil, safezones.Errorf(safezones.CodeInvalid, "request body is empty")
	}
	return b, nil
}
