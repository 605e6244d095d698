package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/op"
)

type parentKey struct{}

// TestRequestContextAsValueLayers: the request's context answers what the
// holder's and op's issuer's context.WithValue layers answered, and ends
// with the request's.
func TestRequestContextAsValueLayers(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), parentKey{}, "p"))
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(parent)
	r, h := withRequestClient(r, op.ContextWithIssuer(context.Background(), testIssuer))
	ctx := r.Context()
	if holder(ctx) != h || h == nil {
		t.Fatal("holder not found")
	}
	if op.IssuerFromContext(ctx) != testIssuer {
		t.Fatalf("issuer %q", op.IssuerFromContext(ctx))
	}
	if ctx.Value(parentKey{}) != "p" {
		t.Fatal("the request's values are lost")
	}
	// A layer above sees both, and op's issuer set again wins.
	over := op.ContextWithIssuer(context.WithValue(ctx, parentKey{}, "q"), "https://other.example")
	if holder(over) != h || op.IssuerFromContext(over) != "https://other.example" || over.Value(parentKey{}) != "q" {
		t.Fatal("layers above do not see through")
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	<-ctx.Done()
	<-child.Done()
	if ctx.Err() != context.Canceled || context.Cause(child) != context.Canceled {
		t.Fatalf("end: %v %v", ctx.Err(), context.Cause(child))
	}
}
