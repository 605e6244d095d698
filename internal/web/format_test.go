package web

import (
	"testing"
	"time"

	"golang.org/x/text/language"
)

func translators(t *testing.T) (ru, en Translator) {
	t.Helper()
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c.Translator(language.Russian), c.Translator(language.English)
}

// TestDates: a moment is shown on the day and at the hour of the page's time
// zone, Moscow unless the operator set another.
func TestDates(t *testing.T) {
	ru, en := translators(t)
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Fatal(err)
	}
	lateUTC := time.Date(2026, 12, 4, 22, 30, 0, 0, time.UTC) // 5 Dec 01:30 in Moscow
	for _, c := range []struct {
		name      string
		tr        Translator
		at        time.Time
		date, dtm string
	}{
		{"ru Moscow next day", ru, lateUTC, "05.12.2026", "05.12.2026 01:30"},
		{"en Moscow next day", en, lateUTC, "Dec 5, 2026", "Dec 5, 2026, 1:30\u202fAM"},
		{"ru UTC zone", ru.InZone(time.UTC), lateUTC, "04.12.2026", "04.12.2026 22:30"},
		{"ru Vladivostok", ru.InZone(vladivostok), time.Date(2026, 12, 31, 14, 5, 0, 0, time.UTC), "01.01.2027", "01.01.2027 00:05"},
		{"en afternoon", en, time.Date(2026, 3, 9, 11, 3, 0, 0, time.UTC), "Mar 9, 2026", "Mar 9, 2026, 2:03\u202fPM"},
		{"zero", ru, time.Time{}, "", ""},
	} {
		if got := c.tr.Date(c.at); got != c.date {
			t.Errorf("%s: Date = %q, want %q", c.name, got, c.date)
		}
		if got := c.tr.DateTime(c.at); got != c.dtm {
			t.Errorf("%s: DateTime = %q, want %q", c.name, got, c.dtm)
		}
	}
}

func TestSNILS(t *testing.T) {
	for in, want := range map[string]string{
		"12345678901":    "123-456-789\u00a001",
		"123-456-789 01": "123-456-789\u00a001",
		"123 456 789 01": "123-456-789\u00a001",
		"1234567890":     "1234567890",
		"123456789012":   "123456789012",
		"12345678x01":    "12345678x01",
		"":               "",
		"abc-def-ghi jk": "abc-def-ghi jk",
	} {
		if got := SNILS(in); got != want {
			t.Errorf("SNILS(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNBSP(t *testing.T) {
	const n = "\u00a0"
	for in, want := range map[string]string{
		"ИП Сидорова А. В.":             "ИП" + n + "Сидорова" + n + "А." + n + "В.",
		"ООО «Ромашка»":                 "ООО" + n + "«Ромашка»",
		"ПАО «Светсервис» и партнёры":   "ПАО" + n + "«Светсервис» и партнёры",
		"АО «КИП-Сервис»":               "АО" + n + "«КИП-Сервис»",
		"ФГУП «ДМДК»":                   "ФГУП" + n + "«ДМДК»",
		"А. В. Сидорова":                "А." + n + "В." + n + "Сидорова",
		"Сидорова Анна Викторовна":      "Сидорова Анна Викторовна",
		"Сидорова А. В. и Петров П. П.": "Сидорова" + n + "А." + n + "В. и Петров" + n + "П." + n + "П.",
		"Ромашка":                       "Ромашка",
		"":                              "",
		"Иванов  И.":                    "Иванов  И.", // a double space is left as typed
	} {
		if got := NBSP(in); got != want {
			t.Errorf("NBSP(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPlural: the forms CLDR gives Russian and English numbers.
func TestPlural(t *testing.T) {
	ru, en := translators(t)
	for n, want := range map[int][2]string{
		1:  {"1 открытый сеанс", "1 open session"},
		2:  {"2 открытых сеанса", "2 open sessions"},
		5:  {"5 открытых сеансов", "5 open sessions"},
		11: {"11 открытых сеансов", "11 open sessions"},
		21: {"21 открытый сеанс", "21 open sessions"},
		22: {"22 открытых сеанса", "22 open sessions"},
		25: {"25 открытых сеансов", "25 open sessions"},
		0:  {"0 открытых сеансов", "0 open sessions"},
	} {
		if got := ru.Plural("account.sessions_count", n); got != want[0] {
			t.Errorf("ru %d: %q, want %q", n, got, want[0])
		}
		if got := en.Plural("account.sessions_count", n); got != want[1] {
			t.Errorf("en %d: %q, want %q", n, got, want[1])
		}
	}
	if got := ru.Plural("no.such_key", 3); got != "no.such_key" {
		t.Errorf("a missing plural: %q", got)
	}
}

func TestAgent(t *testing.T) {
	ru, en := translators(t)
	for _, c := range []struct{ ua, ru, en string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
			"Chrome 131 на Windows", "Chrome 131 on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
			"Chrome 131 на macOS", "Chrome 131 on macOS"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
			"Chrome 131 на Android", "Chrome 131 on Android"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
			"Firefox 133 на Linux", "Firefox 133 on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
			"Firefox 133 на Windows", "Firefox 133 on Windows"},
		{"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
			"Firefox 133 на Android", "Firefox 133 on Android"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
			"Safari на macOS", "Safari on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
			"Safari на iPhone", "Safari on iPhone"},
		{"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
			"Safari на iPad", "Safari on iPad"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
			"Edge 131 на Windows", "Edge 131 on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
			"Edge 131 на macOS", "Edge 131 on macOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
			"Яндекс Браузер 24 на Windows", "Yandex Browser 24 on Windows"},
		{"Mozilla/5.0 (Linux; arm_64; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.1.97.00 SA/3 Mobile Safari/537.36",
			"Яндекс Браузер 24 на Android", "Yandex Browser 24 on Android"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
			"Chrome 131 на iPhone", "Chrome 131 on iPhone"},
		{"", "Неизвестный браузер", "Unknown browser"},
		{"curl/8.5.0", "curl 8", "curl 8"},
		{"Googlebot/2.1 (+http://www.google.com/bot.html)", "Неизвестный браузер", "Unknown browser"},
	} {
		if got := ru.Agent(c.ua); got != c.ru {
			t.Errorf("ru %q: %q, want %q", c.ua, got, c.ru)
		}
		if got := en.Agent(c.ua); got != c.en {
			t.Errorf("en %q: %q, want %q", c.ua, got, c.en)
		}
	}
}

// TestWords: statuses, methods, assurance levels and roles are words in
// both languages; an unknown value comes back as it is, never as a key.
func TestWords(t *testing.T) {
	ru, en := translators(t)
	for _, c := range []struct {
		f      func(Translator, string) string
		in     string
		ru, en string
	}{
		{Translator.StatusText, "active", "Действует", "Active"},
		{Translator.StatusText, "pending", "На проверке", "Under review"},
		{Translator.StatusText, "rejected", "Отклонена", "Rejected"},
		{Translator.StatusText, "removed", "Удалён", "Removed"},
		{Translator.StatusText, "suspended", "Приостановлена", "Suspended"},
		{Translator.StatusText, "archived", "archived", "archived"},
		{Translator.StatusText, "", "", ""},
		{Translator.Method, "pwd", "пароль", "password"},
		{Translator.Method, "sms", "код из SMS", "SMS code"},
		{Translator.Method, "private_key_jwt", "подпись закрытым ключом (JWT)", "signature by a private key (JWT)"},
		{Translator.ACR, "urn:vhod:acr:password", "пароль", "password"},
		{Translator.ACR, "urn:vhod:acr:certificate", "электронная подпись", "electronic signature"},
		{Translator.ACR, "urn:vhod:acr:qualified-certificate", "квалифицированная электронная подпись", "qualified electronic signature"},
		{Translator.ACR, "urn:other:gold", "urn:other:gold", "urn:other:gold"},
	} {
		if got := c.f(ru, c.in); got != c.ru {
			t.Errorf("ru %q: %q, want %q", c.in, got, c.ru)
		}
		if got := c.f(en, c.in); got != c.en {
			t.Errorf("en %q: %q, want %q", c.in, got, c.en)
		}
	}
	if got := ru.Methods([]string{"pwd", "sms"}); got != "пароль, код из SMS" {
		t.Errorf("Methods: %q", got)
	}
	for _, c := range []struct {
		key    string
		names  map[string]string
		ru, en string
	}{
		{"org_admin", nil, "Администратор организации", "Company administrator"},
		{"org_admin", map[string]string{"ru": "Руководитель", "en": "Head"}, "Администратор организации", "Company administrator"},
		{"buyer", map[string]string{"ru": "Закупщик", "en": "Buyer"}, "Закупщик", "Buyer"},
		{"buyer", map[string]string{"ru": "Закупщик"}, "Закупщик", "Закупщик"},
		{"buyer", nil, "buyer", "buyer"},
	} {
		if got := ru.RoleName(c.key, c.names); got != c.ru {
			t.Errorf("ru %s %v: %q, want %q", c.key, c.names, got, c.ru)
		}
		if got := en.RoleName(c.key, c.names); got != c.en {
			t.Errorf("en %s %v: %q, want %q", c.key, c.names, got, c.en)
		}
	}
}
