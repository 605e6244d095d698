package mongo

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// CreateSession stores a browser session.
func (s *Store) CreateSession(ctx context.Context, sess storage.Session) error {
	return s.insert(ctx, colSessions, "create session", sess)
}

// SessionByID finds an unexpired session by its cookie hash.
func (s *Store) SessionByID(ctx context.Context, id string) (storage.Session, error) {
	var sess storage.Session
	err := s.byID(ctx, colSessions, "get session", id, &sess, func() time.Time { return sess.ExpiresAt })
	return sess, err
}

// SessionBySID finds an unexpired session by its public id.
func (s *Store) SessionBySID(ctx context.Context, sid string) (storage.Session, error) {
	var sess storage.Session
	err := s.findOne(ctx, colSessions, "get session by sid", bson.D{{Key: "sid", Value: sid}, s.notExpired()}, &sess)
	return sess, err
}

// SetSessionOrg records the organisation chosen in the session.
func (s *Store) SetSessionOrg(ctx context.Context, id, orgID string) error {
	// The collection's lock, not the document's: AddSessionClient finds the same
	// document by sid, and both must exclude each other (doclocks.go).
	defer s.locks.hold(colSessions, "")()
	r, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.M{"$set": bson.M{"org_id": orgID}})
	if err == nil && r.MatchedCount == 0 {
		err = storage.ErrNotFound
	}
	return mapErr("set session organisation", err)
}

// AddSessionClient records a client of the session with this sid.
func (s *Store) AddSessionClient(ctx context.Context, sid, clientID string) error {
	defer s.locks.hold(colSessions, "")()
	res, err := s.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "sid", Value: sid}},
		bson.M{"$addToSet": bson.M{"client_ids": clientID}})
	if err != nil {
		return mapErr("add session client", err)
	}
	if res.MatchedCount == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colSessions, "delete session", id)
}

// ListUserSessions lists a user's unexpired sessions, newest first.
func (s *Store) ListUserSessions(ctx context.Context, userID string) ([]storage.Session, error) {
	cur, err := s.db.Collection(colSessions).Find(ctx, bson.D{{Key: "user_id", Value: userID}, s.notExpired()},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}))
	if err != nil {
		return nil, mapErr("list sessions", err)
	}
	var out []storage.Session
	return out, mapErr("list sessions", cur.All(ctx, &out))
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return mapErr("delete user sessions", err)
}

// GrantConsent adds scopes to a user's consent for a client.
func (s *Store) GrantConsent(ctx context.Context, userID, clientID string, scopes []string, at time.Time) error {
	id := userID + "|" + clientID
	defer s.locks.hold(colConsents, id)()
	_, err := s.db.Collection(colConsents).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.M{
			"$set":      bson.M{"user_id": userID, "client_id": clientID, "granted_at": at.UTC()},
			"$addToSet": bson.M{"scopes": bson.M{"$each": scopes}},
		}, options.UpdateOne().SetUpsert(true))
	return mapErr("grant consent", err)
}

// ConsentedScopes returns what the user allowed the client so far.
func (s *Store) ConsentedScopes(ctx context.Context, userID, clientID string) ([]string, error) {
	var c storage.Consent
	err := s.findOne(ctx, colConsents, "get consent", bson.D{{Key: "_id", Value: userID + "|" + clientID}}, &c)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	slices.Sort(c.Scopes)
	return c.Scopes, nil
}
