package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// abuseLockOperator is a machine client with the operator authority, for the
// admin API's lock and unlock.
const abuseLockOperator = `    - id: ops
      secret: ops-secret
      name: Operations
      grant_types: [client_credentials]
      scopes: [admin]
      authorities: [operator]
`

const blockedRu = "Вход в учётную запись закрыт администратором"

// TestAbuseOperatorLockRefusesEveryWayIn (issue 17): an operator locks an
// account through the admin API ("Refuse the user's sign-in"). Before the fix
// the lock was the failed-password lock, which spares the owner's own browser
// and covers the password form only: the SMS code still signed in, the owner's
// browser still signed in with the password, and the refresh token still
// refreshed. Now every way in is refused, the existing session and tokens end,
// a wrong password gets the usual answer (a stranger learns nothing), and only
// the operator's unlock opens the account again.
func TestAbuseOperatorLockRefusesEveryWayIn(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	cfg := strings.Replace(testConfig, "  users:\n", abuseLockOperator+"  users:\n", 1)
	cfg = strings.Replace(cfg, "bootstrap:\n", "sms: {provider: webhook, webhook: {url: \""+gwURL+"\"}}\n"+
		"limits: {captcha_after_failures: 10}\nbootstrap:\n", 1)
	srv := startServer(t, cfg)
	shop := shopRP(t, srv)

	resp, out := tokenPost(t, srv, url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, "ops", "ops-secret")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("operator token: %d %v", resp.StatusCode, out)
	}
	ops := map[string]string{"Authorization": "Bearer " + out["access_token"].(string)}
	admin := func(method, path string) map[string]any {
		t.Helper()
		resp, body := call(t, method, srv.Issuer+"/api/v1"+path, nil, ops)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, body)
		}
		return body
	}
	items, _ := admin(http.MethodGet, "/users?q=ivanov")["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("users: %v", items)
	}
	id := items[0].(map[string]any)["id"].(string)

	// The owner is signed in: a session (and a device cookie) in their browser,
	// a refresh token at the shop.
	v := signedInVictim(t, shop, "ivanov", "S3cure-pass!")
	v.stillIn(t, shop, "before the lock")

	if got := admin(http.MethodPost, "/users/"+id+"/lock"); got["locked_until"] == nil || got["operator_lock"] == nil {
		t.Fatalf("lock: %v", got)
	}

	// The session no longer answers, the refresh token no longer refreshes.
	v.out(t, shop, "after the lock")

	// The owner's own browser (its device cookie spares it the failure lock)
	// with the right password: refused, and told why.
	p := mustGet(t, v.b, shop.authorization().URL)
	p = mustSubmit(t, v.b, p, "/password", url.Values{"login": {"ivanov"}, "password": {"S3cure-pass!"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, blockedRu) {
		t.Fatalf("password from the owner's browser after the lock: %d %q %.300s", p.Status, p.Location, p.Body)
	}
	// A new browser with the right password: the same.
	if status, p, _, _ := passwordStatus(t, shop, "ivanov", "S3cure-pass!"); status != http.StatusForbidden || !strings.Contains(p.Body, blockedRu) {
		t.Fatalf("password from a new browser after the lock: %d %.300s", status, p.Body)
	}
	// A wrong password: the usual answer, nothing about the lock.
	if status, p, _, _ := passwordStatus(t, shop, "ivanov", "wrong-password"); status != http.StatusUnauthorized ||
		strings.Contains(p.Body, blockedRu) || !strings.Contains(p.Body, "Неверный логин или пароль") {
		t.Fatalf("wrong password after the lock: %d %.300s", status, p.Body)
	}

	// The SMS code: the owner gets it, the right code is refused.
	b, p := openPhonePage(t, shop)
	p = mustSubmit(t, b, p, "/phone/send", url.Values{"phone": {"+79090000000"}})
	p = mustSubmit(t, b, p, "/phone/verify", url.Values{"code": {gw.lastCode(t, "+79090000000")}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, blockedRu) {
		t.Fatalf("SMS code after the lock: %d %q %.300s", p.Status, p.Location, p.Body)
	}

	// The operator unlocks: the password signs in again, from the owner's browser too.
	if got := admin(http.MethodPost, "/users/"+id+"/unlock"); got["operator_lock"] != nil {
		t.Fatalf("unlock: %v", got)
	}
	shop.signIn(v.b, "ivanov", "S3cure-pass!")
	signedInVictim(t, shop, "ivanov", "S3cure-pass!").stillIn(t, shop, "after the unlock")

	types := auditTypes(t, srv)
	if !slices.Contains(types, "account.locked") || !slices.Contains(types, "account.unlocked") {
		t.Fatalf("audit: %v", types)
	}
}
