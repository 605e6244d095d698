package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

type identifierDoc struct {
	Key    string `bson:"_id"`
	UserID string `bson:"user_id"`
}

// CreateUser claims every identifier (a unique _id each), then stores the user.
// Without transactions, a failure part-way releases what was claimed.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	idents := s.db.Collection(colIdentifiers)
	var claimed []string
	release := func() {
		if len(claimed) > 0 {
			_, _ = idents.DeleteMany(context.WithoutCancel(ctx), bson.M{"_id": bson.M{"$in": claimed}, "user_id": u.ID})
		}
	}
	for _, key := range u.Identifiers() {
		if _, err := idents.InsertOne(ctx, identifierDoc{Key: key, UserID: u.ID}); err != nil {
			release()
			return mapErr("create user: claim identifier", err)
		}
		claimed = append(claimed, key)
	}
	if err := s.insert(ctx, colUsers, "create user", u); err != nil {
		release()
		return err
	}
	return nil
}

// UserByID finds a user.
func (s *Store) UserByID(ctx context.Context, id string) (storage.User, error) {
	var u storage.User
	err := s.findOne(ctx, colUsers, "get user", bson.D{{Key: "_id", Value: id}}, &u)
	return u, err
}

// UserByIdentifier finds the owner of an identifier.
func (s *Store) UserByIdentifier(ctx context.Context, key string) (storage.User, error) {
	var d identifierDoc
	if err := s.findOne(ctx, colIdentifiers, "find identifier", bson.D{{Key: "_id", Value: key}}, &d); err != nil {
		return storage.User{}, err
	}
	u, err := s.UserByID(ctx, d.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		// An identifier left over from an interrupted CreateUser points nowhere.
		return storage.User{}, err
	}
	return u, err
}

// SetPasswordHash replaces a user's password hash. A pending recovery password
// goes with the old password: a password set another way ends the recovery.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string, temporary bool) error {
	defer s.locks.hold(colUsers, userID)()
	r, err := s.db.Collection(colUsers).UpdateOne(ctx, bson.D{{Key: "_id", Value: userID}},
		bson.M{"$set": bson.M{"password_hash": hash, "password_temporary": temporary, "updated_at": s.now().UTC()},
			"$unset": bson.M{"recovery": ""}})
	if err != nil {
		return mapErr("set password", err)
	}
	if r.MatchedCount == 0 {
		return mapErr("set password", storage.ErrNotFound)
	}
	return nil
}

// SetLockedUntil locks (or, with the zero time, unlocks) sign-in.
func (s *Store) SetLockedUntil(ctx context.Context, userID string, t time.Time) error {
	update := bson.M{"$set": bson.M{"locked_until": t.UTC(), "updated_at": s.now().UTC()}}
	if t.IsZero() {
		update["$inc"] = bson.M{"unlocks": 1}
	}
	return s.updateByID(ctx, colUsers, "lock user", userID, update)
}

// SetBlock sets (or, with nil, lifts) an operator's lock.
func (s *Store) SetBlock(ctx context.Context, userID string, b *storage.Block) error {
	now := s.now().UTC()
	update := bson.M{"$unset": bson.M{"blocked": ""}, "$set": bson.M{"updated_at": now}}
	if b != nil {
		c := *b
		c.Until, c.At = c.Until.UTC(), c.At.UTC()
		update = bson.M{"$set": bson.M{"blocked": c, "updated_at": now}}
	}
	return s.updateByID(ctx, colUsers, "block user", userID, update)
}

// UpdateProfile replaces names and consents.
func (s *Store) UpdateProfile(ctx context.Context, userID string, p storage.Profile) error {
	return s.updateByID(ctx, colUsers, "update profile", userID, bson.M{"$set": bson.M{
		"family_name": p.FamilyName, "given_name": p.GivenName, "middle_name": p.MiddleName,
		"consents": p.Consents, "updated_at": s.now().UTC()}})
}

// ChangeIdentifier claims the new identifier first (its unique _id decides), then
// points the account at it, then releases the old one.
func (s *Store) ChangeIdentifier(ctx context.Context, userID, kind, value string) error {
	field := map[string]string{storage.IdentEmail: "email", storage.IdentPhone: "phone"}[kind]
	if field == "" {
		return fmt.Errorf("change identifier: kind %q", kind)
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	old := map[string]string{storage.IdentEmail: u.Email, storage.IdentPhone: u.Phone}[kind]
	if old == value {
		return nil
	}
	if _, err := s.db.Collection(colIdentifiers).InsertOne(ctx, identifierDoc{Key: storage.IdentifierKey(kind, value), UserID: userID}); err != nil {
		return mapErr("change identifier", err)
	}
	if err := s.updateByID(ctx, colUsers, "change identifier", userID, bson.M{"$set": bson.M{
		field: value, field + "_verified": true, "updated_at": s.now().UTC()}}); err != nil {
		return err
	}
	if old != "" {
		_, err = s.db.Collection(colIdentifiers).DeleteOne(ctx, bson.D{{Key: "_id", Value: storage.IdentifierKey(kind, old)}, {Key: "user_id", Value: userID}})
	}
	return mapErr("change identifier", err)
}

// SetAuthorities replaces an account's Vhod-wide powers.
func (s *Store) SetAuthorities(ctx context.Context, userID string, authorities []string) error {
	return s.updateByID(ctx, colUsers, "set authorities", userID, bson.M{"$set": bson.M{"authorities": authorities, "updated_at": s.now().UTC()}})
}

// Activate clears the activation secret.
func (s *Store) Activate(ctx context.Context, userID string) error {
	return s.updateByID(ctx, colUsers, "activate", userID, bson.M{"$unset": bson.M{"activation_hash": ""}, "$set": bson.M{"updated_at": s.now().UTC()}})
}

// ListUsers pages through accounts by ID.
func (s *Store) ListUsers(ctx context.Context, q storage.UserQuery) ([]storage.User, error) {
	filter := bson.D{}
	order, cont, bySort := sorted(q.Sort, q.After)
	if !bySort {
		order = bson.D{{Key: "_id", Value: 1}}
		if q.After != "" {
			filter = append(filter, bson.E{Key: "_id", Value: bson.M{"$gt": q.After}})
		}
	}
	if q.Text != "" {
		re := bson.M{"$regex": regexp.QuoteMeta(q.Text), "$options": "i"}
		var or bson.A
		for _, f := range []string{"login", "email", "phone", "contract", "family_name", "given_name", "middle_name"} {
			or = append(or, bson.M{f: re})
		}
		filter = append(filter, bson.E{Key: "$or", Value: or})
	}
	filter = append(filter, cont...)
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	cur, err := s.db.Collection(colUsers).Find(ctx, filter, options.Find().SetSort(order).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list users", err)
	}
	var out []storage.User
	return out, mapErr("list users", cur.All(ctx, &out))
}

// DeleteUser removes the account, then what pointed at it.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	const op = "delete user"
	r, err := s.db.Collection(colUsers).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return mapErr(op, err)
	}
	if r.DeletedCount == 0 {
		return mapErr(op, storage.ErrNotFound)
	}
	for _, col := range []string{colIdentifiers, colMemberships, colSessions, colPasskeys} {
		if _, err := s.db.Collection(col).DeleteMany(ctx, bson.D{{Key: "user_id", Value: id}}); err != nil {
			return mapErr(op, err)
		}
	}
	return nil
}
