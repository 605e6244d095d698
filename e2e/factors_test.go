package e2e

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/vhod-id/vhod/internal/rptest"
)

// factorsServer: consoleServer's people and mailbox, and "ops", a client of
// the API with the operator authority.
func factorsServer(t *testing.T) (*server, *mailbox) {
	return companyServer(t, func(cfg string) string {
		cfg = strings.Replace(cfg, "  moderators: [moderator]\n", "  moderators: [moderator]\n  operators: [admin]\n", 1)
		cfg = strings.Replace(cfg, "  clients:\n", `  clients:
    - id: ops
      secret: ops-secret-123
      grant_types: [client_credentials]
      scopes: [admin]
      authorities: [operator]
`, 1)
		return cfg + "    - {login: admin, password: \"Admin-pass-123\"}\n"
	})
}

var (
	totpSecretRe = regexp.MustCompile(`data-secret="([A-Z2-7]+)"`)
	recoveryRe   = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
	userLinkRe   = regexp.MustCompile(`href="/console/users/([A-Z0-9]+)"`)
)

// enrolApp sets up an authenticator app for the person signed in to b on the
// account pages (the secret read from the page, the code computed here) and
// returns the ten recovery codes, shown once.
func enrolApp(t *testing.T, srv *server, iv *rptest.Browser) []string {
	t.Helper()
	p := mustGet(t, iv, srv.Issuer+"/account/security")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Sign-in and security") || !strings.Contains(p.Body, "No authenticator app is set up.") {
		t.Fatalf("security page: %d %.600s", p.Status, p.Body)
	}
	p = mustSubmit(t, iv, p, "/account/security/totp", nil)
	m := totpSecretRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no secret on the enrolment page: %d %.900s", p.Status, p.Body)
	}
	if qr := mustGet(t, iv, srv.Issuer+"/account/security/totp/qr.png"); qr.Status != http.StatusOK || !strings.HasPrefix(qr.Body, "\x89PNG") {
		t.Fatalf("QR code: %d", qr.Status)
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p = mustSubmit(t, iv, p, "/account/security/totp/confirm", map[string][]string{"code": {code}})
	codes := recoveryRe.FindAllStringSubmatch(p.Body, -1)
	if len(codes) != 10 || !strings.Contains(p.Body, "They are shown only now") {
		t.Fatalf("recovery codes: %d %.900s", len(codes), p.Body)
	}
	if p = mustGet(t, iv, srv.Issuer+"/account/security"); !strings.Contains(p.Body, "An authenticator app confirms your sign-ins") ||
		!strings.Contains(p.Body, "10 recovery codes left") || recoveryRe.MatchString(p.Body) {
		t.Fatalf("after enrolment: %.900s", p.Body)
	}

	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return out
}

// TestFactorsReset: ivanov sets up an authenticator app on the account page
// (the secret read from the page, a code computed here) and gets ten recovery
// codes once; an operator sees it in the console and resets it, confirmed on a
// page of its own, audited as done in the console, and ivanov is mailed. The
// API reads the factors and resets them too, as the OpenAPI document says.
func TestFactorsReset(t *testing.T) {
	srv, box := factorsServer(t)
	iv := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	enrolApp(t, srv, iv)

	// The operator resets it in the console.
	op := accountBrowser(t, srv, "admin", "Admin-pass-123")
	p := mustGet(t, op, srv.Issuer+"/console/users?q=ivanov")
	id := userLinkRe.FindStringSubmatch(p.Body)
	if id == nil {
		t.Fatalf("ivanov not found: %.600s", p.Body)
	}
	p = mustGet(t, op, srv.Issuer+"/console/users/"+id[1])
	if !strings.Contains(p.Body, "Authenticator app: yes") || !strings.Contains(p.Body, "10 recovery codes left") {
		t.Fatalf("console user page: %.1500s", p.Body)
	}
	before := box.count("ivanov@example.com")
	p = mustConfirm(t, op, p, "/factors/reset", nil, "Reset second factors?")
	if !strings.Contains(p.Body, "Second factors are reset; the person got an email.") || !strings.Contains(p.Body, "Authenticator app: no") {
		t.Fatalf("after the reset: %d %.1500s", p.Status, p.Body)
	}
	if n := box.count("ivanov@example.com"); n != before+1 {
		t.Fatalf("%d mails after the reset, want %d", n, before+1)
	}
	if mail := decodeMail(box.last(t, "ivanov@example.com")); !strings.Contains(mail, "removed every second factor") &&
		!strings.Contains(mail, "удалил все вторые факторы") {
		t.Fatalf("reset mail: %s", mail)
	}
	p = mustGet(t, op, srv.Issuer+"/console/audit?type=factor.reset")
	if !strings.Contains(p.Body, "via=console") || !strings.Contains(html.UnescapeString(p.Body), "totp=true") {
		t.Fatalf("audit of the reset: %.1500s", p.Body)
	}
	// ivanov's page says so too; the recovery codes are gone with the app.
	if p = mustGet(t, iv, srv.Issuer+"/account/security"); !strings.Contains(p.Body, "No authenticator app is set up.") ||
		!strings.Contains(p.Body, "0 recovery codes left") {
		t.Fatalf("ivanov after the reset: %.900s", p.Body)
	}

	// The API: read, reset (audited with the API's actor, mailed).
	tok, err := (&clientcredentials.Config{ClientID: "ops", ClientSecret: "ops-secret-123", TokenURL: srv.Issuer + "/oauth/token",
		Scopes: []string{"admin"}}).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	api := func(method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.Issuer+"/api/v1"+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	status, body := api("GET", "/users/"+id[1]+"/factors")
	if status != http.StatusOK || body["totp"] != false || body["recovery_codes_left"] != float64(0) {
		t.Fatalf("API factors: %d %v", status, body)
	}
	if status, _ = api("POST", "/users/"+id[1]+"/factors/reset"); status != http.StatusNoContent {
		t.Fatalf("API reset: %d", status)
	}
	if n := box.count("ivanov@example.com"); n != before+2 {
		t.Fatalf("%d mails after the API's reset, want %d", n, before+2)
	}
	if status, _ = api("DELETE", "/users/"+id[1]+"/passkeys/none"); status != http.StatusNotFound {
		t.Fatalf("API removes an unknown passkey: %d", status)
	}
}

// TestRecoveryKeepsSecondFactors: a new password by an email code (recovery)
// leaves the authenticator app and the recovery codes as they were: only an
// operator's reset removes second factors.
func TestRecoveryKeepsSecondFactors(t *testing.T) {
	gw, gwURL := newSMSGateway(t)
	box, port := newMailbox(t)
	srv := startServer(t, recoveryConfig(gwURL, port))
	// ivanov's confirmed phone is a second factor (SMS codes): his password
	// alone adds no app, the sign-in is stepped up with an SMS code first.
	iv := accountBrowser(t, srv, "ivanov", "S3cure-pass!")
	p := mustSubmit(t, iv, mustGet(t, iv, srv.Issuer+"/account/security"), "/account/security/totp", nil)
	if !strings.Contains(p.Body, "Confirm it&#39;s you") {
		t.Fatalf("a password-only session was not stepped up: %.900s", p.Body)
	}
	p = mustSubmit(t, iv, p, "/second-factor/sms", nil)
	mustSubmit(t, iv, p, "/second-factor/sms/check", map[string][]string{"sms_code": {gw.lastCode(t, "+79090000000")}})
	enrolApp(t, srv, iv)

	shop := shopRP(t, srv)
	b := rptest.NewBrowser("http://127.0.0.1:8765/")
	b.Lang = "en"
	p = startRecovery(t, b, shop, shop.authorization(oauth2.SetAuthURLParam("ui_locales", "en")), "ivanov@example.com")
	m := regexp.MustCompile(`code to change the password: (\d{6})`).FindStringSubmatch(box.lastWith(t, "ivanov@example.com", "code to change the password"))
	if m == nil {
		t.Fatal("no recovery code mailed")
	}
	p = mustSubmit(t, b, p, "/reset", map[string][]string{"code": {m[1]}, "new": {"Fresh-pass-42"}, "repeat": {"Fresh-pass-42"}})
	if !strings.Contains(p.Body, "Your password has been changed") {
		t.Fatalf("reset: %d %.300s", p.Status, p.Body)
	}
	iv = accountBrowser(t, srv, "ivanov", "Fresh-pass-42")
	if p = mustGet(t, iv, srv.Issuer+"/account/security"); !strings.Contains(p.Body, "An authenticator app confirms your sign-ins") ||
		!strings.Contains(p.Body, "10 recovery codes left") {
		t.Fatalf("second factors after a recovery: %.900s", p.Body)
	}
}
