package e2e

import (
	"strings"
	"testing"
)

// TestBrowserESIA signs in through a stand-in Госуслуги (ESIA) in the
// browser: the person whose SNILS is that of an account's qualified
// certificate lands in that account, an organisation ESIA lists and Vhod
// knows is offered for joining, and a spoilt ID token is refused with a page
// that says so. The stand-in checks every client secret Vhod signs with
// OpenSSL's GOST engine.
func TestBrowserESIA(t *testing.T) {
	esia := newESIAStandIn(t, "565-591-361 27", []map[string]any{
		{"oid": 1000111111, "fullName": "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «ВАСИЛЁК»", "shortName": "ООО «Василёк»",
			"ogrn": "1027700132195", "inn": "7707083893", "kpp": "773601001", "type": "LEGAL", "chief": false, "active": true},
		{"oid": 1000222222, "fullName": "ООО «Лютик»", "ogrn": "1037739010891", "inn": "7728168971", "type": "LEGAL", "chief": false, "active": true},
	})
	runBrowser(t, browserSetup{
		Config: func(cfg, _ string) string {
			return strings.Replace(cfg, "bootstrap:\n", esia.config()+"bootstrap:\n", 1)
		},
		Env: []string{"ESIA_URL=" + esia.URL},
	}, "browser/federated_esia.test.mjs")
	verified, refused := esia.counts()
	// Two trips (the sign-in and the spoilt one), each signing twice: at the
	// authorization and at the token endpoint.
	if verified < 4 || refused != 0 {
		t.Fatalf("OpenSSL verified %d client secrets and refused %d; want at least 4 and none", verified, refused)
	}
}
