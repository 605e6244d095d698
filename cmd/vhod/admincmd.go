package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// runAdmin is the operator's commands for the admin side:
//
//	vhod admin create-operator LOGIN      give an account the operator authority
//	vhod admin audit export [--from T] [--to T]   the audit log as JSON lines
func runAdmin(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: vhod admin create-operator LOGIN [--config FILE] [--data-dir DIR] | vhod admin audit export [--from RFC3339] [--to RFC3339] [--config FILE] [--data-dir DIR]"
	switch {
	case len(args) >= 2 && args[0] == "create-operator":
		return createOperator(args[1], args[2:], stdout, stderr)
	case len(args) >= 2 && args[0] == "audit" && args[1] == "export":
		return exportAudit(args[2:], stdout, stderr)
	}
	return errors.New(usage)
}

func commandFlags(name string, args []string) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return fs, fs.String("config", "", "configuration file (YAML)"), fs.String("data-dir", "", "data directory (overrides the config)")
}

func createOperator(login string, args []string, stdout, stderr io.Writer) error {
	fs, path, dataDir := commandFlags("admin create-operator", args)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, log, ctx, done, err := openForCommand(*path, *dataDir, stderr)
	if err != nil {
		return err
	}
	defer done()
	u, err := a.dir.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("user %q: %w", login, err)
	}
	if !slices.Contains(u.Authorities, storage.AuthorityOperator) {
		if err := a.store.SetAuthorities(ctx, u.ID, append(slices.Clone(u.Authorities), storage.AuthorityOperator)); err != nil {
			return err
		}
	}
	directory.NewAuditor(a.store, log).Record(ctx, storage.AuditEvent{Type: "user.changed", Outcome: directory.OutcomeSuccess,
		Actor: "operator (vhod admin create-operator)", UserID: u.ID, Details: map[string]string{"authorities": "operator"}})
	fmt.Fprintf(stdout, "%s: operator\n", login)
	return nil
}

// exportAudit writes the audit events of a time range, oldest first, one JSON
// object a line (for a SIEM).
func exportAudit(args []string, stdout, stderr io.Writer) error {
	fs, path, dataDir := commandFlags("admin audit export", args)
	from := fs.String("from", "", "first time (RFC 3339), default: the beginning")
	to := fs.String("to", "", "end time, exclusive (RFC 3339), default: now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var q storage.AuditQuery
	for _, f := range []struct {
		s   string
		dst *time.Time
	}{{*from, &q.From}, {*to, &q.To}} {
		if f.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.s)
		if err != nil {
			return fmt.Errorf("--from/--to: %w", err)
		}
		*f.dst = t
	}
	a, _, ctx, done, err := openForCommand(*path, *dataDir, stderr)
	if err != nil {
		return err
	}
	defer done()
	// Pages newest first, written oldest first at the end; the log is read in
	// pages so that a large one does not need one query's memory at once.
	var all []storage.AuditEvent
	q.Limit = 1000
	for {
		page, err := a.store.QueryAudit(ctx, q)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.Before, q.BeforeID = last.Time, last.ID
	}
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		e.Time = e.Time.UTC()
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return w.Flush()
}
