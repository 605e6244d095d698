package storage

import (
	"context"
	"time"
)

// IdentityProvider is an outside identity provider (Госуслуги, Яндекс ID, VK
// ID, Сбер ID, any OpenID provider) an operator added through the admin API or
// the console; sign-in offers it beside those of the configuration file.
type IdentityProvider struct {
	ID string `bson:"_id"`
	// Config is the provider's settings as JSON (connector.Config without its
	// secrets). storage does not know connector's types; directory/idp reads
	// and writes this, so a new setting needs no new storage field.
	Config string `bson:"config"`
	// Secrets are the write-only values by name ("client_secret", "key": the
	// PEM of ESIA's GOST key), each sealed (AES-256-GCM under a key derived
	// from the master key for identity providers, bound to the provider's ID
	// and the name), never plain.
	Secrets map[string]string `bson:"secrets,omitempty"`
	// Enabled providers are offered at sign-in; a disabled one keeps its
	// settings and linked accounts but shows no button and takes no callback.
	Enabled bool `bson:"enabled"`
	// Order places the button among the others (lower first, then by ID).
	Order int `bson:"order"`
	// Version increases with every UpdateIdentityProvider, which writes only
	// over the version it was read at.
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	// UpdatedBy is who wrote it last (an operator's or client's ID).
	UpdatedBy string `bson:"updated_by,omitempty"`
}

// IdentityProviders stores the providers operators manage at run time.
type IdentityProviders interface {
	// CreateIdentityProvider stores a new provider (ErrAlreadyExists when the
	// ID is taken), stamping its times when they are zero.
	CreateIdentityProvider(ctx context.Context, p IdentityProvider) error
	// UpdateIdentityProvider replaces the provider stored at p.Version with p,
	// keeping its creation time, and returns it at the next version.
	// ErrConflict when the stored version is another, ErrNotFound when there
	// is no such provider.
	UpdateIdentityProvider(ctx context.Context, p IdentityProvider) (IdentityProvider, error)
	IdentityProviderByID(ctx context.Context, id string) (IdentityProvider, error)
	// ListIdentityProviders lists every stored provider by Order, then ID.
	ListIdentityProviders(ctx context.Context) ([]IdentityProvider, error)
	// DeleteIdentityProvider removes one; ErrNotFound when it is not there.
	DeleteIdentityProvider(ctx context.Context, id string) error
	// IdentityProvidersVersion is a number that changes whenever a provider is
	// created, updated or deleted, so that every instance notices cheaply.
	IdentityProvidersVersion(ctx context.Context) (int64, error)
}
