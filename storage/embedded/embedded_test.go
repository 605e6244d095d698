package embedded

import (
	"os"
	"strings"
	"testing"
)

// The in-process store has no authentication, so it listens on a Unix socket
// in a directory only this user may enter, never on a TCP port another local
// user could reach; Close removes the socket's directory.
func TestInProcessStoreListensOnAPrivateSocket(t *testing.T) {
	s, err := Start(t.Context(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URI(), "mongodb://%2F") || strings.Contains(s.URI(), "127.0.0.1") {
		t.Errorf("URI %q, want a Unix socket's", s.URI())
	}
	fi, err := os.Stat(s.sockDir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("socket directory mode %o, want 700", perm)
	}
	s.Close()
	if _, err := os.Stat(s.sockDir); !os.IsNotExist(err) {
		t.Errorf("socket directory left after Close: %v", err)
	}
}

// A TCP address is for `vhod db`, which shares the store with other processes.
func TestListenGivesTCP(t *testing.T) {
	s, err := Start(t.Context(), Options{Dir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URI(), "mongodb://127.0.0.1:") || s.sockDir != "" {
		t.Errorf("URI %q, socket directory %q", s.URI(), s.sockDir)
	}
}

// A temporary directory too long for a socket path falls back to a loopback port.
func TestLongTempDirFallsBackToLoopback(t *testing.T) {
	long := t.TempDir() + "/" + strings.Repeat("d", maxSocketPath)
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", long)
	s, err := Start(t.Context(), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URI(), "mongodb://127.0.0.1:") || s.sockDir != "" {
		t.Errorf("URI %q, socket directory %q", s.URI(), s.sockDir)
	}
	if entries, _ := os.ReadDir(long); len(entries) != 0 {
		t.Errorf("%d entries left in the temporary directory", len(entries))
	}
}
