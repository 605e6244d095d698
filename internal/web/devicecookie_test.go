package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestDeviceCookies: a cookie reads back as set; a changed value, another key,
// a cookie past its lifetime and a missing key read as none.
func TestDeviceCookies(t *testing.T) {
	d := DeviceCookies{Key: make([]byte, 32)}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	rec := httptest.NewRecorder()
	d.Set(rec, "user-1", now)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies %+v", cookies)
	}
	read := func(d DeviceCookies, value string, at time.Time) (string, bool) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: cookies[0].Name, Value: value})
		id, nonce, ok := d.Read(r, at)
		return id, ok && nonce != ""
	}
	if id, ok := read(d, cookies[0].Value, now.Add(time.Hour)); !ok || id != "user-1" {
		t.Fatalf("read back: %q %v", id, ok)
	}
	other := DeviceCookies{Key: []byte("another key of thirty-two bytes!")}
	for name, c := range map[string]struct {
		d     DeviceCookies
		value string
		at    time.Time
	}{
		"changed":     {d, cookies[0].Value + "x", now},
		"another key": {other, cookies[0].Value, now},
		"too old":     {d, cookies[0].Value, now.Add(DeviceCookieLifetime + time.Hour)},
		"no key":      {DeviceCookies{}, cookies[0].Value, now},
	} {
		if _, ok := read(c.d, c.value, c.at); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
