package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// readCounter counts the reads of flows and auth requests the handler makes.
type readCounter struct {
	store
	flows, requests atomic.Int32
}

func (c *readCounter) FlowByID(ctx context.Context, id string) (storage.Flow, error) {
	c.flows.Add(1)
	return c.store.FlowByID(ctx, id)
}

func (c *readCounter) AuthRequestByID(ctx context.Context, id string) (storage.AuthRequest, error) {
	c.requests.Add(1)
	return c.store.AuthRequestByID(ctx, id)
}

// The form page the start sends the browser to is drawn from the flow and
// request the start has just written, without reading them back; a reload,
// every post and the page after any other page of the flow read the database,
// and another browser never gets the entry.
func TestFreshFlowReadOnce(t *testing.T) {
	e := newEnv(t, nil)
	rc := &readCounter{store: e.h.store}
	e.h.store = rc
	u := e.user(directory.NewUser{})
	b := e.browser()
	ar := e.authRequest(b, "portal", nil)
	start := b.get("/login?authRequestID=" + url.QueryEscape(ar.ID))
	if start.status != http.StatusSeeOther {
		t.Fatalf("start: %v", start)
	}
	fp := flowPathOf(start.location)
	rc.flows.Store(0)
	rc.requests.Store(0)
	if p := b.follow(start); p.status != http.StatusOK || !p.has(`name="password"`) {
		t.Fatalf("form: %v", p)
	}
	if n, m := rc.flows.Load(), rc.requests.Load(); n != 0 || m != 0 {
		t.Fatalf("the form after the start read %d flows and %d requests", n, m)
	}
	if p := b.get(fp + q(ar)); p.status != http.StatusOK || !p.has(`name="password"`) {
		t.Fatalf("reload: %v", p)
	}
	if n, m := rc.flows.Load(), rc.requests.Load(); n != 1 || m != 1 {
		t.Fatalf("a reload read %d flows and %d requests, want one each", n, m)
	}
	if p := b.post(fp+"/password"+q(ar), url.Values{"login": {u.Login}, "password": {testPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %v", p)
	}
	if n := rc.flows.Load(); n != 2 {
		t.Fatalf("the post read %d flows, want it read from the database", n-1)
	}

	// A post before the page (a client that does not follow the redirect)
	// may move the flow: the page after it reads the database.
	ar3 := e.authRequest(b, "portal", func(ar *storage.AuthRequest) { ar.Prompt = []string{"login"} })
	start3 := b.get("/login?authRequestID=" + url.QueryEscape(ar3.ID))
	fp3 := flowPathOf(start3.location)
	if p := b.post(fp3+"/password"+q(ar3), url.Values{"login": {u.Login}}); p.status != http.StatusBadRequest {
		t.Fatalf("post without a password: %v", p)
	}
	before := rc.flows.Load()
	b.get(fp3 + q(ar3))
	if n := rc.flows.Load() - before; n != 1 {
		t.Fatalf("the page after a post read %d flows, want it read from the database", n)
	}

	// Another browser at the address of a flow just started: refused, as before.
	owner := e.browser()
	ar2 := e.authRequest(owner, "portal", nil)
	start2 := owner.get("/login?authRequestID=" + url.QueryEscape(ar2.ID))
	if p := e.browser().get(strings.TrimPrefix(start2.location, e.srv.URL)); p.status != http.StatusBadRequest {
		t.Fatalf("another browser at a fresh flow: %v", p)
	}
}
