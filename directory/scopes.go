package directory

import (
	"slices"

	"github.com/vhod-id/vhod/storage"
)

// Scopes of Vhod's own (DESIGN.md, Claims).
const (
	// ScopeOrg: the organisation chosen for the session and the roles held there.
	ScopeOrg = "org"
	// ScopeOrgs: every active membership with its roles.
	ScopeOrgs = "orgs"
	// ScopeRuIDs: the person's SNILS and INN.
	ScopeRuIDs = "ru_ids"
	// ScopeCert: the certificate of the sign-in.
	ScopeCert = "cert"
	// ScopeAdmin: Vhod's own admin API. Opt-in: only for clients that list it.
	ScopeAdmin = "admin"
)

// StandardScopes are OpenID Connect's (Core 1.0 section 5.4, 11). Every client
// may ask for them, whatever its scopes list says, as with ZITADEL and
// Keycloak's default client scopes. "address" is not among them: Vhod keeps
// no address, so the scope would grant nothing.
var StandardScopes = []string{"openid", "profile", "email", "phone", "offline_access"}

// DefaultScopes are Vhod's own scopes offered to every client whose scopes
// list is empty; admin is not among them.
var DefaultScopes = []string{ScopeOrg, ScopeOrgs, ScopeRuIDs, ScopeCert}

// KnownScopes are every scope a client's scopes list may name.
var KnownScopes = slices.Concat(StandardScopes, DefaultScopes, []string{ScopeAdmin})

// ScopeAllowed is the rule of which of Vhod's own scopes a client may ask for:
// with an empty scopes list, every one but admin; with a list, exactly those
// listed. Standard scopes are always allowed (StandardScopes); a scope Vhod
// does not know never is.
func ScopeAllowed(c storage.Client, scope string) bool {
	switch {
	case slices.Contains(StandardScopes, scope):
		return true
	case !slices.Contains(KnownScopes, scope):
		return false
	case len(c.Scopes) == 0:
		return scope != ScopeAdmin
	default:
		return slices.Contains(c.Scopes, scope)
	}
}

// GrantedScopes is what a client gets of the scopes it asked for: those it may
// have, each once, in the order asked. What is granted is what the token
// response states (RFC 6749 section 5.1, 3.3).
func GrantedScopes(c storage.Client, requested []string) []string {
	out := make([]string, 0, len(requested))
	for _, s := range requested {
		if ScopeAllowed(c, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
