package e2e

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vhod-id/vhod/internal/rptest"
)

// processCPU is the CPU time (user + system) the process pid has spent, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms).
func processCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// The command name (field 2) may hold spaces; the fields after it do not.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// TestAbuseBERBomb: a stranger posts 256 KiB BER bombs as the signature of the
// certificate sign-in (uploaded as a file, and pasted as base64). Each is refused
// with the page's sentence, not a 500, for under 100 ms of the server's CPU (old
// main spent 0.3 to 3.5 s on each in the BER converter).
func TestAbuseBERBomb(t *testing.T) {
	corp := newCorpPKI(t)
	srv := startServer(t, certConfig(t, corp, ""))
	esign := newRP(t, srv, "esign", "esign-secret", "http://127.0.0.1:8765/callback", oauth2.AuthStyleInHeader,
		"openid", "profile", "ru_ids", "cert")
	const size = 256 << 10
	// Zero bytes everywhere but never two together: Ber2der's search for
	// end-of-contents stopped at every other byte of the rest, at every element.
	flat := append([]byte{0x30, 0x80}, bytes.Repeat([]byte{0x24, 0x80, 0x04, 0x00}, (size-2)/4)...)
	nested := bytes.Repeat([]byte{0x30, 0x80}, size/2)
	for _, tc := range []struct {
		name string
		post func(b *rptest.Browser, p *rptest.Page) (*rptest.Page, error)
	}{
		{"file of constructed strings", func(b *rptest.Browser, p *rptest.Page) (*rptest.Page, error) {
			return b.SubmitFile(p, "/certificate", nil, "signature_file", "bomb.p7s", flat)
		}},
		{"file of nesting", func(b *rptest.Browser, p *rptest.Page) (*rptest.Page, error) {
			return b.SubmitFile(p, "/certificate", nil, "signature_file", "bomb.p7s", nested)
		}},
		{"base64 text", func(b *rptest.Browser, p *rptest.Page) (*rptest.Page, error) {
			return b.Submit(p, "/certificate", url.Values{"signature": {base64.StdEncoding.EncodeToString(flat[:size*3/4])}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := rptest.NewBrowser("http://127.0.0.1:8765/")
			b.Lang = "en"
			p, err := b.Get(esign.authorization(oauth2.SetAuthURLParam("ui_locales", "en")).URL)
			if err != nil {
				t.Fatal(err)
			}
			p = follow(t, b, p, certLinkRe)
			before := processCPU(t, srv.cmd.Process.Pid)
			p, err = tc.post(b, p)
			if err != nil {
				t.Fatal(err)
			}
			spent := processCPU(t, srv.cmd.Process.Pid) - before
			t.Logf("answered %d for %v of server CPU", p.Status, spent)
			if spent >= 100*time.Millisecond {
				t.Errorf("the server spent %v of CPU on a bomb, budget 100ms", spent)
			}
			if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "too large or too complex") || !challengeRe.MatchString(p.Body) {
				t.Fatalf("answer %d, want the too-large sentence with a new challenge: %.800s", p.Status, p.Body)
			}
		})
	}
}
