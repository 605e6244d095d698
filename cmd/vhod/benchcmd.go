package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vhod-id/vhod/cmd/vhod/bench"
)

// runBench is `vhod bench`: load a provider (Vhod or any other) and report.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c bench.Config
	fs.StringVar(&c.Issuer, "issuer", "http://localhost:8080", "issuer URL of the provider under test")
	fs.StringVar(&c.ClientID, "client", "", "client_id")
	fs.StringVar(&c.Secret, "secret", "", "client secret")
	fs.StringVar(&c.Scenario, "scenario", "client-credentials", strings.Join(bench.Scenarios, ", "))
	fs.IntVar(&c.Concurrency, "concurrency", 16, "concurrent workers")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to run")
	fs.StringVar(&c.User, "user", "", "login for the flow scenarios (with --users, %d numbers them)")
	fs.IntVar(&c.Users, "users", 1, "password-code-flow: sign in as --user with %d replaced by 0…users-1 in turn")
	fs.StringVar(&c.Password, "password", "", "password for the flow scenarios")
	fs.StringVar(&c.RedirectURI, "redirect-uri", "", "a redirect URI registered for the client (flow scenarios)")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a target that is not on a loopback address")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the target to this file (needs --pprof-url)")
	fs.StringVar(&c.PprofURL, "pprof-url", "", "the target's admin listener, e.g. http://127.0.0.1:9090")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*quiet {
		c.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, c)
	if err != nil {
		return err
	}
	if *asJSON {
		fmt.Fprint(stdout, bench.FormatJSON(res))
	} else {
		fmt.Fprint(stdout, bench.FormatText(res))
	}
	return nil
}
