package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

const colIdentityProviders = "identity_providers"

// metaIdentityProviders is the meta document whose version changes with
// every write of a provider (as "clients" does for clients).
const metaIdentityProviders = "identity_providers"

// CreateIdentityProvider stores a new provider; the unique _id refuses a taken ID.
func (s *Store) CreateIdentityProvider(ctx context.Context, p storage.IdentityProvider) error {
	now := s.now().UTC()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = now
	}
	if err := s.insert(ctx, colIdentityProviders, "create identity provider", p); err != nil {
		return err
	}
	return s.bumpMetaVersion(ctx, metaIdentityProviders)
}

// UpdateIdentityProvider replaces the whole document over the version it was
// read at, with the same version claim as UpdateClient (the embedded server
// does not make a read-and-replace atomic; the claim makes two writers of one
// version exclusive, and names the creation time so that a provider deleted
// and created again does not meet its predecessor's claims).
func (s *Store) UpdateIdentityProvider(ctx context.Context, p storage.IdentityProvider) (storage.IdentityProvider, error) {
	const op = "update identity provider"
	old, err := s.IdentityProviderByID(ctx, p.ID)
	if err != nil {
		return p, err
	}
	if old.Version != p.Version {
		return p, mapErr(op, storage.ErrConflict)
	}
	if err := s.claim(ctx, fmt.Sprintf("idp:%s@%d@%d", p.ID, old.CreatedAt.UnixMilli(), p.Version), s.now().Add(time.Minute)); err != nil {
		return p, err
	}
	filter := bson.D{{Key: "_id", Value: p.ID}, {Key: "version", Value: p.Version}}
	p.CreatedAt, p.UpdatedAt = old.CreatedAt, s.now().UTC()
	p.Version++
	r, err := s.db.Collection(colIdentityProviders).ReplaceOne(ctx, filter, p)
	if err != nil {
		return p, mapErr(op, err)
	}
	if r.MatchedCount == 0 {
		return p, mapErr(op, storage.ErrConflict)
	}
	return p, s.bumpMetaVersion(ctx, metaIdentityProviders)
}

// IdentityProviderByID finds a provider.
func (s *Store) IdentityProviderByID(ctx context.Context, id string) (storage.IdentityProvider, error) {
	var p storage.IdentityProvider
	err := s.findOne(ctx, colIdentityProviders, "get identity provider", bson.D{{Key: "_id", Value: id}}, &p)
	return p, err
}

// ListIdentityProviders lists the providers by order, then ID.
func (s *Store) ListIdentityProviders(ctx context.Context) ([]storage.IdentityProvider, error) {
	opts := options.Find().SetSort(bson.D{{Key: "order", Value: 1}, {Key: "_id", Value: 1}})
	cur, err := s.db.Collection(colIdentityProviders).Find(ctx, bson.D{}, opts)
	if err != nil {
		return nil, mapErr("list identity providers", err)
	}
	var out []storage.IdentityProvider
	return out, mapErr("list identity providers", cur.All(ctx, &out))
}

// DeleteIdentityProvider removes a provider.
func (s *Store) DeleteIdentityProvider(ctx context.Context, id string) error {
	r, err := s.db.Collection(colIdentityProviders).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && r.DeletedCount == 0 {
		err = storage.ErrNotFound
	}
	if err != nil {
		return mapErr("delete identity provider", err)
	}
	return s.bumpMetaVersion(ctx, metaIdentityProviders)
}

// IdentityProvidersVersion changes whenever a provider is written or deleted.
func (s *Store) IdentityProvidersVersion(ctx context.Context) (int64, error) {
	var m metaDoc
	err := s.findOne(ctx, colMeta, "identity providers version", bson.D{{Key: "_id", Value: metaIdentityProviders}}, &m)
	if isNotFound(err) {
		return 0, nil
	}
	return m.Version, err
}

// bumpMetaVersion increases the version of one meta document.
func (s *Store) bumpMetaVersion(ctx context.Context, id string) error {
	defer s.locks.hold(colMeta, id)()
	_, err := s.db.Collection(colMeta).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.M{"$inc": bson.M{"version": 1}}, options.UpdateOne().SetUpsert(true))
	return mapErr("bump "+id+" version", err)
}
