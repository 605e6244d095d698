package directory_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// TestClientsRules: defaults, a generated secret shown once, the rules on
// creation and update, rotation only of a secret client, and the provider
// told of every write.
func TestClientsRules(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	told := 0
	s := directory.NewClients(st, directory.ClientsConfig{HashSecret: func(x string) string { return "h:" + x }, Algorithms: []string{"ES256"},
		Now: c.now, Changed: func() { told++ }})
	ctx := t.Context()
	if _, _, bad, err := s.Create(ctx, directory.ClientInput{ID: "a/b", RedirectURIs: []string{"https://x/cb"}}); err != nil || bad["id"] == "" {
		t.Fatalf("an id with a slash: %v %v", bad, err)
	}
	got, secret, bad, err := s.Create(ctx, directory.ClientInput{ID: " shop ", RedirectURIs: []string{"https://shop/cb"}})
	if err != nil || bad != nil || len(secret) < 32 || got.SecretHash != "h:"+secret || got.Name != "shop" || got.AuthMethod != "client_secret_basic" ||
		got.AccessTokenFormat != storage.TokenFormatOpaque || len(got.GrantTypes) != 2 || !got.CreatedAt.Equal(c.t) {
		t.Fatalf("created %+v (secret %q) %v %v", got, secret, bad, err)
	}
	if _, _, _, err := s.Create(ctx, directory.ClientInput{ID: "shop", RedirectURIs: []string{"https://shop/cb"}}); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("twice: %v", err)
	}
	spa, secret, _, err := s.Create(ctx, directory.ClientInput{ID: "spa", Public: true, RedirectURIs: []string{"https://spa/cb"}})
	if err != nil || secret != "" || spa.AuthMethod != "none" {
		t.Fatalf("public: %+v %q %v", spa, secret, err)
	}
	if _, _, err := s.RotateSecret(ctx, "spa"); !errors.Is(err, directory.ErrNoSecret) {
		t.Fatalf("rotate a public client: %v", err)
	}
	stored, _ := s.Get(ctx, "shop")
	if _, _, err := s.Update(ctx, "shop", directory.ClientInput{RedirectURIs: []string{"https://shop/cb"}}, stored.Version+1); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if _, bad, _ := s.Update(ctx, "shop", directory.ClientInput{SigningAlg: "HS1"}, -1); bad["signing_alg"] == "" || bad["redirect_uris"] == "" {
		t.Fatalf("invalid update: %v", bad)
	}
	updated, bad, err := s.Update(ctx, "shop", directory.ClientInput{Name: "Shop", RedirectURIs: []string{"https://shop/cb2"}}, stored.Version)
	if err != nil || bad != nil || updated.SecretHash != stored.SecretHash || updated.Name != "Shop" {
		t.Fatalf("update lost the secret or the change: %+v %v %v", updated, bad, err)
	}
	rotated, again, err := s.RotateSecret(ctx, "shop")
	if err != nil || again == secret || rotated.SecretHash != "h:"+again {
		t.Fatalf("rotated: %+v %v", rotated, err)
	}
	if list, err := s.List(ctx); err != nil || len(list) != 2 || list[0].ID != "shop" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.Delete(ctx, "spa"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "spa"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	if told != 5 {
		t.Fatalf("the provider was told %d times, want 5 (2 creations, an update, a rotation, a deletion)", told)
	}
	// The configuration's clients: written when they differ, invalid ones refused.
	in := directory.ClientInput{ID: "erp", Secret: "erp-secret-1", RedirectURIs: []string{"https://erp/cb"}}
	for range 2 {
		if err := s.Ensure(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if erp, _ := s.Get(ctx, "erp"); erp.SecretHash != "h:erp-secret-1" || erp.Version != 0 || !erp.CreatedAt.Equal(c.t) {
		t.Fatalf("ensured %+v", erp)
	}
	if err := s.Ensure(ctx, directory.ClientInput{ID: "bad id"}); err == nil {
		t.Fatal("an invalid configuration client was written")
	}
	if algs := s.Algorithms(); len(algs) != 1 {
		t.Fatalf("algorithms %v", algs)
	}
}

func TestCataloguesRules(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	s := directory.NewCatalogues(st)
	ctx := t.Context()
	role := func(key string) storage.Role {
		return storage.Role{Key: key, Name: map[string]string{"ru": key, "en": key}}
	}
	for _, c := range []storage.RoleCatalogue{
		{Roles: []storage.Role{role("a")}},
		{ID: "x", Roles: []storage.Role{role(storage.RoleOrgAdmin)}},
		{ID: "x", Roles: []storage.Role{role("a"), role("a")}},
		{ID: "x", Roles: []storage.Role{{Key: "a", Name: map[string]string{"ru": "А"}}}},
	} {
		if bad, err := s.Put(ctx, c); err != nil || bad == nil {
			t.Fatalf("%+v taken: %v %v", c, bad, err)
		}
	}
	c := storage.RoleCatalogue{ID: "shop", Clients: []string{"shop"}, Roles: []storage.Role{role("buyer"), role(storage.RoleAccountant)}}
	if changed, bad, err := s.Ensure(ctx, c); err != nil || bad != nil || !changed {
		t.Fatalf("first: %v %v %v", changed, bad, err)
	}
	if changed, _, err := s.Ensure(ctx, c); err != nil || changed {
		t.Fatalf("unchanged written: %v %v", changed, err)
	}
	if got, found, err := s.Get(ctx, "shop"); err != nil || !found || len(got.Roles) != 2 {
		t.Fatalf("get %+v %v %v", got, found, err)
	}
	if _, found, _ := s.Get(ctx, "none"); found {
		t.Fatal("found none")
	}
	if err := s.Delete(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Fatalf("left %+v", list)
	}
}

type keyRing struct{ rotated []string }

func (k *keyRing) Keys(context.Context) ([]directory.KeyInfo, error) {
	return []directory.KeyInfo{{KID: "k1"}}, nil
}
func (k *keyRing) Rotate(_ context.Context, alg string) (string, error) {
	k.rotated = append(k.rotated, alg)
	return "k2", nil
}

func TestKeysRotateOnlyKnownAlgorithms(t *testing.T) {
	ring := &keyRing{}
	k := directory.NewKeys(ring, []string{"ES256"})
	if _, err := k.Rotate(t.Context(), "none"); !errors.Is(err, directory.ErrUnknownAlgorithm) {
		t.Fatalf("unknown algorithm: %v", err)
	}
	if kid, err := k.Rotate(t.Context(), "ES256"); err != nil || kid != "k2" || len(ring.rotated) != 1 {
		t.Fatalf("rotate: %q %v", kid, err)
	}
	if list, err := k.List(t.Context()); err != nil || len(list) != 1 || len(k.Algorithms()) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
}

// TestUserAdmin: what operators do to accounts, by the clock given.
func TestUserAdmin(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	p, _ := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	var revoked []string
	s := directory.NewUserAdmin(st, directory.New(st, p, slog.New(slog.DiscardHandler)), directory.UserAdminConfig{Now: c.now,
		RevokeSession: func(_ context.Context, x storage.Session) error { revoked = append(revoked, x.SID); return nil },
		RevokeUser:    func(_ context.Context, id string) error { revoked = append(revoked, id); return nil }})
	ctx := t.Context()
	if _, bad, _ := s.Create(ctx, directory.UserInput{}); bad["login"] == "" {
		t.Fatalf("no identifier: %v", bad)
	}
	if _, bad, _ := s.Create(ctx, directory.UserInput{Login: "petrov", Password: "1"}); bad["password"] == "" {
		t.Fatalf("a short password: %v", bad)
	}
	u, bad, err := s.Create(ctx, directory.UserInput{Login: "petrov", Email: "petrov@example.com", FamilyName: "Петров", Password: "Long-enough-pass-1"})
	if err != nil || bad != nil || !u.EmailVerified {
		t.Fatalf("created %+v %v %v", u, bad, err)
	}
	if found, _, err := s.Find(ctx, "PETROV@example.com", "", 10); err != nil || len(found) != 1 {
		t.Fatalf("found %+v %v", found, err)
	}
	// A SNILS as people write it finds its holder (a qualified certificate's SNILS).
	if err := st.CreateUser(ctx, storage.User{ID: "snils-holder", SNILS: "56559136127"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"565-591-361 27", "565-591-361\u00a027", "56559136127"} {
		if found, _, err := s.Find(ctx, q, "", 10); err != nil || len(found) != 1 || found[0].ID != "snils-holder" {
			t.Errorf("%q found %+v %v", q, found, err)
		}
	}
	// Sorting a search (the console's column headers) keeps what an
	// identifier found.
	for _, by := range []storage.Sort{{Key: storage.SortCreated}, {Key: storage.SortCreated, Desc: true}} {
		if found, _, err := s.FindSorted(ctx, "565-591-361 27", "", by, 10); err != nil || len(found) != 1 || found[0].ID != "snils-holder" {
			t.Errorf("sorted %+v: found %+v %v", by, found, err)
		}
	}
	name, auth := " Петрова ", []string{storage.AuthorityModerator}
	if bad, err := s.Update(ctx, u, directory.UserPatch{FamilyName: &name, Authorities: &[]string{"god"}}); bad == nil || err != nil {
		t.Fatalf("an unknown authority: %v %v", bad, err)
	}
	if _, err := s.Update(ctx, u, directory.UserPatch{FamilyName: &name, Authorities: &auth}); err != nil {
		t.Fatal(err)
	}
	until, err := s.Lock(ctx, u.ID, time.Time{}, "op1", "test")
	if err != nil || !until.Equal(c.t.AddDate(100, 0, 0)) {
		t.Fatalf("locked until %v: %v", until, err)
	}
	if locked, _ := s.Get(ctx, u.ID); locked.Blocked == nil || !locked.Blocked.Until.Equal(until) || locked.Blocked.By != "op1" || !slices.Contains(revoked, u.ID) {
		t.Fatalf("the lock %+v, revoked %v", locked.Blocked, revoked)
	}
	if err := s.Unlock(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if unlocked, _ := s.Get(ctx, u.ID); unlocked.Blocked != nil {
		t.Fatalf("still locked: %+v", unlocked.Blocked)
	}
	revoked = nil
	if err := s.RequirePasswordChange(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, u.ID)
	if got.FamilyName != "Петрова" || !got.PasswordTemporary || len(got.Authorities) != 1 || !got.LockedUntil.IsZero() && got.LockedUntil.After(c.t) {
		t.Fatalf("after the changes %+v", got)
	}
	if changed, err := s.SetAuthority(ctx, got, storage.AuthorityModerator); err != nil || changed {
		t.Fatalf("an authority held: %v %v", changed, err)
	}
	if changed, err := s.SetAuthority(ctx, got, storage.AuthorityOperator); err != nil || !changed {
		t.Fatalf("a new authority: %v %v", changed, err)
	}
	nopass, _, _ := s.Create(ctx, directory.UserInput{Login: "nopass"})
	if err := s.RequirePasswordChange(ctx, nopass.ID); !errors.Is(err, directory.ErrNoPassword) {
		t.Fatalf("no password: %v", err)
	}
	now := time.Now() // the store reads sessions by real time
	if err := st.CreateSession(ctx, storage.Session{ID: "s1", SID: "sid1", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Sessions(ctx, u.ID); err != nil || len(list) != 1 {
		t.Fatalf("sessions %+v %v", list, err)
	}
	if err := s.RevokeSession(ctx, u.ID, "none"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("no such session: %v", err)
	}
	if err := s.RevokeSession(ctx, u.ID, "sid1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, u.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if len(revoked) != 2 || revoked[0] != "sid1" || revoked[1] != u.ID {
		t.Fatalf("revoked %v", revoked)
	}
}

// TestLockEndsSessionsWhenTheRevocationFails: a lock whose token revocation
// failed left the person's sessions alive, and the SSO decision (which trusts
// that a locked account has none) kept answering with codes.
func TestLockEndsSessionsWhenTheRevocationFails(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	p, _ := directory.NewPasswords(directory.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Parallelism: 1})
	dir := directory.New(st, p, slog.New(slog.DiscardHandler))
	s := directory.NewUserAdmin(st, dir, directory.UserAdminConfig{
		RevokeSession: func(context.Context, storage.Session) error { return nil },
		RevokeUser:    func(context.Context, string) error { return storage.ErrUnavailable }})
	ctx := t.Context()
	u, _, err := s.Create(ctx, directory.UserInput{Login: "petrov", Password: "Long-enough-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, storage.Session{ID: "h1", SID: "s1", UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(ctx, u.ID, time.Time{}, "op1", "test"); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("lock: %v, want the revocation's error", err)
	}
	if _, err := st.SessionByID(ctx, "h1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the session lives on: %v", err)
	}
}
