package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// An auth request's code is redeemed by claiming redeemKey (RedeemAuthCode).
// The instance that gave the code out may answer its exchange from memory
// (handoff.go), so deleting the request is not enough to refuse its code
// everywhere: the deletion of a completed request also claims the redemption
// itself, with a marker that says so (RevokeUserTokens before it deletes,
// DeleteAuthRequest once it found the request completed). The exchange's claim then fails on every instance, and the
// marker tells it apart from a replay of a redeemed code (which revokes what
// the first exchange issued).

func redeemKey(id string) string { return "redeem:" + id }

// withdrawal is the marker of a redemption claimed by a deletion.
type withdrawal struct {
	ID        string    `bson:"_id"`
	ExpiresAt time.Time `bson:"expires_at"`
	Withdrawn bool      `bson:"withdrawn"`
}

// withdraw claims the redemption of each request's code for its deletion and
// forgets the requests here. A code already redeemed keeps its own marker.
func (s *Store) withdraw(ctx context.Context, ids ...string) error {
	until := s.now().Add(requestMarkerLifetime).UTC()
	for _, id := range ids {
		s.completed.drop(id)
		s.issued.drop(id)
		err := s.insertOne(ctx, colMarkers, withdrawal{ID: redeemKey(id), ExpiresAt: until, Withdrawn: true})
		if err = mapErr("withdraw code of "+id, err); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
			return err
		}
	}
	return nil
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

// withdrawUser withdraws the codes of every completed request of a user.
func (s *Store) withdrawUser(ctx context.Context, userID string) error {
	s.completed.dropUser(userID)
	s.issued.dropUser(userID)
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
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return s.withdraw(ctx, ids...)
}
