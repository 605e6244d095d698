package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestSessionsExpireOnTheServer: a session ends after sessionFor whatever
// the browser sends (a copied cookie stops working), and expired sessions
// are forgotten when another starts, so memory does not grow.
func TestSessionsExpireOnTheServer(t *testing.T) {
	a := &app{sessions: map[string]*session{}}
	id := a.startSession(&session{idToken: "fresh"})
	withCookie := func(id string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
		return r
	}
	s := a.session(withCookie(id))
	if s == nil || s.idToken != "fresh" || time.Until(s.expires) < sessionFor-time.Minute || time.Until(s.expires) > sessionFor {
		t.Fatalf("a new session: %+v", s)
	}
	s.expires = time.Now().Add(-time.Second) // 8 hours later
	if a.session(withCookie(id)) != nil {
		t.Fatal("an expired session was taken")
	}
	if _, kept := a.sessions[id]; kept {
		t.Fatal("an expired session was kept")
	}
	old := a.startSession(&session{idToken: "old"})
	a.sessions[old].expires = time.Now().Add(-time.Second)
	a.startSession(&session{idToken: "next"})
	if _, kept := a.sessions[old]; kept || len(a.sessions) != 1 {
		t.Fatalf("expired sessions not swept: %d kept", len(a.sessions))
	}
}
