package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"holdfast/store"
)

type metrics struct {
	// series caches the two children of each (method, route, status): label
	// values are bounded, and a cached pair saves hashing them per request.
	series   sync.Map // seriesKey → *seriesPair
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stripe   *prometheus.CounterVec
	handler  http.Handler
}

func newMetrics(reg *prometheus.Registry, st *store.Store) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "holdfast_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "holdfast_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		stripe: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "holdfast_stripe_webhooks_total",
			Help: "Stripe webhook deliveries received by this process, by outcome: processed, duplicate (event id seen before), ignored (type not handled), rejected (bad signature or body), error (retried by Stripe). rate() of processed is the ingestion rate.",
		}, []string{"outcome"}),
	}
	// Several servers on one registry (nodes in one test process) share the
	// first one's collectors.
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	m.stripe = register(reg, m.stripe)
	if st != nil {
		_ = reg.Register(newQueueCollector(st))
	}
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return m
}

// metricMethods is the fixed set of method labels. Anything else a client
// invents is counted as "other", so no request can add a series.
var metricMethods = map[string]string{
	http.MethodGet: http.MethodGet, http.MethodHead: http.MethodHead, http.MethodPost: http.MethodPost,
	http.MethodPut: http.MethodPut, http.MethodPatch: http.MethodPatch, http.MethodDelete: http.MethodDelete,
	http.MethodOptions: http.MethodOptions,
}

func methodLabel(m string) string {
	if l, ok := metricMethods[m]; ok {
		return l
	}
	return "other"
}

// observe records one request after it finished; the label is the route
// pattern, never the raw path, so ids do not explode cardinality, and the
// method is one of a fixed set.
func (m *metrics) observe(r *http.Request, status int, started time.Time) {
	route := r.Pattern // chi sets it from the route it matched
	if route == "" {
		// RoutePattern builds the string on every call: call it once.
		if rc := chi.RouteContext(r.Context()); rc != nil {
			route = rc.RoutePattern()
		}
		if route == "" {
			route = "unmatched"
		}
	}
	k := seriesKey{methodLabel(r.Method), route, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &seriesPair{
			count: m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(status)),
			dur:   m.duration.WithLabelValues(k.method, k.route),
		})
	}
	p := v.(*seriesPair)
	p.count.Inc()
	p.dur.Observe(time.Since(started).Seconds())
}

type seriesKey struct {
	method, route string
	status        int
}

type seriesPair struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

// register registers c, or returns the equal collector already registered.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
