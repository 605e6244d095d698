package storagetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func testTrustAnchors(t *testing.T, s storage.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := storage.TrustAnchor{ID: "aa", DER: []byte{0x30, 0x01, 0x00}, Subject: "CN=Root A", Qualified: true, AddedBy: "op", AddedAt: now}
	b := storage.TrustAnchor{ID: "bb", DER: []byte{0x30, 0x02}, Subject: "CN=Root B", AddedAt: now.Add(time.Second)}
	must(t, s.AddTrustAnchor(ctx, a))
	must(t, s.AddTrustAnchor(ctx, b))
	if err := s.AddTrustAnchor(ctx, a); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("second copy: %v, want ErrAlreadyExists", err)
	}
	list, err := s.ListTrustAnchors(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != "aa" || list[1].ID != "bb" {
		t.Fatalf("list = %+v", list)
	}
	if got := list[0]; !bytes.Equal(got.DER, a.DER) || !got.Qualified || got.Subject != a.Subject || got.AddedBy != "op" || !got.AddedAt.Equal(now) {
		t.Fatalf("stored %+v, want %+v", got, a)
	}
	must(t, s.DeleteTrustAnchor(ctx, "aa"))
	if err := s.DeleteTrustAnchor(ctx, "aa"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ = s.ListTrustAnchors(ctx); len(list) != 1 || list[0].ID != "bb" {
		t.Fatalf("after delete: %+v", list)
	}
}
