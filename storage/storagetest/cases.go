package storagetest

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

var (
	future = func() time.Time { return time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond) }
	past   = func() time.Time { return time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond) }
)

func testClientCreateUpdate(t *testing.T, s storage.Store) {
	ctx := t.Context()
	c := storage.Client{ID: "shop", Name: "Shop", RedirectURIs: []string{"http://a/cb"}, GrantTypes: []string{"authorization_code"}}
	must(t, s.CreateClient(ctx, c))
	wantErr(t, s.CreateClient(ctx, c), storage.ErrAlreadyExists)
	first, err := s.ClientByID(ctx, "shop")
	must(t, err)
	if first.CreatedAt.IsZero() || first.Version != 0 {
		t.Fatalf("new client: created %v, version %d", first.CreatedAt, first.Version)
	}
	next := first
	next.RedirectURIs = []string{"http://b/cb"}
	next.CreatedAt = time.Time{} // the store keeps its own
	saved, err := s.UpdateClient(ctx, next)
	must(t, err)
	if saved.Version != 1 {
		t.Fatalf("version %d after one update", saved.Version)
	}
	got, err := s.ClientByID(ctx, "shop")
	must(t, err)
	if !slices.Equal(got.RedirectURIs, []string{"http://b/cb"}) || got.Version != 1 {
		t.Fatalf("not updated: %v, version %d", got.RedirectURIs, got.Version)
	}
	if !got.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("creation time changed: %v → %v", first.CreatedAt, got.CreatedAt)
	}
	// A writer of the version read before the update is refused.
	stale := first
	stale.Name = "Stale"
	_, err = s.UpdateClient(ctx, stale)
	wantErr(t, err, storage.ErrConflict)
	_, err = s.UpdateClient(ctx, storage.Client{ID: "nobody"})
	wantErr(t, err, storage.ErrNotFound)
	all, err := s.ListClients(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("got %d clients", len(all))
	}
	must(t, s.DeleteClient(ctx, "shop"))
	_, err = s.ClientByID(ctx, "shop")
	wantErr(t, err, storage.ErrNotFound)
	// Created again, the client starts afresh and its first update goes through.
	must(t, s.CreateClient(ctx, c))
	again, err := s.ClientByID(ctx, "shop")
	must(t, err)
	if again.Version != 0 {
		t.Fatalf("recreated client at version %d", again.Version)
	}
	_, err = s.UpdateClient(ctx, again)
	must(t, err)
}

// testClientUpdateClearsOptional: a client with every optional field set,
// updated to one with none, keeps none of them. Omitted-when-empty fields under
// a $set once outlived their removal (an operator authority among them).
func testClientUpdateClearsOptional(t *testing.T, s storage.Store) {
	ctx := t.Context()
	full := storage.Client{
		ID: "erp", SecretHash: "ab12", Name: "ERP", RedirectURIs: []string{"https://erp/cb"},
		PostLogoutRedirectURIs: []string{"https://erp/"}, GrantTypes: []string{"authorization_code", "client_credentials"},
		AuthMethod: "tls_client_auth", Public: true, AccessTokenFormat: storage.TokenFormatJWT, FirstParty: true,
		SigningAlg: "RS256", IDTokenUserinfoClaims: true, BackchannelLogoutURI: "https://erp/bc",
		FrontchannelLogoutURI: "https://erp/fc", RequirePAR: true, MinACR: "urn:vhod:acr:certificate",
		Authorities: []string{storage.AuthorityOperator, storage.AuthorityIntrospect}, TLSSubjectDN: "CN=ERP",
		CertificatePins: []string{"00ff"}, TLSBoundTokens: true, OrgID: "o1", Roles: []string{"buyer"},
		JWKS: `{"keys":[]}`, Scopes: []string{"openid", "admin"},
	}
	// Every field of Client is set above, so that a field added later without
	// a case here makes this test fail rather than pass untested.
	v := reflect.ValueOf(full)
	for i := range v.NumField() {
		switch name := v.Type().Field(i).Name; name {
		case "Version", "CreatedAt", "UpdatedAt":
		default:
			if v.Field(i).IsZero() {
				t.Fatalf("field %s is not set in the full client", name)
			}
		}
	}
	must(t, s.CreateClient(ctx, full))
	stored, err := s.ClientByID(ctx, "erp")
	must(t, err)
	stored.CreatedAt, stored.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(stored, full) {
		t.Fatalf("stored client differs:\n got %+v\nwant %+v", stored, full)
	}
	bare := storage.Client{ID: "erp", Version: stored.Version}
	_, err = s.UpdateClient(ctx, bare)
	must(t, err)
	got, err := s.ClientByID(ctx, "erp")
	must(t, err)
	if got.CreatedAt.IsZero() {
		t.Fatal("creation time lost")
	}
	got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	bare.Version++
	if !reflect.DeepEqual(got, bare) {
		t.Fatalf("fields outlived their removal:\n got %+v\nwant %+v", got, bare)
	}
}

func testUserIdentifiersUnique(t *testing.T, s storage.Store) {
	ctx := t.Context()
	a := storage.User{ID: "u1", Login: "ivanov", Email: "ivanov@example.com", Phone: "+79090000000"}
	must(t, s.CreateUser(ctx, a))
	got, err := s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentPhone, "+79090000000"))
	must(t, err)
	if got.ID != "u1" {
		t.Fatalf("got user %q", got.ID)
	}
	// A second user with one taken identifier is refused and leaves nothing behind.
	b := storage.User{ID: "u2", Login: "petrov", Email: "ivanov@example.com"}
	wantErr(t, s.CreateUser(ctx, b), storage.ErrAlreadyExists)
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentLogin, "petrov"))
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.UserByID(ctx, "u2")
	wantErr(t, err, storage.ErrNotFound)
	// The released login can be taken by a correct account.
	must(t, s.CreateUser(ctx, storage.User{ID: "u3", Login: "petrov"}))
	wantErr(t, s.CreateUser(ctx, storage.User{ID: "u3", Login: "sidorov"}), storage.ErrAlreadyExists)
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentLogin, "sidorov"))
	wantErr(t, err, storage.ErrNotFound)
}

func testChangeIdentifier(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a", Email: "old@example.com"}))
	must(t, s.CreateUser(ctx, storage.User{ID: "u2", Login: "b", Email: "taken@example.com"}))
	wantErr(t, s.ChangeIdentifier(ctx, "u1", storage.IdentEmail, "taken@example.com"), storage.ErrAlreadyExists)
	must(t, s.ChangeIdentifier(ctx, "u1", storage.IdentEmail, "new@example.com"))
	u, err := s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentEmail, "new@example.com"))
	must(t, err)
	if u.ID != "u1" || u.Email != "new@example.com" || !u.EmailVerified {
		t.Fatalf("after change: %+v", u)
	}
	_, err = s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentEmail, "old@example.com"))
	wantErr(t, err, storage.ErrNotFound)
	must(t, s.CreateUser(ctx, storage.User{ID: "u3", Login: "c", Email: "old@example.com"}))
	must(t, s.ChangeIdentifier(ctx, "u1", storage.IdentPhone, "+79090000000"))
	if u, _ = s.UserByID(ctx, "u1"); u.Phone != "+79090000000" || !u.PhoneVerified {
		t.Fatalf("phone %+v", u)
	}
}

func testUserPassword(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", Login: "a", PasswordHash: "old"}))
	must(t, s.SetPasswordHash(ctx, "u1", "new", true))
	u, err := s.UserByID(ctx, "u1")
	must(t, err)
	if u.PasswordHash != "new" || !u.PasswordTemporary {
		t.Fatalf("hash %q, temporary %v", u.PasswordHash, u.PasswordTemporary)
	}
	must(t, s.SetRecoveryPassword(ctx, "u1", storage.RecoveryPassword{Hash: "temp", ExpiresAt: time.Now().Add(time.Hour)}))
	must(t, s.SetPasswordHash(ctx, "u1", "newer", false))
	if u, _ = s.UserByID(ctx, "u1"); u.PasswordTemporary {
		t.Fatal("temporary mark not cleared")
	}
	if u.Recovery != nil {
		t.Fatalf("a password set another way left the recovery password %+v", u.Recovery)
	}
	wantErr(t, s.SetPasswordHash(ctx, "nobody", "x", false), storage.ErrNotFound)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	must(t, s.SetLockedUntil(ctx, "u1", until))
	if u, _ = s.UserByID(ctx, "u1"); !u.LockedUntil.Equal(until) {
		t.Fatalf("locked until %v", u.LockedUntil)
	}
	must(t, s.SetLockedUntil(ctx, "u1", time.Time{}))
	if u, _ = s.UserByID(ctx, "u1"); !u.LockedUntil.IsZero() && u.LockedUntil.After(time.Now()) || u.Unlocks != 1 {
		t.Fatalf("still locked until %v, or the unlock not counted (%d)", u.LockedUntil, u.Unlocks)
	}
	wantErr(t, s.SetLockedUntil(ctx, "nobody", until), storage.ErrNotFound)
	must(t, s.UpdateProfile(ctx, "u1", storage.Profile{FamilyName: "Иванов", GivenName: "Иван",
		Consents: []storage.UserConsent{{Kind: "news", Version: "1"}}}))
	if u, _ = s.UserByID(ctx, "u1"); u.FamilyName != "Иванов" || len(u.Consents) != 1 || u.PasswordHash != "newer" {
		t.Fatalf("profile %+v", u)
	}
	testUserBlock(t, s)
}

func newAuthRequest(id string) storage.AuthRequest {
	return storage.AuthRequest{ID: id, ClientID: "shop", RedirectURI: "http://a/cb", Scopes: []string{"openid"},
		ResponseType: "code", BrowserHash: "b", CreatedAt: time.Now().UTC(), ExpiresAt: future()}
}

func testAuthRequestLifecycle(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	wantErr(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")), storage.ErrAlreadyExists)
	// No code before the sign-in is complete.
	_, err := s.RedeemAuthCode(ctx, "ar1", nil)
	wantErr(t, err, storage.ErrNotFound)
	c := storage.Completion{UserID: "u1", AuthTime: time.Now().UTC().Truncate(time.Millisecond), AMR: []string{"pwd"}, ACR: "a", SessionID: "s"}
	codeLife := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Millisecond)
	must(t, s.CompleteAuthRequest(ctx, "ar1", c, codeLife))
	wantErr(t, s.CompleteAuthRequest(ctx, "ar1", c, codeLife), storage.ErrConflict)
	wantErr(t, s.CompleteAuthRequest(ctx, "nope", c, codeLife), storage.ErrNotFound)
	got, err := s.AuthRequestByID(ctx, "ar1")
	must(t, err)
	if got.Completion == nil || got.Completion.UserID != "u1" || !got.Completion.AuthTime.Equal(c.AuthTime) {
		t.Fatalf("completion %+v", got.Completion)
	}
	if !got.ExpiresAt.Equal(codeLife) {
		t.Fatalf("expiry %v, want the code's %v", got.ExpiresAt, codeLife)
	}
	must(t, s.DeleteAuthRequest(ctx, "ar1"))
	_, err = s.AuthRequestByID(ctx, "ar1")
	wantErr(t, err, storage.ErrNotFound)
}

func testAuthCodeSingleUse(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	must(t, s.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1"}, future()))
	// A refused check leaves the code to its rightful client (RFC 6749 section 4.1.3).
	refused := errors.New("another client")
	_, err := s.RedeemAuthCode(ctx, "ar1", func(r storage.AuthRequest) error {
		if r.ClientID != "partner" {
			return refused
		}
		return nil
	})
	if !errors.Is(err, refused) {
		t.Fatalf("a refused check: %v", err)
	}
	r, err := s.RedeemAuthCode(ctx, "ar1", func(r storage.AuthRequest) error { return nil })
	must(t, err)
	if r.ID != "ar1" {
		t.Fatalf("redeemed %q", r.ID)
	}
	r, err = s.RedeemAuthCode(ctx, "ar1", nil)
	wantErr(t, err, storage.ErrConflict)
	if r.ID != "ar1" {
		t.Fatal("a replayed code must still name its request, so its tokens can be revoked")
	}
	_, err = s.RedeemAuthCode(ctx, "unknown", nil)
	wantErr(t, err, storage.ErrNotFound)
}

// testAuthCodeIssuedOnce: a completed request gives out its code once; an
// incomplete, unknown or expired one gives none. The redemption is apart from
// it: a code given out is still redeemable once.
func testAuthCodeIssuedOnce(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("ar1")))
	r, err := s.AuthRequestByID(ctx, "ar1")
	must(t, err)
	wantErr(t, s.IssueAuthCode(ctx, r), storage.ErrNotFound)
	must(t, s.CompleteAuthRequest(ctx, "ar1", storage.Completion{UserID: "u1"}, future()))
	r, err = s.AuthRequestByID(ctx, "ar1")
	must(t, err)
	must(t, s.IssueAuthCode(ctx, r))
	wantErr(t, s.IssueAuthCode(ctx, r), storage.ErrConflict)
	_, err = s.RedeemAuthCode(ctx, "ar1", nil)
	must(t, err)
	old := newAuthRequest("old")
	old.Completion, old.ExpiresAt = &storage.Completion{UserID: "u1"}, past()
	must(t, s.CreateAuthRequest(ctx, old))
	wantErr(t, s.IssueAuthCode(ctx, old), storage.ErrNotFound)
}

// testAuthCodeOfDeletedRequest: a code given out is refused once its request
// is deleted, or its user's grants revoked, even where the store still holds
// the request for the exchange; deleting the request of a redeemed code fails
// nothing.
func testAuthCodeOfDeletedRequest(t *testing.T, s storage.Store) {
	ctx := t.Context()
	issue := func(id, user string) {
		t.Helper()
		must(t, s.CreateAuthRequest(ctx, newAuthRequest(id)))
		must(t, s.CompleteAuthRequest(ctx, id, storage.Completion{UserID: user, AuthTime: time.Now().UTC()}, future()))
		r, err := s.AuthRequestByID(ctx, id)
		must(t, err)
		must(t, s.IssueAuthCode(ctx, r))
	}
	issue("denied", "u1")
	issue("revoked", "u1")
	issue("other", "u2")
	issue("redeemed", "u3")
	_, err := s.RedeemAuthCode(ctx, "redeemed", nil)
	must(t, err)
	must(t, s.DeleteAuthRequest(ctx, "denied"))
	must(t, s.RevokeUserTokens(ctx, "u1"))
	must(t, s.DeleteAuthRequest(ctx, "redeemed"))
	for _, id := range []string{"denied", "revoked"} {
		_, err := s.RedeemAuthCode(ctx, id, nil)
		wantErr(t, err, storage.ErrNotFound)
	}
	_, err = s.RedeemAuthCode(ctx, "redeemed", nil)
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.RedeemAuthCode(ctx, "other", nil)
	must(t, err)
}

func testAuthRequestExpiry(t *testing.T, s storage.Store) {
	ctx := t.Context()
	r := newAuthRequest("old")
	r.ExpiresAt = past()
	must(t, s.CreateAuthRequest(ctx, r))
	_, err := s.AuthRequestByID(ctx, "old")
	wantErr(t, err, storage.ErrNotFound)
	wantErr(t, s.CompleteAuthRequest(ctx, "old", storage.Completion{UserID: "u"}, future()), storage.ErrNotFound)
	// The expired request still names its client, for the error page's way
	// back to the app; a request never made names none.
	if c, err := s.AuthRequestClient(ctx, "old"); err != nil || c != r.ClientID || c == "" {
		t.Fatalf("client of the expired request: %q, %v; want %q", c, err, r.ClientID)
	}
	_, err = s.AuthRequestClient(ctx, "never")
	wantErr(t, err, storage.ErrNotFound)
}

func newGrant(family, session string) storage.Grant {
	return storage.Grant{ClientID: "shop", Subject: "u1", Scopes: []string{"openid"}, Family: family, SessionID: session}
}

func testRefreshSingleUse(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f", "s"), ExpiresAt: future()}))
	must(t, s.UseRefreshToken(ctx, "r1"))
	wantErr(t, s.UseRefreshToken(ctx, "r1"), storage.ErrConflict)
	got, err := s.RefreshTokenByID(ctx, "r1")
	must(t, err)
	if !got.Used {
		t.Fatal("used token must stay readable for reuse detection")
	}
	wantErr(t, s.UseRefreshToken(ctx, "r2"), storage.ErrNotFound)
}

func testFamilyRevocation(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a1", Grant: newGrant("f1", "s1"), ExpiresAt: future()}))
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a2", Grant: newGrant("f2", "s1"), ExpiresAt: future()}))
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f1", "s1"), ExpiresAt: future()}))
	must(t, s.RevokeFamily(ctx, "f1"))
	_, err := s.AccessTokenByID(ctx, "a1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.RefreshTokenByID(ctx, "r1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.AccessTokenByID(ctx, "a2")
	must(t, err)
	must(t, s.DeleteAccessToken(ctx, "a2"))
	_, err = s.AccessTokenByID(ctx, "a2")
	wantErr(t, err, storage.ErrNotFound)
}

func testSessionTokensRevocation(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a1", Grant: newGrant("f1", "s1"), ExpiresAt: future()}))
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f2", "s1"), ExpiresAt: future()}))
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a2", Grant: newGrant("f3", "s2"), ExpiresAt: future()}))
	must(t, s.RevokeSessionTokens(ctx, "s1"))
	_, err := s.AccessTokenByID(ctx, "a1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.RefreshTokenByID(ctx, "r1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.AccessTokenByID(ctx, "a2")
	must(t, err)
}

func testUserTokensAndSessions(t *testing.T, s storage.Store) {
	ctx := t.Context()
	other := newGrant("f2", "s2")
	other.Subject = "u2"
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a1", Grant: newGrant("f1", "s1"), ExpiresAt: future()}))
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r1", Grant: newGrant("f1", "s1"), ExpiresAt: future()}))
	must(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: "r2", Grant: other, ExpiresAt: future()}))
	must(t, s.CreateSession(ctx, storage.Session{ID: "h1", SID: "s1", UserID: "u1", ExpiresAt: future()}))
	must(t, s.CreateSession(ctx, storage.Session{ID: "h2", SID: "s2", UserID: "u2", ExpiresAt: future()}))
	// Codes not yet redeemed: a completed auth request of each user, a device
	// authorization approved by u1.
	for _, c := range []struct{ id, user string }{{"ar1", "u1"}, {"ar2", "u2"}} {
		must(t, s.CreateAuthRequest(ctx, newAuthRequest(c.id)))
		must(t, s.CompleteAuthRequest(ctx, c.id, storage.Completion{UserID: c.user, AuthTime: time.Now().UTC(), SessionID: "s"}, future()))
	}
	must(t, s.CreateDeviceAuthorization(ctx, storage.DeviceAuthorization{ID: "dev1", UserCode: "BCDFGHJK", ClientID: "tv", ExpiresAt: future()}))
	must(t, s.DecideDeviceAuthorization(ctx, storage.DeviceAuthorization{ID: "dev1", UserCode: "BCDFGHJK", ClientID: "tv",
		State: "approved", Subject: "u1", ExpiresAt: future()}))
	must(t, s.RevokeUserTokens(ctx, "u1"))
	must(t, s.DeleteUserSessions(ctx, "u1"))
	_, err := s.AuthRequestByID(ctx, "ar1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.DeviceAuthorizationByID(ctx, "dev1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.AuthRequestByID(ctx, "ar2")
	must(t, err)
	_, err = s.AccessTokenByID(ctx, "a1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.RefreshTokenByID(ctx, "r1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.SessionByID(ctx, "h1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.RefreshTokenByID(ctx, "r2")
	must(t, err)
	_, err = s.SessionByID(ctx, "h2")
	must(t, err)
}

func testSessions(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateSession(ctx, storage.Session{ID: "h1", SID: "sid1", UserID: "u1", AuthTime: now, CreatedAt: now, ExpiresAt: future()}))
	must(t, s.CreateSession(ctx, storage.Session{ID: "h2", SID: "sid2", UserID: "u1", CreatedAt: now.Add(time.Second), ExpiresAt: future()}))
	must(t, s.CreateSession(ctx, storage.Session{ID: "h3", SID: "sid3", UserID: "u1", ExpiresAt: past()}))
	wantErr(t, s.CreateSession(ctx, storage.Session{ID: "h4", SID: "sid1", ExpiresAt: future()}), storage.ErrAlreadyExists)
	must(t, s.SetSessionOrg(ctx, "h1", "romashka"))
	must(t, s.AddSessionClient(ctx, "sid1", "shop"))
	must(t, s.AddSessionClient(ctx, "sid1", "shop"))
	must(t, s.AddSessionClient(ctx, "sid1", "crm"))
	wantErr(t, s.AddSessionClient(ctx, "nope", "shop"), storage.ErrNotFound)
	wantErr(t, s.SetSessionOrg(ctx, "nope", "romashka"), storage.ErrNotFound)
	got, err := s.SessionByID(ctx, "h1")
	must(t, err)
	if got.SID != "sid1" || !got.AuthTime.Equal(now) || got.OrgID != "romashka" || !slices.Equal(got.ClientIDs, []string{"shop", "crm"}) {
		t.Fatalf("session %+v", got)
	}
	got, err = s.SessionBySID(ctx, "sid2")
	must(t, err)
	if got.ID != "h2" {
		t.Fatalf("by sid: %q", got.ID)
	}
	_, err = s.SessionByID(ctx, "h3")
	wantErr(t, err, storage.ErrNotFound)
	list, err := s.ListUserSessions(ctx, "u1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "h2" {
		t.Fatalf("list %+v", list)
	}
	must(t, s.DeleteSession(ctx, "h1"))
	_, err = s.SessionByID(ctx, "h1")
	wantErr(t, err, storage.ErrNotFound)
}

func testConsents(t *testing.T, s storage.Store) {
	ctx := t.Context()
	got, err := s.ConsentedScopes(ctx, "u1", "shop")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("consent before any: %v", got)
	}
	must(t, s.GrantConsent(ctx, "u1", "shop", []string{"openid", "profile"}, time.Now()))
	must(t, s.GrantConsent(ctx, "u1", "shop", []string{"email", "openid"}, time.Now()))
	got, err = s.ConsentedScopes(ctx, "u1", "shop")
	must(t, err)
	if !slices.Equal(got, []string{"email", "openid", "profile"}) {
		t.Fatalf("consented %v", got)
	}
	other, err := s.ConsentedScopes(ctx, "u2", "shop")
	must(t, err)
	if len(other) != 0 {
		t.Fatalf("consent leaked to another user: %v", other)
	}
}

func testFlowConflict(t *testing.T, s storage.Store) {
	ctx := t.Context()
	second := &storage.PendingSecondFactor{AMR: []string{"pwd"}, ACR: "urn:vhod:acr:password", OrgID: "o1", By: "org", PasskeyOrCertificate: true}
	must(t, s.CreateFlow(ctx, storage.Flow{ID: "f1", Kind: "login", State: "start", Second: second, ExpiresAt: future()}))
	a, err := s.FlowByID(ctx, "f1")
	must(t, err)
	if a.Second == nil || !reflect.DeepEqual(*a.Second, *second) {
		t.Fatalf("pending second factor %+v, want %+v", a.Second, second)
	}
	b := a
	a.State, b.State = "passed", "failed"
	saved, err := s.SaveFlow(ctx, a)
	must(t, err)
	if saved.Version != 1 {
		t.Fatalf("version %d", saved.Version)
	}
	_, err = s.SaveFlow(ctx, b)
	wantErr(t, err, storage.ErrConflict)
	got, err := s.FlowByID(ctx, "f1")
	must(t, err)
	if got.State != "passed" {
		t.Fatalf("state %q: the losing writer overwrote the winner", got.State)
	}
}

func testFlowExpiry(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.CreateFlow(ctx, storage.Flow{ID: "f1", State: "start", ExpiresAt: past()}))
	_, err := s.FlowByID(ctx, "f1")
	wantErr(t, err, storage.ErrNotFound)
	_, err = s.SaveFlow(ctx, storage.Flow{ID: "f1", State: "x", ExpiresAt: past()})
	wantErr(t, err, storage.ErrConflict)
}

func testKeySlots(t *testing.T, s storage.Store) {
	ctx := t.Context()
	must(t, s.InsertKey(ctx, storage.SigningKey{ID: "ES256/1", KID: "k1", Algorithm: "ES256", Generation: 1}))
	wantErr(t, s.InsertKey(ctx, storage.SigningKey{ID: "ES256/1", KID: "k2", Algorithm: "ES256", Generation: 1}), storage.ErrAlreadyExists)
	must(t, s.InsertKey(ctx, storage.SigningKey{ID: "ES256/2", KID: "k3", Algorithm: "ES256", Generation: 2}))
	must(t, s.InsertKey(ctx, storage.SigningKey{ID: "RS256/1", KID: "k4", Algorithm: "RS256", Generation: 1}))
	keys, err := s.ListKeys(ctx)
	must(t, err)
	var kids []string
	for _, k := range keys {
		kids = append(kids, k.KID)
	}
	if !slices.Equal(kids, []string{"k3", "k1", "k4"}) {
		t.Fatalf("order %v", kids)
	}
	must(t, s.DeleteKey(ctx, "ES256/1"))
	keys, err = s.ListKeys(ctx)
	must(t, err)
	if len(keys) != 2 {
		t.Fatalf("%d keys after delete", len(keys))
	}
}

func testDeleteExpired(t *testing.T, s storage.Store) {
	ctx := t.Context()
	old := newAuthRequest("old")
	old.ExpiresAt = time.Now().Add(-storage.AuthRequestKept - time.Minute)
	must(t, s.CreateAuthRequest(ctx, old))
	recent := newAuthRequest("recent") // expired, kept a while for its app's name
	recent.ExpiresAt = past()
	must(t, s.CreateAuthRequest(ctx, recent))
	must(t, s.CreateAuthRequest(ctx, newAuthRequest("new")))
	must(t, s.CreateFlow(ctx, storage.Flow{ID: "f", ExpiresAt: past()}))
	must(t, s.CreateAccessToken(ctx, storage.AccessToken{ID: "a", ExpiresAt: past()}))
	n, err := s.DeleteExpired(ctx, time.Now())
	must(t, err)
	if n < 3 {
		t.Fatalf("swept %d, want at least 3", n)
	}
	_, err = s.AuthRequestByID(ctx, "new")
	must(t, err)
	if c, err := s.AuthRequestClient(ctx, "recent"); err != nil || c != recent.ClientID {
		t.Fatalf("a request expired a minute ago was swept: %q, %v", c, err)
	}
	_, err = s.AuthRequestClient(ctx, "old")
	wantErr(t, err, storage.ErrNotFound)
}

// testUserBlock: an operator's lock is its own field, untouched by the failure
// lock and by password changes and recovery, and lifted only by SetBlock(nil).
func testUserBlock(t *testing.T, s storage.Store) {
	ctx := t.Context()
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	at := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.SetBlock(ctx, "u1", &storage.Block{Until: until, At: at, By: "op1", Reason: "stolen phone"}))
	u, err := s.UserByID(ctx, "u1")
	must(t, err)
	if b := u.Blocked; b == nil || !b.Until.Equal(until) || !b.At.Equal(at) || b.By != "op1" || b.Reason != "stolen phone" || !b.Active(time.Now()) {
		t.Fatalf("block %+v", u.Blocked)
	}
	must(t, s.SetLockedUntil(ctx, "u1", time.Time{}))
	must(t, s.SetPasswordHash(ctx, "u1", "reset", false))
	must(t, s.SetRecoveryPassword(ctx, "u1", storage.RecoveryPassword{Hash: "rec", ExpiresAt: time.Now().Add(time.Hour)}))
	must(t, s.UseRecoveryPassword(ctx, "u1", "rec", time.Now()))
	must(t, s.CompleteRecovery(ctx, "u1", "rec", "recovered"))
	if u, _ = s.UserByID(ctx, "u1"); !u.Blocked.Active(time.Now()) {
		t.Fatalf("an unlock, a password reset or a recovery lifted the operator's lock: %+v", u.Blocked)
	}
	must(t, s.SetBlock(ctx, "u1", nil))
	if u, _ = s.UserByID(ctx, "u1"); u.Blocked != nil {
		t.Fatalf("still blocked: %+v", u.Blocked)
	}
	wantErr(t, s.SetBlock(ctx, "nobody", &storage.Block{Until: until}), storage.ErrNotFound)
	wantErr(t, s.SetBlock(ctx, "nobody", nil), storage.ErrNotFound)
}
