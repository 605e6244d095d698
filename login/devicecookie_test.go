package login

import (
	"github.com/vhod-id/vhod/internal/web"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeviceCookieSignature: a device cookie is honoured only as issued, with
// this server's key and within its lifetime; an edited, foreign or stale one
// names nobody.
func TestDeviceCookieSignature(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := &Handler{cfg: Config{DeviceKey: []byte(strings.Repeat("k", 32))}, now: func() time.Time { return now }}
	rec := httptest.NewRecorder()
	h.setDeviceCookie(rec, "user-1")
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "vhod_device" || !cookies[0].HttpOnly || cookies[0].MaxAge < 300*24*3600 {
		t.Fatalf("cookie: %+v", cookies)
	}
	value := cookies[0].Value
	with := func(v string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/login/x/password", nil)
		r.AddCookie(&http.Cookie{Name: "vhod_device", Value: v})
		return r
	}
	if d, ok := h.deviceFromCookie(with(value)); !ok || d.userID != "user-1" || d.nonce == "" {
		t.Fatalf("own cookie: %+v %v", d, ok)
	}
	parts := strings.Split(value, ".")
	other := &Handler{cfg: Config{DeviceKey: []byte(strings.Repeat("o", 32))}, now: h.now}
	for name, v := range map[string]string{
		"other user":  "dXNlci0y." + strings.Join(parts[1:], "."),
		"other nonce": parts[0] + ".AAAA." + strings.Join(parts[2:], "."),
		"later issue": strings.Join([]string{parts[0], parts[1], "9999999999", parts[3]}, "."),
		"no mac":      strings.Join(parts[:3], "."),
		"garbage":     "x",
	} {
		if _, ok := h.deviceFromCookie(with(v)); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := other.deviceFromCookie(with(value)); ok {
		t.Error("another server's key accepted the cookie")
	}
	now = now.Add(web.DeviceCookieLifetime + time.Hour)
	if _, ok := h.deviceFromCookie(with(value)); ok {
		t.Error("a cookie older than its lifetime accepted")
	}
}

// TestDeviceCookieHostPrefixedOnHTTPS: on an https issuer the device cookie is
// __Host- prefixed, and a plain one (planted by a sibling host) is not read.
func TestDeviceCookieHostPrefixedOnHTTPS(t *testing.T) {
	h := &Handler{cfg: Config{DeviceKey: []byte(strings.Repeat("k", 32))}, secure: true, now: time.Now}
	rec := httptest.NewRecorder()
	h.setDeviceCookie(rec, "user-1")
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "__Host-vhod_device" || !cookies[0].Secure || cookies[0].Path != "/" || cookies[0].Domain != "" {
		t.Fatalf("cookie: %+v", cookies)
	}
	r := httptest.NewRequest(http.MethodPost, "/login/x/password", nil)
	r.AddCookie(&http.Cookie{Name: "vhod_device", Value: cookies[0].Value})
	if _, ok := h.deviceFromCookie(r); ok {
		t.Fatal("a plain vhod_device cookie was read on https")
	}
	r.AddCookie(&http.Cookie{Name: "__Host-vhod_device", Value: cookies[0].Value})
	if d, ok := h.deviceFromCookie(r); !ok || d.userID != "user-1" {
		t.Fatalf("own cookie: %+v %v", d, ok)
	}
}
