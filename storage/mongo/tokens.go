package mongo

import (
	"context"
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
	t, err := s.RefreshTokenByID(ctx, id)
	if err != nil {
		return err
	}
	if err := s.claim(ctx, "refresh:"+id, t.ExpiresAt); err != nil {
		return err
	}
	return s.updateByID(ctx, colRefresh, "use refresh token", id, bson.M{"$set": bson.M{"used": true}})
}

// RevokeFamily deletes every token of a family.
func (s *Store) RevokeFamily(ctx context.Context, family string) error {
	return s.deleteTokens(ctx, "revoke token family", bson.D{{Key: "grant.family", Value: family}})
}

// RevokeSessionTokens deletes every token of a browser session.
func (s *Store) RevokeSessionTokens(ctx context.Context, sessionID string) error {
	return s.deleteTokens(ctx, "revoke session tokens", bson.D{{Key: "grant.session_id", Value: sessionID}})
}

// RevokeUserTokens deletes every token of a user (after a password reset).
func (s *Store) RevokeUserTokens(ctx context.Context, userID string) error {
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
