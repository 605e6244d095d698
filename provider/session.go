package provider

import (
	"context"
	"errors"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/claims"
	"github.com/vhod-id/vhod/storage"
)

// TerminateSession implements op.Storage. op's end_session endpoint, its only
// caller, is not routed: Vhod's asks first (see CheckLogout and EndSession).
func (s *Storage) TerminateSession(ctx context.Context, _, _ string) error {
	_, err := s.endBrowserSession(ctx)
	return err
}

// endBrowserSession ends this browser's SSO session, revokes its tokens and tells
// its clients; it returns them for the end-session page.
func (s *Storage) endBrowserSession(ctx context.Context) ([]SignedOutApp, error) {
	id := s.cfg.Browser.SessionID(ctx)
	if id == "" {
		return nil, nil
	}
	sess, err := s.store.SessionByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, s.serverError(ctx, err)
	}
	if err := s.store.DeleteSession(ctx, id); err != nil {
		return nil, s.serverError(ctx, err)
	}
	if err := s.store.RevokeSessionTokens(ctx, sess.SID); err != nil {
		return nil, s.serverError(ctx, err)
	}
	if err := s.denied.Add(ctx, s.store, time.Now().Add(s.cfg.AccessTokenLifetime), claims.SID+":"+sess.SID); err != nil {
		return nil, s.serverError(ctx, err)
	}
	s.audit(ctx, storage.AuditEvent{Type: directory.EventLogout, Outcome: directory.OutcomeSuccess, UserID: sess.UserID,
		Details: map[string]string{"sid": sess.SID}})
	return s.sessionEnded(ctx, sess), nil
}
