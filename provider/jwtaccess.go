package provider

import (
	"context"
	"sync"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/provider/accesstoken"
	"github.com/vhod-id/vhod/storage"
)

// JWT access tokens follow RFC 9068 (see accesstoken for their format).
//
// op signs the JWT access tokens it makes typed "JWT", and no option changes
// that. So to op every client's tokens are opaque, made by Crypto.Encrypt of
// "ID:subject"; for a client of the JWT format, Vhod has signed the token when
// storage created it, and tokenCrypto hands that JWT out for the ID instead of
// the encryption. op then puts the very value into the response and its at_hash.

// tokenCrypto is op's crypto, except for the JWT access tokens signed for this
// request (see above). Two requests may hold the same token ID (a refresh
// presented again within the grace period answers the first one's tokens):
// the first signed JWT is kept until the last of them has ended.
type tokenCrypto struct {
	op.Crypto
	mu      sync.Mutex
	pending map[string]*heldToken // "ID:subject"
}

type heldToken struct {
	jwt     string
	holders int
}

func newTokenCrypto(key [32]byte) *tokenCrypto {
	gcm := op.NewAES256GCMCrypto(key, "")
	return &tokenCrypto{Crypto: op.NewCompositeCrypto(gcm, []op.Decrypter{gcm, op.NewAESCrypto(key)}),
		pending: map[string]*heldToken{}}
}

func (t *tokenCrypto) Encrypt(s string) (string, error) {
	t.mu.Lock()
	held := t.pending[s]
	t.mu.Unlock()
	if held != nil {
		return held.jwt, nil
	}
	return t.Crypto.Encrypt(s)
}

// hold keeps a signed access token until op asks for it, at the latest until
// the request ends (see Provider.errors, which releases it).
func (t *tokenCrypto) hold(ctx context.Context, key, jwt string) {
	h := holder(ctx)
	if h == nil {
		return
	}
	t.mu.Lock()
	if held := t.pending[key]; held != nil {
		held.holders++
	} else {
		t.pending[key] = &heldToken{jwt: jwt, holders: 1}
	}
	t.mu.Unlock()
	h.pendingTokens = append(h.pendingTokens, key)
}

func (t *tokenCrypto) release(keys []string) {
	if len(keys) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if held := t.pending[k]; held != nil {
			if held.holders--; held.holders <= 0 {
				delete(t.pending, k)
			}
		}
	}
}

// issueJWT signs the access token t when its client takes JWT access tokens,
// and holds it for op to hand out as t's value; false for an opaque client.
func (s *Storage) issueJWT(ctx context.Context, t storage.AccessToken, org *orgs.Claims) (bool, error) {
	c, err := s.loadClient(ctx, t.Grant.ClientID)
	if err != nil || c.c.AccessTokenFormat != TokenFormatJWT {
		return false, nil
	}
	jwt, err := s.signAccessToken(ctx, c, t, org)
	if err != nil {
		return true, s.serverError(ctx, err)
	}
	if h := holder(ctx); h != nil && h.handsOut {
		h.signed = jwt
		return true, nil
	}
	s.crypto.hold(ctx, t.ID+":"+t.Grant.Subject, jwt) // what op's CreateBearerToken will ask for
	return true, nil
}

// signAccessToken signs the RFC 9068 access token of a grant, with the key of
// the algorithm the client chose for its tokens.
func (s *Storage) signAccessToken(ctx context.Context, c *client, t storage.AccessToken, org *orgs.Claims) (string, error) {
	k, err := s.keys.Signing(ctx, jose.SignatureAlgorithm(c.c.SigningAlg))
	if err != nil {
		return "", err
	}
	return accesstoken.Sign(k, s.cfg.Issuer, t, org)
}
