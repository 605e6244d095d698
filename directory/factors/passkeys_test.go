package factors_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/storage"
)

const (
	rpOrigin = "https://id.example.ru"
	rpID     = "id.example.ru"
)

// authenticator is a software WebAuthn authenticator (ECDSA P-256, attestation
// "none"), built by hand from the WebAuthn Level 3 formats, so that the test
// checks Vhod against the specification and not against the library's own helpers.
type authenticator struct {
	key    *ecdsa.PrivateKey
	credID []byte
	count  uint32
	flags  byte // besides UP: flagUV, flagBE, flagBS
	origin string
	userID []byte
}

const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

func newAuthenticator(t *testing.T, flags byte) *authenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &authenticator{key: k, credID: id, flags: flags, origin: rpOrigin}
}

var b64 = base64.RawURLEncoding

// options reads the challenge (and the options) the browser would get.
func challenge(t *testing.T, options []byte) (string, map[string]any) {
	t.Helper()
	var o struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		t.Fatal(err)
	}
	c, _ := o.PublicKey["challenge"].(string)
	if c == "" {
		t.Fatalf("no challenge in %s", options)
	}
	return c, o.PublicKey
}

func (a *authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

// authData is rpIdHash, flags, signCount and, at registration, the attested credential.
func (a *authenticator) authData(attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	d := append([]byte{}, h[:]...)
	flags := a.flags | flagUP
	if attested {
		flags |= flagAT
	}
	d = append(d, flags)
	d = binary.BigEndian.AppendUint32(d, a.count)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: none
		d = binary.BigEndian.AppendUint16(d, uint16(len(a.credID)))
		d = append(d, a.credID...)
		cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
			-2: a.key.X.FillBytes(make([]byte, 32)), -3: a.key.Y.FillBytes(make([]byte, 32))})
		if err != nil {
			panic(err)
		}
		d = append(d, cose...)
	}
	return d
}

// create answers navigator.credentials.create.
func (a *authenticator) create(t *testing.T, options []byte) []byte {
	t.Helper()
	ch, _ := challenge(t, options)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID),
		"type": "public-key", "response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", ch)),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}}})
	return body
}

// get answers navigator.credentials.get, counting one more use.
func (a *authenticator) get(t *testing.T, options []byte) []byte {
	t.Helper()
	ch, _ := challenge(t, options)
	a.count++
	ad, cd := a.authData(false), a.clientData("webauthn.get", ch)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(slices.Clone(ad), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID),
		"type": "public-key", "response": map[string]any{"clientDataJSON": b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad), "signature": b64.EncodeToString(sig),
			"userHandle": b64.EncodeToString(a.userID)}})
	return body
}

func newPasskeyWorld(t *testing.T) factorWorld {
	w := newFactors(t, func(c *factors.Config) {
		pc, err := factors.PasskeyConfigFromIssuer(rpOrigin + "/")
		if err != nil {
			t.Fatal(err)
		}
		c.Passkeys = pc
	})
	w.clock.t = time.Now() // the library dates ceremonies by the wall clock
	return w
}

// register adds a passkey of a to ivanov.
func (w factorWorld) register(t *testing.T, a *authenticator, name string) (storage.Passkey, []string) {
	t.Helper()
	id, opts, err := w.f.BeginPasskeyRegistration(t.Context(), "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	a.userID = []byte("ivanov")
	p, codes, err := w.f.FinishPasskeyRegistration(t.Context(), person, "ivanov", id, name, bytes.NewReader(a.create(t, opts)))
	if err != nil {
		t.Fatal(err)
	}
	return p, codes
}

// login signs in with a; userID empty for a passkey alone.
func (w factorWorld) login(t *testing.T, a *authenticator, userID string) (factors.PasskeySignIn, error) {
	t.Helper()
	id, opts, err := w.f.BeginPasskeyLogin(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return w.f.FinishPasskeyLogin(t.Context(), person, userID, id, bytes.NewReader(a.get(t, opts)))
}

func TestPasskeyRegistration(t *testing.T) {
	w := newPasskeyWorld(t)
	ctx := t.Context()
	id, opts, err := w.f.BeginPasskeyRegistration(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	_, pk := challenge(t, opts)
	rp, _ := pk["rp"].(map[string]any)
	sel, _ := pk["authenticatorSelection"].(map[string]any)
	user, _ := pk["user"].(map[string]any)
	if rp["id"] != rpID || pk["attestation"] != "none" || sel["residentKey"] != "required" || user["id"] != b64.EncodeToString([]byte("ivanov")) {
		t.Fatalf("creation options %s", opts)
	}
	a := newAuthenticator(t, flagUV|flagBE|flagBS)
	a.userID = []byte("ivanov")
	p, codes, err := w.f.FinishPasskeyRegistration(ctx, person, "ivanov", id, "  My phone  ", bytes.NewReader(a.create(t, opts)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "My phone" || p.ID != b64.EncodeToString(a.credID) || !p.BackupEligible || !p.BackupState || !p.UserVerified ||
		p.AttestationFormat != "none" || len(codes) != factors.RecoveryCodeCount {
		t.Fatalf("passkey %+v, %d codes", p, len(codes))
	}
	if !w.mailed("mail.passkey_added") || len(w.events(t, directory.EventFactorEnrolled)) != 1 {
		t.Error("the registration was not mailed and audited")
	}
	// The ceremony serves once.
	if _, _, err := w.f.FinishPasskeyRegistration(ctx, person, "ivanov", id, "again", bytes.NewReader(a.create(t, opts))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("a ceremony finished twice: %v", err)
	}
	// The same credential is not registered twice (the page excludes it too).
	id2, opts2, err := w.f.BeginPasskeyRegistration(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	if _, pk := challenge(t, opts2); len(pk["excludeCredentials"].([]any)) != 1 {
		t.Fatalf("the registered passkey is not excluded: %s", opts2)
	}
	if _, _, err := w.f.FinishPasskeyRegistration(ctx, person, "ivanov", id2, "dup", bytes.NewReader(a.create(t, opts2))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("a credential registered twice: %v", err)
	}
	// A ceremony is the person's it was begun for.
	id3, opts3, _ := w.f.BeginPasskeyRegistration(ctx, "ivanov")
	if _, _, err := w.f.FinishPasskeyRegistration(ctx, person, "petrov", id3, "x", bytes.NewReader(newAuthenticator(t, 0).create(t, opts3))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("another person's ceremony: %v", err)
	}
	// Wrong origin refused.
	id4, opts4, _ := w.f.BeginPasskeyRegistration(ctx, "ivanov")
	evil := newAuthenticator(t, flagUV)
	evil.origin = "https://id.example.ru.evil.example"
	if _, _, err := w.f.FinishPasskeyRegistration(ctx, person, "ivanov", id4, "x", bytes.NewReader(evil.create(t, opts4))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("a registration from another origin: %v", err)
	}
	// Expired ceremony refused.
	id5, opts5, _ := w.f.BeginPasskeyRegistration(ctx, "ivanov")
	w.clock.t = w.clock.t.Add(6 * time.Minute)
	if _, _, err := w.f.FinishPasskeyRegistration(ctx, person, "ivanov", id5, "x", bytes.NewReader(newAuthenticator(t, flagUV).create(t, opts5))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("an expired ceremony: %v", err)
	}
	if list, _ := w.f.Passkeys(ctx, "ivanov"); len(list) != 1 {
		t.Fatalf("%d passkeys after the refusals", len(list))
	}
}

func TestPasskeySignIn(t *testing.T) {
	w := newPasskeyWorld(t)
	ctx := t.Context()
	synced := newAuthenticator(t, flagUV|flagBE)
	w.register(t, synced, "Phone")
	device := newAuthenticator(t, 0) // a security key without a PIN: no UV, not backed up
	w.register(t, device, "Key")

	// A passkey alone, with user verification: the account it names, mfa.
	in, err := w.login(t, synced, "")
	if err != nil {
		t.Fatal(err)
	}
	if in.User.ID != "ivanov" || !slices.Equal(in.AMR, []string{"swk", "user"}) || directory.ACRFromAMR(in.AMR) != directory.ACRMFA {
		t.Fatalf("sign-in %+v amr %v", in.User.ID, in.AMR)
	}
	stored, _ := w.st.PasskeyByID(ctx, in.Passkey.ID)
	if stored.SignCount != synced.count || stored.LastUsedAt.IsZero() {
		t.Fatalf("use not recorded: %+v", stored)
	}
	// Without user verification a hardware key is one factor.
	in, err = w.login(t, device, "")
	if err != nil || !slices.Equal(in.AMR, []string{"hwk"}) || directory.ACRFromAMR(in.AMR) != directory.ACRPhone {
		t.Fatalf("device key: %v %v", in.AMR, err)
	}
	// As the second factor of the account.
	id, opts, err := w.f.BeginPasskeyLogin(ctx, "ivanov")
	if err != nil {
		t.Fatal(err)
	}
	if _, pk := challenge(t, opts); len(pk["allowCredentials"].([]any)) != 2 {
		t.Fatalf("allowCredentials %s", opts)
	}
	if _, err := w.f.FinishPasskeyLogin(ctx, person, "ivanov", id, bytes.NewReader(synced.get(t, opts))); err != nil {
		t.Fatalf("second factor: %v", err)
	}
	// The same ceremony does not serve twice.
	if _, err := w.f.FinishPasskeyLogin(ctx, person, "ivanov", id, bytes.NewReader(synced.get(t, opts))); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("a ceremony answered twice: %v", err)
	}
	if _, _, err := w.f.BeginPasskeyLogin(ctx, "petrov-has-none"); err == nil {
		t.Fatal("a second-factor passkey sign-in began for an account without passkeys")
	}
}

func TestPasskeyRefusals(t *testing.T) {
	w := newPasskeyWorld(t)
	ctx := t.Context()
	a := newAuthenticator(t, flagUV|flagBE)
	w.register(t, a, "Phone")
	a.count = 10
	if _, err := w.login(t, a, ""); err != nil { // count 11
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		mutate func(a *authenticator)
		reason string // in the audit event of the refusal
	}{
		{"counter went back", func(a *authenticator) { a.count = 4 }, "sign counter"},    // signs with 5
		{"counter stood still", func(a *authenticator) { a.count = 10 }, "sign counter"}, // signs with 11 again
		{"wrong origin", func(a *authenticator) { a.origin = "https://evil.example" }, "origin"},
		{"backup eligibility changed", func(a *authenticator) { a.flags &^= flagBE }, "Backup Eligible"},
		{"names another account", func(a *authenticator) { a.userID = []byte("petrov") }, ""},
		{"another key", func(a *authenticator) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			a.key = k
		}, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.clock.t = w.clock.t.Add(time.Second) // the audit lists newest first
			c := *a
			tc.mutate(&c)
			if _, err := w.login(t, &c, ""); !errors.Is(err, factors.ErrPasskeyFailed) {
				t.Fatalf("accepted: %v", err)
			}
			if tc.reason == "" {
				return
			}
			if evs := w.events(t, directory.EventFactorChecked); len(evs) == 0 || evs[0].Outcome != directory.OutcomeFailure ||
				!strings.Contains(evs[0].Details["reason"], tc.reason) {
				t.Fatalf("refused for another reason: %+v", evs[0].Details)
			}
		})
	}
	if p, _ := w.st.PasskeyByID(ctx, b64.EncodeToString(a.credID)); p.SignCount != 11 {
		t.Fatalf("a refused sign-in moved the counter to %d", p.SignCount)
	}
	// Refusals are audited.
	var refused int
	for _, e := range w.events(t, directory.EventFactorChecked) {
		if e.Outcome == directory.OutcomeFailure && e.Details["factor"] == "passkey" {
			refused++
		}
	}
	if refused < 5 {
		t.Errorf("%d refusals audited", refused)
	}
	// The owner's next real use still works.
	if _, err := w.login(t, a, ""); err != nil {
		t.Fatalf("after the refusals: %v", err)
	}
	// A removed passkey signs in no more; one of another account cannot be renamed or removed.
	id := b64.EncodeToString(a.credID)
	if err := w.f.RenamePasskey(ctx, person, "petrov", id, "Mine"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("renamed by another account: %v", err)
	}
	if err := w.f.RenamePasskey(ctx, person, "ivanov", id, "Work phone"); err != nil {
		t.Fatal(err)
	}
	if err := w.f.RemovePasskey(ctx, person, "ivanov", id); err != nil {
		t.Fatal(err)
	}
	if _, err := w.login(t, a, ""); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("a removed passkey: %v", err)
	}
	if !w.mailed("mail.passkey_removed") {
		t.Error("the removal was not mailed")
	}
}

// TestPasskeysOff: without a relying party, passkeys refuse to begin.
func TestPasskeysOff(t *testing.T) {
	w := newFactors(t)
	if _, _, err := w.f.BeginPasskeyRegistration(t.Context(), "ivanov"); !errors.Is(err, factors.ErrPasskeyFailed) {
		t.Fatalf("passkeys off: %v", err)
	}
	if _, err := factors.PasskeyConfigFromIssuer("ftp://x"); err == nil {
		t.Fatal("a non-http issuer gave a relying party")
	}
	pc, err := factors.PasskeyConfigFromIssuer("http://localhost:8080")
	if err != nil || pc.RPID != "localhost" || !slices.Equal(pc.Origins, []string{"http://localhost:8080"}) {
		t.Fatalf("dev issuer: %+v %v", pc, err)
	}
}

// TestPasskeyNames: a label is trimmed and bounded at a character; an empty one is dated.
func TestPasskeyNames(t *testing.T) {
	w := newPasskeyWorld(t)
	ctx := t.Context()
	p, _ := w.register(t, newAuthenticator(t, flagUV), "")
	if want := "Passkey " + w.clock.t.UTC().Format("2006-01-02"); p.Name != want {
		t.Fatalf("empty name became %q, want %q", p.Name, want)
	}
	long := strings.Repeat("ключ", 20) // 160 bytes
	if err := w.f.RenamePasskey(ctx, person, "ivanov", p.ID, long); err != nil {
		t.Fatal(err)
	}
	got, _ := w.st.PasskeyByID(ctx, p.ID)
	if len(got.Name) > factors.MaxPasskeyName || !strings.HasPrefix(long, got.Name) || !utf8.ValidString(got.Name) {
		t.Fatalf("long name stored as %q (%d bytes)", got.Name, len(got.Name))
	}
	if err := w.f.RemovePasskey(ctx, person, "petrov", p.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("removed by another account: %v", err)
	}
}

// TestFactorsConfig: keys of the wrong size are a configuration error.
func TestFactorsConfig(t *testing.T) {
	st := newFactors(t).st
	for _, cfg := range []factors.Config{
		{SecretKey: make([]byte, 16)},
		{SecretKey: make([]byte, 32), SMS: notify.NewMemory(1)},
		{SecretKey: make([]byte, 32), Passkeys: factors.PasskeyConfig{RPID: "id.example.ru"}},
	} {
		if _, err := factors.New(st, cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}
