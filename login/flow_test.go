package login

import (
	"testing"
	"time"

	"github.com/vhod-id/vhod/storage"
)

func TestLoginTransitions(t *testing.T) {
	all := []State{StateStarted, StateCodeSent, StatePasswordChange, StateConsentRequired, StateDone, StateDenied, StateCertConfirm, StateOrgChoice}
	allowed := map[[2]State]bool{
		{StateStarted, StateStarted}: true, {StateStarted, StateCodeSent}: true,
		{StateStarted, StateConsentRequired}: true, {StateStarted, StateDone}: true,
		{StateCodeSent, StateCodeSent}: true, {StateCodeSent, StateStarted}: true,
		{StateCodeSent, StateConsentRequired}: true, {StateCodeSent, StateDone}: true,
		{StateConsentRequired, StateDone}: true, {StateConsentRequired, StateDenied}: true,
		{StateStarted, StatePasswordChange}: true, {StateCodeSent, StatePasswordChange}: true,
		{StatePasswordChange, StatePasswordChange}: true, {StatePasswordChange, StateConsentRequired}: true,
		{StatePasswordChange, StateDone}: true,
		{StateStarted, StateCertConfirm}: true, {StateCodeSent, StateCertConfirm}: true,
		{StateCertConfirm, StateStarted}: true, {StateCertConfirm, StateConsentRequired}: true, {StateCertConfirm, StateDone}: true,
		{StateStarted, StateOrgChoice}: true, {StateCodeSent, StateOrgChoice}: true, {StatePasswordChange, StateOrgChoice}: true,
		{StateCertConfirm, StateOrgChoice}: true, {StateOrgChoice, StateConsentRequired}: true, {StateOrgChoice, StateDone}: true,
	}
	for _, from := range all {
		for _, to := range all {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				f := flow{storage.Flow{Kind: string(KindLogin), State: string(from)}}
				err := f.to(to, time.Now())
				if allowed[[2]State{from, to}] != (err == nil) {
					t.Fatalf("allowed=%v, err=%v", allowed[[2]State{from, to}], err)
				}
				if err == nil && (f.State != string(to) || len(f.Steps) != 1 || f.Steps[0].From != string(from)) {
					t.Fatalf("flow after move: %+v", f.Flow)
				}
				if err != nil && f.State != string(from) {
					t.Fatal("a refused move changed the state")
				}
			})
		}
	}
}

func TestUnknownKindMovesNowhere(t *testing.T) {
	f := flow{storage.Flow{Kind: "nope", State: string(StateStarted)}}
	if err := f.to(StateDone, time.Now()); err == nil {
		t.Fatal("unknown kind moved")
	}
}

func TestRecoveryTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		ok       bool
	}{
		{StateStarted, StateSMSSent, true}, {StateStarted, StateCodeSent, true}, {StateCodeSent, StateDone, true},
		{StateCodeSent, StateCodeSent, true}, {StateSMSSent, StateDone, false}, {StateStarted, StateDone, false},
		{StateDone, StateStarted, false},
	} {
		f := flow{storage.Flow{Kind: string(KindRecovery), State: string(tc.from)}}
		if err := f.to(tc.to, time.Now()); (err == nil) != tc.ok {
			t.Errorf("%s → %s: %v", tc.from, tc.to, err)
		}
	}
}
