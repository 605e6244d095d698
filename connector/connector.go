package connector

import (
	"context"
	"net/url"
	"time"
)

// Types of connector, as `identity_providers[].type` names them.
const (
	TypeOIDC   = "oidc"
	TypeYandex = "yandex"
	TypeVK     = "vk"
	TypeSber   = "sber"
	TypeESIA   = "esia"
)

// Types lists every connector type, for validation and documentation.
var Types = []string{TypeOIDC, TypeYandex, TypeVK, TypeSber, TypeESIA}

// Connector is one outside identity provider. Login calls Start to send the
// browser away and Callback when it comes back; everything a connector needs
// to finish the exchange travels in the sign-in flow, never in the connector,
// so any instance of Vhod can take the callback.
type Connector interface {
	// ID is the operator's name for the provider (`identity_providers[].id`),
	// stable: linked identities are stored under it.
	ID() string
	// Type is one of Types.
	Type() string
	// DisplayName is the button's label in the language ("ru" or "en"); the
	// Russian one when the language has none.
	DisplayName(lang string) string
	// Start returns the provider's authorization URL for this sign-in flow.
	Start(ctx context.Context, r StartRequest) (string, error)
	// Callback checks the provider's answer at the redirect URI and returns
	// who signed in. Its errors are *Error with a Kind the page can explain.
	Callback(ctx context.Context, r CallbackRequest) (*Identity, error)
}

// Refresher is a Connector that can refresh an identity later with the
// refresh token Callback returned (Identity.RefreshToken), to see whether the
// person still exists and what changed.
type Refresher interface {
	Refresh(ctx context.Context, refreshToken string) (*Identity, error)
}

// EmailLinker is a Connector whose operator may let its verified email find
// an existing account (`link_by_email`); every connector New builds is one.
type EmailLinker interface {
	LinksByEmail() bool
}

// StartRequest is what Start binds into the authorization request. Login
// makes State, Nonce and Verifier with NewFlowSecrets, keeps them in the flow
// bound to the browser, and hands the same values to Callback.
type StartRequest struct {
	RedirectURI string
	State       string
	Nonce       string
	// Verifier is the PKCE code_verifier (RFC 7636); its S256 challenge is
	// sent to providers that take one.
	Verifier string
	// Lang asks the provider's pages in this language where it can ("ru", "en").
	Lang string
}

// CallbackRequest is the provider's answer and the flow's secrets.
type CallbackRequest struct {
	// Query is the redirect URI's query (or a form_post body).
	Query       url.Values
	RedirectURI string
	State       string
	Nonce       string
	Verifier    string
	// StartedAt is when Start ran; the flow is refused when older than
	// MaxFlowAge (zero skips the check, for callers that expire flows themselves).
	StartedAt time.Time
}

// MaxFlowAge is how long a browser may stay at a provider.
const MaxFlowAge = 15 * time.Minute

// Identity is a person as an outside provider vouches for them. Only the
// fields marked verified may be used to find an existing account.
type Identity struct {
	// Provider is the connector's ID; Subject the provider's stable id of
	// the person (ESIA's oid, Yandex's id, the OIDC sub).
	Provider string
	Subject  string

	LastName, FirstName, MiddleName string
	// Name is the full name when the provider gives only that.
	Name string

	Email         string
	EmailVerified bool
	// Phone is E.164 when the provider's form could be read as a number.
	Phone         string
	PhoneVerified bool

	// SNILS and INN (personal, 12 digits), digits only, as the provider gave
	// them; directory checks their check digits.
	SNILS string
	INN   string

	Organisations []Organisation

	// Confirmed is ESIA's "подтверждённая учётная запись" (identity checked in
	// person or with a qualified signature); false elsewhere.
	Confirmed bool
	// AMR lists the provider's own methods where it names them (RFC 8176
	// values where they match); login adds "fed".
	AMR []string
	// ACR is the level the operator set for this provider
	// (`acr`, or `acr_confirmed` for a confirmed ESIA account).
	ACR string

	// RefreshToken is set when the provider gave one and the connector is a
	// Refresher; store it encrypted or not at all.
	RefreshToken string
	// Raw holds the claims or profile fields as the provider sent them.
	Raw map[string]any
}

// Organisation is a company the provider says the person belongs to.
type Organisation struct {
	// ID is the provider's id of the organisation (ESIA's org oid).
	ID        string
	Name      string
	ShortName string
	OGRN      string
	INN       string
	KPP       string
	// Chief means the provider says the person is its head (ESIA's "chief"):
	// like a director's certificate, it lets the person register the company.
	Chief bool
	// Active is false for an employment the provider lists as ended.
	Active bool
}
