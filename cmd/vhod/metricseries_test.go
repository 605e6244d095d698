package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// value reads a counter.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestRequestSeriesCount: the kept series count as the vectors do, for kept
// methods and others, per status, and the token series per grant.
func TestRequestSeriesCount(t *testing.T) {
	m := newMetrics()
	status := http.StatusOK
	h := m.instrument(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	serve := func(method, path string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, strings.NewReader("")))
	}
	serve(http.MethodPost, "/oauth/token")
	serve(http.MethodPost, "/oauth/token")
	status = http.StatusUnauthorized
	serve(http.MethodPost, "/oauth/token")
	serve("FOO", "/oauth/token")
	serve("FOO", "/oauth/token")
	for _, c := range []struct {
		method, status string
		want           float64
	}{{"POST", "200", 2}, {"POST", "401", 1}, {"FOO", "401", 2}} {
		if got := value(t, m.requests.WithLabelValues("/oauth/token", c.method, c.status)); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.method, c.status, got, c.want)
		}
	}
	var hist dto.Metric
	if err := m.latency.WithLabelValues("/oauth/token").(prometheus.Histogram).Write(&hist); err != nil || hist.GetHistogram().GetSampleCount() != 5 {
		t.Errorf("latency: %v, %d observations, want 5", err, hist.GetHistogram().GetSampleCount())
	}
	m.series.token("client_credentials")
	m.series.token("client_credentials")
	if got := value(t, m.tokens.WithLabelValues("client_credentials")); got != 2 {
		t.Errorf("tokens %v, want 2", got)
	}
}
