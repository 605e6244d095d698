package factors

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// PasskeyConfig is the WebAuthn relying party: Vhod's host and the origins its
// pages are served from.
type PasskeyConfig struct {
	// RPID is the host passkeys are bound to ("id.example.ru"); see
	// PasskeyConfigFromIssuer.
	RPID string
	// Origins are where the pages run ("https://id.example.ru"); behind a
	// proxy that rewrites the host, the public origin.
	Origins []string
	// Name is shown by the browser ("Vhod").
	Name string
	// Attestation is the conveyance asked for: "none" (the default: Vhod
	// trusts no vendor list, and asking for more only shows people a prompt).
	Attestation string
	// Timeout bounds a ceremony (5 minutes by default).
	Timeout time.Duration
}

// PasskeyConfigFromIssuer derives the relying party from the issuer URL: its
// host is the RP ID and its scheme and host the one origin.
func PasskeyConfigFromIssuer(issuer string) (PasskeyConfig, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return PasskeyConfig{}, fmt.Errorf("passkeys: issuer %q is no http(s) URL", issuer)
	}
	return PasskeyConfig{RPID: u.Hostname(), Origins: []string{u.Scheme + "://" + u.Host}, Name: "Vhod"}, nil
}

// Ceremony kinds.
const (
	ceremonyRegister = "passkey.register"
	ceremonyLogin    = "passkey.login"
)

// MaxPasskeyName bounds a passkey's label, in bytes.
const MaxPasskeyName = 64

func newWebAuthn(c PasskeyConfig) (*webauthn.WebAuthn, error) {
	if c.Name == "" {
		c.Name = "Vhod"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	pref := protocol.ConveyancePreference(c.Attestation)
	if pref == "" {
		pref = protocol.PreferNoAttestation
	}
	t := webauthn.TimeoutConfig{Enforce: true, Timeout: c.Timeout, TimeoutUVD: c.Timeout}
	return webauthn.New(&webauthn.Config{
		RPID: c.RPID, RPDisplayName: c.Name, RPOrigins: c.Origins, AttestationPreference: pref,
		Timeouts: webauthn.TimeoutsConfig{Login: t, Registration: t},
	})
}

// waUser shows an account to the library: its handle is the account ID (an
// opaque random string, no personal data), its credentials its passkeys.
type waUser struct {
	u     storage.User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return []byte(w.u.ID) }
func (w waUser) WebAuthnName() string                       { return accountLabel(w.u) }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }
func (w waUser) WebAuthnDisplayName() string {
	if n := strings.TrimSpace(w.u.GivenName + " " + w.u.FamilyName); n != "" {
		return n
	}
	return accountLabel(w.u)
}

// credentialID is the stored form of a credential ID.
func credentialID(raw []byte) string { return base64.RawURLEncoding.EncodeToString(raw) }

func toCredential(p storage.Passkey) webauthn.Credential {
	raw, _ := base64.RawURLEncoding.DecodeString(p.ID)
	tr := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		tr[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{ID: raw, PublicKey: p.PublicKey, AttestationType: p.AttestationType,
		AttestationFormat: p.AttestationFormat, Transport: tr,
		Flags: webauthn.CredentialFlags{UserPresent: p.UserPresent, UserVerified: p.UserVerified,
			BackupEligible: p.BackupEligible, BackupState: p.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount,
			Attachment: protocol.AuthenticatorAttachment(p.Attachment)}}
}

// user loads an account with its passkeys, as the library wants it.
func (f *Service) user(ctx context.Context, userID string) (waUser, []storage.Passkey, error) {
	u, err := f.store.UserByID(ctx, userID)
	if err != nil {
		return waUser{}, nil, err
	}
	pks, err := f.store.PasskeysOfUser(ctx, userID)
	if err != nil {
		return waUser{}, nil, err
	}
	w := waUser{u: u}
	for _, p := range pks {
		w.creds = append(w.creds, toCredential(p))
	}
	return w, pks, nil
}

// PasskeysOn tells whether passkeys are configured (a relying party is set).
func (f *Service) PasskeysOn() bool { return f.wa != nil }

func (f *Service) passkeysOn() error {
	if f.wa == nil {
		return fmt.Errorf("%w: passkeys are not configured", ErrPasskeyFailed)
	}
	return nil
}

// begin stores the server's half of a ceremony and returns its ID with the
// options for navigator.credentials (JSON).
func (f *Service) begin(ctx context.Context, kind, userID string, options any, s *webauthn.SessionData) (string, []byte, error) {
	sess, err := json.Marshal(s)
	if err != nil {
		return "", nil, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return "", nil, err
	}
	// The library also dates the session (by the wall clock) and checks it.
	now := f.now().UTC()
	c := storage.Ceremony{ID: directory.NewID(), Kind: kind, UserID: userID, Session: sess, CreatedAt: now,
		ExpiresAt: now.Add(f.wa.Config.Timeouts.Login.Timeout)}
	if err := f.store.CreateCeremony(ctx, c); err != nil {
		return "", nil, err
	}
	return c.ID, opts, nil
}

// take claims a ceremony of kind (once); an unknown, expired or used one, or
// one of another kind or person, fails.
func (f *Service) take(ctx context.Context, id, kind, userID string) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	c, err := f.store.TakeCeremony(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return s, fmt.Errorf("%w: ceremony unknown, used or expired", ErrPasskeyFailed)
	}
	if err != nil {
		return s, err
	}
	if c.Kind != kind || c.UserID != userID || !f.now().Before(c.ExpiresAt) {
		return s, fmt.Errorf("%w: ceremony of another kind, person or time", ErrPasskeyFailed)
	}
	return s, json.Unmarshal(c.Session, &s)
}

// BeginPasskeyRegistration starts adding a passkey to the account: a
// discoverable credential (so it signs in alone), user verification preferred,
// attestation as configured, the account's passkeys excluded. It returns the
// ceremony ID and the creation options for the browser (JSON).
func (f *Service) BeginPasskeyRegistration(ctx context.Context, userID string) (string, []byte, error) {
	if err := f.passkeysOn(); err != nil {
		return "", nil, err
	}
	w, _, err := f.user(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	opts, s, err := f.wa.BeginRegistration(w,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(w.creds).CredentialDescriptors()))
	if err != nil {
		return "", nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	return f.begin(ctx, ceremonyRegister, userID, opts, s)
}

// FinishPasskeyRegistration checks the browser's answer (the JSON of the
// PublicKeyCredential) and stores the passkey under name. The account's first
// second factor also gets its recovery codes, returned here once.
func (f *Service) FinishPasskeyRegistration(ctx context.Context, by directory.Actor, userID, ceremonyID, name string, body io.Reader) (storage.Passkey, []string, error) {
	if err := f.passkeysOn(); err != nil {
		return storage.Passkey{}, nil, err
	}
	s, err := f.take(ctx, ceremonyID, ceremonyRegister, userID)
	if err != nil {
		return storage.Passkey{}, nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(body)
	if err != nil {
		return storage.Passkey{}, nil, f.refused(ctx, by, userID, "register", err)
	}
	w, _, err := f.user(ctx, userID)
	if err != nil {
		return storage.Passkey{}, nil, err
	}
	c, err := f.wa.CreateCredential(w, s, parsed)
	if err != nil {
		return storage.Passkey{}, nil, f.refused(ctx, by, userID, "register", err)
	}
	now := f.now().UTC()
	p := storage.Passkey{ID: credentialID(c.ID), UserID: userID, Name: passkeyName(name, now), PublicKey: c.PublicKey,
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat, AAGUID: c.Authenticator.AAGUID,
		Attachment: string(c.Authenticator.Attachment), SignCount: c.Authenticator.SignCount,
		UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState, CreatedAt: now}
	for _, t := range c.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	if err := f.store.CreatePasskey(ctx, p); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return storage.Passkey{}, nil, f.refused(ctx, by, userID, "register", err)
		}
		return storage.Passkey{}, nil, err
	}
	f.changed(ctx, by, userID, directory.EventFactorEnrolled, "mail.passkey_added", "passkey")
	codes, err := f.firstRecoveryCodes(ctx, by, w.u)
	return p, codes, err
}

// passkeyName is the person's label, trimmed and bounded, or a dated default.
func passkeyName(name string, now time.Time) string {
	name = strings.TrimSpace(strings.ToValidUTF8(name, ""))
	for len(name) > MaxPasskeyName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" {
		name = "Passkey " + now.Format("2006-01-02")
	}
	return name
}

// refused audits a refused passkey and wraps the library's reason.
func (f *Service) refused(ctx context.Context, by directory.Actor, userID, step string, err error) error {
	reason := err.Error()
	var perr *protocol.Error
	if errors.As(err, &perr) {
		reason = perr.Details
	}
	f.record(ctx, by, userID, directory.EventFactorChecked, directory.OutcomeFailure, map[string]string{"factor": "passkey", "step": step, "reason": reason})
	return fmt.Errorf("%w: %w", ErrPasskeyFailed, err)
}

// BeginPasskeyLogin starts a sign-in with a passkey: with userID empty, the
// passkey alone names the account (discoverable credentials, conditional UI);
// with userID, a passkey of that account as its second factor.
func (f *Service) BeginPasskeyLogin(ctx context.Context, userID string) (string, []byte, error) {
	if err := f.passkeysOn(); err != nil {
		return "", nil, err
	}
	uv := webauthn.WithUserVerification(protocol.VerificationPreferred)
	if userID == "" {
		opts, s, err := f.wa.BeginDiscoverableLogin(uv)
		if err != nil {
			return "", nil, fmt.Errorf("begin passkey sign-in: %w", err)
		}
		return f.begin(ctx, ceremonyLogin, "", opts, s)
	}
	w, _, err := f.user(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if len(w.creds) == 0 {
		return "", nil, ErrNoFactor
	}
	opts, s, err := f.wa.BeginLogin(w, uv)
	if err != nil {
		return "", nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	return f.begin(ctx, ceremonyLogin, userID, opts, s)
}

// PasskeySignIn is a passkey sign-in that passed: whose, which passkey (as
// now stored) and the amr it earns: "hwk" for a passkey bound to a device,
// "swk" for one that may be synced (backup eligible), and "user" when the
// authenticator verified the user.
type PasskeySignIn struct {
	User    storage.User
	Passkey storage.Passkey
	AMR     []string
}

// FinishPasskeyLogin checks the browser's answer to BeginPasskeyLogin's
// challenge (the JSON of the PublicKeyCredential): the signature, the origin
// and RP ID, a sign counter that moved forward (a counter that did not
// suggests a cloned authenticator and is refused), backup eligibility
// unchanged since registration. userID is the one BeginPasskeyLogin was given.
func (f *Service) FinishPasskeyLogin(ctx context.Context, by directory.Actor, userID, ceremonyID string, body io.Reader) (PasskeySignIn, error) {
	if err := f.passkeysOn(); err != nil {
		return PasskeySignIn{}, err
	}
	s, err := f.take(ctx, ceremonyID, ceremonyLogin, userID)
	if err != nil {
		return PasskeySignIn{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(body)
	if err != nil {
		return PasskeySignIn{}, f.refused(ctx, by, userID, "sign-in", err)
	}
	var (
		w   waUser
		pks []storage.Passkey
	)
	lookup := func(rawID, handle []byte) (webauthn.User, error) {
		p, err := f.store.PasskeyByID(ctx, credentialID(rawID))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal([]byte(p.UserID), handle) {
			return nil, errors.New("the passkey is not of the account it names")
		}
		if w, pks, err = f.user(ctx, p.UserID); err != nil {
			return nil, err
		}
		return w, nil
	}
	var c *webauthn.Credential
	if userID == "" {
		_, c, err = f.wa.ValidatePasskeyLogin(lookup, s, parsed)
	} else if w, pks, err = f.user(ctx, userID); err == nil {
		c, err = f.wa.ValidateLogin(w, s, parsed)
	}
	if err != nil {
		if errors.Is(err, storage.ErrUnavailable) {
			return PasskeySignIn{}, err
		}
		who := userID
		if who == "" { // a passkey alone: audit against the account it names, when it does
			who = w.u.ID
		}
		return PasskeySignIn{}, f.refused(ctx, by, who, "sign-in", err)
	}
	if c.Authenticator.CloneWarning {
		return PasskeySignIn{}, f.refused(ctx, by, w.u.ID, "sign-in", errors.New("sign counter did not increase: a cloned authenticator?"))
	}
	if w.u.Disabled {
		return PasskeySignIn{}, f.refused(ctx, by, w.u.ID, "sign-in", errors.New("account disabled"))
	}
	var stored storage.Passkey
	for _, p := range pks {
		if p.ID == credentialID(c.ID) {
			stored = p
		}
	}
	use := storage.PasskeyUse{SignCount: c.Authenticator.SignCount, UserVerified: parsed.Response.AuthenticatorData.Flags.HasUserVerified(),
		BackupState: c.Flags.BackupState, At: f.now()}
	if err := f.store.UsePasskey(ctx, stored, use); err != nil {
		if errors.Is(err, storage.ErrConflict) { // another use of it came first
			return PasskeySignIn{}, f.refused(ctx, by, w.u.ID, "sign-in", err)
		}
		return PasskeySignIn{}, err
	}
	stored.SignCount, stored.UserVerified, stored.BackupState, stored.LastUsedAt = use.SignCount, use.UserVerified, use.BackupState, use.At
	stored.Version++
	amr := []string{directory.AMRHardKey}
	if stored.BackupEligible {
		amr = []string{directory.AMRSoftKey}
	}
	if use.UserVerified {
		amr = append(amr, directory.AMRUser)
	}
	f.record(ctx, by, w.u.ID, directory.EventFactorChecked, directory.OutcomeSuccess, map[string]string{"factor": "passkey", "passkey": stored.ID})
	return PasskeySignIn{User: w.u, Passkey: stored, AMR: amr}, nil
}

// Passkeys lists the account's passkeys, oldest first.
func (f *Service) Passkeys(ctx context.Context, userID string) ([]storage.Passkey, error) {
	return f.store.PasskeysOfUser(ctx, userID)
}

// RenamePasskey relabels one of the account's passkeys.
func (f *Service) RenamePasskey(ctx context.Context, by directory.Actor, userID, id, name string) error {
	if err := f.store.RenamePasskey(ctx, userID, id, passkeyName(name, f.now())); err != nil {
		return err
	}
	f.record(ctx, by, userID, directory.EventFactorRenamed, directory.OutcomeSuccess, map[string]string{"factor": "passkey", "passkey": id})
	return nil
}

// RemovePasskey removes one of the account's passkeys (the pages ask for a
// fresh sign-in first, as for every change of a way in).
func (f *Service) RemovePasskey(ctx context.Context, by directory.Actor, userID, id string) error {
	if err := f.store.DeletePasskey(ctx, userID, id); err != nil {
		return err
	}
	// The event names the passkey, as its rename does: an account may have several.
	f.record(ctx, by, userID, directory.EventFactorRemoved, directory.OutcomeSuccess, map[string]string{"factor": "passkey", "passkey": id})
	f.cfg.Notifier.Mail(ctx, userID, by.Lang, "mail.passkey_removed")
	return nil
}

// PasskeysEnabled tells whether passkeys are on (a relying party is set), so
// that pages offer them only then.
func (f *Service) PasskeysEnabled() bool { return f.wa != nil }
