package provider

import (
	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

// notFoundAs maps a missing document to the given protocol error and anything else
// to a server_error whose description reveals nothing; the cause stays the parent
// error for the log.
func (s *Storage) notFoundAs(ctx context.Context, err error, e *oidc.Error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return e.WithParent(err)
	}
	return s.serverError(ctx, err)
}

// serverError hides the cause from the client. An outage is remembered for the
// request: op turns some storage errors into invalid_client or invalid_request,
// and the errors wrapper must still answer 503 (see Provider.errors).
func (s *Storage) serverError(ctx context.Context, err error) *oidc.Error {
	if errors.Is(err, storage.ErrUnavailable) {
		if h := holder(ctx); h != nil {
			h.unavailable.Store(true)
		}
	}
	return oidc.ErrServerError().WithDescription("internal error").WithParent(err)
}

// audit records a security event with the caller's address when the request has one.
func (s *Storage) audit(ctx context.Context, e storage.AuditEvent) {
	if h := holder(ctx); h != nil {
		e.IP, e.UserAgent = h.ip, h.userAgent // the Auditor bounds the user agent
	}
	s.cfg.Audit.Record(ctx, e)
}
