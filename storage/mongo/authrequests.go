package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// CreateAuthRequest stores a new request; one that single sign-on completed
// already is kept for its callback (see handoff).
func (s *Store) CreateAuthRequest(ctx context.Context, r storage.AuthRequest) error {
	if err := s.insert(ctx, colAuthRequests, "create auth request", r); err != nil {
		return err
	}
	s.completed.keep(r, s.now())
	return nil
}

// AuthRequestByID finds an unexpired request: the one just completed here
// without a round trip (see handoff), any other in the database.
func (s *Store) AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error) {
	if r, ok := s.completed.take(id, s.now()); ok {
		return r, nil
	}
	var r storage.AuthRequest
	err := s.byID(ctx, colAuthRequests, "get auth request", id, &r, func() time.Time { return r.ExpiresAt })
	return r, err
}

// AuthRequestClient reads the client of a request, expired or not.
func (s *Store) AuthRequestClient(ctx context.Context, id string) (string, error) {
	var r storage.AuthRequest
	if err := s.byID(ctx, colAuthRequests, "get auth request client", id, &r, nil); err != nil {
		return "", err
	}
	return r.ClientID, nil
}

// CompleteAuthRequest records the sign-in once: the claim decides who completes,
// then the update by _id (its old version tells whether the request had expired).
func (s *Store) CompleteAuthRequest(ctx context.Context, id string, c storage.Completion, expiresAt time.Time) error {
	if err := s.claim(ctx, "complete:"+id, s.now().Add(requestMarkerLifetime)); err != nil {
		return err
	}
	var before storage.AuthRequest
	unlock := s.locks.hold(colAuthRequests, id)
	err := s.db.Collection(colAuthRequests).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.M{"$set": bson.M{"completion": c, "expires_at": expiresAt.UTC()}},
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&before)
	unlock()
	if err != nil {
		return mapErr("complete auth request", err)
	}
	if !before.ExpiresAt.After(s.now()) {
		return mapErr("complete auth request", storage.ErrNotFound)
	}
	before.Completion, before.ExpiresAt = &c, expiresAt
	s.completed.keep(before, s.now())
	return nil
}

// RedeemAuthCode consumes the code of a completed request once. The request
// is the one this instance gave the code out for, when it still holds it
// (handoff.go), else the database's. Either way the redemption is a claim in
// the database: it decides single use on every instance, and it fails for a
// request deleted since, on any instance (its user's grants revoked, or the
// sign-in denied), whose redemption the deletion claimed first (withdraw).
func (s *Store) RedeemAuthCode(ctx context.Context, id string, check func(storage.AuthRequest) error) (storage.AuthRequest, error) {
	s.completed.drop(id)
	r, ok := s.issued.take(id, s.now())
	if !ok {
		err := s.byID(ctx, colAuthRequests, "get auth request", id, &r, func() time.Time { return r.ExpiresAt })
		if err != nil {
			return r, err
		}
		if r.Completion == nil {
			return storage.AuthRequest{}, mapErr("redeem code", storage.ErrNotFound)
		}
	}
	if check != nil {
		// A refusal leaves the code to its rightful client, whose exchange
		// then reads the request from the database.
		if err := check(r); err != nil {
			return storage.AuthRequest{}, err
		}
	}
	err := s.claim(ctx, redeemKey(id), s.now().Add(requestMarkerLifetime))
	if errors.Is(err, storage.ErrConflict) {
		withdrawn, werr := s.withdrawn(ctx, id)
		if werr != nil {
			return storage.AuthRequest{}, werr
		}
		if withdrawn {
			return storage.AuthRequest{}, mapErr("redeem code", storage.ErrNotFound)
		}
	}
	return r, err
}

// IssueAuthCode gives out the code of a completed request once: a marker, as
// for the redemption, since the embedded server makes no conditional update
// of the request itself atomic. The request is kept for the code's exchange.
func (s *Store) IssueAuthCode(ctx context.Context, r storage.AuthRequest) error {
	if r.Completion == nil || !s.now().Before(r.ExpiresAt) {
		return mapErr("issue code", storage.ErrNotFound)
	}
	if err := s.claim(ctx, "code:"+r.ID, s.now().Add(requestMarkerLifetime)); err != nil {
		return err
	}
	s.issued.keep(r, s.now())
	return nil
}

// DeleteAuthRequest removes a request; the code of a completed one is refused
// on every instance from then on (withdraw). A request is deleted when its
// sign-in is denied (prompt=none without a session, consent declined): it is
// incomplete then, and its deletion is the one round trip it was.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	s.completed.drop(id)
	s.issued.drop(id)
	var gone struct {
		Completion *storage.Completion `bson:"completion"`
	}
	// (No projection: the embedded server's findAndModify takes none.)
	err := s.db.Collection(colAuthRequests).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&gone)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return mapErr("delete auth request", err)
	}
	if gone.Completion == nil {
		return nil
	}
	// Completed meanwhile (another tab finished the sign-in): its code may be
	// out already, held in memory by the instance that gave it. A deletion
	// reaches an exchange that reads the database only before its read, and
	// one from memory only before this claim: the same moment, give or take
	// one round trip.
	return s.withdraw(ctx, id)
}
