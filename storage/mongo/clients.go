package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// PutClient creates or replaces a client, keeping its creation time.
func (s *Store) PutClient(ctx context.Context, c storage.Client) error {
	now := s.now().UTC()
	c.UpdatedAt = now
	set, err := bson.Marshal(c)
	if err != nil {
		return mapErr("put client", err)
	}
	var doc bson.D
	if err := bson.Unmarshal(set, &doc); err != nil {
		return mapErr("put client", err)
	}
	fields := bson.D{}
	for _, e := range doc {
		if e.Key != "_id" && e.Key != "created_at" {
			fields = append(fields, e)
		}
	}
	_, err = s.db.Collection(colClients).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: c.ID}},
		bson.D{{Key: "$set", Value: fields}, {Key: "$setOnInsert", Value: bson.M{"created_at": now}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return mapErr("put client", err)
	}
	return s.bumpClientsVersion(ctx)
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
