// Package bench is `vhod bench`: a load generator for an OpenID Provider, as pgbench
// is to PostgreSQL. It discovers the endpoints, runs one scenario with N concurrent
// workers for a duration, and reports throughput, latency percentiles and errors
// by kind. Every loop is bounded by the duration.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one benchmark run.
type Config struct {
	Issuer      string
	ClientID    string
	Secret      string
	Scenario    string
	Concurrency int
	Duration    time.Duration
	// User and Password sign in for the flow scenarios; RedirectURI is a redirect URI
	// registered for the client (nothing needs to listen there).
	User, Password, RedirectURI string
	// Users > 1: the password-code-flow signs in as User with %d replaced by
	// 0 … Users-1 in turn (the same password), as many people do in a busy
	// hour. One account signing in 64 times at once meets the limit its lock
	// puts on checks under way (directory.AccountTries), which is no
	// measure of speed.
	Users       int
	AllowRemote bool
	// Progress receives a line a second; nil for none.
	Progress io.Writer
	// PprofURL with CPUProfile: fetch a CPU profile of the target during the run.
	PprofURL, CPUProfile string
}

// Result is what a run measured.
type Result struct {
	Scenario    string           `json:"scenario"`
	Concurrency int              `json:"concurrency"`
	Seconds     float64          `json:"seconds"`
	Operations  int64            `json:"operations"`
	PerSecond   float64          `json:"per_second"`
	P50ms       float64          `json:"p50_ms"`
	P90ms       float64          `json:"p90_ms"`
	P99ms       float64          `json:"p99_ms"`
	Errors      map[string]int64 `json:"errors"`
}

// Scenarios names what Run can do.
var Scenarios = []string{"discovery", "jwks", "client-credentials", "introspect", "refresh", "sso-code-flow", "password-code-flow"}

// worker is one scenario instance: step does one operation.
type worker interface {
	step(ctx context.Context) error
}

// Run executes the benchmark.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if !slices.Contains(Scenarios, cfg.Scenario) {
		return Result{}, fmt.Errorf("unknown scenario %q; one of %s", cfg.Scenario, strings.Join(Scenarios, ", "))
	}
	if cfg.Concurrency < 1 || cfg.Duration <= 0 {
		return Result{}, errors.New("concurrency and duration must be positive")
	}
	if err := checkTarget(cfg.Issuer, cfg.AllowRemote); err != nil {
		return Result{}, err
	}
	tr := &http.Transport{
		MaxIdleConns: cfg.Concurrency * 2, MaxIdleConnsPerHost: cfg.Concurrency * 2,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	env, err := discover(ctx, cfg, &http.Client{Transport: tr, Timeout: 10 * time.Second})
	if err != nil {
		return Result{}, err
	}
	workers := make([]worker, cfg.Concurrency)
	for i := range workers {
		if workers[i], err = env.newWorker(ctx); err != nil {
			return Result{}, fmt.Errorf("prepare worker %d: %w", i, err)
		}
	}
	var profile func() error
	if cfg.CPUProfile != "" && cfg.PprofURL != "" {
		profile = startProfile(ctx, cfg)
	}
	res := measure(ctx, cfg, workers)
	if profile != nil {
		if err := profile(); err != nil {
			return res, fmt.Errorf("cpu profile: %w", err)
		}
	}
	return res, nil
}

// measure runs the workers for the duration: no operation starts after it,
// and those under way finish (as pgbench's -T), so a slow scenario on a busy
// machine still reports what it did instead of cutting every operation short.
// The grace for the last ones is bounded.
func measure(ctx context.Context, cfg Config, workers []worker) Result {
	const grace = 30 * time.Second
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+grace)
	defer cancel()
	var ops atomic.Int64
	var mu sync.Mutex
	errs := map[string]int64{}
	samples := make([][]time.Duration, len(workers))
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	stopProgress := progress(cfg.Progress, start, &ops)
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				err := w.step(ctx)
				if ctx.Err() != nil {
					break // stopped by the caller or past the grace: neither success nor error
				}
				if err != nil {
					mu.Lock()
					errs[errorKind(err)]++
					mu.Unlock()
					continue
				}
				lat = append(lat, time.Since(t0))
				ops.Add(1)
			}
			samples[i] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	return Result{
		Scenario: cfg.Scenario, Concurrency: cfg.Concurrency, Seconds: elapsed.Seconds(),
		Operations: int64(len(all)), PerSecond: float64(len(all)) / elapsed.Seconds(),
		P50ms: pct(.50), P90ms: pct(.90), P99ms: pct(.99), Errors: errs,
	}
}

func progress(w io.Writer, start time.Time, ops *atomic.Int64) func() {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var last int64
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				n := ops.Load()
				fmt.Fprintf(w, "  %5.0fs  %9d ops  %8.0f/s\n", now.Sub(start).Seconds(), n, float64(n-last))
				last = n
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// errorKind groups failures: http_503, oauth_invalid_grant, timeout, network, …
func errorKind(err error) string {
	var he *httpError
	switch {
	case errors.As(err, &he):
		if he.oauth != "" {
			return "oauth_" + he.oauth
		}
		return fmt.Sprintf("http_%d", he.status)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "timeout"
	default:
		var ne net.Error
		if errors.As(err, &ne) {
			return "network"
		}
		return "other"
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

type httpError struct {
	status int
	oauth  string
}

func (e *httpError) Error() string { return fmt.Sprintf("status %d %s", e.status, e.oauth) }

// checkTarget refuses anything but loopback addresses unless allowed: a benchmark is
// a load test, and load is only ever sent to machines of one's own.
func checkTarget(issuer string, allowRemote bool) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--issuer %q is not a URL", issuer)
	}
	if allowRemote {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("--issuer host %q: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("--issuer %q is not a loopback address; add --allow-remote to load a machine of your own", issuer)
		}
	}
	return nil
}

// FormatText is the human report.
func FormatText(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s, %d concurrent, %.1f s\n", r.Scenario, r.Concurrency, r.Seconds)
	fmt.Fprintf(&b, "  %d operations, %.1f per second\n", r.Operations, r.PerSecond)
	fmt.Fprintf(&b, "  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", r.P50ms, r.P90ms, r.P99ms)
	if len(r.Errors) == 0 {
		b.WriteString("  no errors\n")
	}
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "  errors %s: %d\n", k, r.Errors[k])
	}
	return b.String()
}

// FormatJSON is the machine report.
func FormatJSON(r Result) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b) + "\n"
}
