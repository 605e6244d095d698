package provider

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// codeLifetime bounds how long a code may wait for its exchange (RFC 6749 §4.1.2
// recommends at most ten minutes); the used request is kept that long as a tombstone.
const codeLifetime = 10 * time.Minute

// CreateAuthRequest implements op.Storage. op has validated the client, the redirect
// URI and the scopes; here PKCE is enforced and the request bound to the browser.
func (s *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	c, err := s.loadClient(ctx, req.ClientID)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidClient())
	}
	switch {
	case req.CodeChallenge == "" && c.c.Public:
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for public clients")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	browser := s.cfg.Browser.BrowserHash(ctx)
	if browser == "" {
		return nil, s.serverError(ctx, errors.New("auth request without a browser binding"))
	}
	now := time.Now().UTC()
	r := storage.AuthRequest{
		ID: directory.NewID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		Scopes: req.Scopes, State: req.State, Nonce: req.Nonce,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, LoginHint: req.LoginHint, ACRValues: req.ACRValues,
		HintSubject: hintSubject, BrowserHash: browser,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.AuthRequestLifetime),
	}
	if req.MaxAge != nil {
		age := int64(*req.MaxAge)
		r.MaxAge = &age
	}
	for _, l := range req.UILocales {
		r.UILocales = append(r.UILocales, l.String())
	}
	if err := s.store.CreateAuthRequest(ctx, r); err != nil {
		return nil, s.serverError(ctx, err)
	}
	return &authRequest{r: r}, nil
}

// AuthRequestByID implements op.Storage. On browser routes (the callback) the
// request is only found for the browser that started it: without this, anyone who
// learnt the ID could collect the code of somebody else's sign-in.
func (s *Storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.store.AuthRequestByID(ctx, id)
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("unknown or expired auth request"))
	}
	if b := s.cfg.Browser.BrowserHash(ctx); b != "" && b != r.BrowserHash {
		return nil, oidc.ErrInvalidRequest().WithDescription("auth request belongs to another browser")
	}
	return &authRequest{r: r}, nil
}

// AuthRequestByCode implements op.Storage. The code is consumed here, atomically;
// a replayed code revokes every token the first exchange produced.
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	// op's codes are the auth request ID encrypted with the provider's key.
	id, err := s.op.Crypto().Decrypt(code)
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid code")
	}
	r, err := s.store.RedeemAuthCode(ctx, id, hashToken(code))
	if errors.Is(err, storage.ErrConflict) {
		if rerr := s.revokeGrant(ctx, r.ID); rerr != nil {
			return nil, s.serverError(ctx, rerr)
		}
		s.log.WarnContext(ctx, "authorization code replayed; tokens of its grant revoked", "client_id", r.ClientID)
		return nil, oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidGrant().WithDescription("invalid code"))
	}
	return &authRequest{r: r}, nil
}

// SaveAuthCode implements op.Storage.
func (s *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	err := s.store.SaveAuthCode(ctx, id, hashToken(code), time.Now().Add(codeLifetime))
	if err != nil {
		return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("auth request is not ready for a code"))
	}
	return nil
}

// DeleteAuthRequest implements op.Storage. op calls it after a code exchange; the
// request is kept instead, code marked used, until it expires, so that a replay of
// the code is recognised (see AuthRequestByCode). The sweeper removes it.
func (s *Storage) DeleteAuthRequest(context.Context, string) error { return nil }
