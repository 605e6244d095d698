// Package claims is what Vhod tells relying parties about a person: the claim
// names of its own, which user attributes each scope releases (one rule for
// the ID token, userinfo and introspection), and how names are spelled in
// each language. It is separate because it is the privacy rule of the
// provider, a pure function of the account and the scopes, tested on its own.
package claims

import (
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Claim names of our own.
const (
	SID = "sid"
	// Cnf is the confirmation of a sender-constrained token (RFC 7800).
	Cnf   = "cnf"
	ACR   = "acr"
	Scope = "scope"
	// GrantID names the grant a JWT access token belongs to, so that it can be
	// revoked with its grant although it has no record.
	GrantID = "gid"
	// Cert describes the certificate of the sign-in; SNILS and INN
	// are the person's numbers a qualified certificate vouched for.
	Cert  = "cert"
	SNILS = "snils"
	INN   = "inn"
	// OrgID and CertSHA256 carry the chosen organisation and the
	// certificate of the sign-in in JWT access tokens.
	OrgID      = "org_id"
	CertSHA256 = "cert_sha256"
	// UILocale carries the sign-in's ui_locales in JWT access tokens, so
	// that userinfo served from them orders the name as the ID token did.
	UILocale = "ui_locale"
	// Org is the organisation chosen for the session, Roles the person's roles
	// there, Orgs every active membership (scopes org and orgs).
	Org   = "org"
	Roles = "roles"
	Orgs  = "orgs"
	// IdP names the outside identity provider (its configured ID) a sign-in
	// went through; absent otherwise.
	IdP = "idp"
)

// Supported are the claims announced in discovery.
var Supported = []string{
	"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "sid",
	"name", "family_name", "given_name", "middle_name", "preferred_username", "locale", "updated_at",
	"email", "email_verified", "phone_number", "phone_number_verified", SNILS, INN, Cert,
	Org, Roles, Orgs, IdP,
}

// User is the one place that decides which user attributes a scope releases;
// the ID token, userinfo and introspection all use it. uiLocale is the sign-in
// request's language ("" none), see fullName.
func User(u storage.User, scopes []string, uiLocale string) *oidc.UserInfo {
	info := &oidc.UserInfo{Subject: u.ID}
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeProfile:
			info.Name = fullName(u, uiLocale)
			info.FamilyName, info.GivenName, info.MiddleName = u.FamilyName, u.GivenName, u.MiddleName
			info.PreferredUsername = preferredUsername(u)
			if tag, err := language.Parse(u.Locale); err == nil && u.Locale != "" {
				info.Locale = oidc.NewLocale(tag)
			}
			if !u.UpdatedAt.IsZero() {
				info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
			}
		case oidc.ScopeEmail:
			if u.Email != "" {
				info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
			}
		case oidc.ScopePhone:
			if u.Phone != "" {
				info.PhoneNumber, info.PhoneNumberVerified = u.Phone, oidc.Bool(u.PhoneVerified)
			}
		case directory.ScopeRuIDs:
			if u.SNILS != "" {
				info.AppendClaims(SNILS, u.SNILS)
			}
			if u.INN != "" {
				info.AppendClaims(INN, u.INN)
			}
		}
	}
	return info
}

// fullName is the name claim in the order of the language: Russian puts the
// family name first ("Иванов Иван Иванович"), every other language the given
// name ("Ivan Ivanovich Ivanov"). The language is the one the relying party
// asked the sign-in in (ui_locales: the name appears in its pages), else the
// person's own locale, else Russian, Vhod's default.
func fullName(u storage.User, uiLocale string) string {
	tag, err := language.Parse(firstNonEmpty(uiLocale, u.Locale, "ru"))
	if base, conf := tag.Base(); err == nil && conf >= language.High && base.String() != "ru" {
		return strings.Join(nonEmpty(u.GivenName, u.MiddleName, u.FamilyName), " ")
	}
	return strings.Join(nonEmpty(u.FamilyName, u.GivenName, u.MiddleName), " ")
}

// preferredUsername is never empty, so that relying parties that need a
// readable user name (oauth2-proxy with --oidc-email-claim=preferred_username)
// serve phone-only and certificate-only accounts too: the login, else the
// email, else the phone, else the subject.
func preferredUsername(u storage.User) string {
	return firstNonEmpty(u.Login, u.Email, u.Phone, u.ID)
}

// AddCert adds the "cert" claim when the scope asks and the sign-in used a
// certificate. A JWT access token carries only the fingerprint: the rest comes
// from the account's bound certificate.
func AddCert(info *oidc.UserInfo, c *storage.CertificateRef, scopes []string, u *storage.User) {
	if c == nil || !slices.Contains(scopes, directory.ScopeCert) {
		return
	}
	if c.Subject == "" {
		if u == nil {
			return
		}
		i := slices.IndexFunc(u.Certificates, func(b storage.BoundCertificate) bool { return b.SHA256 == c.SHA256 })
		if i < 0 {
			return
		}
		c = &u.Certificates[i].CertificateRef
	}
	info.AppendClaims(Cert, map[string]any{"sha256": c.SHA256, "subject": c.Subject, "issuer": c.Issuer,
		"serial": c.Serial, "not_after": c.NotAfter.Unix()})
}

// ReleasesUser tells whether the scopes release any user attribute: only
// these need the account read at all.
func ReleasesUser(scopes []string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool {
		return s == oidc.ScopeProfile || s == oidc.ScopeEmail || s == oidc.ScopePhone || s == directory.ScopeRuIDs
	})
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

func firstNonEmpty(ss ...string) string {
	if n := nonEmpty(ss...); len(n) > 0 {
		return n[0]
	}
	return ""
}
