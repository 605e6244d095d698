package connector

import (
	"context"
	"errors"
)

// ErrUnknownProvider: no enabled provider has that ID.
var ErrUnknownProvider = errors.New("unknown identity provider")

// Registry is where login finds the providers to offer and the one a
// callback names. The providers may change while Vhod runs (the admin API and
// the console manage them), so callers ask each time instead of keeping a list.
type Registry interface {
	// Connectors are the enabled providers, in the order their buttons show.
	Connectors(ctx context.Context) ([]Connector, error)
	// Connector is the enabled provider with that ID, or ErrUnknownProvider.
	Connector(ctx context.Context, id string) (Connector, error)
}

// Static is a Registry of a fixed list (the configuration file's providers,
// tests).
type Static []Connector

// Connectors returns the list.
func (s Static) Connectors(context.Context) ([]Connector, error) { return s, nil }

// Connector finds id in the list.
func (s Static) Connector(_ context.Context, id string) (Connector, error) {
	for _, c := range s {
		if c.ID() == id {
			return c, nil
		}
	}
	return nil, ErrUnknownProvider
}
