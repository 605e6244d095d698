package backchannel

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

type testKey struct{ priv *ecdsa.PrivateKey }

func (k testKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k testKey) ID() string                                  { return "k1" }
func (k testKey) Key() any                                    { return k.priv }

// TestToken: the claims and type §2.4 asks for, and no nonce.
func TestToken(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	raw, err := Token(testKey{priv}, "https://id.example", "shop", "u1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || tok.Headers[0].ExtraHeaders[jose.HeaderType] != "logout+jwt" || tok.Headers[0].KeyID != "k1" {
		t.Fatalf("%v %+v", err, tok.Headers)
	}
	var c map[string]any
	if err := tok.Claims(&priv.PublicKey, &c); err != nil {
		t.Fatal(err)
	}
	events, _ := c["events"].(map[string]any)
	if c["iss"] != "https://id.example" || c["aud"] != "shop" || c["sub"] != "u1" || c["sid"] != "s1" || c["jti"] == "" ||
		c["nonce"] != nil || events[event] == nil {
		t.Fatalf("claims %v", c)
	}
}

// TestDeliverRetries: 5xx is retried, 4xx is not, 200 ends it.
func TestDeliverRetries(t *testing.T) {
	var calls atomic.Int32
	statuses := []int{http.StatusBadGateway, http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.PostFormValue("logout_token") != "tok" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(statuses[min(int(n)-1, len(statuses)-1)])
	}))
	defer srv.Close()
	delays := []time.Duration{0, time.Millisecond, time.Millisecond}
	if n, err := Deliver(t.Context(), srv.URL, "tok", delays); n != 2 || err != nil {
		t.Fatalf("5xx then 200: %d attempts, %v", n, err)
	}
	calls.Store(0)
	statuses = []int{http.StatusBadRequest}
	if n, err := Deliver(t.Context(), srv.URL, "tok", delays); n != 1 || err == nil {
		t.Fatalf("4xx: %d attempts, %v", n, err)
	}
	calls.Store(0)
	statuses = []int{http.StatusServiceUnavailable}
	if n, err := Deliver(t.Context(), srv.URL, "tok", delays); n != 3 || err == nil {
		t.Fatalf("always 5xx: %d attempts, %v", n, err)
	}
}
