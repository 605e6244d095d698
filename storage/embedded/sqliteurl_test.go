package embedded

import (
	"database/sql"
	"net/url"
	"strings"
	"testing"
)

// The embedded store's SQLite connections keep statement journals in memory
// and nothing else of durability changes: WAL (FerretDB's default, added to
// the address as it adds it) with synchronous FULL.
func TestSQLiteURLKeepsDurability(t *testing.T) {
	dir := t.TempDir()
	raw := sqliteURL(dir)
	if strings.Contains(raw, "synchronous") {
		t.Fatalf("the address sets synchronous: %s", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)") // as FerretDB adds it
	u.Path += "probe.sqlite"
	u.RawQuery = q.Encode()
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{"temp_store": "2", "journal_mode": "wal", "synchronous": "2"} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}
