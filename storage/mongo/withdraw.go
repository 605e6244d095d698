package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// An auth request's code is redeemed by claiming redeemKey (RedeemAuthCode).
// The instance that gave the code out may answer its exchange from memory
// (handoff.go), so deleting the request is not enough to refuse its code
// everywhere: the deletion of a completed request also claims the redemption
// itself, with a marker that says so (RevokeUserTokens before it deletes,
// DeleteAuthRequest once it found the request completed). The exchange's claim
// then fails on every instance, and the marker tells it apart from a replay of
// a redeemed code (which revokes what the first exchange issued).

func redeemKey(id string) string { return "redeem:" + id }

// withdrawal is the marker of a redemption claimed by a deletion.
type withdrawal struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expires_at"`
	Withdrawn bool      `bson:"withdrawn"`
}

// withdraw claims the redemption of each request's code for its deletion and
// forgets the requests here, with one unordered insert of all the markers. A
// code already redeemed or withdrawn keeps its own marker.
func (s *Store) withdraw(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	until := s.now().Add(requestMarkerLifetime).UTC()
	docs := make([]any, len(ids))
	for i, id := range ids {
		s.completed.drop(id)
		s.issued.drop(id)
		docs[i] = withdrawal{ID: redeemKey(id), ExpiresAt: until, Withdrawn: true}
	}
	var err error
	if len(docs) == 1 {
		err = s.insertOne(ctx, colMarkers, docs[0])
	} else {
		_, err = s.db.Collection(colMarkers).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	}
	if err == nil || onlyDuplicates(err) {
		return nil
	}
	return mapErr("withdraw codes", err)
}

// onlyDuplicates tells whether every write of a failed insert failed on an
// existing _id (and nothing else went wrong).
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return mongo.IsDuplicateKeyError(err)
	}
	if bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, e := range bwe.WriteErrors {
		if e.Code != 11000 {
			return false
		}
	}
	return true
}

// withdrawn tells whether the redemption of request id's code was claimed by
// its deletion rather than by an exchange.
func (s *Store) withdrawn(ctx context.Context, id string) (bool, error) {
	var w withdrawal
	err := s.findOne(ctx, colMarkers, "read code marker", bson.D{{Key: "_id", Value: redeemKey(id)}}, &w)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return w.Withdrawn, err
}

// withdrawRounds bounds revokeUserRequests: each round takes what sign-ins
// completed during the previous one; the sessions that complete requests
// without a password are gone before (provider.RevokeUser), so a second round
// finds nothing or little.
const withdrawRounds = 8

// revokeUserRequests withdraws the codes of a user's completed requests and
// deletes the requests, round after round until a round finds none: a request
// completed on another instance while a round ran, which that instance still
// holds in memory, is found by the next one, never deleted without its marker.
func (s *Store) revokeUserRequests(ctx context.Context, userID string) error {
	s.completed.dropUser(userID)
	s.issued.dropUser(userID)
	for range withdrawRounds {
		cur, err := s.db.Collection(colAuthRequests).Find(ctx, bson.D{{Key: "completion.user_id", Value: userID}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return mapErr("list user's auth requests", err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			return mapErr("list user's auth requests", err)
		}
		if len(docs) == 0 {
			return nil
		}
		ids := make([]string, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		// The markers first: a request deleted without one could still be
		// exchanged from another instance's memory.
		if err := s.withdraw(ctx, ids...); err != nil {
			return err
		}
		if _, err := s.db.Collection(colAuthRequests).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.M{"$in": ids}}}); err != nil {
			return mapErr("revoke user grants", err)
		}
	}
	return fmt.Errorf("revoke user grants: sign-ins still completing after %d rounds", withdrawRounds)
}
