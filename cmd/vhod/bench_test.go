package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vhod-id/vhod/cmd/vhod/bench"
)

// vhod bench runs every scenario against a real instance without errors (a smoke
// run: the figures are measured by deploy/bench, never by a test).
func TestBenchScenariosRun(t *testing.T) {
	ta := newTestApp(t)
	for _, s := range bench.Scenarios {
		t.Run(s, func(t *testing.T) {
			res, err := bench.Run(t.Context(), bench.Config{
				Issuer: ta.URL, ClientID: "shop", Secret: "shop-secret", Scenario: s,
				Concurrency: 2, Duration: 300 * time.Millisecond,
				User: "ivanov", Password: "S3cure-pass!", RedirectURI: testRedirect,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Operations == 0 || len(res.Errors) != 0 {
				t.Fatalf("%d operations, errors %v", res.Operations, res.Errors)
			}
			if !strings.Contains(bench.FormatJSON(res), `"per_second"`) {
				t.Fatal("no JSON report")
			}
		})
	}
}

func TestBenchRefusesRemoteTargets(t *testing.T) {
	_, err := bench.Run(t.Context(), bench.Config{Issuer: "http://192.0.2.1", Scenario: "discovery", Concurrency: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Fatalf("remote target: %v", err)
	}
}
