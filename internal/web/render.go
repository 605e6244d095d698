package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/csrf"
	"golang.org/x/text/language"
)

// templateFS holds what every audience's pages share: the layout every page is
// drawn in (template "layout", which calls the page's "content") and the error
// page.
//
//go:embed templates/*.html
var templateFS embed.FS

// errorPageName is the error page's name among the pages (Fail).
const errorPageName = "error"

// Base is what every page has: its language, its title and the CSRF field for
// its forms. A page's data embeds it (or a type that embeds it), so that the
// layout finds .T, .Lang and .Title.
type Base struct {
	Translator
	Title string
	CSRF  template.HTML
	// Shell frames a signed-in person's page (the wide layout); nil: the
	// centred card of the sign-in pages.
	Shell *Shell
}

// Renderer draws one audience's pages in the common layout and its failures
// on the common error page.
type Renderer struct {
	catalog *Catalog
	pages   map[string]*template.Template
	log     *slog.Logger
	zone    *time.Location // where the pages' times are shown; nil: DefaultZone
	framer  Framer         // the frame of the error and confirmation pages; nil: cards
}

// NewRenderer parses the pages names, each from templates/<name>.html of fsys
// together with the files shared (templates the pages call, such as a form
// widget), on the common layout; funcs are the functions the templates use,
// besides web's own (Funcs: a name in funcs wins). A page that does not parse
// stops start-up.
func NewRenderer(cat *Catalog, log *slog.Logger, fsys fs.FS, names []string, funcs template.FuncMap, shared ...string) (*Renderer, error) {
	pages := map[string]*template.Template{}
	all := template.FuncMap{}
	maps.Copy(all, Funcs)
	maps.Copy(all, funcs)
	funcs = all
	parse := func(name string, fsys fs.FS, files ...string) error {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
		if err == nil {
			t, err = t.ParseFS(fsys, files...)
		}
		if err != nil {
			return fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
		return nil
	}
	if err := parse(errorPageName, templateFS, "templates/error.html"); err != nil {
		return nil, err
	}
	if err := parse(confirmPageName, templateFS, "templates/confirm.html"); err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := parse(name, fsys, slices.Concat(shared, []string{"templates/" + name + ".html"})...); err != nil {
			return nil, err
		}
	}
	return &Renderer{catalog: cat, pages: pages, log: log}, nil
}

// SetTimeZone makes the pages show times in loc (the operator's ui.time_zone);
// nil keeps DefaultZone. Call it before serving.
func (p *Renderer) SetTimeZone(loc *time.Location) { p.zone = loc }

// Base prepares the common page data in language lang, titled by titleKey.
func (p *Renderer) Base(r *http.Request, lang language.Tag, titleKey string) Base {
	t := p.catalog.Translator(lang).InZone(p.zone)
	return Base{Translator: t, Title: t.T(titleKey), CSRF: csrf.TemplateField(r)}
}

// Render writes page name with data; a template failure is logged and becomes
// a bare 500, so that no half-drawn page goes out.
func (p *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
