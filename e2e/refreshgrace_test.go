package e2e

import (
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// refreshForm refreshes token as the RP's client, its secret where its style wants it.
func (r *rp) refreshForm(token string) (int, map[string]any) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
	user, pass := r.oauth.ClientID, r.oauth.ClientSecret
	if r.oauth.Endpoint.AuthStyle == oauth2.AuthStyleInParams {
		form.Set("client_id", user)
		form.Set("client_secret", pass)
		user, pass = "", ""
	}
	return postForm(r.t, r.oauth.Endpoint.TokenURL, user, pass, form)
}

func userinfoStatus(t *testing.T, issuer, access string) int {
	resp, _ := call(t, http.MethodGet, issuer+"/userinfo", nil, map[string]string{"Authorization": "Bearer " + access})
	return resp.StatusCode
}

// TestConcurrentRefreshWithinGracePeriod: relying parties such as
// mod_auth_openidc and oauth2-proxy refresh one token from several requests at
// once. RFC 9700 section 4.14.2: eight concurrent refreshes of one token, spread
// over two instances on one database, all succeed, with tokens that work at
// userinfo, and the family lives on; a reuse after the grace period (1s here)
// revokes the family as before. Both access token formats: JWT (shop) and
// opaque (portal).
func TestConcurrentRefreshWithinGracePeriod(t *testing.T) {
	db := startDB(t, t.TempDir(), "")
	lb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + lb.Addr().String()
	cfg := sharedConfig(issuer, db.URI(), "")
	env := []string{"VHOD_MASTER_KEY=" + randomMasterKey(), "VHOD_TOKENS_REFRESH_GRACE_PERIOD=1s"}
	a := startServer(t, cfg, env...)
	b := startServer(t, cfg, env...)
	bal := newBalancer(t, lb, a.local(), b.local())
	srv := &server{t: t, Issuer: issuer}

	for _, r := range []*rp{
		shopRP(t, srv),
		newRP(t, srv, "portal", "portal-secret", "http://127.0.0.1:8766/callback", oauth2.AuthStyleInParams),
	} {
		t.Run(r.oauth.ClientID, func(t *testing.T) {
			r.t = t
			auth, code := r.signIn(rptest.NewBrowser(r.oauth.RedirectURL), "ivanov", "S3cure-pass!")
			first, _, _ := r.exchange(auth, code)
			before := bal.served[0].Load()

			const n = 8
			status := make([]int, n)
			out := make([]map[string]any, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status[i], out[i] = r.refreshForm(first.RefreshToken)
				}()
			}
			close(start)
			wg.Wait()
			if bal.served[0].Load() == before {
				t.Fatal("the balancer sent no refresh to the first instance")
			}
			for i := range n {
				if status[i] != http.StatusOK {
					t.Fatalf("refresh %d of %d at once: %d %v", i+1, n, status[i], out[i])
				}
				if out[i]["refresh_token"] != out[0]["refresh_token"] {
					t.Errorf("refresh %d got another refresh token than refresh 1: the family forks", i+1)
				}
				if s := userinfoStatus(t, issuer, out[i]["access_token"].(string)); s != http.StatusOK {
					t.Errorf("userinfo with the access token of refresh %d: %d", i+1, s)
				}
			}
			// The family lives on: the successor rotates as usual.
			successor := out[0]["refresh_token"].(string)
			st, next := r.refreshForm(successor)
			if st != http.StatusOK {
				t.Fatalf("the successor: %d %v", st, next)
			}

			// After the grace period, the first token again is reuse: the whole
			// family is revoked (RFC 9700 section 4.14.2).
			time.Sleep(1100 * time.Millisecond)
			if st, o := r.refreshForm(first.RefreshToken); st != http.StatusBadRequest || o["error"] != "invalid_grant" {
				t.Fatalf("reuse after the grace period: %d %v", st, o)
			}
			if st, o := r.refreshForm(next["refresh_token"].(string)); st != http.StatusBadRequest || o["error"] != "invalid_grant" {
				t.Fatalf("the family survived a reuse: %d %v", st, o)
			}
			// JWT revocations reach the other instance within its one-second resync.
			deadline := time.Now().Add(3 * time.Second)
			for userinfoStatus(t, issuer, next["access_token"].(string)) == http.StatusOK {
				if time.Now().After(deadline) {
					t.Fatal("the access token of a revoked family still works at userinfo")
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}
