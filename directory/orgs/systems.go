package orgs

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/storage"
)

// An integration system is a company's own information system (an ERP, a
// warehouse system) registered by its org_admin with the system's certificate.
// It is a machine client of Vhod: it obtains tokens with client credentials,
// authenticating by that certificate (tls_client_auth: mutual TLS, GOST
// through the TLS proxy) or by assertions signed with its key
// (private_key_jwt), and its tokens carry the company and the roles the
// org_admin gave it.

// Ways an integration system authenticates.
const (
	SystemAuthTLS = "tls_client_auth"
	SystemAuthJWT = "private_key_jwt"
)

var (
	ErrSystemCode   = errors.New("the code is 2 to 32 lowercase letters, digits and hyphens")
	ErrSystemKey    = errors.New("the certificate's key cannot sign private_key_jwt assertions (RSA and ECDSA only): use tls_client_auth")
	ErrSystemMethod = errors.New("an integration system authenticates by tls_client_auth or private_key_jwt")
	ErrSystemName   = errors.New("the name is 1 to 200 characters")
)

var systemCode = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)

// SystemStore is what the rules of integration systems need from storage.
type SystemStore interface {
	storage.Clients
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
}

// Systems holds the rules of integration systems.
type Systems struct {
	store SystemStore
	orgs  *Service
}

// NewSystems makes the rules of integration systems over a store.
func NewSystems(st SystemStore, orgs *Service) *Systems { return &Systems{store: st, orgs: orgs} }

// SystemClientID is the client_id of a company's system: unique across
// companies, readable in logs.
func SystemClientID(orgID, code string) string { return orgID + "." + code }

// SystemInput is what an org_admin registers. The certificate has been
// verified by the caller (trusted chain, not revoked).
type SystemInput struct {
	Name, Code, AuthMethod string
	Certificate            *x509.Certificate
	Roles                  []string
}

// Register makes the system a client of the company. A code already taken in
// the company is storage.ErrAlreadyExists.
func (s *Systems) Register(ctx context.Context, orgID string, in SystemInput) (storage.Client, error) {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || len([]rune(in.Name)) > 200:
		return storage.Client{}, ErrSystemName
	case !systemCode.MatchString(in.Code):
		return storage.Client{}, ErrSystemCode
	case in.AuthMethod != SystemAuthTLS && in.AuthMethod != SystemAuthJWT:
		return storage.Client{}, ErrSystemMethod
	}
	if err := s.checkRoles(ctx, in.Roles); err != nil {
		return storage.Client{}, err
	}
	id := SystemClientID(orgID, in.Code)
	c := storage.Client{ID: id, Name: in.Name, OrgID: orgID, Roles: in.Roles, AuthMethod: in.AuthMethod,
		GrantTypes: []string{"client_credentials"}, AccessTokenFormat: storage.TokenFormatJWT,
		CertificatePins: []string{certauth.Fingerprint(in.Certificate)}, CreatedAt: s.orgs.now().UTC()}
	switch in.AuthMethod {
	case SystemAuthTLS:
		// Bound to the certificate: a token copied off the system is useless elsewhere.
		c.TLSSubjectDN, c.TLSBoundTokens = in.Certificate.Subject.String(), true
	case SystemAuthJWT:
		jwks, err := certificateJWKS(in.Certificate)
		if err != nil {
			return storage.Client{}, err
		}
		c.JWKS = jwks
	}
	// Created, never replaced: of two registrations of one code (at once or
	// not), the store's unique id lets one through (ErrAlreadyExists).
	return c, s.store.CreateClient(ctx, c)
}

// certificateJWKS is the key set of a certificate's public key, with the
// certificate itself (x5c), for private_key_jwt.
func certificateJWKS(cert *x509.Certificate) (string, error) {
	k := jose.JSONWebKey{Key: cert.PublicKey, Certificates: []*x509.Certificate{cert}, KeyID: SystemKeyID(cert)}
	if !k.Valid() || !k.IsPublic() {
		return "", ErrSystemKey
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSystemKey, err)
	}
	return string(b), nil
}

// SystemKeyID is the kid a system's assertions name: the certificate's
// SHA-256 thumbprint, base64url (x5t#S256), which the system can compute itself.
func SystemKeyID(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Systems) checkRoles(ctx context.Context, roles []string) error {
	known, err := s.orgs.allRoles(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		// org_admin is a person's: a system does not administer the company.
		if !known[r] || r == storage.RoleOrgAdmin {
			return fmt.Errorf("%w: %q", ErrUnknownRole, r)
		}
	}
	return nil
}

// Of lists the company's systems.
func (s *Systems) Of(ctx context.Context, orgID string) ([]storage.Client, error) {
	all, err := s.store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c storage.Client) bool { return c.OrgID != orgID }), nil
}

// system is one of the company's systems; another company's is not found.
func (s *Systems) system(ctx context.Context, orgID, clientID string) (storage.Client, error) {
	c, err := s.store.ClientByID(ctx, clientID)
	if err == nil && c.OrgID != orgID {
		err = storage.ErrNotFound
	}
	return c, err
}

// SetRoles replaces the roles of a company's system.
func (s *Systems) SetRoles(ctx context.Context, orgID, clientID string, roles []string) (storage.Client, error) {
	c, err := s.system(ctx, orgID, clientID)
	if err != nil {
		return c, err
	}
	if err := s.checkRoles(ctx, roles); err != nil {
		return c, err
	}
	c.Roles = roles
	return s.store.UpdateClient(ctx, c)
}

// Remove deletes a company's system; its tokens stop working at expiry (JWT)
// or at once (introspection finds no client).
func (s *Systems) Remove(ctx context.Context, orgID, clientID string) error {
	if _, err := s.system(ctx, orgID, clientID); err != nil {
		return err
	}
	return s.store.DeleteClient(ctx, clientID)
}

// Claims are the organisation claims of a system's token: the company, while
// it is active, and the system's roles that some catalogue still defines.
func (s *Systems) Claims(ctx context.Context, orgID string, roles []string) (Claims, error) {
	var out Claims
	org, err := s.store.OrganisationByID(ctx, orgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && org.Status != storage.OrgActive) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	known, err := s.orgs.allRoles(ctx)
	if err != nil {
		return out, err
	}
	r := ref(org)
	out.Org, out.Roles = &r, filterRoles(roles, known)
	return out, nil
}
