package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the default zone must load on hosts without a zoneinfo database

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// DefaultZone is where the people of Vhod's portals live unless the operator
// says otherwise (ui.time_zone).
const DefaultZone = "Europe/Moscow"

// defaultLocation is DefaultZone, loaded once; the embedded tzdata makes the
// load safe.
var defaultLocation = func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

// Funcs are the functions every page's templates have, whatever its package
// adds (a package's own function of the same name wins). What depends on the
// page's language or time zone is a method of the page's Translator instead,
// as .T is: .Date, .DateTime, .Plural, .Agent, .StatusText, .Method,
// .Methods, .ACR, .RoleName and .Word.
var Funcs = template.FuncMap{
	"snils": SNILS,
	"nbsp":  NBSP,
}

// zone is the translator's time zone, the default when none was set.
func (t Translator) zone() *time.Location {
	if t.tz == nil {
		return defaultLocation
	}
	return t.tz
}

// InZone is the translator showing times in loc (nil: the default zone).
func (t Translator) InZone(loc *time.Location) Translator {
	t.tz = loc
	return t
}

// Date is a day in the page's language and time zone: 05.12.2026 in Russian,
// Dec 5, 2026 in English. The zero time is empty.
func (t Translator) Date(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	at = at.In(t.zone())
	if t.lang.String() == "en" {
		return at.Format("Jan 2, 2006")
	}
	return at.Format("02.01.2006")
}

// DateTime is a moment to the minute in the page's language and time zone:
// 05.12.2026 14:03 in Russian, Dec 5, 2026, 2:03 PM in English.
func (t Translator) DateTime(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	at = at.In(t.zone())
	if t.lang.String() == "en" {
		return at.Format("Jan 2, 2006, 3:04\u202fPM")
	}
	return at.Format("02.01.2006 15:04")
}

// Plural is message key in the form CLDR's rules choose for n in the page's
// language (one, few, many, other); the message reads n as {{.Count}}, and
// pairs of args fill its other fields.
func (t Translator) Plural(key string, n int, args ...string) string {
	data := map[string]string{"Count": strconv.Itoa(n)}
	for i := 0; i+1 < len(args); i += 2 {
		data[args[i]] = args[i+1]
	}
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: data})
	if err != nil {
		return key
	}
	return s
}

// Word translates prefix+value, and gives value back as it is when there is
// no such message (a new status, an operator's own method), so that a page
// never shows a message key.
func (t Translator) Word(prefix, value string) string {
	if value == "" {
		return ""
	}
	if s := t.T(prefix + value); s != prefix+value {
		return s
	}
	return value
}

// StatusText is a company's or a membership's status in words ("Действует", "На
// проверке", "Отклонена", "Удалён", "Приостановлена").
func (t Translator) StatusText(s string) string { return t.Word("status.", s) }

// Method is a way of signing in (an amr value: "pwd", "sms", …) or a client's
// way of authenticating ("private_key_jwt", …) in words.
func (t Translator) Method(m string) string { return t.Word("method.", m) }

// Methods are several amr values in words, joined by commas.
func (t Translator) Methods(ms []string) string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, t.Method(m))
	}
	return strings.Join(out, ", ")
}

// ACR is an assurance level (urn:vhod:acr:…) in words ("пароль",
// "квалифицированная электронная подпись").
func (t Translator) ACR(acr string) string {
	return t.Word("acr.", strings.TrimPrefix(acr, "urn:vhod:acr:"))
}

// RoleName is a role Vhod defines (org_admin) by Vhod's own message, so that
// it has one name on every page; any other role by its catalogue name in the
// page's language, else in Russian (the catalogues' first language), else by
// its key.
func (t Translator) RoleName(key string, names map[string]string) string {
	if n := t.Word("role.", key); n != key {
		return n
	}
	if n := names[t.lang.String()]; n != "" {
		return n
	}
	if n := names["ru"]; n != "" {
		return n
	}
	return key
}

// SNILS is an 11-digit insurance number written as 123-456-789 01 (a
// non-breaking space before the check digits); anything else comes back as
// it is.
func SNILS(s string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '-' || r == ' ' || r == '\u00a0' {
			return -1
		}
		return 'x'
	}, s)
	if len(d) != 11 || strings.Contains(d, "x") {
		return s
	}
	return fmt.Sprintf("%s-%s-%s\u00a0%s", d[0:3], d[3:6], d[6:9], d[9:11])
}

// legalForms are the abbreviations a company's name starts with, kept on
// one line with what follows.
var legalForms = map[string]bool{
	"ИП": true, "ООО": true, "ОАО": true, "ЗАО": true, "ПАО": true, "АО": true, "НАО": true,
	"НКО": true, "АНО": true, "ГУП": true, "МУП": true, "ФГУП": true, "ФГБУ": true, "ГБУ": true,
	"МБУ": true, "КФХ": true, "ТСЖ": true, "СНТ": true, "ПК": true, "ОП": true,
}

// initial is one letter and a dot: the "А." of "Сидорова А. В.".
var initial = regexp.MustCompile(`^\p{Lu}\.$`)

// NBSP keeps together what Russian typography does not break across lines in
// a person's or a company's name: a legal form and the name after it ("ООО
// «Ромашка»", "ИП Сидорова"), initials with each other and with the surname
// ("Сидорова А. В.", "А. В. Сидорова"). Other spaces stay.
func NBSP(s string) string {
	words := strings.Split(s, " ")
	if len(words) < 2 {
		return s
	}
	var b strings.Builder
	b.WriteString(words[0])
	for i := 1; i < len(words); i++ {
		prev, next := words[i-1], words[i]
		glue := prev != "" && next != "" &&
			(legalForms[prev] || initial.MatchString(next) ||
				(initial.MatchString(prev) && startsUpper(next)))
		if glue {
			b.WriteString("\u00a0")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(next)
	}
	return b.String()
}

// startsUpper tells whether s begins with a capital letter.
func startsUpper(s string) bool {
	for _, r := range s {
		return strings.ToUpper(string(r)) == string(r) && strings.ToLower(string(r)) != string(r)
	}
	return false
}
