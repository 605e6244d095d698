package main

import (
	"context"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.mongodb.org/mongo-driver/v2/event"
)

// metrics are Vhod's Prometheus series, on a registry of their own.
type metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	signIns       *prometheus.CounterVec
	tokens        *prometheus.CounterVec
	db            *prometheus.HistogramVec
	notifications *prometheus.CounterVec
	outboxDepth   prometheus.Gauge
	// series are the request and token series resolved once.
	series *requestSeries
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vhod_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vhod_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vhod_signins_total", Help: "Sign-in attempts by method and outcome (success, failure, limited).",
		}, []string{"method", "outcome"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vhod_tokens_issued_total", Help: "Token responses by grant type.",
		}, []string{"grant"}),
		db: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vhod_db_operation_duration_seconds", Help: "Database command latency by command and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"command", "outcome"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vhod_notifications_total", Help: "Email and SMS messages by channel and step (queued, sent, retried, failed).",
		}, []string{"channel", "outcome"}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vhod_outbox_depth", Help: "Messages queued or being sent, as the sender last counted them.",
		}),
	}
	m.series = newRequestSeries(m)
	m.reg.MustRegister(m.requests, m.latency, m.signIns, m.tokens, m.db, m.notifications, m.outboxDepth,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist before their first event, so that dashboards and alerts see zeros.
	for _, ch := range []string{"email", "sms"} {
		for _, o := range []string{"queued", "sent", "retried", "failed"} {
			m.notifications.WithLabelValues(ch, o)
		}
	}
	for _, o := range []string{"success", "failure", "limited"} {
		m.signIns.WithLabelValues("password", o)
	}
	return m
}

// handler serves the Prometheus exposition format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// adminMux is the separate admin listener: metrics and pprof, never on the public one.
func (m *metrics) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// monitor times every database command.
func (m *metrics) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			m.db.WithLabelValues(e.CommandName, "ok").Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			m.db.WithLabelValues(e.CommandName, "error").Observe(e.Duration.Seconds())
		},
	}
}

// instrument counts and times every request by a bounded route label.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.series.request(routeLabel(r.URL.Path), r.Method, sw.status, time.Since(start).Seconds())
	})
}

// knownRoutes are labelled as they are; everything else is folded so that the
// number of series stays bounded whatever paths clients send.
var knownRoutes = map[string]bool{
	"/authorize": true, "/authorize/callback": true, "/oauth/token": true, "/oauth/introspect": true,
	"/userinfo": true, "/revoke": true, "/end_session": true, "/keys": true, "/par": true,
	"/.well-known/openid-configuration": true, "/login": true, "/logged-out": true,
	"/healthz": true, "/readyz": true, "/metrics": true, "/demo": true, "/demo/login": true, "/demo/callback": true,
}

func routeLabel(path string) string {
	switch {
	case knownRoutes[path]:
		return path
	case strings.HasPrefix(path, "/login/"):
		parts := strings.Split(strings.TrimPrefix(path, "/login/"), "/")
		if len(parts) == 2 && (parts[1] == "password" || parts[1] == "consent") {
			return "/login/{flow}/" + parts[1]
		}
		return "/login/{flow}"
	case strings.HasPrefix(path, "/static/"):
		return "/static"
	default:
		return "other"
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush keeps streaming responses working through the wrapper.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
