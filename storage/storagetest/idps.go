package storagetest

import (
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// testIdentityProviders: create refuses a taken ID, the list is by order then
// ID, an update writes over its version only and replaces the whole document
// (a secret left out is gone), delete says when nothing was there, and the
// version every instance polls moves with each write.
func testIdentityProviders(t *testing.T, s storage.Store) {
	ctx := t.Context()
	version := func() int64 {
		t.Helper()
		v, err := s.IdentityProvidersVersion(ctx)
		must(t, err)
		return v
	}
	v0 := version()
	a := storage.IdentityProvider{ID: "yandex", Config: `{"type":"yandex"}`, Secrets: map[string]string{"client_secret": "sealed:v1:x"},
		Enabled: true, Order: 2, UpdatedBy: "op"}
	b := storage.IdentityProvider{ID: "esia", Config: `{"type":"esia"}`, Order: 1}
	c := storage.IdentityProvider{ID: "acme", Config: `{"type":"oidc"}`, Order: 2}
	for _, p := range []storage.IdentityProvider{a, b, c} {
		must(t, s.CreateIdentityProvider(ctx, p))
	}
	wantErr(t, s.CreateIdentityProvider(ctx, a), storage.ErrAlreadyExists)
	v1 := version()
	if v1 == v0 {
		t.Fatal("version did not change on create")
	}
	list, err := s.ListIdentityProviders(ctx)
	must(t, err)
	if len(list) != 3 || list[0].ID != "esia" || list[1].ID != "acme" || list[2].ID != "yandex" {
		t.Fatalf("list = %+v, want esia, acme, yandex", list)
	}
	got, err := s.IdentityProviderByID(ctx, "yandex")
	must(t, err)
	if got.Config != a.Config || got.Secrets["client_secret"] != "sealed:v1:x" || !got.Enabled || got.UpdatedBy != "op" ||
		got.CreatedAt.IsZero() || got.Version != 0 {
		t.Fatalf("stored %+v", got)
	}
	created := got.CreatedAt

	next := got
	next.Secrets, next.Enabled, next.Config = nil, false, `{"type":"yandex","scopes":["login:email"]}`
	saved, err := s.UpdateIdentityProvider(ctx, next)
	must(t, err)
	if saved.Version != 1 {
		t.Fatalf("version after update = %d", saved.Version)
	}
	if _, err := s.UpdateIdentityProvider(ctx, next); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	got, err = s.IdentityProviderByID(ctx, "yandex")
	must(t, err)
	if len(got.Secrets) != 0 || got.Enabled || got.Config != next.Config || !got.CreatedAt.Equal(created) || got.Version != 1 {
		t.Fatalf("after update %+v", got)
	}
	if v := version(); v == v1 {
		t.Fatal("version did not change on update")
	}
	_, err = s.UpdateIdentityProvider(ctx, storage.IdentityProvider{ID: "nobody"})
	wantErr(t, err, storage.ErrNotFound)

	v2 := version()
	must(t, s.DeleteIdentityProvider(ctx, "acme"))
	wantErr(t, s.DeleteIdentityProvider(ctx, "acme"), storage.ErrNotFound)
	_, err = s.IdentityProviderByID(ctx, "acme")
	wantErr(t, err, storage.ErrNotFound)
	if v := version(); v == v2 {
		t.Fatal("version did not change on delete")
	}
	// Created again, the provider starts anew at version 0 and can be updated.
	must(t, s.CreateIdentityProvider(ctx, storage.IdentityProvider{ID: "acme", Config: "{}", CreatedAt: time.Now().Add(time.Second)}))
	again, err := s.IdentityProviderByID(ctx, "acme")
	must(t, err)
	if _, err := s.UpdateIdentityProvider(ctx, again); err != nil {
		t.Fatalf("update of a provider created again: %v", err)
	}
}
