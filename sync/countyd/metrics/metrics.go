// Package metrics is countyd's monitoring: the Prometheus metrics served at
// /metrics and the /healthz and /readyz probes (docs/county-scale.md,
// "Monitoring"). It lives apart from package county so the store never
// imports Prometheus: the store exposes plain numbers (county.Vitals) and
// this package turns them into series.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yichuang/yichuang/sync/countyd/county"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Source is what a scrape reads of the county: the store's vitals and
// the device list (county.Devices's listing, without its revoke).
type Source interface {
	county.Vitals
	Devices(ctx context.Context) ([]county.Device, error)
}

// SilentAfter is how long a device may go without a signed request before
// it counts as silent (the alert's "a day").
const SilentAfter = 24 * time.Hour

// scrapeTimeout bounds the database reads one scrape makes.
const scrapeTimeout = 5 * time.Second

// Metrics holds countyd's series in its own registry (not the global one:
// tests start many servers in one process).
type Metrics struct {
	reg      *prometheus.Registry
	now      func() time.Time
	requests *prometheus.CounterVec
	apply    prometheus.Histogram
	failed   prometheus.Counter
	events   *prometheus.CounterVec
}

// New registers the series; src is read at each scrape, now is the clock
// contact ages are measured on (nil: time.Now).
func New(src Source, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		now: now,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "countyd_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code.",
		}, []string{"route", "code"}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "countyd_apply_duration_seconds",
			Help: "Time to apply one push's events in one transaction.",
			// A push is up to a few hundred events: milliseconds when
			// well, seconds when the disk or the writer lock is slow.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "countyd_apply_failures_total",
			Help: "Pushes whose apply failed (answered 500; the kiosk retries).",
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "countyd_events_total",
			Help: "Pushed events by result: applied, rejected (quarantined on the kiosk) or repeat (answered again).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.requests, m.apply, m.failed, m.events, &scrape{src: src, now: now},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts a request (httplog.Observer).
func (m *Metrics) ObserveRequest(route string, status int, _ time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// Handler serves the series in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Store wraps the kiosks' API's store so its applies are timed and their
// results counted; the other methods are st's own.
func (m *Metrics) Store(st county.API) county.API { return &instrumented{API: st, m: m} }

type instrumented struct {
	county.API
	m *Metrics
}

func (s *instrumented) Apply(ctx context.Context, dev county.Device, events []protocol.Event) ([]protocol.Result, error) {
	start := time.Now() // a duration, not a stamp: the real clock, not the county's
	res, err := s.API.Apply(ctx, dev, events)
	s.m.apply.Observe(time.Since(start).Seconds())
	if err != nil {
		s.m.failed.Inc()
		return res, err
	}
	for _, r := range res {
		result := r.Status
		if r.Repeat {
			result = "repeat"
		}
		s.m.events.WithLabelValues(result).Inc()
	}
	return res, nil
}

// scrape reads the store's gauges when Prometheus asks, so they are never
// stale and cost nothing between scrapes.
type scrape struct {
	src Source
	now func() time.Time
}

var (
	descContact = prometheus.NewDesc("countyd_point_last_contact_age_seconds",
		"Seconds since the service point's most recent device made a signed request (its feed lag: the store keeps no acknowledged feed cursor).",
		[]string{"point"}, nil)
	descSilent = prometheus.NewDesc("countyd_devices_silent",
		"Active devices with no signed request for a day (or, never seen, enrolled over a day ago).", nil, nil)
	descDevices = prometheus.NewDesc("countyd_devices_active", "Enrolled devices not revoked.", nil, nil)
	descBlob    = prometheus.NewDesc("countyd_blob_bytes", "Bytes of attachments stored, whole or partial.", nil, nil)
	descUp      = prometheus.NewDesc("countyd_scrape_store_ok", "1 when this scrape could read the store, else 0.", nil, nil)
	descReady   = prometheus.NewDesc("countyd_ready", "1 when /readyz would answer 200 (database reachable, migrations current), else 0.", nil, nil)
	descOpen    = prometheus.NewDesc("countyd_db_open_connections", "Open connections, by pool.", []string{"pool"}, nil)
	descInUse   = prometheus.NewDesc("countyd_db_in_use_connections", "Connections in use, by pool.", []string{"pool"}, nil)
	descIdle    = prometheus.NewDesc("countyd_db_idle_connections", "Idle connections, by pool.", []string{"pool"}, nil)
	descMax     = prometheus.NewDesc("countyd_db_max_open_connections", "The pool's connection limit (0: none).", []string{"pool"}, nil)
	descWaits   = prometheus.NewDesc("countyd_db_wait_count_total", "Times a caller waited for a connection, by pool.", []string{"pool"}, nil)
	descWaited  = prometheus.NewDesc("countyd_db_wait_duration_seconds_total", "Time spent waiting for a connection, by pool.", []string{"pool"}, nil)
)

func (c *scrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descContact, descSilent, descDevices, descBlob, descUp, descReady, descOpen, descInUse, descIdle, descMax, descWaits, descWaited} {
		ch <- d
	}
}

func (c *scrape) Collect(ch chan<- prometheus.Metric) {
	for pool, s := range c.src.DBStats() {
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse), pool)
		ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle), pool)
		ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.WaitCount), pool)
		ch <- prometheus.MustNewConstMetric(descWaited, prometheus.CounterValue, s.WaitDuration.Seconds(), pool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	ready := 1.0
	if c.src.Ready(ctx) != nil {
		ready = 0
	}
	ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, ready)
	ok := 1.0
	if n, err := c.src.BlobBytes(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descBlob, prometheus.GaugeValue, float64(n))
	} else {
		ok = 0
	}
	if ds, err := c.src.Devices(ctx); err == nil {
		c.devices(ch, ds)
	} else {
		ok = 0
	}
	// A failed read drops its series rather than report a zero, which
	// would look like "no attachments" or "no silent devices".
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, ok)
}

// devices reports contact ages per point and the silent devices.
func (c *scrape) devices(ch chan<- prometheus.Metric, ds []county.Device) {
	now := c.now()
	last := map[string]time.Time{} // point → its freshest device's contact
	active, silent := 0, 0
	for _, d := range ds {
		if !d.Revoked.IsZero() {
			continue
		}
		active++
		seen := d.LastSeen
		if seen.IsZero() {
			// Never seen: silent from enrollment on, so a kiosk enrolled
			// and never started is noticed too.
			seen = d.Created
		}
		if now.Sub(seen) > SilentAfter {
			silent++
		}
		if seen.After(last[d.Point.Code]) {
			last[d.Point.Code] = seen
		}
	}
	for point, t := range last {
		ch <- prometheus.MustNewConstMetric(descContact, prometheus.GaugeValue, now.Sub(t).Seconds(), point)
	}
	ch <- prometheus.MustNewConstMetric(descSilent, prometheus.GaugeValue, float64(silent))
	ch <- prometheus.MustNewConstMetric(descDevices, prometheus.GaugeValue, float64(active))
}
