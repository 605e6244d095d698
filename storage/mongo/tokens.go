package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// CreateAccessToken stores an access token record.
func (s *Store) CreateAccessToken(ctx context.Context, t storage.AccessToken) error {
	return s.insert(ctx, colAccess, "create access token", t)
}

// AccessTokenByID finds an unexpired access token.
func (s *Store) AccessTokenByID(ctx context.Context, id string) (storage.AccessToken, error) {
	var t storage.AccessToken
	err := s.byID(ctx, colAccess, "get access token", id, &t, func() time.Time { return t.ExpiresAt })
	return t, err
}

// DeleteAccessToken revokes an access token.
func (s *Store) DeleteAccessToken(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colAccess, "delete access token", id)
}

// CreateRefreshToken stores a refresh token record.
func (s *Store) CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error {
	return s.insert(ctx, colRefresh, "create refresh token", t)
}

// RefreshTokenByID finds an unexpired refresh token, used or not.
func (s *Store) RefreshTokenByID(ctx context.Context, id string) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	err := s.byID(ctx, colRefresh, "get refresh token", id, &t, func() time.Time { return t.ExpiresAt })
	return t, err
}

// UseRefreshToken marks a token used exactly once.
func (s *Store) UseRefreshToken(ctx context.Context, id string) error {
	return s.useRefreshToken(ctx, id, nil)
}

// RotateRefreshToken marks a token used exactly once and records its successor.
func (s *Store) RotateRefreshToken(ctx context.Context, id string, next storage.RefreshRotation) error {
	next.UsedAt = next.UsedAt.UTC()
	next.AccessExpiresAt = next.AccessExpiresAt.UTC()
	return s.useRefreshToken(ctx, id, &next)
}

// refreshMarker is the claim that makes a refresh token used. Its unique _id
// makes the claim one insert, atomic on MongoDB and on the embedded server
// alike, and the rotation rides in the same document: a loser of the race
// that reads the marker reads the winner's successor, never half of it.
type refreshMarker struct {
	ID        string                   `bson:"_id"`
	ExpiresAt time.Time                `bson:"expires_at"`
	Rotation  *storage.RefreshRotation `bson:"rotation,omitempty"`
}

func refreshMarkerID(id string) string { return "refresh:" + id }

func (s *Store) useRefreshToken(ctx context.Context, id string, next *storage.RefreshRotation) error {
	t, err := s.RefreshTokenByID(ctx, id)
	if err != nil {
		return err
	}
	m := refreshMarker{ID: refreshMarkerID(id), ExpiresAt: t.ExpiresAt.UTC(), Rotation: next}
	// Through the group commit, as every claim (groupcommit.go).
	if err := s.insertOne(ctx, colMarkers, m); err != nil {
		if err = mapErr("use refresh token", err); errors.Is(err, storage.ErrAlreadyExists) {
			return mapErr("use refresh token", storage.ErrConflict)
		}
		return err
	}
	usedAt := s.now().UTC()
	if next != nil {
		usedAt = next.UsedAt
	}
	return s.updateByID(ctx, colRefresh, "use refresh token", id, bson.M{"$set": bson.M{"used": true, "used_at": usedAt}})
}

// RefreshRotationOf reads the successor recorded when the token was used.
func (s *Store) RefreshRotationOf(ctx context.Context, id string) (storage.RefreshRotation, error) {
	var m refreshMarker
	if err := s.byID(ctx, colMarkers, "get refresh rotation", refreshMarkerID(id), &m, func() time.Time { return m.ExpiresAt }); err != nil {
		return storage.RefreshRotation{}, err
	}
	if m.Rotation == nil {
		return storage.RefreshRotation{}, mapErr("get refresh rotation", storage.ErrNotFound)
	}
	return *m.Rotation, nil
}

// DeleteRefreshToken removes one refresh token.
func (s *Store) DeleteRefreshToken(ctx context.Context, id string) error {
	return s.deleteByID(ctx, colRefresh, "delete refresh token", id)
}

// RevokeFamily deletes every token of a family.
func (s *Store) RevokeFamily(ctx context.Context, family string) error {
	return s.deleteTokens(ctx, "revoke token family", bson.D{{Key: "grant.family", Value: family}})
}

// RevokeSessionTokens deletes every token of a browser session.
func (s *Store) RevokeSessionTokens(ctx context.Context, sessionID string) error {
	return s.deleteTokens(ctx, "revoke session tokens", bson.D{{Key: "grant.session_id", Value: sessionID}})
}

// RevokeUserTokens deletes every token of a user (after a password reset or
// an operator's lock) and first what is still to turn into tokens: the codes
// of completed auth requests and approved device authorizations, so that
// nothing obtained before can be redeemed after, on any instance (withdraw).
func (s *Store) RevokeUserTokens(ctx context.Context, userID string) error {
	if err := s.revokeUserRequests(ctx, userID); err != nil {
		return err
	}
	if _, err := s.db.Collection(colDevice).DeleteMany(ctx, bson.D{{Key: "subject", Value: userID}}); err != nil {
		return mapErr("revoke user grants", err)
	}
	return s.deleteTokens(ctx, "revoke user tokens", bson.D{{Key: "grant.subject", Value: userID}})
}

func (s *Store) deleteTokens(ctx context.Context, op string, filter bson.D) error {
	// Refresh tokens first: a crash between the two leaves access tokens that expire
	// soon, never a refresh token that could mint new ones.
	for _, col := range []string{colRefresh, colAccess} {
		if _, err := s.db.Collection(col).DeleteMany(ctx, filter); err != nil {
			return mapErr(op, err)
		}
	}
	return nil
}
