package directory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

type personWorld struct {
	sessions map[string]storage.Session
	users    map[string]storage.User
	err      error
}

func (w personWorld) SessionByID(_ context.Context, id string) (storage.Session, error) {
	if w.err != nil {
		return storage.Session{}, w.err
	}
	if s, ok := w.sessions[id]; ok {
		return s, nil
	}
	return storage.Session{}, storage.ErrNotFound
}

func (w personWorld) UserByID(_ context.Context, id string) (storage.User, error) {
	if u, ok := w.users[id]; ok {
		return u, nil
	}
	return storage.User{}, storage.ErrNotFound
}

// TestSignedIn: the browser's session names the person; no session, an
// ended one or a user gone is nobody (sign in), an accountant's session is
// refused, a store failure is said as such.
func TestSignedIn(t *testing.T) {
	w := personWorld{
		sessions: map[string]storage.Session{"s1": {ID: "s1", UserID: "u1"}, "s2": {ID: "s2", UserID: "acc"}, "s3": {ID: "s3", UserID: "gone"}},
		users:    map[string]storage.User{"u1": {ID: "u1", Login: "ivanov"}, "acc": {ID: "acc", AccountantOf: "o1"}},
	}
	if s, u, err := SignedIn(t.Context(), w, w, "s1", time.Now()); err != nil || s.ID != "s1" || u.Login != "ivanov" {
		t.Fatalf("s1: %+v %+v %v", s, u, err)
	}
	for _, id := range []string{"", "nope", "s3"} {
		if _, _, err := SignedIn(t.Context(), w, w, id, time.Now()); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%q: %v, want not found", id, err)
		}
	}
	if _, u, err := SignedIn(t.Context(), w, w, "s2", time.Now()); !errors.Is(err, ErrAccountant) || u.ID != "acc" {
		t.Fatalf("accountant: %+v %v", u, err)
	}
	w.err = storage.ErrUnavailable
	if _, _, err := SignedIn(t.Context(), w, w, "s1", time.Now()); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("store down: %v", err)
	}
}

func TestWho(t *testing.T) {
	for _, c := range []struct {
		u    storage.User
		want string
	}{
		{storage.User{Login: "ivanov", Email: "i@example.com"}, "ivanov"}, {storage.User{Email: "i@example.com", Phone: "+7"}, "i@example.com"},
		{storage.User{Phone: "+7", Contract: "Д-1"}, "+7"}, {storage.User{Contract: "Д-1"}, "Д-1"}, {storage.User{}, ""},
	} {
		if got := Who(c.u); got != c.want {
			t.Errorf("Who(%+v) = %q, want %q", c.u, got, c.want)
		}
	}
}
