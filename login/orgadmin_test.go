package login

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

// fakeCompanies: u1 is org_admin of the active organisation o1, and
// invitations are stored.
type fakeCompanies struct {
	companies
	orgReader
}

func (fakeCompanies) IsOrgAdmin(_ context.Context, userID, orgID string) (bool, error) {
	return userID == "u1" && orgID == "o1", nil
}

func (fakeCompanies) OrganisationByID(context.Context, string) (storage.Organisation, error) {
	return storage.Organisation{ID: "o1", Name: "Ромашка", Status: storage.OrgActive}, nil
}

func (fakeCompanies) Invite(_ context.Context, _, address string, _ []string, _ string) (string, error) {
	if strings.Contains(address, "@") {
		return storage.IdentEmail + ":" + address, nil
	}
	return storage.IdentPhone + ":" + address, nil
}

// TestInvitationSendFailsClosedOnLimiterError (issue 16 item 11): when the send
// limits cannot be counted, an invitation is not sent, by email or SMS, and
// the org admin reads an error instead of "invited", as with every other
// message Vhod sends.
func TestInvitationSendFailsClosedOnLimiterError(t *testing.T) {
	invite := func(t *testing.T, address string, hitErr error) (*sentMessages, *httptest.ResponseRecorder) {
		sent := &sentMessages{}
		st := &fakeStore{hitErr: hitErr}
		limits := notify.NewLimits(st, notify.Rule{PerRecipientHour: 5}, notify.Rule{PerRecipientHour: 5}, slog.New(slog.DiscardHandler))
		h := newTestHandler(t, st, Config{Companies: fakeCompanies{}, OrgStore: fakeCompanies{}, Email: limits.Email(sent), SMS: limits.SMS(sent),
			SendLimits: limits})
		form := url.Values{"address": {address}, "role": {"buyer"}}
		r := httptest.NewRequest(http.MethodPost, "/account/companies/o1/invitations", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = mux.SetURLVars(r, map[string]string{"org": "o1"})
		return sent, signedIn(h, r, h.orgInvite)
	}
	for _, address := range []string{"petrov@example.com", "+79091112233"} {
		t.Run(address, func(t *testing.T) {
			sent, rec := invite(t, address, nil)
			if len(sent.emails)+len(sent.sms) != 1 || rec.Code != http.StatusSeeOther {
				t.Fatalf("with the limits counted: %d %+v, want one message and a redirect", rec.Code, sent)
			}
			sent, rec = invite(t, address, errDatabase)
			if len(sent.emails)+len(sent.sms) != 0 {
				t.Fatalf("sent while the limits could not be counted: %+v", sent)
			}
			if rec.Code < 500 {
				t.Fatalf("status %d (%s), want an error page", rec.Code, rec.Header().Get("Location"))
			}
		})
	}
}
