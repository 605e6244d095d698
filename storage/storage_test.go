package storage

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrUnavailableIsTemporary: the pages tell "try again shortly" by the
// Temporary method, through any wrapping, without importing storage.
func TestErrUnavailableIsTemporary(t *testing.T) {
	err := fmt.Errorf("find users: %w", ErrUnavailable)
	var tmp interface{ Temporary() bool }
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &tmp) || !tmp.Temporary() {
		t.Fatalf("%v is not a temporary ErrUnavailable", err)
	}
	if errors.As(fmt.Errorf("x: %w", ErrNotFound), &tmp) {
		t.Fatal("ErrNotFound says it is temporary")
	}
}

func TestErrConflictSaysConflict(t *testing.T) {
	var c interface{ Conflict() bool }
	if err := fmt.Errorf("save flow: %w", ErrConflict); !errors.Is(err, ErrConflict) || !errors.As(err, &c) || !c.Conflict() {
		t.Fatalf("%v does not say Conflict", err)
	}
}
