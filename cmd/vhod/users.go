package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// runUsers is the operator's account commands (the admin API comes later):
// `vhod users unlock LOGIN` opens an account locked after failed sign-ins or by
// an operator.
func runUsers(args []string, stdout, stderr io.Writer) error {
	const usage = "usage: vhod users unlock LOGIN | vhod users create --contract N [--activation-secret S] [--login L] [--email E] [--phone P] [--family-name F] [--given-name G] [--middle-name M]  [--config FILE] [--data-dir DIR]"
	if len(args) < 1 || (args[0] != "unlock" && args[0] != "create") || (args[0] == "unlock" && len(args) < 2) {
		return fmt.Errorf("%s", usage)
	}
	cmd, rest := args[0], args[1:]
	login := ""
	if cmd == "unlock" {
		login, rest = args[1], args[2:]
	}
	fs := flag.NewFlagSet("users "+cmd, flag.ContinueOnError)
	path := fs.String("config", "", "configuration file (YAML)")
	dataDir := fs.String("data-dir", "", "data directory (overrides the config)")
	var n directory.NewUser
	fs.StringVar(&n.Contract, "contract", "", "contract or personal account number")
	fs.StringVar(&n.Login, "login", "", "login")
	fs.StringVar(&n.Email, "email", "", "email (recovery by contract number sends codes there)")
	fs.StringVar(&n.Phone, "phone", "", "phone")
	fs.StringVar(&n.FamilyName, "family-name", "", "family name")
	fs.StringVar(&n.GivenName, "given-name", "", "given name")
	fs.StringVar(&n.MiddleName, "middle-name", "", "patronymic")
	fs.StringVar(&n.ActivationSecret, "activation-secret", "", "instead of a temporary password: a secret the person activates the account with (contract + secret + email)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	a, log, ctx, done, err := openForCommand(*path, *dataDir, stderr)
	if err != nil {
		return err
	}
	defer done()
	audit := directory.NewAuditor(a.store, log)
	if cmd == "create" {
		return createIssuedUser(ctx, a, audit, n, stdout)
	}
	u, err := a.dir.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("user %q: %w", login, err)
	}
	if err := a.dir.Unblock(ctx, u.ID); err != nil {
		return err
	}
	audit.Record(ctx, storage.AuditEvent{Type: directory.EventAccountUnlocked,
		Outcome: directory.OutcomeSuccess, Actor: "operator (vhod users unlock)", UserID: u.ID})
	fmt.Fprintf(stdout, "%s: unlocked\n", login)
	return nil
}

// createIssuedUser is an operator-issued account: a contract number and a generated
// temporary password, printed once and stored only as a hash; the first sign-in must
// replace it.
func createIssuedUser(ctx context.Context, a *app, audit *directory.Auditor, n directory.NewUser, stdout io.Writer) error {
	if n.Contract == "" {
		return fmt.Errorf("--contract is required")
	}
	var temp string
	if n.ActivationSecret == "" {
		var err error
		if temp, err = directory.NewTemporaryPassword(); err != nil {
			return err
		}
		n.Password, n.PasswordTemporary = temp, true
	}
	n.EmailVerified, n.PhoneVerified = n.Email != "", n.Phone != ""
	u, err := a.dir.CreateUser(ctx, n)
	if err != nil {
		return err
	}
	audit.Record(ctx, storage.AuditEvent{Type: directory.EventRegistration, Outcome: directory.OutcomeSuccess,
		Actor: "operator (vhod users create)", UserID: u.ID, Details: map[string]string{"via": "operator"}})
	fmt.Fprintf(stdout, "contract %s: account %s\n", u.Contract, u.ID)
	if temp != "" {
		fmt.Fprintf(stdout, "temporary password (shown once; the first sign-in replaces it): %s\n", temp)
	} else {
		fmt.Fprintln(stdout, "the person activates it at the sign-in page with the contract number, the secret and an email")
	}
	return nil
}
