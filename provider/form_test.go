package provider

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// TestParseFormAsParseForm: parseForm leaves the body's parameters and the
// error as r.ParseForm does, whichever way it takes.
func TestParseFormAsParseForm(t *testing.T) {
	cases := []struct{ target, ctype, body string }{
		{"/oauth/token", formType, "grant_type=client_credentials&scope=a+b%20c"},
		{"/oauth/token", formType, "grant_type=client_credentials&grant_type=password"},
		{"/oauth/token", formType, ""},
		{"/oauth/token", formType, "a=%zz&b=1"},
		{"/oauth/token", formType, "a;b=1"},
		{"/oauth/token", formType + "; charset=UTF-8", "grant_type=client_credentials"},
		{"/oauth/token", "Application/X-WWW-Form-Urlencoded", "grant_type=client_credentials"},
		{"/oauth/token?scope=x", formType, "grant_type=client_credentials"},
		{"/oauth/token", "application/json", `{"grant_type":"client_credentials"}`},
		{"/oauth/token", "", "grant_type=client_credentials"},
	}
	for _, c := range cases {
		mk := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, c.target, strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			return r
		}
		want, got := mk(), mk()
		wantErr, gotErr := want.ParseForm(), parseForm(got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%q %q: error %v, ParseForm's %v", c.ctype, c.body, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got.PostForm, want.PostForm) {
			t.Errorf("%q %q: PostForm %v, ParseForm's %v", c.ctype, c.body, got.PostForm, want.PostForm)
		}
		if want.URL.RawQuery == "" && !reflect.DeepEqual(got.Form, want.Form) {
			t.Errorf("%q %q: Form %v, ParseForm's %v", c.ctype, c.body, got.Form, want.Form)
		}
	}
}

// TestParseFormBodyOverLimit: a body larger than maxBody allows is refused
// on either way.
func TestParseFormBodyOverLimit(t *testing.T) {
	for _, known := range []bool{true, false} {
		r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader("a="+strings.Repeat("x", 70<<10)))
		r.Header.Set("Content-Type", formType)
		if !known {
			r.ContentLength = -1
		}
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 64<<10)
		if err := parseForm(r); err == nil {
			t.Errorf("known length %v: a body over the limit was read", known)
		}
	}
}
