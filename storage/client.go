package storage

import (
	"context"
	"time"
)

// Access token formats of a client.
const (
	TokenFormatOpaque = "opaque"
	TokenFormatJWT    = "jwt"
)

// Client is a registered relying party.
type Client struct {
	ID string `bson:"_id"`
	// SecretHash is the hex SHA-256 of the client secret. Client secrets are long random
	// strings, so a fast hash compared in constant time is enough (unlike passwords).
	SecretHash             string   `bson:"secret_hash,omitempty"`
	Name                   string   `bson:"name"`
	RedirectURIs           []string `bson:"redirect_uris"`
	PostLogoutRedirectURIs []string `bson:"post_logout_redirect_uris"`
	GrantTypes             []string `bson:"grant_types"`
	AuthMethod             string   `bson:"auth_method"`
	Public                 bool     `bson:"public"`
	AccessTokenFormat      string   `bson:"access_token_format"`
	FirstParty             bool     `bson:"first_party"`
	SigningAlg             string   `bson:"signing_alg"`
	IDTokenUserinfoClaims  bool     `bson:"id_token_userinfo_claims"`
	// BackchannelLogoutURI receives a signed logout token when a session this
	// client took part in ends (OpenID Connect Back-Channel Logout 1.0).
	BackchannelLogoutURI string `bson:"backchannel_logout_uri,omitempty"`
	// FrontchannelLogoutURI is framed by the end-session page, with iss and sid
	// (OpenID Connect Front-Channel Logout 1.0).
	FrontchannelLogoutURI string `bson:"frontchannel_logout_uri,omitempty"`
	// RequirePAR refuses authorization requests not pushed first (RFC 9126 §6).
	RequirePAR bool `bson:"require_pushed_authorization_requests,omitempty"`
	// MinACR is the weakest sign-in this client accepts; weaker sessions step up.
	MinACR string `bson:"min_acr,omitempty"`
	// Authorities are powers the client's own tokens (client credentials) carry
	// on Vhod's API (storage.AuthorityOperator, AuthorityModerator), and
	// AuthorityIntrospect: introspection of every client's tokens.
	Authorities []string `bson:"authorities,omitempty"`
	// Version increases with every UpdateClient, which writes only over the
	// version it was read at.
	Version int `bson:"version"`
	// TLSSubjectDN is the subject DN (Go's RFC 4514 spelling) a tls_client_auth
	// client's certificate must carry (RFC 8705 section 2.1.2).
	TLSSubjectDN string `bson:"tls_client_auth_subject_dn,omitempty"`
	// CertificatePins are SHA-256 fingerprints (hex) of the certificates a TLS
	// client may present: for tls_client_auth on top of the chain and DN, for
	// self_signed_tls_client_auth beside the keys of JWKS (GOST keys have no JWK).
	CertificatePins []string `bson:"tls_client_certificate_sha256,omitempty"`
	// TLSBoundTokens binds the client's access tokens to its TLS client
	// certificate (cnf.x5t#S256, RFC 8705 section 3).
	TLSBoundTokens bool `bson:"tls_client_certificate_bound_access_tokens,omitempty"`
	// OrgID makes the client an integration system of that organisation: its
	// own tokens (client credentials) carry the organisation and Roles.
	OrgID string   `bson:"org_id,omitempty"`
	Roles []string `bson:"roles,omitempty"`
	// JWKS is the client's public key set (JSON) for private_key_jwt authentication.
	JWKS      string    `bson:"jwks,omitempty"`
	Scopes    []string  `bson:"scopes,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Clients stores relying parties.
//
// A stored client is exactly the last Client written: UpdateClient replaces the
// whole document, so a field left empty is gone (an authority removed from the
// config or the API stops counting), never kept from an earlier write.
type Clients interface {
	// CreateClient stores a new client (ErrAlreadyExists when the id is taken),
	// stamping its creation and update times when they are zero.
	CreateClient(ctx context.Context, c Client) error
	// UpdateClient replaces the client stored at c.Version with c, keeping only
	// its creation time, and returns it at the next version. ErrConflict when
	// the stored version is another (someone wrote since c was read),
	// ErrNotFound when there is no such client.
	UpdateClient(ctx context.Context, c Client) (Client, error)
	ClientByID(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	DeleteClient(ctx context.Context, id string) error
}
