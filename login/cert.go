package login

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// MethodCertificate is sign-in with an X.509 certificate (signed challenge or TLS).
const MethodCertificate Method = "certificate"

// challengeLifetime is how long a certificate challenge may be signed.
const challengeLifetime = 5 * time.Minute

// maxCertAttempts bounds signatures tried against one challenge.
const maxCertAttempts = 5

// Certificates configures certificate sign-in; a nil *Certificates in Config
// turns it off.
type Certificates struct {
	Verifier *certauth.Verifier
	// TLSURL is the origin of the listener (Vhod's own, or a proxy's) that asks the
	// browser for a client certificate; empty: no TLS sign-in offered.
	TLSURL string
	// Header carries the client certificate from a TLS proxy (nginx
	// $ssl_client_escaped_cert); read only from Trusted addresses.
	Header  string
	Trusted []netip.Prefix
	// PluginScriptFile is CryptoPro's cadesplugin_api.js on disk, served at
	// PluginScriptPath; the page works without it (manual path).
	PluginScriptFile string
}

// certificatesOn: sign-in with a certificate is offered while some CA is
// trusted (anchors may come and go through the admin API).
func (h *Handler) certificatesOn() bool {
	return h.cfg.Certificates != nil && h.cfg.Certificates.Verifier.HasAnchors()
}

// PluginScriptPath is where the certificate page loads CryptoPro's script from.
const PluginScriptPath = "/static/cryptopro/cadesplugin_api.js"

type certificatePage struct {
	base
	Action, Client, Challenge, ChallengeB64 string
	Notice, Error                           string
	TLSLink, PasswordLink, PluginScript     string
}

type certificateConfirmPage struct {
	base
	Action, CancelLink, Client string
	Subject                    certauth.Subject
	Issuer, NotAfter, Key      string
	Qualified, Bind            bool
}

// certificateFlow loads a sign-in flow for the certificate pages.
func (h *Handler) certificateFlow(w http.ResponseWriter, r *http.Request) (flow, storage.AuthRequest, language.Tag, bool) {
	f, ar, lang, _, uerr := h.loadFlow(r)
	if uerr == nil && !h.certificatesOn() {
		uerr = &web.UserError{Status: http.StatusNotFound, Key: "error.not_found", Err: errors.New("certificate sign-in is off")}
	}
	if uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return f, ar, lang, false
	}
	return f, ar, lang, true
}

// certificateForm shows the challenge (GET /login/{flow}/certificate).
func (h *Handler) certificateForm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if f.In(flows.StateCertConfirm) {
		h.certificateConfirmForm(w, r, f, ar, lang)
		return
	}
	h.certificateChallenge(w, r, http.StatusOK, f, ar, lang, "", "")
}

// certificateChallenge renders the page with the flow's challenge, making a new
// one when there is none or it has expired.
func (h *Handler) certificateChallenge(w http.ResponseWriter, r *http.Request, status int, f flow, ar storage.AuthRequest, lang language.Tag, errKey, noticeKey string) {
	now := h.now()
	if !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("certificate page in state " + f.State)})
		return
	}
	if f.Method != string(MethodCertificate) || f.Challenge == "" || !now.Before(f.ChallengeExpiresAt) || f.Attempts >= maxCertAttempts {
		switch {
		case noticeKey != "" || f.Method != string(MethodCertificate) || f.Challenge == "":
		case f.Attempts >= maxCertAttempts:
			noticeKey = "cert.error.attempts"
		case !now.Before(f.ChallengeExpiresAt) && errKey == "":
			noticeKey = "cert.challenge_expired"
		}
		f.Method, f.Attempts = string(MethodCertificate), 0
		f.Challenge = certauth.NewChallenge(hostOf(h.cfg.Issuer), now)
		f.ChallengeExpiresAt = now.Add(challengeLifetime)
		if uerr := h.move(r, &f, flows.StateStarted); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
	}
	t := h.catalog.Translator(lang)
	page := certificatePage{base: h.newBase(r, lang, "cert.title"), Action: flowURL(f.ID, "certificate", ar.ID),
		Challenge: f.Challenge, ChallengeB64: base64.StdEncoding.EncodeToString([]byte(f.Challenge)),
		PasswordLink: flowURL(f.ID, "", ar.ID) + "&method=" + string(MethodPassword)}
	if h.cfg.Certificates.PluginScriptFile != "" {
		page.PluginScript = PluginScriptPath
	}
	if h.cfg.Certificates.TLSURL != "" {
		page.TLSLink = strings.TrimSuffix(h.cfg.Certificates.TLSURL, "/") + flowURL(f.ID, "certificate/tls", ar.ID)
	}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	if errKey != "" {
		page.Error = t.T(errKey)
	}
	if noticeKey != "" {
		page.Notice = t.T(noticeKey)
	}
	h.pages.Render(w, r, status, "certificate", page)
}

// certificateSignIn checks a posted CMS signature of the challenge
// (POST /login/{flow}/certificate): pasted as text or uploaded as a file.
func (h *Handler) certificateSignIn(w http.ResponseWriter, r *http.Request) {
	raw, readErr := readSignature(r)
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateStarted) {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("signature posted in state " + f.State)})
		return
	}
	switch {
	case f.Method != string(MethodCertificate) || f.Challenge == "":
		// The challenge was spent by a sign-in, or never issued: this is a replay.
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.replayed", "")
		return
	case !h.now().Before(f.ChallengeExpiresAt):
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.challenge_expired", "")
		return
	case f.Attempts >= maxCertAttempts:
		h.certificateChallenge(w, r, http.StatusTooManyRequests, f, ar, lang, "cert.error.attempts", "")
		return
	case readErr != nil || len(raw) == 0:
		h.certificateChallenge(w, r, http.StatusBadRequest, f, ar, lang, "cert.error.empty", "")
		return
	}
	if h.addressLimited(w, r, f, ar, lang) {
		return
	}
	// The attempt is counted before the check, so racing posts cannot try more.
	f.Attempts++
	if uerr := h.move(r, &f, flows.StateStarted); uerr != nil {
		h.pages.Fail(w, r, lang, uerr)
		return
	}
	signed, err := h.cfg.Certificates.Verifier.VerifyCMS(r.Context(), raw, certauth.ChallengeContents(f.Challenge))
	if err != nil {
		h.certificateRefused(r, ar, err, "cms")
		if err := h.countAddressFailure(r); err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, reasonKey(err), "")
		return
	}
	// The challenge is spent: it leaves the flow with the next save.
	f.Challenge, f.ChallengeExpiresAt = "", time.Time{}
	h.certificateAccepted(w, r, f, ar, lang, signed.Result, "cms")
}

// certificateTLS signs in with the client certificate of the TLS connection, or
// the one a trusted proxy passed on (GET /login/{flow}/certificate/tls).
func (h *Handler) certificateTLS(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateStarted) && !f.In(flows.StateCodeSent) {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("TLS sign-in in state " + f.State)})
		return
	}
	if h.addressLimited(w, r, f, ar, lang) {
		return
	}
	leaf, chain, err := h.cfg.Certificates.FromRequest(r)
	if err != nil {
		h.log.InfoContext(r.Context(), "no client certificate", "err", err)
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, "cert.error.no_tls_certificate", "")
		return
	}
	res, err := h.cfg.Certificates.Verifier.Verify(r.Context(), leaf, chain, certauth.PurposeClientAuth)
	if err != nil {
		h.certificateRefused(r, ar, err, "tls")
		if err := h.countAddressFailure(r); err != nil {
			h.pages.Fail(w, r, lang, unavailable(err))
			return
		}
		h.certificateChallenge(w, r, http.StatusUnauthorized, f, ar, lang, reasonKey(err), "")
		return
	}
	h.certificateAccepted(w, r, f, ar, lang, res, "tls")
}

// addressLimited refuses an address with too many failed sign-ins in the window:
// refused certificates count like wrong passwords, and every check costs CPU
// (a GOST verification takes milliseconds).
func (h *Handler) addressLimited(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag) bool {
	c, err := h.failures(r, "")
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return true
	}
	if !h.over(c) {
		return false
	}
	h.cfg.OnSignIn(string(MethodCertificate), OutcomeLimited)
	h.certificateChallenge(w, r, http.StatusTooManyRequests, f, ar, lang, "login.too_many_failures", "")
	return true
}

// FromRequest is the TLS client certificate of a request, not yet verified:
// from our listener, whose handshake proved the key, or from the header of a
// trusted proxy. The header from anyone else is ignored.
func (c *Certificates) FromRequest(r *http.Request) (*x509.Certificate, []*x509.Certificate, error) {
	if leaf, chain, ok := certauth.FromTLS(r.TLS); ok {
		return leaf, chain, nil
	}
	if c.Header == "" || !certauth.ProxyTrusted(r.RemoteAddr, c.Trusted) {
		return nil, nil, errors.New("no verified client certificate on this connection")
	}
	return certauth.FromProxyHeader(r.Header.Get(c.Header))
}

// StripCertificateHeader removes the proxy's certificate header from requests of
// untrusted peers, so that no handler can ever read a forged one.
func StripCertificateHeader(header string, trusted []netip.Prefix, next http.Handler) http.Handler {
	if header == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !certauth.ProxyTrusted(r.RemoteAddr, trusted) {
			r.Header.Del(header)
		}
		next.ServeHTTP(w, r)
	})
}

// certificateAccepted finds the certificate's account and signs in, or asks the
// person to confirm a new account (or the binding to the signed-in one).
func (h *Handler) certificateAccepted(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag, res *certauth.Result, via string) {
	user, renewed, err := h.accounts.UserByCertificate(r.Context(), res.Leaf, res.Qualified)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		f.Certificate = &storage.PendingCertificate{DER: res.Leaf.Raw, Qualified: res.Qualified, Via: via}
		if uerr := h.move(r, &f, flows.StateCertConfirm); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		http.Redirect(w, r, flowURL(f.ID, "certificate", ar.ID), http.StatusSeeOther)
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.taken", "")
		return
	case err != nil:
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	if renewed {
		h.audit(r, storage.AuditEvent{Type: directory.EventCertificateBound, Outcome: directory.OutcomeSuccess, UserID: user.ID,
			ClientID: ar.ClientID, Details: map[string]string{"sha256": res.Fingerprint, "reason": "renewal"}})
	}
	if f.SessionUserID != "" && f.SessionUserID != user.ID {
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.other_account", "")
		return
	}
	if user.Disabled {
		h.certificateChallenge(w, r, http.StatusForbidden, f, ar, lang, "cert.error.disabled", "")
		return
	}
	h.certificateSession(w, r, f, ar, lang, user.ID, res.Leaf, res.Qualified, via)
}

// certificateSession starts the SSO session of a certificate sign-in.
func (h *Handler) certificateSession(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag, userID string, leaf *x509.Certificate, qualified bool, via string) {
	acr := directory.ACRCertificate
	if qualified {
		acr = directory.ACRQualifiedCertificate
	}
	ref := directory.CertificateRef(leaf)
	sess, err := h.startSessionWith(w, r, storage.Session{UserID: userID, AMR: []string{directory.AMRSoftKey}, ACR: acr, Certificate: &ref})
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.cfg.OnSignIn(string(MethodCertificate), OutcomeSuccess)
	h.audit(r, storage.AuditEvent{Type: directory.EventSignIn, Outcome: directory.OutcomeSuccess, UserID: userID, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(MethodCertificate), "via": via, "sha256": ref.SHA256, "sid": sess.SID, "acr": acr}})
	f.Certificate = nil
	h.afterAuthentication(w, r, f, ar, lang, sess, MethodCertificate)
}

// certificateRefused logs and audits a refused certificate or signature.
func (h *Handler) certificateRefused(r *http.Request, ar storage.AuthRequest, err error, via string) {
	reason := string(certauth.ReasonOf(err))
	h.log.InfoContext(r.Context(), "certificate refused", "reason", reason, "via", via, "err", err)
	h.cfg.OnSignIn(string(MethodCertificate), OutcomeFailure)
	h.audit(r, storage.AuditEvent{Type: directory.EventCertificateRefused, Outcome: directory.OutcomeFailure, ClientID: ar.ClientID,
		Details: map[string]string{"method": string(MethodCertificate), "via": via, "reason": reason}})
}

// certificateConfirmForm shows what the certificate says before an account is
// made from it (or it is bound to the signed-in person's account).
func (h *Handler) certificateConfirmForm(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag) {
	leaf, err := pendingLeaf(f)
	if err != nil {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err})
		return
	}
	page := certificateConfirmPage{base: h.newBase(r, lang, "cert.confirm_title"), Action: flowURL(f.ID, "certificate/confirm", ar.ID),
		Subject: certauth.ReadSubject(leaf), Issuer: leaf.Issuer.CommonName, NotAfter: leaf.NotAfter.Format(time.DateOnly),
		Qualified: f.Certificate.Qualified, Bind: f.SessionUserID != ""}
	if c, err := h.store.ClientByID(r.Context(), ar.ClientID); err == nil {
		page.Client = c.Name
	}
	h.pages.Render(w, r, http.StatusOK, "certificate_confirm", page)
}

func pendingLeaf(f flow) (*x509.Certificate, error) {
	if f.Certificate == nil {
		return nil, errors.New("no certificate waits in the flow")
	}
	return x509.ParseCertificate(f.Certificate.DER)
}

// certificateConfirm makes the account (or binds the certificate to the
// signed-in person) and signs in (POST /login/{flow}/certificate/confirm).
func (h *Handler) certificateConfirm(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateCertConfirm) {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("confirmation in state " + f.State)})
		return
	}
	leaf, err := pendingLeaf(f)
	if err != nil {
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err})
		return
	}
	qualified, via := f.Certificate.Qualified, f.Certificate.Via
	userID := f.SessionUserID
	if userID != "" && !h.bindingFresh(w, r, f, ar, lang) {
		return
	}
	if userID != "" {
		err = h.accounts.BindCertificate(r.Context(), userID, leaf, qualified)
	} else {
		var u storage.User
		u, err = h.accounts.CreateUserFromCertificate(r.Context(), leaf, qualified, lang.String())
		userID = u.ID
		if err == nil {
			h.audit(r, storage.AuditEvent{Type: directory.EventRegistration, Outcome: directory.OutcomeSuccess, UserID: u.ID, ClientID: ar.ClientID,
				Details: map[string]string{"method": string(MethodCertificate)}})
		}
	}
	if errors.Is(err, directory.ErrCertificateTaken) {
		f.Certificate = nil
		if uerr := h.move(r, &f, flows.StateStarted); uerr != nil {
			h.pages.Fail(w, r, lang, uerr)
			return
		}
		h.certificateChallenge(w, r, http.StatusConflict, f, ar, lang, "cert.error.taken", "")
		return
	}
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return
	}
	h.audit(r, storage.AuditEvent{Type: directory.EventCertificateBound, Outcome: directory.OutcomeSuccess, UserID: userID, ClientID: ar.ClientID,
		Details: map[string]string{"sha256": certauth.Fingerprint(leaf), "via": via}})
	if f.SessionUserID != "" {
		if u, err := h.accounts.UserByID(r.Context(), userID); err == nil {
			h.tellOfChange(r, u, directory.ChangeCertificateAdded)
		}
	}
	h.certificateSession(w, r, f, ar, lang, userID, leaf, qualified, via)
}

// readSignature takes the signature from the text field or the uploaded file.
func readSignature(r *http.Request) ([]byte, error) {
	if text := strings.TrimSpace(r.PostFormValue("signature")); text != "" {
		return []byte(text), nil
	}
	file, _, err := r.FormFile("signature_file")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, 2*certauth.MaxCMSBytes+1))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// reasonKey is the sentence for a refusal.
func reasonKey(err error) string {
	return "cert.error." + string(certauth.ReasonOf(err))
}

func hostOf(issuer string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://")
	host, _, _ := strings.Cut(s, "/")
	return host
}

// requiredACR is the weakest sign-in the request accepts: the client's minimum,
// raised to the weakest class the RP listed in acr_values (any of them will do).
// When the client cannot be read the minimum is unknown, and that is an error,
// not "no minimum": a database hiccup must not let a password session answer a
// client that demands a certificate (fail closed).
func requiredACR(ctx context.Context, clients interface {
	ClientByID(context.Context, string) (storage.Client, error)
}, ar storage.AuthRequest) (string, error) {
	want := ""
	for _, v := range ar.ACRValues {
		if directory.ACRSatisfies(v, v) && (want == "" || directory.ACRSatisfies(want, v)) {
			want = v
		}
	}
	c, err := clients.ClientByID(ctx, ar.ClientID)
	if err != nil {
		return "", fmt.Errorf("minimum acr of client %q: %w", ar.ClientID, err)
	}
	if c.MinACR != "" && (want == "" || directory.ACRSatisfies(c.MinACR, want)) {
		want = c.MinACR
	}
	return want, nil
}

// bindingFresh: a certificate joins the signed-in person's account (linking on the
// account page, or a step-up) only from a session that is still theirs and signed
// in recently; a session signed in too long ago signs in again and comes back to
// this confirmation. Otherwise it has answered and returns false.
func (h *Handler) bindingFresh(w http.ResponseWriter, r *http.Request, f flow, ar storage.AuthRequest, lang language.Tag) bool {
	sess, err := h.currentSession(r.Context())
	var u storage.User
	if err == nil && sess != nil && sess.UserID == f.SessionUserID {
		u, err = h.accounts.UserByID(r.Context(), sess.UserID)
	}
	switch {
	case err != nil:
		h.pages.Fail(w, r, lang, unavailable(err))
		return false
	case sess == nil || sess.UserID != f.SessionUserID:
		h.pages.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "login.flow_expired", Err: errors.New("the session a binding is for has ended")})
		return false
	}
	if h.cfg.Reauths.Fresh(sess) {
		return true
	}
	id, err := h.cfg.Reauths.Wait(r.Context(), h.actor(r, u.ID), sess, u.ID, h.cookies.BrowserHash(r.Context()),
		flows.ReauthCertificateBind, f.ID, ar.ID)
	if err != nil {
		h.pages.Fail(w, r, lang, unavailable(err))
		return false
	}
	web.SignIn(w, r, h.cfg.Issuer, directory.AccountClientID, directory.ReauthStatePrefix+id, reauthQuery(u))
	return false
}

// reauthQuery asks the account client's sign-in to be made again, for u.
func reauthQuery(u storage.User) url.Values {
	q := url.Values{"prompt": {"login"}}
	if hint := firstOf(u.Login, u.Email, u.Phone); hint != "" {
		q.Set("login_hint", hint)
	}
	return q
}
