// Command vhod is the Vhod OpenID Provider.
//
//	vhod dev                      embedded store under ./data, demo client, user and page
//	vhod serve --config FILE      production
//	vhod keys rotate|list         signing keys
//	vhod db                       the embedded store on its own, for several instances
//	vhod config show              the effective configuration, secrets masked
//	vhod config reference         every configuration key in Markdown (docs/*/configuration.md)
//	vhod sign --key K --cert C    a CMS signature of stdin, for certificate sign-in
//	vhod version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/provider/keys"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vhod:", describe(err))
		os.Exit(1)
	}
}

const usage = `usage:
  vhod dev [--data-dir DIR] [--listen ADDR] [--config FILE]
  vhod serve --config FILE
  vhod keys rotate [--config FILE] [--alg ES256|RS256|EdDSA|all]
  vhod keys list [--config FILE]
  vhod users unlock LOGIN [--config FILE]
  vhod admin create-operator LOGIN [--config FILE]
  vhod admin audit export [--from RFC3339] [--to RFC3339] [--config FILE]   (JSON lines)
  vhod db [--data-dir DIR] [--listen 127.0.0.1:27017]
  vhod config show [--config FILE]
  vhod config reference [--lang en|ru]   (Markdown: every key, its type, default and meaning)
  vhod bench --issuer URL --client ID --secret S --scenario NAME --concurrency N --duration D [--json]
  vhod sign --key KEY.pem --cert CERT.pem [--chain CA.pem] [--detached] < challenge
  vhod probe URL                 (health checks in images without curl)
  vhod version`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "dev":
		return runDev(args[1:], stdout)
	case "serve":
		cfg, err := configFromFlags("serve", args[1:])
		if err != nil {
			return err
		}
		log, err := newLogger(cfg, stderr)
		if err != nil {
			return err
		}
		return serve(cfg, log, nil, nil)
	case "keys":
		return runKeys(args[1:], stdout, stderr)
	case "users":
		return runUsers(args[1:], stdout, stderr)
	case "admin":
		return runAdmin(args[1:], stdout, stderr)
	case "db":
		return runDB(args[1:], stdout)
	case "config":
		return runConfig(args[1:], stdout)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "sign":
		return runSign(args[1:], os.Stdin, stdout)
	case "probe":
		return probe(args[1:], stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "vhod", versionString())
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}

// configFromFlags parses a command's --config flag and loads that configuration.
func configFromFlags(name string, args []string) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML); empty: VHOD_ variables and defaults")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return loadConfig(*path)
}

func newLogger(cfg *Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.Log.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	log := slog.New(clientaddr.LogHandler(h))
	// op logs through the default logger.
	slog.SetDefault(log)
	return log, nil
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// describe turns known start-up failures into a sentence an operator can act on.
func describe(err error) string {
	if errors.Is(err, keys.ErrMasterKeyMismatch) {
		return keys.ErrMasterKeyMismatch.Error()
	}
	return strings.TrimSpace(err.Error())
}
