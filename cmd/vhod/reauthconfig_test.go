package main

import (
	"strings"
	"testing"
	"time"
)

// TestReauthWithinSetting: changing a way in needs a sign-in of the last 5
// minutes unless sessions.reauth_within says otherwise, within a second and an hour.
func TestReauthWithinSetting(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, issueExample))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sessions.ReauthWithin != 5*time.Minute {
		t.Fatalf("default %s", cfg.Sessions.ReauthWithin)
	}
	t.Setenv("VHOD_SESSIONS_REAUTH_WITHIN", "2s")
	if cfg, err = loadConfig(writeConfig(t, issueExample)); err != nil || cfg.Sessions.ReauthWithin != 2*time.Second {
		t.Fatalf("from the environment: %v %v", err, cfg)
	}
	for _, bad := range []string{"2h", "-1s", "100ms"} {
		t.Setenv("VHOD_SESSIONS_REAUTH_WITHIN", bad)
		if _, err := loadConfig(writeConfig(t, issueExample)); err == nil || !strings.Contains(err.Error(), "sessions.reauth_within") {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
}
