package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// Tune adds to every collection table of the store an index on the expression that
// FerretDB's SQLite backend uses to find a document by _id,
// _ferretdb_sjson->'$._id'. FerretDB v1.24 builds its own unique _id index on
// another spelling of that path (_ferretdb_sjson->"_id"), which SQLite does not
// match to the query, so without this every lookup by _id reads and parses the
// whole table: a lookup in a collection of a few thousand tokens took ~150 ms.
// The index is invisible to the MongoDB API and dropped with its table.
// It is safe to call at any time and as often as wanted.
func (s *Server) Tune(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(s.dir, "*.sqlite"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := tuneFile(ctx, f); err != nil {
			return fmt.Errorf("tune %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

func tuneFile(ctx context.Context, path string) error {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "_pragma=busy_timeout(10000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM "_ferretdb_collections"`)
	if err != nil {
		return nil // a database file without collections yet
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_vhod_id", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// tuneLoop tunes new databases and collections as clients create them (another
// process may be the client, as with `vhod db`).
func (s *Server) tuneLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Tune(ctx)
		}
	}
}
