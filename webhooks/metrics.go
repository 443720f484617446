package webhooks

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The results counted by safezones_webhook_deliveries_total.
const (
	resultDelivered = "delivered" // the receiver answered 2xx
	resultRetried   = "retried"   // an attempt failed and a retry is scheduled
	resultFailed    = "failed"    // given up (attempts or age exhausted, or 410 Gone)
)

// metrics are the dispatcher's Prometheus collectors. They carry no
// subscription label: subscriptions are created by users and would make
// the series count unbounded; per-subscription figures are the receipts
// (WebhookService.Deliveries).
type metrics struct {
	attempts *prometheus.CounterVec
	duration prometheus.Histogram
	lag      prometheus.Histogram
	pending  prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "safezones_webhook_deliveries_total",
			Help: "Webhook delivery attempts by result: delivered, retried (will be tried again), failed (given up).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "safezones_webhook_delivery_duration_seconds",
			Help:    "Duration of one webhook delivery attempt, from request to response or error.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "safezones_webhook_lag_seconds",
			Help:    "Time from an alert's creation to its delivery to a subscriber.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400},
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "safezones_webhook_pending",
			Help: "Webhook deliveries waiting in the outbox for enabled subscriptions.",
		}),
	}
	for _, c := range []prometheus.Collector{m.attempts, m.duration, m.lag, m.pending} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register webhook metrics: %w", err)
		}
	}
	for _, r := range []string{resultDelivered, resultRetried, resultFailed} {
		m.attempts.WithLabelValues(r) // export zeros before the first delivery
	}
	return m, nil
}
