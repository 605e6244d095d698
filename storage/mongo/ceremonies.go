package mongo

import (
	"context"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// CreateCeremony stores the server's half of a WebAuthn ceremony.
func (s *Store) CreateCeremony(ctx context.Context, c storage.Ceremony) error {
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	return s.insert(ctx, colCeremonies, "create ceremony", c)
}

// TakeCeremony reads an unexpired ceremony and claims it (a marker), so that a
// challenge is answered once even when two answers race; then removes it.
func (s *Store) TakeCeremony(ctx context.Context, id string) (storage.Ceremony, error) {
	const op = "take ceremony"
	var c storage.Ceremony
	if err := s.byID(ctx, colCeremonies, op, id, &c, func() time.Time { return c.ExpiresAt }); err != nil {
		return c, err
	}
	if err := s.claim(ctx, "ceremony:"+id, c.ExpiresAt); err != nil {
		return storage.Ceremony{}, notFoundOnConflict(op, err)
	}
	return c, s.deleteByID(ctx, colCeremonies, op, id)
}
