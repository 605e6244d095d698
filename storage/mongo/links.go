package mongo

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// LinkIdentity claims the identity's identifier (a unique _id), then adds the
// link to the account; the claim is released if the second write fails, as
// BindCertificate does without transactions.
func (s *Store) LinkIdentity(ctx context.Context, userID string, l storage.LinkedIdentity) error {
	const op = "link identity"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(u.Links, sameLink(l.Provider, l.Subject)); i >= 0 {
		links := slices.Clone(u.Links)
		links[i].Label, links[i].Orgs, links[i].Person = l.Label, l.Orgs, l.Person
		return s.updateByID(ctx, colUsers, op, userID, bson.M{"$set": bson.M{"links": links, "updated_at": s.now().UTC()}})
	}
	key := storage.FederatedKey(l.Provider, l.Subject)
	idents := s.db.Collection(colIdentifiers)
	if _, err := idents.InsertOne(ctx, identifierDoc{Key: key, UserID: userID}); err != nil {
		return mapErr(op, err)
	}
	l.LinkedAt = l.LinkedAt.UTC()
	update := bson.M{"$set": bson.M{"links": append(u.Links, l), "updated_at": s.now().UTC()}}
	if err := s.updateByID(ctx, colUsers, op, userID, update); err != nil {
		_, _ = idents.DeleteOne(context.WithoutCancel(ctx), bson.M{"_id": key, "user_id": userID})
		return err
	}
	return nil
}

// UnlinkIdentity drops the link from the account, then releases its identifier.
func (s *Store) UnlinkIdentity(ctx context.Context, userID, provider, subject string) error {
	const op = "unlink identity"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(u.Links, sameLink(provider, subject))
	if i < 0 {
		return mapErr(op, storage.ErrNotFound)
	}
	rest := slices.Delete(slices.Clone(u.Links), i, i+1)
	if err := s.updateByID(ctx, colUsers, op, userID, bson.M{"$set": bson.M{"links": rest, "updated_at": s.now().UTC()}}); err != nil {
		return err
	}
	_, err = s.db.Collection(colIdentifiers).DeleteOne(ctx, bson.M{"_id": storage.FederatedKey(provider, subject), "user_id": userID})
	if err != nil && !errors.Is(err, context.Canceled) {
		return mapErr(op, err)
	}
	return nil
}

func sameLink(provider, subject string) func(storage.LinkedIdentity) bool {
	return func(l storage.LinkedIdentity) bool { return l.Provider == provider && l.Subject == subject }
}
