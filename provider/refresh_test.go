package provider

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/provider/cache"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// refreshFixture is a Storage over a fresh embedded store with the client
// "shop" (opaque access tokens) and "other", and one refresh token of shop.
func refreshFixture(t *testing.T, grace time.Duration) (*Storage, string) {
	t.Helper()
	store := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	var key [32]byte
	s := &Storage{store: store, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		cfg:         Config{AccessTokenLifetime: time.Minute, RefreshTokenLifetime: time.Hour, RefreshGracePeriod: grace, OnTokens: func(string) {}},
		refreshSeal: newSealer(key, "test")}
	for _, id := range []string{"shop", "other"} {
		if err := store.CreateClient(t.Context(), storage.Client{ID: id, GrantTypes: []string{"authorization_code", "refresh_token", string(oidc.GrantTypeTokenExchange)},
			AccessTokenFormat: TokenFormatOpaque, Scopes: []string{"org", "admin"}}); err != nil {
			t.Fatal(err)
		}
	}
	g := storage.Grant{ClientID: "shop", Subject: "u1", Audience: []string{"shop"}, Scopes: []string{"openid", "org", "offline_access"}, Family: "fam"}
	value, err := s.newRefreshToken(t.Context(), g, "")
	if err != nil {
		t.Fatal(err)
	}
	return s, value
}

// refreshAs runs what op runs for a refresh_token grant, as client clientID
// authenticated by clientAuth (with DPoP key jkt, "" none).
func refreshAs(s *Storage, clientID, jkt, token string) (accessID, refresh string, err error) {
	ctx := context.WithValue(context.Background(), requestClientKey{}, &requestClient{dpopJKT: jkt, authenticated: clientID})
	if _, err := s.GetClientByClientID(ctx, clientID); err != nil {
		return "", "", err
	}
	req, err := s.TokenRequestByRefreshToken(ctx, token)
	if err != nil {
		return "", "", err
	}
	accessID, refresh, _, err = s.CreateAccessAndRefreshTokens(ctx, req.(op.TokenRequest), token)
	return accessID, refresh, err
}

func isInvalidGrant(err error) bool {
	var oe *oidc.Error
	return errors.As(err, &oe) && oe.ErrorType == oidc.InvalidGrant
}

func familyAlive(t *testing.T, s *Storage, refresh string) bool {
	t.Helper()
	rt, err := s.store.RefreshTokenByID(t.Context(), hashToken(refresh))
	if errors.Is(err, storage.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return !rt.Used
}

// TestRefreshGracePeriod: concurrent refreshes of one token by its client all
// get the same new pair and the family lives; after the grace period, with the
// grace period off, by another client or with another DPoP key, a second use
// is reuse and revokes the family (RFC 9700 section 4.14.2).
func TestRefreshGracePeriod(t *testing.T) {
	t.Run("concurrent uses within the grace period get the same pair", func(t *testing.T) {
		s, first := refreshFixture(t, 10*time.Second)
		const n = 8
		access, refresh, errs := make([]string, n), make([]string, n), make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); access[i], refresh[i], errs[i] = refreshAs(s, "shop", "", first) }()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || access[i] != access[0] || refresh[i] != refresh[0] {
				t.Fatalf("answer %d: %q %q %v; answer 0: %q %q", i, access[i], refresh[i], errs[i], access[0], refresh[0])
			}
		}
		if _, err := s.store.AccessTokenByID(t.Context(), access[0]); err != nil {
			t.Fatalf("the answered access token: %v", err)
		}
		if !familyAlive(t, s, refresh[0]) {
			t.Fatal("the successor is not usable")
		}
		// The chain goes on from the successor.
		if _, third, err := refreshAs(s, "shop", "", refresh[0]); err != nil || !familyAlive(t, s, third) {
			t.Fatalf("next rotation: %v", err)
		}
	})
	t.Run("reuse after the grace period revokes the family", func(t *testing.T) {
		s, first := refreshFixture(t, 300*time.Millisecond)
		_, second, err := refreshAs(s, "shop", "", first)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		if _, _, err := refreshAs(s, "shop", "", first); !isInvalidGrant(err) {
			t.Fatalf("reuse after the grace period: %v", err)
		}
		if familyAlive(t, s, second) {
			t.Fatal("the family survived a reuse")
		}
	})
	t.Run("grace period 0: the second use revokes at once", func(t *testing.T) {
		s, first := refreshFixture(t, 0)
		_, second, err := refreshAs(s, "shop", "", first)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := refreshAs(s, "shop", "", first); !isInvalidGrant(err) {
			t.Fatalf("reuse: %v", err)
		}
		if familyAlive(t, s, second) {
			t.Fatal("the family survived a reuse")
		}
	})
	t.Run("another client is a thief, within the grace period too", func(t *testing.T) {
		s, first := refreshFixture(t, 10*time.Second)
		_, second, err := refreshAs(s, "shop", "", first)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := refreshAs(s, "other", "", first); !isInvalidGrant(err) {
			t.Fatalf("another client: %v", err)
		}
		if familyAlive(t, s, second) {
			t.Fatal("the family survived a stolen token")
		}
	})
	t.Run("another DPoP key within the grace period is reuse", func(t *testing.T) {
		s, first := refreshFixture(t, 10*time.Second)
		_, second, err := refreshAs(s, "shop", "key-1", first)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := refreshAs(s, "shop", "key-2", first); !isInvalidGrant(err) {
			t.Fatalf("another key: %v", err)
		}
		if familyAlive(t, s, second) {
			t.Fatal("the family survived")
		}
	})
	t.Run("a successor used already: the old token again is reuse", func(t *testing.T) {
		s, first := refreshFixture(t, 10*time.Second)
		_, second, err := refreshAs(s, "shop", "", first)
		if err != nil {
			t.Fatal(err)
		}
		_, third, err := refreshAs(s, "shop", "", second)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := refreshAs(s, "shop", "", first); !isInvalidGrant(err) {
			t.Fatalf("old token after the chain moved on: %v", err)
		}
		if familyAlive(t, s, third) {
			t.Fatal("the family survived")
		}
	})
}

// TestRefreshDropsScopesTheClientLost: a refresh grants again only what the
// client may still have, and says so (RFC 6749 section 5.1).
func TestRefreshDropsScopesTheClientLost(t *testing.T) {
	s, first := refreshFixture(t, 0)
	if _, err := s.store.UpdateClient(t.Context(), storage.Client{ID: "shop", GrantTypes: []string{"refresh_token"},
		AccessTokenFormat: TokenFormatOpaque, Scopes: []string{"cert"}}); err != nil {
		t.Fatal(err)
	}
	s.clients = cache.Clients{}
	req, err := s.TokenRequestByRefreshToken(t.Context(), first)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.GetScopes(); !slices.Equal(got, []string{"openid", "offline_access"}) {
		t.Fatalf("scopes %v", got)
	}
}

// exchangeRequest is the part of op's token exchange request that
// ValidateTokenExchangeRequest reads.
type exchangeRequest struct {
	op.TokenExchangeRequest
	clientID, subjectToken, subject string
	audience, scopes                []string
	tokenType                       oidc.TokenType
}

func (r *exchangeRequest) GetClientID() string                         { return r.clientID }
func (r *exchangeRequest) GetExchangeSubjectTokenType() oidc.TokenType { return oidc.AccessTokenType }
func (r *exchangeRequest) GetExchangeSubjectTokenIDOrToken() string    { return r.subjectToken }
func (r *exchangeRequest) GetExchangeSubject() string                  { return r.subject }
func (r *exchangeRequest) GetExchangeActor() string                    { return "" }
func (r *exchangeRequest) GetResourses() []string                      { return nil }
func (r *exchangeRequest) GetAudience() []string                       { return r.audience }
func (r *exchangeRequest) GetRequestedTokenType() oidc.TokenType       { return r.tokenType }
func (r *exchangeRequest) SetRequestedTokenType(t oidc.TokenType)      { r.tokenType = t }
func (r *exchangeRequest) GetScopes() []string                         { return r.scopes }
func (r *exchangeRequest) SetCurrentScopes(s []string)                 { r.scopes = s }

// TestTokenExchangeGrantsOnlyTheExchangingClientsScopes: a token exchanged by
// a client that may not have admin does not carry admin on, and the answer's
// scope says what the new token got (RFC 8693 section 2.2.1, RFC 6749 section
// 5.1).
func TestTokenExchangeGrantsOnlyTheExchangingClientsScopes(t *testing.T) {
	s, _ := refreshFixture(t, 0)
	ctx := t.Context()
	if err := s.store.CreateClient(ctx, storage.Client{ID: "reports", GrantTypes: []string{string(oidc.GrantTypeTokenExchange)},
		AccessTokenFormat: TokenFormatOpaque}); err != nil {
		t.Fatal(err)
	}
	at := storage.AccessToken{ID: "at1", Grant: storage.Grant{ClientID: "shop", Subject: "u1", Audience: []string{"shop", "reports"},
		Scopes: []string{"openid", "admin", "org"}, Family: "fam"}, ExpiresAt: time.Now().Add(time.Minute)}
	if err := s.store.CreateAccessToken(ctx, at); err != nil {
		t.Fatal(err)
	}
	req := &exchangeRequest{clientID: "reports", subjectToken: "at1", subject: "u1", audience: []string{"shop"}}
	if err := s.ValidateTokenExchangeRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(req.scopes, []string{"openid", "org"}) {
		t.Fatalf("exchanged scopes %v, want admin dropped", req.scopes)
	}
}
