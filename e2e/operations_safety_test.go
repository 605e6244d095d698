package e2e

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
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

// TestDataDirLockRefusesSecondProcess (issue 16 item 10): a second vhod on the
// data_dir of a running one (its embedded store) refuses to start, naming the
// first one's pid, and leaves the first one serving. Once the first is gone,
// even killed, the data_dir is free again.
func TestDataDirLockRefusesSecondProcess(t *testing.T) {
	first := startServer(t, "")
	second := prepare(t, first.DataDir, "")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--config", second.Config)
	out, err := cmd.CombinedOutput()
	want := "data_dir " + first.DataDir + " is in use by another vhod process (pid " + strconv.Itoa(first.cmd.Process.Pid) + ")"
	if err == nil || ctx.Err() != nil || !strings.Contains(string(out), want) {
		t.Fatalf("second process on one data_dir: %v (timed out: %v)\n%s", err, ctx.Err() != nil, out)
	}
	if strings.Contains(string(out), "embedded store started") {
		t.Fatalf("the second process touched the store before refusing:\n%s", out)
	}
	if s := getStatus(t, first.Issuer+"/readyz"); s != http.StatusOK {
		t.Fatalf("the first process after the refusal: %d", s)
	}
	first.Kill()
	second.start()
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
