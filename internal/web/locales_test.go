package web

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// loadMessages reads a catalogue as id → its texts (one, or one per plural
// form).
func loadMessages(t *testing.T, lang string) map[string][]string {
	t.Helper()
	data, err := localeFS.ReadFile("locales/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for id, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[id] = []string{s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s %s: neither a text nor plural forms: %v", lang, id, err)
		}
		for _, f := range forms {
			out[id] = append(out[id], f)
		}
	}
	return out
}

// keyLike is what a message id looks like: dotted lower_snake words.
var keyLike = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_-]+)+$`)

// asciiQuoted finds text in ASCII quotes: Russian pages quote with «…».
var asciiQuoted = regexp.MustCompile(`"[^"]*"|(^|[\s(])'[^']+'`)

// postWord is "почта" in any case (not "почтовый"), with the word before it.
var postWord = regexp.MustCompile(`(?i)(\S+)\s+(почт(а|ы|е|у|ой))([^а-яё]|$)|^(почт(а|ы|е|у|ой))([^а-яё]|$)`)

// loosePost is the first "почта" not spelled out as "электронная почта"
// ("Эл. почта", "Почта"), or "".
func loosePost(s string) string {
	for _, m := range postWord.FindAllStringSubmatch(s, -1) {
		if m[1] == "" || !strings.HasPrefix(strings.ToLower(m[1]), "электронн") {
			return strings.TrimSpace(m[1] + " " + m[2] + m[5])
		}
	}
	return ""
}

// TestRussianMessages reads every Russian message as a person would: no
// message key instead of words, no ASCII quotes, one term for email, and
// every message in both languages.
func TestRussianMessages(t *testing.T) {
	ru, en := loadMessages(t, "ru"), loadMessages(t, "en")
	var problems []string
	for id, texts := range ru {
		for _, s := range texts {
			if s == id || keyLike.MatchString(strings.TrimSpace(s)) {
				problems = append(problems, id+": a key instead of words: "+s)
			}
			// Template actions ({{.Name}}) may quote; the text may not.
			text := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(s, "")
			if asciiQuoted.MatchString(text) {
				problems = append(problems, id+": ASCII quotes, use «…»: "+s)
			}
			if strings.Contains(strings.ToLower(s), "e-mail") {
				problems = append(problems, id+": «E-mail», say «электронная почта»: "+s)
			}
			if loose := loosePost(s); loose != "" {
				problems = append(problems, id+": «"+loose+"», say «электронная почта»: "+s)
			}
			if strings.Contains(s, "Vhod") {
				problems = append(problems, id+": the brand is «Вход» in Russian: "+s)
			}
		}
		if _, ok := en[id]; !ok {
			problems = append(problems, id+": no English message")
		}
	}
	for id := range en {
		if _, ok := ru[id]; !ok {
			problems = append(problems, id+": no Russian message")
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestPluralMessages: a Russian plural has the forms CLDR's rules ask for,
// an English one the two English forms.
func TestPluralMessages(t *testing.T) {
	for lang, want := range map[string][]string{"ru": {"one", "few", "many", "other"}, "en": {"one", "other"}} {
		data, _ := localeFS.ReadFile("locales/" + lang + ".json")
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		for id, v := range raw {
			var forms map[string]string
			if json.Unmarshal(v, &forms) != nil {
				continue
			}
			for _, f := range want {
				if forms[f] == "" {
					t.Errorf("%s %s: no %q form", lang, id, f)
				}
			}
		}
	}
}

// TestLayoutKeys: the layout and the error page name only keys that exist.
func TestLayoutKeys(t *testing.T) {
	unknown, err := UnknownKeys(templateFS, "templates/*.html")
	if err != nil || len(unknown) > 0 {
		t.Fatalf("%v %v", unknown, err)
	}
}
