package main

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// requestSeries keeps the request series once resolved for their labels:
// the vectors' WithLabelValues hash, check and look their labels up, and the
// status was formatted for them, on every request (two lookups a request,
// three for a token). Only the methods of the protocol and the pages are
// kept; any other spelling a client sends goes to the vectors directly.
type requestSeries struct {
	m      *metrics
	mu     sync.RWMutex
	counts map[requestLabels]prometheus.Counter
	times  map[string]prometheus.Observer
	tokens map[string]prometheus.Counter
}

type requestLabels struct {
	route, method string
	status        int
}

func newRequestSeries(m *metrics) *requestSeries {
	return &requestSeries{m: m, counts: map[requestLabels]prometheus.Counter{},
		times: map[string]prometheus.Observer{}, tokens: map[string]prometheus.Counter{}}
}

// keptMethods are the methods whose series are kept.
var keptMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// request counts one answer of route and times it.
func (s *requestSeries) request(route, method string, status int, seconds float64) {
	k := requestLabels{route, method, status}
	s.mu.RLock()
	c, t := s.counts[k], s.times[route]
	s.mu.RUnlock()
	if c == nil {
		c = s.m.requests.WithLabelValues(route, method, strconv.Itoa(status))
		if keptMethods[method] && status >= 100 && status < 600 {
			s.mu.Lock()
			s.counts[k] = c
			s.mu.Unlock()
		}
	}
	if t == nil {
		t = s.m.latency.WithLabelValues(route)
		s.mu.Lock()
		s.times[route] = t // routeLabel bounds the routes
		s.mu.Unlock()
	}
	c.Inc()
	t.Observe(seconds)
}

// token counts one token response of grant (the provider's grant names).
func (s *requestSeries) token(grant string) {
	s.mu.RLock()
	c := s.tokens[grant]
	s.mu.RUnlock()
	if c == nil {
		c = s.m.tokens.WithLabelValues(grant)
		s.mu.Lock()
		s.tokens[grant] = c
		s.mu.Unlock()
	}
	c.Inc()
}
