// Package factorstest is a software WebAuthn authenticator for tests of the
// pages and of the binary (ECDSA P-256, attestation "none"), built by hand
// from the WebAuthn Level 3 formats, so that tests check Vhod against the
// specification and not against the library's own helpers. It is what a
// browser with a passkey answers to navigator.credentials.create and get.
package factorstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator flags (authenticator data, WebAuthn §6.1).
const (
	FlagUP = 0x01 // user present
	FlagUV = 0x04 // user verified
	FlagBE = 0x08 // backup eligible (a synced passkey)
	FlagBS = 0x10 // backed up
	flagAT = 0x40
)

// Authenticator holds one passkey.
type Authenticator struct {
	Key    *ecdsa.PrivateKey
	CredID []byte
	Count  uint32
	// Flags besides UP: FlagUV, FlagBE, FlagBS.
	Flags byte
	// RPID and Origin are what the browser puts in: the page's origin, and
	// the relying party the options name (or RPID when set).
	RPID, Origin string
	// UserID is the user handle the passkey was made for.
	UserID []byte
}

// New is an authenticator with a fresh key for the page at origin.
func New(rpID, origin string, flags byte) *Authenticator {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &Authenticator{Key: k, CredID: id, Flags: flags, RPID: rpID, Origin: origin}
}

var b64 = base64.RawURLEncoding

// Challenge reads the challenge and the options the browser would get.
func Challenge(options []byte) (string, map[string]any, error) {
	var o struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return "", nil, err
	}
	c, _ := o.PublicKey["challenge"].(string)
	if c == "" {
		return "", nil, errors.New("no challenge in the options")
	}
	return c, o.PublicKey, nil
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

// authData is rpIdHash, flags, signCount and, at registration, the attested credential.
func (a *Authenticator) authData(attested bool) []byte {
	h := sha256.Sum256([]byte(a.RPID))
	d := append([]byte{}, h[:]...)
	flags := a.Flags | FlagUP
	if attested {
		flags |= flagAT
	}
	d = append(d, flags)
	d = binary.BigEndian.AppendUint32(d, a.Count)
	if attested {
		d = append(d, make([]byte, 16)...) // AAGUID: none
		d = binary.BigEndian.AppendUint16(d, uint16(len(a.CredID)))
		d = append(d, a.CredID...)
		cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
			-2: a.Key.X.FillBytes(make([]byte, 32)), -3: a.Key.Y.FillBytes(make([]byte, 32))})
		if err != nil {
			panic(err)
		}
		d = append(d, cose...)
	}
	return d
}

// Create answers navigator.credentials.create (the JSON of the PublicKeyCredential).
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	ch, pk, err := Challenge(options)
	if err != nil {
		return nil, err
	}
	if u, ok := pk["user"].(map[string]any); ok && a.UserID == nil {
		id, _ := u["id"].(string)
		a.UserID, _ = b64.DecodeString(id)
	}
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(true)})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID),
		"type": "public-key", "response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(a.clientData("webauthn.create", ch)),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}}})
}

// Get answers navigator.credentials.get, counting one more use.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	ch, _, err := Challenge(options)
	if err != nil {
		return nil, err
	}
	a.Count++
	ad, cd := a.authData(false), a.clientData("webauthn.get", ch)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(slices.Clone(ad), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": b64.EncodeToString(a.CredID), "rawId": b64.EncodeToString(a.CredID),
		"type": "public-key", "response": map[string]any{"clientDataJSON": b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad), "signature": b64.EncodeToString(sig),
			"userHandle": b64.EncodeToString(a.UserID)}})
}
