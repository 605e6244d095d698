package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/vhod-id/vhod/storage"
)

// applyClient makes the stored client exactly want, the client of the config
// file: a setting the file no longer has (an authority, a logout URI, min_acr,
// a TLS field, jwks, scopes) is removed from the store, not kept. The file has
// no org_id or roles (those are integration systems' own, registered by their
// companies), so a config client has none either. An unchanged client is not
// written, and the log names the settings that changed (never their values:
// the secret hash is among them).
//
// Instances starting together on one database race for the same write: the
// loser (ErrAlreadyExists, ErrConflict) reads again and finds the client as
// the file says, or writes over the winner's version. The winner's version is
// claimed a moment before its document is written, so a loser may read the
// old version again: it waits a little longer each time (at most ~1 s in all).
func applyClient(ctx context.Context, st bootstrapStore, want storage.Client, log *slog.Logger) error {
	var err error
	for try := range 10 {
		var done bool
		if done, err = writeClient(ctx, st, want, log); done || (!errors.Is(err, storage.ErrConflict) && !errors.Is(err, storage.ErrAlreadyExists)) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try+1) * 20 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("bootstrap client %q: %w", want.ID, err)
	}
	return nil
}

// writeClient creates or replaces the client once; done when the store holds want.
func writeClient(ctx context.Context, st bootstrapStore, want storage.Client, log *slog.Logger) (done bool, err error) {
	have, err := st.ClientByID(ctx, want.ID)
	if errors.Is(err, storage.ErrNotFound) {
		if err := st.CreateClient(ctx, want); err != nil {
			return false, err
		}
		log.InfoContext(ctx, "bootstrap: client created", "client_id", want.ID)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	changed := clientChanges(have, want)
	if len(changed) == 0 {
		return true, nil
	}
	want.Version = have.Version
	if _, err := st.UpdateClient(ctx, want); err != nil {
		return false, err
	}
	log.InfoContext(ctx, "bootstrap: client changed", "client_id", want.ID, "fields", strings.Join(changed, ","))
	return true, nil
}

// clientChanges names (as stored) the settings of b that differ from a's; an
// empty list and no list are the same. Times and the version are not settings.
func clientChanges(a, b storage.Client) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		f := va.Type().Field(i)
		switch f.Name {
		case "Version", "CreatedAt", "UpdatedAt":
			continue
		}
		x, y := va.Field(i), vb.Field(i)
		if x.Kind() == reflect.Slice && x.Len() == 0 && y.Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(x.Interface(), y.Interface()) {
			name, _, _ := strings.Cut(f.Tag.Get("bson"), ",")
			out = append(out, name)
		}
	}
	return out
}
