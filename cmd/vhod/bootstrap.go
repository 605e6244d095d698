package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider"
	"github.com/vhod-id/vhod/storage"
)

// Bootstrap seeds clients and users at every start, idempotently, like Dex's static
// clients: a client in the file is made to match it; a user is created once and then
// left to its owner (their password and profile may have changed since).
type Bootstrap struct {
	Clients        []BootstrapClient        `yaml:"clients"`
	Users          []BootstrapUser          `yaml:"users"`
	RoleCatalogues []BootstrapRoleCatalogue `yaml:"role_catalogues"`
	Organisations  []BootstrapOrganisation  `yaml:"organisations"`
	Memberships    []BootstrapMembership    `yaml:"memberships"`
	// Moderators are users (login, email or phone) who approve companies and join requests.
	Moderators []string `yaml:"moderators"`
	// Operators are users who run Vhod through the admin API and console.
	Operators []string `yaml:"operators"`
}

// BootstrapClient is a relying party in the config file.
type BootstrapClient struct {
	ID                     string   `yaml:"id"`
	Secret                 string   `yaml:"secret" secret:"true"`
	Name                   string   `yaml:"name"`
	RedirectURIs           []string `yaml:"redirect_uris"`
	PostLogoutRedirectURIs []string `yaml:"post_logout_redirect_uris"`
	GrantTypes             []string `yaml:"grant_types"`
	AuthMethod             string   `yaml:"auth_method"`
	AccessTokenFormat      string   `yaml:"access_token_format"`
	FirstParty             bool     `yaml:"first_party"`
	Public                 bool     `yaml:"public"`
	SigningAlg             string   `yaml:"signing_alg"`
	IDTokenUserinfoClaims  bool     `yaml:"id_token_userinfo_claims"`
	// JWKS is the client's public key set (JSON) for private_key_jwt.
	JWKS   string   `yaml:"jwks"`
	Scopes []string `yaml:"scopes"`
	// MinACR is the weakest sign-in the client accepts (urn:vhod:acr:…); weaker
	// sessions are stepped up.
	MinACR string `yaml:"min_acr"`
	// BackchannelLogoutURI and FrontchannelLogoutURI are told when a session ends.
	BackchannelLogoutURI  string `yaml:"backchannel_logout_uri"`
	FrontchannelLogoutURI string `yaml:"frontchannel_logout_uri"`
	// RequirePAR refuses authorization requests not pushed to /par first.
	RequirePAR bool `yaml:"require_pushed_authorization_requests"`
	// Authorities the client's own tokens carry on the admin API (operator, moderator).
	Authorities []string `yaml:"authorities"`
	// TLSSubjectDN, CertificatePins and TLSBoundTokens: RFC 8705 client
	// authentication (tls_client_auth, self_signed_tls_client_auth) and
	// certificate-bound access tokens.
	TLSSubjectDN    string   `yaml:"tls_client_auth_subject_dn"`
	CertificatePins []string `yaml:"tls_client_certificate_sha256"`
	TLSBoundTokens  bool     `yaml:"tls_client_certificate_bound_access_tokens"`
}

// BootstrapUser is an account in the config file.
type BootstrapUser struct {
	Login        string `yaml:"login"`
	Password     string `yaml:"password" secret:"true"`
	PasswordHash string `yaml:"password_hash" secret:"true"`
	// PasswordTemporary: the first sign-in must set a new password.
	PasswordTemporary bool   `yaml:"password_temporary"`
	Email             string `yaml:"email"`
	Phone             string `yaml:"phone"`
	// Contract is a contract or personal account number, usable as a login.
	Contract   string `yaml:"contract"`
	FamilyName string `yaml:"family_name"`
	GivenName  string `yaml:"given_name"`
	MiddleName string `yaml:"middle_name"`
	Locale     string `yaml:"locale"`
}

func (b *Bootstrap) validate() []error {
	var errs []error
	seen := map[string]bool{}
	for i := range b.Clients {
		c := &b.Clients[i]
		key := fmt.Sprintf("bootstrap.clients[%d]", i)
		bad := func(field, msg string, args ...any) {
			errs = append(errs, fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(msg, args...)))
		}
		if seen[c.ID] {
			bad("id", "%q appears twice", c.ID)
		}
		seen[c.ID] = true
		// The rules of directory.Clients, checked here so that the file's
		// mistakes are all told at start.
		declared, problems := configClients().Declared(c.input())
		// The file shows the defaults it gets (vhod config show).
		c.GrantTypes, c.AuthMethod, c.AccessTokenFormat, c.Name = declared.GrantTypes, declared.AuthMethod, declared.AccessTokenFormat, declared.Name
		for _, field := range slices.Sorted(maps.Keys(problems)) {
			bad(field, "%s", problems[field])
		}
	}
	for i, u := range b.Users {
		key := fmt.Sprintf("bootstrap.users[%d]", i)
		if u.Login == "" && u.Email == "" && u.Phone == "" && u.Contract == "" {
			errs = append(errs, fmt.Errorf("%s: needs a login, an email, a phone or a contract", key))
		}
		if u.Password != "" && u.PasswordHash != "" {
			errs = append(errs, fmt.Errorf("%s: give password or password_hash, not both", key))
		}
		if u.PasswordHash != "" && !directory.ValidHash(u.PasswordHash) {
			errs = append(errs, fmt.Errorf("%s.password_hash: not an argon2id or bcrypt PHC string", key))
		}
	}
	return append(errs, b.validateOrgs()...)
}

// input is the client as directory.Clients takes it (its defaults and rules
// are the API's and the console's).
func (c BootstrapClient) input() directory.ClientInput {
	return directory.ClientInput{
		ID: c.ID, Secret: c.Secret, Name: c.Name, RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		GrantTypes: c.GrantTypes, AuthMethod: c.AuthMethod, Public: c.Public, AccessTokenFormat: c.AccessTokenFormat,
		FirstParty: c.FirstParty, SigningAlg: c.SigningAlg, IDTokenUserinfoClaims: c.IDTokenUserinfoClaims,
		JWKS: c.JWKS, Scopes: c.Scopes, MinACR: c.MinACR, Authorities: c.Authorities,
		BackchannelLogoutURI: c.BackchannelLogoutURI, FrontchannelLogoutURI: c.FrontchannelLogoutURI, RequirePAR: c.RequirePAR,
		TLSSubjectDN: c.TLSSubjectDN, CertificatePins: c.CertificatePins, TLSBoundTokens: c.TLSBoundTokens,
	}
}

// configClients are the client rules as the configuration is checked with
// them, before any store is open.
func configClients() *directory.Clients {
	return directory.NewClients(nil, directory.ClientsConfig{HashSecret: provider.HashSecret, Algorithms: algNames()})
}

// services are directory's services the bootstrap applies the file through:
// it has no rules of its own.
type services struct {
	dir        *directory.Directory
	orgs       *orgs.Service
	clients    *directory.Clients
	catalogues *directory.Catalogues
	users      *directory.UserAdmin
}

// apply makes the store match the bootstrap section.
func (b *Bootstrap) apply(ctx context.Context, sv services, log *slog.Logger) error {
	for _, bc := range b.Clients {
		if err := sv.clients.Ensure(ctx, bc.input()); err != nil {
			return fmt.Errorf("bootstrap %w", err)
		}
	}
	for _, bu := range b.Users {
		first := firstNonEmpty(bu.Login, bu.Email, bu.Phone, bu.Contract)
		if _, err := sv.dir.UserByLogin(ctx, first); err == nil {
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		u, err := sv.dir.CreateUser(ctx, directory.NewUser{
			Login: bu.Login, Email: bu.Email, Phone: bu.Phone, Contract: bu.Contract, FamilyName: bu.FamilyName, GivenName: bu.GivenName,
			MiddleName: bu.MiddleName, Locale: bu.Locale, Password: bu.Password, PasswordHash: bu.PasswordHash,
			PasswordTemporary: bu.PasswordTemporary,
			EmailVerified:     bu.Email != "", PhoneVerified: bu.Phone != "",
		})
		if err != nil {
			return fmt.Errorf("bootstrap user %q: %w", first, err)
		}
		log.InfoContext(ctx, "bootstrap: user created", "user", u.ID, "login", first)
	}
	return b.applyOrgs(ctx, sv, log)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
