package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/safezones/safezones"
)

// Outbox is the store the Dispatcher reads and updates: a
// safezones.WebhookService's outbox methods and a count of the backlog for
// the safezones_webhook_pending gauge. *sqlite.DB is one.
type Outbox interface {
	Webhook(ctx context.Context, id string) (*safezones.WebhookSubscription, error)
	DisableWebhook(ctx context.Context, id string) error
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]safezones.WebhookDelivery, []safezones.Alert, error)
	RecordAttempt(ctx context.Context, d safezones.WebhookDelivery) error
	PendingDeliveries(ctx context.Context) (int, error)
}

// Options configure a Dispatcher. Zero fields take the defaults of
// DefaultOptions.
type Options struct {
	// PollInterval is how often the outbox is read when nothing calls
	// Notify (retries come due on this beat).
	PollInterval time.Duration
	// Timeout bounds one attempt: connecting, sending and reading the
	// response headers.
	Timeout time.Duration
	// Workers bounds the attempts in flight at once; each serves one
	// subscription, so at most Workers receivers can be slow before
	// others wait.
	Workers int
	// BackoffBase is the wait before the first retry; each further retry
	// waits twice as long, up to BackoffMax, each with ±20% jitter.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxAttempts gives up on a delivery after that many attempts; 0
	// means no limit but MaxAge.
	MaxAttempts int
	// MaxAge gives up on a delivery whose next retry would come more than
	// MaxAge after the alert was created.
	MaxAge time.Duration
	// Allow lists the internal addresses webhooks may reach after all
	// (see ParseAllowlist): CIDR prefixes, addresses or host names.
	Allow []string
	// Registerer receives the metrics; a private registry when nil.
	Registerer prometheus.Registerer
	// Logger receives delivery failures (never secrets or URLs' query
	// strings); it discards when nil.
	Logger *slog.Logger
	// Now reads the clock; time.Now when nil.
	Now func() time.Time
}

// DefaultOptions returns the defaults: poll every second, 10 s per
// attempt, 16 workers, retries after 1 s, 2 s, 4 s, ... up to 10 min
// apart, given up 24 h after the alert was created.
func DefaultOptions() Options {
	return Options{PollInterval: time.Second, Timeout: 10 * time.Second, Workers: 16,
		BackoffBase: time.Second, BackoffMax: 10 * time.Minute, MaxAge: 24 * time.Hour}
}

// withDefaults fills o's zero fields from DefaultOptions.
func (o Options) withDefaults() Options {
	def := DefaultOptions()
	setDefault(&o.PollInterval, def.PollInterval)
	setDefault(&o.Timeout, def.Timeout)
	setDefault(&o.Workers, def.Workers)
	setDefault(&o.BackoffBase, def.BackoffBase)
	setDefault(&o.BackoffMax, def.BackoffMax)
	setDefault(&o.MaxAge, def.MaxAge)
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// recordTimeout bounds writing a receipt after an attempt, which is done
// even when the dispatcher is stopping so that a delivered alert is not
// sent again.
const recordTimeout = 5 * time.Second

// maxResponseBody is how much of a response is read (and discarded) so
// that the connection can be reused.
const maxResponseBody = 64 << 10

// Dispatcher sends the outbox's deliveries. Create it with New, start it
// with Run, and call Notify after AppendAlerts to send at once.
type Dispatcher struct {
	store   Outbox
	opts    Options
	allow   *Allowlist
	client  *http.Client
	metrics *metrics
	log     *slog.Logger
	wake    chan struct{}

	mu   sync.Mutex
	busy map[string]bool // subscriptions with an attempt in flight

	lastPending time.Time // when the pending gauge was last read; Run's goroutine only
}

// New returns a Dispatcher over store. It fails when an Allow entry does
// not parse or the metrics cannot be registered (a second Dispatcher on the
// same Registerer).
func New(store Outbox, opts Options) (*Dispatcher, error) {
	opts = opts.withDefaults()
	allow, err := ParseAllowlist(opts.Allow)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{store: store, opts: opts, allow: allow, metrics: m, log: opts.Logger,
		wake: make(chan struct{}, 1), busy: map[string]bool{}}
	d.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would be dialled instead of the checked target
			DialContext:           allow.dialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   opts.Timeout,
			ExpectContinueTimeout: time.Second,
		},
		// A redirect could lead anywhere, including past the allow-list's
		// first check; the 3xx is the answer and counts as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d, nil
}

// CheckTarget checks a subscription URL against this dispatcher's
// allow-list; see (*Allowlist).CheckTarget. Codes: invalid (field url).
func (d *Dispatcher) CheckTarget(ctx context.Context, rawURL string) error {
	return d.allow.CheckTarget(ctx, rawURL)
}

// Notify wakes the dispatcher to read the outbox now rather than at the
// next poll. It never blocks; call it after AppendAlerts returns.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx is done, then waits for the attempts
// in flight, which ctx cancels, and returns nil. An attempt cut short is
// not recorded, so the next Run sends that delivery again: the one
// repeat per subscription that at-least-once delivery allows.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(d.opts.PollInterval)
	defer tick.Stop()
	for {
		if err := d.dispatch(ctx, &wg); err != nil && ctx.Err() == nil {
			d.log.Error("read webhook outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-d.wake:
		}
	}
}

// dispatch starts an attempt for each due delivery whose subscription has
// none in flight, as long as workers are free.
func (d *Dispatcher) dispatch(ctx context.Context, wg *sync.WaitGroup) error {
	d.updatePending(ctx)
	// A subscription busy now may finish its attempt while the outbox is
	// read, and the read may still show the delivery it just settled as
	// its head: so only subscriptions idle before the read are started.
	// Those that finish meanwhile call Notify and are started next time.
	busy := d.busySet()
	free := d.opts.Workers - len(busy)
	if free <= 0 {
		return nil
	}
	// Busy subscriptions' heads come back too; ask for enough to fill
	// every free worker anyway.
	due, alerts, err := d.store.DueDeliveries(ctx, d.opts.Now(), free+len(busy))
	if err != nil {
		return err
	}
	for i := range due {
		if free == 0 {
			break
		}
		if busy[due[i].SubscriptionID] || !d.claim(due[i].SubscriptionID) {
			continue
		}
		free--
		wg.Add(1)
		go func(dl safezones.WebhookDelivery, a safezones.Alert) {
			defer wg.Done()
			recorded := d.deliver(ctx, dl, a)
			d.release(dl.SubscriptionID)
			if recorded {
				d.Notify() // send the subscription's next alert at once
			}
		}(due[i], alerts[i])
	}
	return nil
}

// busySet returns a copy of the subscriptions with an attempt in flight.
func (d *Dispatcher) busySet() map[string]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]bool, len(d.busy))
	for id := range d.busy {
		out[id] = true
	}
	return out
}

// claim marks subscription id busy; false when it already was.
func (d *Dispatcher) claim(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[id] {
		return false
	}
	d.busy[id] = true
	return true
}

// release ends subscription id's attempt.
func (d *Dispatcher) release(id string) {
	d.mu.Lock()
	delete(d.busy, id)
	d.mu.Unlock()
}

// updatePending refreshes the pending gauge, at most once per poll
// interval: counting a large backlog on every wake-up would cost more
// than the figure is worth.
func (d *Dispatcher) updatePending(ctx context.Context) {
	now := d.opts.Now()
	if now.Sub(d.lastPending) < d.opts.PollInterval {
		return
	}
	d.lastPending = now
	n, err := d.store.PendingDeliveries(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("count pending webhook deliveries", "err", err)
		}
		return
	}
	d.metrics.pending.Set(float64(n))
}

// deliver makes one attempt at dl and records its outcome; it reports
// whether it did. When it did not (stopping, or the store failing), the
// delivery waits for the next poll rather than being retried in a loop.
func (d *Dispatcher) deliver(ctx context.Context, dl safezones.WebhookDelivery, a safezones.Alert) bool {
	log := d.log.With("webhook_id", dl.SubscriptionID, "alert_id", a.ID)
	sub, err := d.store.Webhook(ctx, dl.SubscriptionID)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("read webhook subscription", "err", err)
		}
		return false
	}
	if sub.Disabled {
		return false
	}
	body, err := Payload(&a)
	if err != nil {
		log.Error("encode webhook payload", "err", err)
		return false
	}
	dl.Attempts++
	start := d.opts.Now()
	status, err := d.post(ctx, sub, &a, dl.Attempts, body)
	if err != nil && ctx.Err() != nil {
		return false // stopping: the attempt does not count and is made again
	}
	end := d.opts.Now()
	d.metrics.duration.Observe(end.Sub(start).Seconds())
	d.settle(&dl, &a, status, err, end)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := d.store.RecordAttempt(rctx, dl); err != nil {
		log.Error("record webhook attempt", "attempt", dl.Attempts, "err", err)
		return false
	}
	d.count(&dl, &a, end)
	switch {
	case dl.State == safezones.DeliveryDelivered:
		log.Debug("webhook delivered", "attempt", dl.Attempts, "status", status)
	case status == http.StatusGone:
		log.Warn("webhook receiver answered 410 Gone: subscription disabled", "attempt", dl.Attempts)
		if err := d.store.DisableWebhook(rctx, sub.ID); err != nil {
			log.Error("disable webhook", "err", err)
		}
	case dl.State == safezones.DeliveryFailed:
		log.Warn("webhook delivery given up", "attempt", dl.Attempts, "status", status, "err", dl.LastError)
	default:
		log.Info("webhook attempt failed, will retry", "attempt", dl.Attempts, "status", status,
			"err", dl.LastError, "next_attempt", dl.NextAttempt)
	}
	return true
}

// settle fills in dl's outcome after an attempt that ended at now with
// status (0: no response) and err (nil: 2xx).
func (d *Dispatcher) settle(dl *safezones.WebhookDelivery, a *safezones.Alert, status int, err error, now time.Time) {
	dl.LastStatus, dl.LastError, dl.NextAttempt = status, "", now
	if err == nil {
		dl.State, dl.DeliveredAt = safezones.DeliveryDelivered, now
		return
	}
	dl.LastError = err.Error()
	next := now.Add(backoff(dl.Attempts, d.opts.BackoffBase, d.opts.BackoffMax, jitter()))
	switch {
	case status == http.StatusGone,
		d.opts.MaxAttempts > 0 && dl.Attempts >= d.opts.MaxAttempts,
		next.Sub(a.Created) > d.opts.MaxAge:
		dl.State = safezones.DeliveryFailed
	default:
		dl.State, dl.NextAttempt = safezones.DeliveryPending, next
	}
}

// count updates the metrics for a recorded attempt.
func (d *Dispatcher) count(dl *safezones.WebhookDelivery, a *safezones.Alert, now time.Time) {
	switch dl.State {
	case safezones.DeliveryDelivered:
		d.metrics.lag.Observe(now.Sub(a.Created).Seconds())
		d.metrics.attempts.WithLabelValues(resultDelivered).Inc()
	case safezones.DeliveryFailed:
		d.metrics.attempts.WithLabelValues(resultFailed).Inc()
	default:
		d.metrics.attempts.WithLabelValues(resultRetried).Inc()
	}
}

// post sends body to sub's URL, signed, and returns the response status
// (0 when none came) and nil for a 2xx answer or an error saying what went
// wrong.
func (d *Dispatcher) post(ctx context.Context, sub *safezones.WebhookSubscription, a *safezones.Alert, attempt int, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	ts := d.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "safezones-webhooks/1")
	req.Header.Set(HeaderAlertID, a.ID)
	req.Header.Set("Idempotency-Key", a.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(sub.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, withoutURL(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Errorf("status %d: redirects are not followed", resp.StatusCode)
	}
	return resp.StatusCode, fmt.Errorf("status %d: %s", resp.StatusCode, printable(snippet, 200))
}

// withoutURL drops the URL that net/http puts in its errors: a target's
// query string may hold a credential of the receiver's.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.DeadlineExceeded) {
			return errors.New("timed out")
		}
		return ue.Err
	}
	return err
}

// printable returns at most n bytes of b with control characters replaced,
// fit for a receipt and a log line.
func printable(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
}
