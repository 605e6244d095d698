package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// withMetricsListen gives the config a metrics listener at addr.
func withMetricsListen(cfg, addr string) string {
	return strings.Replace(cfg, "bootstrap:\n", "metrics: {listen: \""+addr+"\"}\nbootstrap:\n", 1)
}

// TestMetricsOnlyOnMetricsListen (issue 16 item 10): `vhod serve` serves
// /metrics and pprof on metrics.listen alone. Without it the public listener
// serves neither (it once served /metrics to anyone); with it, the public
// listener still serves neither and the metrics listener both.
func TestMetricsOnlyOnMetricsListen(t *testing.T) {
	status := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	plain := startServer(t, "")
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if s := status(plain.Issuer + path); s == http.StatusOK {
			t.Errorf("the public listener serves %s without metrics.listen", path)
		}
	}
	if !strings.Contains(plain.Log(), "metrics and pprof are off") {
		t.Errorf("the start-up does not say metrics are off:\n%s", plain.Log())
	}
	plain.Stop()

	admin := "127.0.0.1:" + strconv.Itoa(freePort(t))
	srv := startServer(t, withMetricsListen(testConfig, admin))
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if s := status(srv.Issuer + path); s == http.StatusOK {
			t.Errorf("the public listener serves %s", path)
		}
		if s := status("http://" + admin + path); s != http.StatusOK {
			t.Errorf("the metrics listener answers %s with %d", path, s)
		}
	}
}
