package idp

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vhod-id/vhod/connector"
	"github.com/vhod-id/vhod/storage"
)

func ids(t *testing.T, r connector.Registry) []string {
	t.Helper()
	list, err := r.Connectors(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.ID())
	}
	return out
}

// A provider created on this instance is offered at once, after the file's;
// disabled it goes, changed it is built anew, unchanged it is kept.
func TestRegistryFollowsChangesHere(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	reg, err := NewRegistry(e.svc, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.cfg.Changed = reg.Invalidate
	if got := ids(t, reg); !slices.Equal(got, []string{"corp"}) {
		t.Fatalf("before: %v", got)
	}
	second := yandexInput("b-yandex", "s")
	second.Order = 2
	first := yandexInput("z-yandex", "s")
	first.Order = 1
	for _, in := range []Input{second, first} {
		if _, bad, err := e.svc.Create(ctx, in, operator); err != nil || bad != nil {
			t.Fatal(err, bad)
		}
	}
	if got := ids(t, reg); !slices.Equal(got, []string{"corp", "z-yandex", "b-yandex"}) {
		t.Fatalf("after create: %v", got)
	}
	before, _ := reg.Connector(ctx, "b-yandex")
	kept, _ := reg.Connector(ctx, "z-yandex")
	second.DisplayName.RU = "Яндекс"
	if _, bad, err := e.svc.Update(ctx, "b-yandex", second, -1, operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	after, _ := reg.Connector(ctx, "b-yandex")
	if after == before || after.DisplayName("ru") != "Яндекс" {
		t.Fatal("a changed provider was not built anew")
	}
	if again, _ := reg.Connector(ctx, "z-yandex"); again != kept {
		t.Fatal("an unchanged provider was built again")
	}
	if _, err := e.svc.SetEnabled(ctx, "z-yandex", false, operator); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Connector(ctx, "z-yandex"); !errors.Is(err, connector.ErrUnknownProvider) {
		t.Fatalf("disabled provider: %v", err)
	}
	if err := e.svc.Delete(ctx, "b-yandex", operator); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, reg); !slices.Equal(got, []string{"corp"}) {
		t.Fatalf("after delete: %v", got)
	}
}

// Another instance (its own registry, not told) sees a change once its TTL
// has passed, and not before.
func TestRegistryOtherInstanceWithinTTL(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	other, err := NewRegistry(e.svc, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, other); !slices.Equal(got, []string{"corp"}) {
		t.Fatalf("before: %v", got)
	}
	if _, bad, err := e.svc.Create(ctx, yandexInput("yandex", "s"), operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	if got := ids(t, other); !slices.Equal(got, []string{"corp"}) {
		t.Fatalf("within the TTL the cache answers: %v", got)
	}
	e.now = e.now.Add(6 * time.Second)
	if got := ids(t, other); !slices.Equal(got, []string{"corp", "yandex"}) {
		t.Fatalf("after the TTL: %v", got)
	}
}

// A stored provider that no longer builds is left out, the others stay.
func TestRegistryLeavesOutABrokenProvider(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	reg, err := NewRegistry(e.svc, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.cfg.Changed = reg.Invalidate
	for _, id := range []string{"good", "broken"} {
		if _, bad, err := e.svc.Create(ctx, yandexInput(id, "s"), operator); err != nil || bad != nil {
			t.Fatal(err, bad)
		}
	}
	p, _ := e.store.IdentityProviderByID(ctx, "broken")
	p.Secrets[SecretClient] = "sealed:v1:AAAA" // another key's, say
	if _, err := e.store.UpdateIdentityProvider(ctx, p); err != nil {
		t.Fatal(err)
	}
	reg.Invalidate()
	if got := ids(t, reg); !slices.Equal(got, []string{"corp", "good"}) {
		t.Fatalf("with a broken provider: %v", got)
	}
}

// downStore fails every read, as a database that went away.
type downStore struct{ Store }

func (downStore) IdentityProvidersVersion(context.Context) (int64, error) {
	return 0, storage.ErrUnavailable
}

// With the store down, the registry keeps offering what it knew; a first
// read that fails is an error (login says the providers are unavailable).
func TestRegistryStoreDown(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, bad, err := e.svc.Create(ctx, yandexInput("yandex", "s"), operator); err != nil || bad != nil {
		t.Fatal(err, bad)
	}
	reg, err := NewRegistry(e.svc, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, reg); !slices.Equal(got, []string{"corp", "yandex"}) {
		t.Fatalf("up: %v", got)
	}
	e.svc.store = downStore{e.store}
	e.now = e.now.Add(time.Minute)
	if got := ids(t, reg); !slices.Equal(got, []string{"corp", "yandex"}) {
		t.Fatalf("down: %v", got)
	}
	fresh, _ := NewRegistry(e.svc, time.Second)
	if _, err := fresh.Connectors(ctx); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("first read down: %v", err)
	}
}

// A stored provider whose ID the configuration file took later is left out:
// the file's wins, and no ID is offered twice.
func TestRegistryFileWinsOverStored(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if err := e.store.CreateIdentityProvider(ctx, storage.IdentityProvider{ID: "corp", Config: `{"type":"yandex"}`, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistry(e.svc, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(t, reg); !slices.Equal(got, []string{"corp"}) {
		t.Fatalf("ids %v", got)
	}
	c, _ := reg.Connector(ctx, "corp")
	if c.Type() != connector.TypeOIDC {
		t.Fatalf("the stored provider won: %s", c.Type())
	}
}
