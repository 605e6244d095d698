package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages the pages speak; the first is the default.
var Languages = []language.Tag{language.Russian, language.English}

var matcher = language.NewMatcher(Languages)

// Catalog holds the message bundles of every page language.
type Catalog struct{ bundle *i18n.Bundle }

// NewCatalog loads the embedded catalogues; it fails if one is broken.
func NewCatalog() (*Catalog, error) {
	b := i18n.NewBundle(Languages[0])
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, tag := range Languages {
		if _, err := b.LoadMessageFileFS(localeFS, "locales/"+tag.String()+".json"); err != nil {
			return nil, fmt.Errorf("load %s messages: %w", tag, err)
		}
	}
	return &Catalog{bundle: b}, nil
}

// PickLanguage chooses from the auth request's ui_locales, then the query's
// ui_locales, then Accept-Language; the default language when none matches.
func PickLanguage(r *http.Request, uiLocales []string) language.Tag {
	var prefs []language.Tag
	for _, l := range uiLocales {
		if t, err := language.Parse(l); err == nil {
			prefs = append(prefs, t)
		}
	}
	if q := r.URL.Query().Get("ui_locales"); q != "" {
		for _, l := range strings.Fields(q) {
			if t, err := language.Parse(l); err == nil {
				prefs = append(prefs, t)
			}
		}
	}
	if accept, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil {
		prefs = append(prefs, accept...)
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[i]
}

// MailTexts renders messages of the pages' catalogue for the mail that the
// directory sends (directory.Texts): lang is a language tag, the default
// language when empty or unknown.
func MailTexts() (func(lang, key string, args ...string) string, error) {
	c, err := NewCatalog()
	if err != nil {
		return nil, err
	}
	return func(lang, key string, args ...string) string {
		tag := Languages[0]
		if t, err := language.Parse(lang); err == nil {
			if _, i, conf := matcher.Match(t); conf != language.No {
				tag = Languages[i]
			}
		}
		return c.Translator(tag).T(key, args...)
	}, nil
}

// Translator translates message keys into one language.
type Translator struct {
	lang language.Tag
	loc  *i18n.Localizer
	tz   *time.Location // times are shown here; nil: DefaultZone
}

// Translator is the catalogue in language lang.
func (c *Catalog) Translator(lang language.Tag) Translator {
	return Translator{lang: lang, loc: i18n.NewLocalizer(c.bundle, lang.String())}
}

// T translates key; pairs of extra arguments fill the message's template
// fields. A key with no message comes back as it is.
func (t Translator) T(key string, args ...string) string {
	data := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		data[args[i]] = args[i+1]
	}
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		return key
	}
	return s
}

// Lang is the translator's language code, for <html lang>.
func (t Translator) Lang() string { return t.lang.String() }
