package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider"
	"github.com/vhod-id/vhod/storage"
	"github.com/vhod-id/vhod/storage/mongo"
	"github.com/vhod-id/vhod/storage/mongotest"
)

// TestClientsAreExactlyTheConfig (issue 16 item 9): a config client loses at
// the next start every setting removed from the file, and an unchanged one is
// neither written nor reported as changed.
func TestClientsAreExactlyTheConfig(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	full := BootstrapClient{ID: "erp", Secret: "erp-secret-123", Name: "ERP", RedirectURIs: []string{"https://erp/cb"},
		PostLogoutRedirectURIs: []string{"https://erp/"}, GrantTypes: []string{"authorization_code", "client_credentials"},
		AuthMethod: "client_secret_basic", AccessTokenFormat: "jwt", FirstParty: true, SigningAlg: "RS256",
		IDTokenUserinfoClaims: true, JWKS: `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, Scopes: []string{"openid", "admin"}, MinACR: "urn:vhod:acr:certificate",
		BackchannelLogoutURI: "https://erp/bc", FrontchannelLogoutURI: "https://erp/fc", RequirePAR: true,
		Authorities: []string{storage.AuthorityOperator, storage.AuthorityIntrospect}, TLSSubjectDN: "CN=ERP",
		CertificatePins: []string{strings.Repeat("ab", 32)}, TLSBoundTokens: true}
	bare := BootstrapClient{ID: "erp", Secret: "erp-secret-123", RedirectURIs: []string{"https://erp/cb"}}
	rules := directory.NewClients(st, directory.ClientsConfig{HashSecret: provider.HashSecret, Algorithms: algNames(), Logger: log})
	apply := func(c BootstrapClient) storage.Client {
		t.Helper()
		logs.Reset()
		if err := rules.Ensure(t.Context(), c.input()); err != nil {
			t.Fatal(err)
		}
		got, err := st.ClientByID(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	created := apply(full)
	if !strings.Contains(logs.String(), "client created") || len(created.Authorities) != 2 {
		t.Fatalf("first start: %v\n%s", created.Authorities, logs.String())
	}
	if again := apply(full); logs.Len() != 0 || again.Version != created.Version || !again.UpdatedAt.Equal(created.UpdatedAt) {
		t.Fatalf("an unchanged client was written (version %d → %d): %s", created.Version, again.Version, logs.String())
	}
	got := apply(bare)
	if !strings.Contains(logs.String(), "client changed") || !strings.Contains(logs.String(), "authorities") {
		t.Fatalf("change not reported: %s", logs.String())
	}
	if strings.Contains(logs.String(), "erp-secret") || strings.Contains(logs.String(), created.SecretHash) {
		t.Fatalf("the log shows the secret: %s", logs.String())
	}
	want, _ := rules.Declared(bare.input())
	want.CreatedAt, want.UpdatedAt, want.Version = got.CreatedAt, got.UpdatedAt, created.Version+1
	if changed := directory.ClientChanges(got, want); len(changed) > 0 || got.Version != want.Version || !got.CreatedAt.Equal(created.CreatedAt) {
		t.Fatalf("settings removed from the config outlived the restart: %v (version %d)\n%+v", changed, got.Version, got)
	}
	if got.Authorities != nil || got.MinACR != "" || got.JWKS != "" || got.Scopes != nil || got.TLSSubjectDN != "" ||
		got.BackchannelLogoutURI != "" || got.FrontchannelLogoutURI != "" || got.CertificatePins != nil {
		t.Fatalf("optional settings kept: %+v", got)
	}
	if apply(bare); logs.Len() != 0 {
		t.Fatalf("unchanged after the change, yet: %s", logs.String())
	}
}

// TestClientsBootstrapOfInstancesStartingTogether: instances starting at once
// with one file write the same client; every one of them starts.
func TestClientsBootstrapOfInstancesStartingTogether(t *testing.T) {
	st := mongotest.Fresh(t, mongotest.URI(t), mongo.Options{})
	log := slog.New(slog.DiscardHandler)
	rules := directory.NewClients(st, directory.ClientsConfig{HashSecret: provider.HashSecret, Algorithms: algNames(), Logger: log})
	for _, c := range []BootstrapClient{
		{ID: "erp", Secret: "erp-secret-123", RedirectURIs: []string{"https://erp/cb"}, Authorities: []string{"operator"}},
		{ID: "erp", Secret: "erp-secret-123", RedirectURIs: []string{"https://erp/cb"}},
	} {
		want, _ := rules.Declared(c.input())
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- rules.Ensure(t.Context(), c.input()) }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatalf("an instance failed to start: %v", err)
			}
		}
		got, err := st.ClientByID(t.Context(), "erp")
		if err != nil || len(directory.ClientChanges(got, want)) > 0 {
			t.Fatalf("stored %+v (%v), want %+v", got, err, want)
		}
	}
}
