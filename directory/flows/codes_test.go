package flows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// saved keeps the flows saved; err fails the save.
type saved struct {
	flows []storage.Flow
	err   error
}

func (s *saved) SaveFlow(_ context.Context, f storage.Flow) (storage.Flow, error) {
	if s.err != nil {
		return storage.Flow{}, s.err
	}
	s.flows = append(s.flows, f)
	return f, nil
}

// A code is issued to its recipient, saved as its HMAC only; every attempt is
// saved before the comparison; the attempts and the lifetime are bounded.
func TestIssueAndSpendAttempts(t *testing.T) {
	key := make([]byte, 32)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &saved{}
	f := &Flow{storage.Flow{ID: "f1", Kind: string(KindActivation), State: string(StateStarted)}}
	code, err := Issue(t.Context(), st, f, key, "a@example.com", CodeLifetime, now)
	if err != nil || len(code) != 6 || f.Challenge == "" || f.Challenge == code || f.Recipient != "a@example.com" || len(st.flows) != 1 {
		t.Fatalf("issue: %q %v %+v", code, err, f.Flow)
	}
	if refusal, err := SpendAttempt(t.Context(), st, f, key, "000000", now); err != nil || refusal != "phone.wrong_code" || len(st.flows) != 2 {
		t.Fatalf("wrong code: %q %v", refusal, err)
	}
	if refusal, err := SpendAttempt(t.Context(), st, f, key, code, now.Add(CodeLifetime+time.Second)); err != nil || refusal != "phone.wrong_code" {
		t.Fatalf("expired code: %q %v", refusal, err)
	}
	if refusal, err := SpendAttempt(t.Context(), st, f, key, code, now); err != nil || refusal != "" {
		t.Fatalf("right code: %q %v", refusal, err)
	}
	f.Attempts = directory.OTPMaxAttempts
	if refusal, _ := SpendAttempt(t.Context(), st, f, key, code, now); refusal != "phone.too_many_attempts" {
		t.Fatalf("too many: %q", refusal)
	}
	st.err = storage.ErrConflict
	if _, err := SpendAttempt(t.Context(), st, f, key, code, now); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("lost race: %v", err)
	}
	done := &Flow{storage.Flow{Kind: string(KindActivation), State: string(StateDone)}}
	if err := Move(t.Context(), &saved{}, done, StateCodeSent, now); !errors.Is(err, ErrRefused) {
		t.Fatalf("refused move: %v", err)
	}
}

// Spend counts and saves the attempt before comparing, as SpendAttempt does,
// but leaves the flow's state and steps to the caller (a second factor's code
// is checked in whatever state the sign-in stands).
func TestSpendKeepsTheState(t *testing.T) {
	key := make([]byte, 32)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &saved{}
	f := &Flow{storage.Flow{ID: "f1", Kind: string(KindLogin), State: "second_factor"}}
	code, err := f.NewCode(key, "+79090000000", CodeLifetime, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := Spend(t.Context(), st, f, key, "000000", now); !errors.Is(err, ErrWrongCode) || f.Attempts != 1 || len(st.flows) != 1 {
		t.Fatalf("wrong code: %v, %d attempts, %d saves", err, f.Attempts, len(st.flows))
	}
	if err := Spend(t.Context(), st, f, key, code, now); err != nil || f.State != "second_factor" || len(f.Steps) != 0 {
		t.Fatalf("right code: %v, state %q, steps %v", err, f.State, f.Steps)
	}
	f.Attempts = directory.OTPMaxAttempts
	if err := Spend(t.Context(), st, f, key, code, now); !errors.Is(err, ErrTooManyAttempts) {
		t.Fatalf("too many: %v", err)
	}
	st.err = storage.ErrConflict
	if err := Spend(t.Context(), st, f, key, code, now); !errors.Is(err, storage.ErrConflict) || len(st.flows) != 3 {
		t.Fatalf("lost race: %v", err)
	}
}
