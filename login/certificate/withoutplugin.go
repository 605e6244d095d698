package certificate

import (
	"errors"
	"net/http"

	"github.com/vhod-id/vhod/directory/flows"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
)

// InstallLinks are the pages that tell a person without CryptoPro's plug-in how
// to get what signing needs (the operator's own instructions, or CryptoPro's
// public download pages, cmd/vhod's defaults).
type InstallLinks struct {
	// CSP is CryptoPro CSP, the cryptographic provider the plug-in and cryptcp use.
	CSP string
	// Plugin is CryptoPro's browser plug-in (CAdES Browser plug-in).
	Plugin string
	// Tool is a program that signs a file (КриптоАРМ, cryptcp).
	Tool string
}

// challengeFileName is the name the challenge is downloaded under.
const challengeFileName = "vhod-challenge.txt"

// challengeFile hands the flow's challenge over as a file, byte for byte what is
// to be signed (UTF-8, no line break), for signing programs that sign files
// (GET /login/{flow}/certificate/challenge). Without a live challenge the
// browser goes back to the page, which makes a new one.
func (h *Pages) challengeFile(w http.ResponseWriter, r *http.Request) {
	f, ar, _, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateStarted) || f.Method != string(login.MethodCertificate) || f.Challenge == "" ||
		!h.kit.Now().Before(f.ChallengeExpiresAt) || f.Attempts >= maxCertAttempts {
		http.Redirect(w, r, login.FlowURL(f.ID, "certificate", ar.ID), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+challengeFileName+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(f.Challenge))
}

// existingAccount is "I already have an account" on the confirmation of a
// certificate that no account has (POST /login/{flow}/certificate/existing):
// the certificate waits in the flow while the person signs in with a password
// or a phone; the core then brings them back to the confirmation, now to bind
// it to the account they signed in to (certificateConfirm, with the binding's
// fresh-sign-in rule and audit).
func (h *Pages) existingAccount(w http.ResponseWriter, r *http.Request) {
	f, ar, lang, ok := h.certificateFlow(w, r)
	if !ok {
		return
	}
	if !f.In(flows.StateCertConfirm) || f.Certificate == nil || f.SessionUserID != "" {
		h.kit.Fail(w, r, lang, &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: errors.New("existing account asked in state " + f.State)})
		return
	}
	f.Certificate.LinkAfterSignIn = true
	if uerr := h.kit.Move(r, &f, flows.StateStarted); uerr != nil {
		h.kit.Fail(w, r, lang, uerr)
		return
	}
	http.Redirect(w, r, login.FlowURL(f.ID, "", ar.ID)+"&method="+string(login.MethodPassword), http.StatusSeeOther)
}
