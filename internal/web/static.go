package web

import (
	"embed"
	"io/fs"
	"net/http"
	"time"
)

//go:embed static
var staticFS embed.FS

// StaticPrefix is where the static assets are served (the pages link them
// there): the stylesheet and the scripts, none of them inline (see
// SecurityHeaders).
const StaticPrefix = "/static/"

// Static serves the embedded assets under StaticPrefix, cached for an hour.
func Static() http.Handler {
	static, _ := fs.Sub(staticFS, "static") // the directory is embedded: it exists
	return CacheFor(http.StripPrefix(StaticPrefix, http.FileServerFS(static)), time.Hour)
}
