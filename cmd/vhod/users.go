package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
)

// runUsers is the operator's account commands (the admin API comes later):
// `vhod users unlock LOGIN` opens an account locked after failed sign-ins.
func runUsers(args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "unlock" {
		return fmt.Errorf("usage: vhod users unlock LOGIN [--config FILE] [--data-dir DIR]")
	}
	login := args[1]
	fs := flag.NewFlagSet("users unlock", flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	dataDir := fs.String("data-dir", "", "data directory (overrides the config)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	cfg, err := loadKeysConfig(*path, *dataDir)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := openApp(ctx, cfg, log, mongo.Options{})
	if err != nil {
		return err
	}
	defer a.close()
	u, err := a.dir.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("user %q: %w", login, err)
	}
	if err := a.dir.Unlock(ctx, u.ID); err != nil {
		return err
	}
	directory.NewAuditor(a.store, log).Record(ctx, storage.AuditEvent{Type: directory.EventAccountUnlocked,
		Outcome: directory.OutcomeSuccess, Actor: "operator (vhod users unlock)", UserID: u.ID})
	fmt.Fprintf(stdout, "%s: unlocked\n", login)
	return nil
}
