package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// CreateClient stores a new client; the unique _id refuses a taken id.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	now := s.now().UTC()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = now
	}
	if err := s.insert(ctx, colClients, "create client", c); err != nil {
		return err
	}
	return s.bumpClientsVersion(ctx)
}

// UpdateClient replaces the whole client document over the version it was read
// at. A replacement, not a $set: fields that are empty in c (and so omitted from
// the document) are removed, where a $set would have kept their old values.
// As for organisations, the version claim makes concurrent writers of one
// version exclusive (the embedded server does not make a read-and-replace
// atomic) and the version filter stops a writer whose claim has long expired.
// The claim names the creation time as well: a client deleted and created again
// starts at version 0 anew, and must not meet the claims of its predecessor.
func (s *Store) UpdateClient(ctx context.Context, c storage.Client) (storage.Client, error) {
	const op = "update client"
	old, err := s.ClientByID(ctx, c.ID)
	if err != nil {
		return c, err
	}
	if old.Version != c.Version {
		return c, mapErr(op, storage.ErrConflict)
	}
	// A minute covers the read-and-replace below; a write that failed after its
	// claim blocks that version no longer than that.
	if err := s.claim(ctx, fmt.Sprintf("client:%s@%d@%d", c.ID, old.CreatedAt.UnixMilli(), c.Version), s.now().Add(time.Minute)); err != nil {
		return c, err
	}
	filter := bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: c.Version}}
	c.CreatedAt, c.UpdatedAt = old.CreatedAt, s.now().UTC()
	c.Version++
	r, err := s.db.Collection(colClients).ReplaceOne(ctx, filter, c)
	if err != nil {
		return c, mapErr(op, err)
	}
	if r.MatchedCount == 0 {
		return c, mapErr(op, storage.ErrConflict)
	}
	return c, s.bumpClientsVersion(ctx)
}

// ClientByID finds a client.
func (s *Store) ClientByID(ctx context.Context, id string) (storage.Client, error) {
	var c storage.Client
	err := s.findOne(ctx, colClients, "get client", bson.D{{Key: "_id", Value: id}}, &c)
	return c, err
}

// ListClients lists all clients by ID.
func (s *Store) ListClients(ctx context.Context) ([]storage.Client, error) {
	cur, err := s.db.Collection(colClients).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr("list clients", err)
	}
	var out []storage.Client
	return out, mapErr("list clients", cur.All(ctx, &out))
}

// DeleteClient removes a client.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	if err := s.deleteByID(ctx, colClients, "delete client", id); err != nil {
		return err
	}
	return s.bumpClientsVersion(ctx)
}

type metaDoc struct {
	ID      string `bson:"_id"`
	Version int64  `bson:"version"`
}

func (s *Store) bumpClientsVersion(ctx context.Context) error {
	defer s.locks.hold(colMeta, "clients")()
	_, err := s.db.Collection(colMeta).UpdateOne(ctx, bson.D{{Key: "_id", Value: "clients"}},
		bson.M{"$inc": bson.M{"version": 1}}, options.UpdateOne().SetUpsert(true))
	return mapErr("bump clients version", err)
}

// ClientsVersion changes whenever a client is put or deleted.
func (s *Store) ClientsVersion(ctx context.Context) (int64, error) {
	var m metaDoc
	err := s.findOne(ctx, colMeta, "clients version", bson.D{{Key: "_id", Value: "clients"}}, &m)
	if isNotFound(err) {
		return 0, nil
	}
	return m.Version, err
}
