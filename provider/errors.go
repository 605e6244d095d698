package provider

import (
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/vhod-id/vhod/storage"
)

// notFoundAs maps a missing document to the given protocol error and anything else
// to a server_error whose description reveals nothing; the cause stays the parent
// error for the log.
func notFoundAs(err error, e *oidc.Error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return e.WithParent(err)
	}
	return serverError(err)
}

func serverError(err error) *oidc.Error {
	return oidc.ErrServerError().WithDescription("internal error").WithParent(err)
}
