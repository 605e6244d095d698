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

// CodeLifetime bounds how long a code may wait for its exchange (RFC 6749 §4.1.2
// recommends at most ten minutes): a request lives that long after its completion,
// and is kept that long after the exchange as a tombstone that recognises replays.
const CodeLifetime = 10 * time.Minute

// CreateAuthRequest implements op.Storage. op has validated the client, the redirect
// URI and the scopes; here PKCE is enforced and the request bound to the browser.
// op lets every standard scope through; what is kept is what the client may
// have (no address: Vhod has none to give), each once.
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
		Scopes: directory.GrantedScopes(c.c, req.Scopes), State: req.State, Nonce: req.Nonce,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		Prompt: req.Prompt, LoginHint: req.LoginHint, ACRValues: req.ACRValues,
		HintSubject: hintSubject, BrowserHash: browser, OrgHint: orgHint(ctx),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.AuthRequestLifetime),
	}
	if req.MaxAge != nil {
		age := int64(*req.MaxAge)
		r.MaxAge = &age
	}
	for _, l := range req.UILocales {
		r.UILocales = append(r.UILocales, l.String())
	}
	// A browser whose SSO session answers this request is not sent to the login
	// pages at all: the request is stored complete and the browser goes straight on
	// to the callback (see client.LoginURL).
	if s.cfg.SSO != nil {
		done, err := s.cfg.SSO(ctx, r)
		if err != nil {
			return nil, s.serverError(ctx, err)
		}
		if done != nil {
			r.Completion, r.ExpiresAt = done, now.Add(CodeLifetime)
			done.AuthTime = done.AuthTime.UTC()
			if h := holder(ctx); h != nil && h.c != nil {
				h.c.completed = r.ID
			}
		}
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

// AuthRequestByCode implements op.Storage. The code is consumed here, atomically,
// once codeCheck passed; a replayed code revokes every token the first exchange
// produced.
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	// op's codes are the auth request ID encrypted with the provider's key.
	id, err := s.op.Crypto().Decrypt(code)
	if err != nil {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid code")
	}
	r, err := s.store.RedeemAuthCode(ctx, id, codeCheck(ctx))
	var refused *oidc.Error
	if errors.As(err, &refused) {
		return nil, refused
	}
	if errors.Is(err, storage.ErrConflict) {
		if rerr := s.revokeGrant(ctx, r.ID); rerr != nil {
			return nil, s.serverError(ctx, rerr)
		}
		s.log.WarnContext(ctx, "authorization code replayed; tokens of its grant revoked", "client_id", r.ClientID)
		s.audit(ctx, storage.AuditEvent{Type: directory.EventCodeReplay, Outcome: directory.OutcomeFailure,
			ClientID: r.ClientID, UserID: r.Completion.UserID, Details: map[string]string{"grant": r.ID}})
		return nil, oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	if err != nil {
		return nil, s.notFoundAs(ctx, err, oidc.ErrInvalidGrant().WithDescription("invalid code"))
	}
	return &authRequest{r: r}, nil
}

// SaveAuthCode implements op.Storage; op calls it for every code it makes. The
// code itself is not stored: it is the auth request ID sealed with AES-256-GCM
// under the provider's key, so it cannot be made without the key, names its
// request, and is made single-use by RedeemAuthCode; the request expires
// CodeLifetime after its completion. What is stored is that a code was given
// out: each sealing makes another code for the same request, so without this
// every visit of the callback by the bound browser (or by whoever holds its
// binding) would take one more, and the first exchange would win. With it the
// callback answers once and a second visit gets an error instead.
func (s *Storage) SaveAuthCode(ctx context.Context, id, _ string) error {
	r, ok := ctx.Value(answeringKey{}).(storage.AuthRequest)
	if !ok || r.ID != id {
		var err error
		if r, err = s.store.AuthRequestByID(ctx, id); err != nil {
			return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("unknown or expired auth request"))
		}
	}
	err := s.store.IssueAuthCode(ctx, r)
	switch {
	case errors.Is(err, storage.ErrConflict):
		s.log.WarnContext(ctx, "authorization callback visited again; no second code", "client_id", r.ClientID)
		e := storage.AuditEvent{Type: directory.EventCodeReissue, Outcome: directory.OutcomeFailure, ClientID: r.ClientID,
			Details: map[string]string{"request": id}}
		if r.Completion != nil {
			e.UserID = r.Completion.UserID
		}
		s.audit(ctx, e)
		return errCodeIssued().WithParent(err)
	case err != nil:
		return s.notFoundAs(ctx, err, oidc.ErrInvalidRequest().WithDescription("unknown or expired auth request"))
	}
	return nil
}

// answeringKey carries the auth request the callback has just read to
// SaveAuthCode, which op calls with its ID alone: one read per answer.
type answeringKey struct{}

// errCodeIssued answers a second visit of the callback of one auth request.
func errCodeIssued() *oidc.Error {
	return oidc.ErrInvalidRequest().WithDescription("this authorization request was already answered; start the sign-in again")
}

// DeleteAuthRequest implements op.Storage. op calls it after a code exchange; the
// request is kept instead, code marked used, until it expires, so that a replay of
// the code is recognised (see AuthRequestByCode). The sweeper removes it.
func (s *Storage) DeleteAuthRequest(context.Context, string) error { return nil }

// codeCheck is what must hold before a code is spent (RFC 6749 section 4.1.3,
// RFC 7636 section 4.6): it was issued to the client this request
// authenticated (see clientAuth), for the same redirect URI, and the PKCE
// verifier matches its challenge. op checks these only after the lookup, which
// with Vhod's storage spends the code: a wrong secret, client, verifier or
// redirect URI would burn the rightful client's code.
func codeCheck(ctx context.Context) func(storage.AuthRequest) error {
	h := holder(ctx)
	return func(r storage.AuthRequest) error {
		if h == nil || h.authenticated == "" || h.authenticated != r.ClientID {
			return oidc.ErrInvalidGrant().WithDescription("invalid code")
		}
		form := h.tokenForm
		verifier := form.Get("code_verifier")
		switch {
		case form.Get("redirect_uri") != r.RedirectURI:
			return oidc.ErrInvalidGrant().WithDescription("redirect_uri is not the one of the authorization request")
		case r.CodeChallenge == "" && verifier != "":
			return oidc.ErrInvalidRequest().WithDescription("code_verifier sent for a request without code_challenge")
		case r.CodeChallenge == "":
			return nil
		case verifier == "":
			return oidc.ErrInvalidGrant().WithDescription("code_verifier is required")
		case !oidc.VerifyCodeChallenge(&oidc.CodeChallenge{Challenge: r.CodeChallenge,
			Method: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}, verifier):
			return oidc.ErrInvalidGrant().WithDescription("invalid code_verifier")
		}
		return nil
	}
}
