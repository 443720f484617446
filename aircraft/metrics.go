package aircraft

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StatsSource is a feed that reports Stats: SBSClient, JSONPoller.
type StatsSource interface {
	Stats() Stats
}

// Metrics exports the Stats of the feeds it watches to Prometheus, labelled
// by feed name and format: safezones_feed_lines_total,
// safezones_feed_bad_lines_total, safezones_feed_positions_total,
// safezones_feed_reconnects_total, safezones_feed_connected and
// safezones_feed_last_message_age_seconds. Values are read from each
// feed's Stats at scrape time, so the counters have one source.
type Metrics struct {
	mu    sync.Mutex
	feeds []StatsSource
	// Now returns the current time, for the message age; time.Now when nil.
	Now func() time.Time
}

var (
	feedLabels      = []string{"feed", "format"}
	descLines       = prometheus.NewDesc("safezones_feed_lines_total", "SBS-1 lines or aircraft.json entries read, by feed.", feedLabels, nil)
	descBadLines    = prometheus.NewDesc("safezones_feed_bad_lines_total", "SBS-1 lines or aircraft.json entries that did not decode, by feed.", feedLabels, nil)
	descPositions   = prometheus.NewDesc("safezones_feed_positions_total", "Aircraft positions handed to the tracker, by feed.", feedLabels, nil)
	descReconnects  = prometheus.NewDesc("safezones_feed_reconnects_total", "Connections (SBS-1) or successful polls (aircraft.json) after a failure, by feed.", feedLabels, nil)
	descConnected   = prometheus.NewDesc("safezones_feed_connected", "1 when the feed is connected (its last poll succeeded), else 0.", feedLabels, nil)
	descLastMessage = prometheus.NewDesc("safezones_feed_last_message_age_seconds", "Seconds since the feed's last aircraft message; absent before the first.", feedLabels, nil)
)

// NewMetrics returns a Metrics registered with reg; it panics if reg
// already has collectors of the same names.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{}
	reg.MustRegister(m)
	return m
}

// Watch adds a feed to the exported ones.
func (m *Metrics) Watch(f StatsSource) {
	m.mu.Lock()
	m.feeds = append(m.feeds, f)
	m.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLines, descBadLines, descPositions, descReconnects, descConnected, descLastMessage} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	feeds := append([]StatsSource(nil), m.feeds...)
	m.mu.Unlock()
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	for _, f := range feeds {
		s := f.Stats()
		lv := []string{s.Feed, s.Format}
		ch <- prometheus.MustNewConstMetric(descLines, prometheus.CounterValue, float64(s.Lines), lv...)
		ch <- prometheus.MustNewConstMetric(descBadLines, prometheus.CounterValue, float64(s.BadLines), lv...)
		ch <- prometheus.MustNewConstMetric(descPositions, prometheus.CounterValue, float64(s.Positions), lv...)
		ch <- prometheus.MustNewConstMetric(descReconnects, prometheus.CounterValue, float64(s.Reconnects), lv...)
		connected := 0.0
		if s.State == StateConnected {
			connected = 1
		}
		ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, connected, lv...)
		if !s.LastMessage.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLastMessage, prometheus.GaugeValue, now.Sub(s.LastMessage).Seconds(), lv...)
		}
	}
}
