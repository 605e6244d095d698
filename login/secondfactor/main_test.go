package secondfactor_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/factors"
	"github.com/vhod-id/vhod/directory/factors/factorstest"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/login"
	"github.com/vhod-id/vhod/login/logintest"
	"github.com/vhod-id/vhod/login/passkey"
	"github.com/vhod-id/vhod/login/secondfactor"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// The package's tests run on login/logintest's harness over one embedded
// store, with a real factors.Service over it (each test keeps to its own
// users, address and auth requests).

var (
	sharedOnce  sync.Once
	sharedStore *mongo.Store
	sharedErr   error
)

// mfaClient asks for a second factor by its minimum.
var mfaClient = storage.Client{ID: "mfa", Name: "Bank", RedirectURIs: []string{"https://mfa.example/cb"}, AuthMethod: "client_secret_basic",
	FirstParty: true, MinACR: directory.ACRMFA}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedStore != nil {
		ctx := context.Background()
		_ = sharedStore.DropDatabase(ctx)
		_ = sharedStore.Close(ctx)
	}
	os.Exit(code)
}

func testStore(t *testing.T) *mongo.Store {
	t.Helper()
	uri := mongotest.URI(t)
	sharedOnce.Do(func() {
		sharedStore, sharedErr = mongo.Open(context.Background(), uri, "secondfactor"+"_"+rand.Text()[:12], mongo.Options{})
		for _, c := range append(logintest.Clients, mfaClient) {
			if sharedErr == nil {
				sharedErr = sharedStore.CreateClient(context.Background(), c)
			}
		}
	})
	if sharedErr != nil {
		t.Fatalf("shared store: %v", sharedErr)
	}
	return sharedStore
}

// The relying party of the tests' passkeys.
const (
	rpID     = "vhod.test"
	rpOrigin = "http://vhod.test"
)

type env struct {
	*logintest.Env
	f    *factors.Service
	st   *mongo.Store
	orgs orgsByUser
}

// orgsByUser gives each user the companies listed.
type orgsByUser map[string][]orgs.Active

func (o orgsByUser) ActiveOrgs(_ context.Context, userID string) ([]orgs.Active, error) {
	return o[userID], nil
}

// newEnv is the core with the second-factor step and passkey sign-in mounted
// over a real factors.Service (TOTP, SMS through the harness's capture,
// passkeys for rpOrigin).
func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with more parts (a certificate sign-in) built by more.
func newEnvWith(t *testing.T, more func(k *login.Kit) []login.Pages) *env {
	t.Helper()
	st := testStore(t)
	e := &env{st: st, orgs: orgsByUser{}}
	e.Env = logintest.New(t, st, func(p *directory.Passwords) *directory.Directory {
		return directory.New(st, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}, func(c *login.Config) { c.Orgs = e.orgs }, func(le *logintest.Env, k *login.Kit) []login.Pages {
		texts, err := web.MailTexts()
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.DiscardHandler)
		e.f, err = factors.New(st, factors.Config{SecretKey: bytes.Repeat([]byte{7}, 32), OTPKey: make([]byte, 32),
			SMS: le.Sent, Texts: texts, Audit: directory.NewAuditor(st, log), Notifier: directory.NewNotifier(st, le.Sent, texts, log),
			Passkeys: factors.PasskeyConfig{RPID: rpID, Origins: []string{rpOrigin}}, Now: le.Now, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		second, err := secondfactor.New(k, e.f, st, le.Dir)
		if err != nil {
			t.Fatal(err)
		}
		parts := []login.Pages{second, passkey.New(k, e.f)}
		if more != nil {
			parts = append(more(k), parts...)
		}
		return parts
	})
	// The passkey library dates its ceremonies by the wall clock.
	e.SetClock(time.Now().UTC())
	return e
}

// person is the actor of enrolments made by the tests.
var person = directory.Actor{ID: "test", IP: "203.0.113.9", Lang: "en"}

// enrolTOTP gives u an authenticator app; it returns the secret and the
// recovery codes, and moves the clock past the step the confirmation used.
func (e *env) enrolTOTP(u storage.User) (string, []string) {
	e.T.Helper()
	en, err := e.f.EnrolTOTP(context.Background(), u.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	codes, err := e.f.ConfirmTOTP(context.Background(), person, u.ID, e.code(en.Secret))
	if err != nil {
		e.T.Fatal(err)
	}
	e.Advance(factors.TOTPPeriod * time.Second)
	return en.Secret, codes
}

// code is the app's code now.
func (e *env) code(secret string) string {
	e.T.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.Now(), totp.ValidateOpts{Period: factors.TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// alwaysAsk turns on u's "always ask".
func (e *env) alwaysAsk(u storage.User) {
	e.T.Helper()
	if err := e.f.SetAlwaysAsk(context.Background(), person, u.ID, true); err != nil {
		e.T.Fatal(err)
	}
}

// registerPasskey gives u a passkey of a new authenticator with flags.
func (e *env) registerPasskey(u storage.User, flags byte) *factorstest.Authenticator {
	e.T.Helper()
	a := factorstest.New(rpID, rpOrigin, flags)
	id, opts, err := e.f.BeginPasskeyRegistration(context.Background(), u.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	body, err := a.Create(opts)
	if err != nil {
		e.T.Fatal(err)
	}
	if _, _, err := e.f.FinishPasskeyRegistration(context.Background(), person, u.ID, id, "key", bytes.NewReader(body)); err != nil {
		e.T.Fatal(err)
	}
	return a
}

// org stores a company with policy and makes u its member.
func (e *env) org(u storage.User, name, policy string) storage.Organisation {
	e.T.Helper()
	n := logintest.Next()
	o := storage.Organisation{ID: fmt.Sprintf("org%d", n), Name: name, INN: fmt.Sprintf("77%08d", n), Status: storage.OrgActive, SignInPolicy: policy}
	if err := e.st.CreateOrganisation(context.Background(), o); err != nil {
		e.T.Fatal(err)
	}
	e.orgs[u.ID] = append(e.orgs[u.ID], orgs.Active{Org: o, Roles: []string{"employee"}})
	return o
}
