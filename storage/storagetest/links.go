package storagetest

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// Linked outside identities: a (provider, subject) belongs to one account at
// most, whether claimed at creation or linked later; unlinking releases it.
func testLinks(t *testing.T, s storage.Store) {
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Millisecond)
	must(t, s.CreateUser(ctx, storage.User{ID: "u1", GivenName: "Иван",
		Links: []storage.LinkedIdentity{{Provider: "esia", Subject: "1000", Label: "Иванов", LinkedAt: at}}}))
	u, err := s.UserByIdentifier(ctx, storage.FederatedKey("esia", "1000"))
	must(t, err)
	if u.ID != "u1" || len(u.Links) != 1 || u.Links[0].Label != "Иванов" || !u.Links[0].LinkedAt.Equal(at) {
		t.Fatalf("created with a link: %+v", u)
	}
	// The same identity cannot make or join another account.
	wantErr(t, s.CreateUser(ctx, storage.User{ID: "u2", Login: "petrov",
		Links: []storage.LinkedIdentity{{Provider: "esia", Subject: "1000"}}}), storage.ErrAlreadyExists)
	if _, err := s.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentLogin, "petrov")); err == nil {
		t.Fatal("a refused creation left its login claimed")
	}
	must(t, s.CreateUser(ctx, storage.User{ID: "u2", Login: "petrov"}))
	wantErr(t, s.LinkIdentity(ctx, "u2", storage.LinkedIdentity{Provider: "esia", Subject: "1000", LinkedAt: at}), storage.ErrAlreadyExists)
	// Another provider's same subject is another identity; linking again
	// refreshes what the provider said (label, organisations) and nothing else.
	must(t, s.LinkIdentity(ctx, "u2", storage.LinkedIdentity{Provider: "yandex", Subject: "1000", LinkedAt: at}))
	must(t, s.LinkIdentity(ctx, "u2", storage.LinkedIdentity{Provider: "yandex", Subject: "1000", Label: "new", LinkedAt: at.Add(time.Hour),
		Orgs: []storage.OutsideOrg{{Name: "ООО «Ромашка»", OGRN: "1027700132195", INN: "7707083893", Chief: true}}}))
	if u, err = s.UserByIdentifier(ctx, storage.FederatedKey("yandex", "1000")); err != nil || u.ID != "u2" || len(u.Links) != 1 ||
		u.Links[0].Label != "new" || !u.Links[0].LinkedAt.Equal(at) || len(u.Links[0].Orgs) != 1 || !u.Links[0].Orgs[0].Chief {
		t.Fatalf("linked: %+v %v", u, err)
	}
	wantErr(t, s.LinkIdentity(ctx, "nobody", storage.LinkedIdentity{Provider: "vk", Subject: "1"}), storage.ErrNotFound)
	// Unlinking releases the identity for another account.
	wantErr(t, s.UnlinkIdentity(ctx, "u2", "esia", "1000"), storage.ErrNotFound)
	must(t, s.UnlinkIdentity(ctx, "u1", "esia", "1000"))
	_, err = s.UserByIdentifier(ctx, storage.FederatedKey("esia", "1000"))
	wantErr(t, err, storage.ErrNotFound)
	if u, _ = s.UserByID(ctx, "u1"); len(u.Links) != 0 {
		t.Fatalf("after unlinking: %+v", u.Links)
	}
	must(t, s.LinkIdentity(ctx, "u2", storage.LinkedIdentity{Provider: "esia", Subject: "1000", LinkedAt: at}))
	if u, _ = s.UserByID(ctx, "u2"); len(u.Links) != 2 {
		t.Fatalf("relinked: %+v", u.Links)
	}
}
