package e2e

import (
	"strings"
	"testing"
)

// TestBrowserWords runs issue 18's items 2, 3 and 4 (e2e/browser/words.test.mjs)
// in chromium, in Russian and English: roles, statuses, methods and assurance
// in words, never keys, and 404/405 pages in the person's language; Russian
// typography (non-breaking spaces in legal forms and initials, dates and times
// in the configured zone, SNILS as 123-456-789 01, plural forms, sessions'
// browsers and systems in words); and every dangerous action asking first on
// a page of its own, where "Cancel" keeps everything.
func TestBrowserWords(t *testing.T) {
	runBrowser(t, browserSetup{Config: wordsBrowserConfig}, "browser/words.test.mjs")
}

// wordsBrowserConfig: pages in Vladivostok's time (UTC+10, not the default
// Moscow, so that the zone is seen to be the configured one); an
// entrepreneur's company named with initials, its head and an employee with
// two roles of the b2b catalogue, one pair per language; a company each
// language's operator suspends, a client each deletes and an account each
// deletes.
func wordsBrowserConfig(cfg, _ string) string {
	cfg = strings.Replace(cfg, "bootstrap:\n", "ui: {time_zone: Asia/Vladivostok}\nbootstrap:\n", 1)
	cfg = strings.Replace(cfg, "  clients:\n", `  clients:
    - {id: old-crm, secret: old-crm-secret, name: Старая CRM, redirect_uris: ["http://127.0.0.1:1/cb"]}
    - {id: legacy, secret: legacy-secret, name: Legacy portal, redirect_uris: ["http://127.0.0.1:1/cb"]}
`, 1)
	cfg = strings.Replace(cfg, "  organisations:\n", `  organisations:
    - {id: ipsid, name: ИП Сидорова А. В., inn: "500371521396", ogrn: "319508135058602"}
    - {id: berezka, name: ООО «Берёзка», inn: "7703123457", kpp: "770301001", ogrn: "1027700000118"}
    - {id: elochka, name: ООО «Ёлочка», inn: "7703987658", kpp: "770301001", ogrn: "1027700000228"}
`, 1)
	cfg = strings.Replace(cfg, "  memberships:\n", `  memberships:
    - {user: lebedeva, org: ipsid, roles: [org_admin]}
    - {user: kotov, org: ipsid, roles: [buyer, accountant]}
    - {user: kotov, org: romashka, roles: [buyer]}
    - {user: swan, org: ipsid, roles: [org_admin]}
    - {user: fox, org: ipsid, roles: [buyer, accountant]}
    - {user: fox, org: romashka, roles: [buyer]}
`, 1)
	return cfg + `    - {login: lebedeva, password: "Lebedeva-pass-1", family_name: Лебедева, given_name: Анна, middle_name: Павловна}
    - {login: kotov, password: "Kotov-pass-1", family_name: Котов, given_name: Пётр}
    - {login: swan, password: "Swan-pass-1", family_name: Лебедев, given_name: Олег}
    - {login: fox, password: "Fox-pass-1", family_name: Лисин, given_name: Илья}
    - {login: doomed-ru, password: "Doomed-pass-1", family_name: Удалов, given_name: Иван}
    - {login: doomed-en, password: "Doomed-pass-2", family_name: Removov, given_name: Ivan}
`
}
