package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/provider/keys"
	"github.com/vhod-id/vhod/storage/mongo"
)

// runKeys rotates or lists signing keys. With the embedded store, stop Vhod first:
// the store's files belong to one process at a time.
func runKeys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		return fmt.Errorf("usage: vhod keys rotate|list [--config FILE]")
	}
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML); empty: defaults and VHOD_ variables")
	alg := fs.String("alg", "all", "algorithm to rotate: ES256, RS256, EdDSA or all")
	dataDir := fs.String("data-dir", "", "data directory (overrides the config)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, _, ctx, done, err := openForCommand(*path, *dataDir, stderr)
	if err != nil {
		return err
	}
	defer done()
	if args[0] == "rotate" {
		algs := keys.Algorithms
		if *alg != "all" {
			algs = []jose.SignatureAlgorithm{jose.SignatureAlgorithm(*alg)}
		}
		for _, al := range algs {
			kid, err := a.keys.Rotate(ctx, al)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: new current key %s\n", al, kid)
		}
	}
	list, err := a.keys.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ALG\tGEN\tKID\tCREATED\tCURRENT\tPUBLISHED")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%v\t%v\n", k.Algorithm, k.Generation, k.KID, k.Created.Format(time.RFC3339), k.Current, k.Published)
	}
	return tw.Flush()
}

// openForCommand opens the store and services for a one-shot command such as
// `vhod keys` or `vhod users`, bounded to a minute; done closes them.
func openForCommand(path, dataDir string, stderr io.Writer) (*app, *slog.Logger, context.Context, func(), error) {
	cfg, err := loadKeysConfig(path, dataDir)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	a, err := openApp(ctx, cfg, log, mongo.Options{})
	if err != nil {
		cancel()
		return nil, nil, nil, nil, err
	}
	return a, log, ctx, func() { a.close(); cancel() }, nil
}

// loadKeysConfig is the config of serve or, without a file, of dev.
func loadKeysConfig(path, dataDir string) (*Config, error) {
	if path == "" {
		cfg := devConfig(dataDir, "127.0.0.1:8080")
		return cfg, cfg.Validate()
	}
	cfg, err := loadConfig(path)
	if err == nil && dataDir != "" {
		cfg.DataDir = dataDir
	}
	return cfg, err
}
