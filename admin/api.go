// Package admin is Vhod's REST API under /api/v1 (JSON, described by the
// OpenAPI document at /api/v1/openapi.json) for operators, moderators and
// organisation administrators, and automation acting for them. Callers bring
// access tokens Vhod issued with the "admin" scope: client credentials for
// machines (the client's authorities), user tokens for people (their
// authorities and the companies they administer).
package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/idp"
	"github.com/vhod-id/vhod/directory/orgs"
	"github.com/vhod-id/vhod/internal/clientaddr"
	"github.com/vhod-id/vhod/storage"
)

// Scope is the scope a token needs for the API: without it a token given to an
// app cannot be replayed here as its user.
const Scope = directory.ScopeAdmin

// maxBody bounds a request body.
const maxBody = 64 << 10

// Config is what the API needs; cmd/vhod wires it.
type Config struct {
	// Verify checks a bearer token (provider.VerifyAccessToken).
	Verify func(ctx context.Context, raw string) (storage.AccessToken, error)
	Store  Store
	// The services of directory the API speaks for, the same the console
	// and the bootstrap call.
	Orgs       *orgs.Service
	Clients    *directory.Clients
	Catalogues *directory.Catalogues
	Users      *directory.UserAdmin
	Keys       *directory.Keys
	// Anchors are the trust-anchor rules (they audit their changes).
	Anchors *directory.Anchors
	// IdentityProviders are the outside providers' rules (they audit their
	// changes); nil leaves /identity-providers out.
	IdentityProviders *idp.Service
	// Factors are people's second factors and passkeys (directory/factors);
	// nil: their resources are not served.
	Factors secondFactors
	Audit   *directory.Auditor
	Logger  *slog.Logger
	Now     func() time.Time
}

// Store is what the API reads itself: the caller's account, client and
// memberships, an organisation's members, the audit log, and the claims of
// If-Match. Every change goes through directory's services.
type Store interface {
	ClientByID(ctx context.Context, id string) (storage.Client, error)
	UserByID(ctx context.Context, id string) (storage.User, error)
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	MembershipByID(ctx context.Context, userID, orgID string) (storage.Membership, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error)
	ListMemberships(ctx context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error)
	QueryAudit(ctx context.Context, q storage.AuditQuery) ([]storage.AuditEvent, error)
	ClaimOnce(ctx context.Context, key string, until time.Time) error
}

// API serves /api/v1.
type API struct{ cfg Config }

// New makes the API.
func New(cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &API{cfg: cfg}
}

// problem is an RFC 9457 problem details answer.
type problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
}

// Problem types: a short name under this base.
const problemBase = "https://vhod.dev/problems/"

func writeProblem(w http.ResponseWriter, status int, kind, detail string) {
	writeProblemFields(w, status, kind, detail, nil)
}

func writeProblemFields(w http.ResponseWriter, status int, kind, detail string, fields map[string]string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: problemBase + kind, Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v: size-limited, unknown fields refused, one
// value only. It answers the problem itself and returns false on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "send application/json")
		return false
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, extra := io.Copy(io.Discard, body); extra != nil {
			err = extra
		}
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the body is larger than %d bytes", maxBody))
	case errors.As(err, &typeErr):
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", "a field has the wrong type",
			map[string]string{typeErr.Field: "must be " + typeErr.Type.String()})
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		writeProblem(w, http.StatusBadRequest, "invalid-body", "the body is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		writeProblemFields(w, http.StatusBadRequest, "invalid-body", "unknown field "+field, map[string]string{field: "unknown field"})
	default:
		writeProblem(w, http.StatusBadRequest, "invalid-body", err.Error())
	}
	return false
}

// etag is a strong validator of a representation.
func etag(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// ifMatch requires the If-Match of an update and compares it with the current
// representation's ETag (428 without it, 412 when it differs). It then claims
// the (resource, ETag) pair for a minute, so that of two racing updates from
// one version exactly one proceeds; a later writer with that ETag finds the
// resource changed, and a write that failed can be retried after the minute.
// Callers validate the request before, so a refused request burns nothing.
func (a *API) ifMatch(w http.ResponseWriter, r *http.Request, resource string, current any) bool {
	got := r.Header.Get("If-Match")
	if got == "" {
		writeProblem(w, http.StatusPreconditionRequired, "precondition-required", "send If-Match with the ETag you read")
		return false
	}
	tag := etag(current)
	if got != tag && got != "*" {
		writeProblem(w, http.StatusPreconditionFailed, "precondition-failed", "the resource changed since you read it; read it again")
		return false
	}
	if err := a.cfg.Store.ClaimOnce(r.Context(), "etag:"+resource+":"+tag, a.cfg.Now().Add(time.Minute)); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			writeProblem(w, http.StatusPreconditionFailed, "precondition-failed", "the resource changed since you read it; read it again")
			return false
		}
		a.serverError(w, r, err)
		return false
	}
	return true
}

func (a *API) serverError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, storage.ErrUnavailable) {
		status = http.StatusServiceUnavailable
	}
	a.cfg.Logger.ErrorContext(r.Context(), "admin API", "path", r.URL.Path, "err", err)
	writeProblem(w, status, "server-error", "the request could not be carried out; try again later")
}

// storeError answers a storage error: 404, 409, or a server error.
func (a *API) storeError(w http.ResponseWriter, r *http.Request, err error, what string) {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", what+" not found")
	case errors.Is(err, storage.ErrAlreadyExists):
		writeProblem(w, http.StatusConflict, "conflict", what+" exists already")
	case errors.Is(err, storage.ErrConflict):
		writeProblem(w, http.StatusPreconditionFailed, "precondition-failed", "the resource changed since you read it; read it again")
	default:
		a.serverError(w, r, err)
	}
}

// page is a list with the cursor of the next page ("" at the end).
type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// limitOf reads ?limit= (1..200, default 50).
func limitOf(r *http.Request) (int, bool) {
	return limitValue(r.URL.Query().Get("limit"))
}

// limitValue reads a page size: 1..200, 50 when empty.
func limitValue(s string) (int, bool) {
	if s == "" {
		return 50, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 200
}

// paginate cuts a list sorted by key after the cursor.
func paginate[T any](items []T, key func(T) string, cursor string, limit int) page[T] {
	slices.SortFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	start := 0
	if cursor != "" {
		start, _ = slices.BinarySearchFunc(items, cursor, func(x T, c string) int {
			if key(x) <= c {
				return -1
			}
			return 1
		})
	}
	out := page[T]{Items: []T{}}
	for i := start; i < len(items) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, items[i])
	}
	if start+len(out.Items) < len(items) && len(out.Items) > 0 {
		out.Next = key(out.Items[len(out.Items)-1])
	}
	return out
}

// Mount adds /api/v1 to r.
func (a *API) Mount(r *mux.Router) {
	api := r.PathPrefix("/api/v1").Subrouter()
	api.Use(checkRequest)
	api.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
	auth := api.NewRoute().Subrouter()
	auth.Use(a.authenticate)
	a.mountClients(auth)
	a.mountCatalogues(auth)
	a.mountUsers(auth)
	a.mountFactors(auth)
	a.mountOrgs(auth)
	a.mountKeys(auth)
	a.mountAnchors(auth)
	a.mountIdentityProviders(auth)
	a.mountAudit(auth)
	api.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, "not-found", "no such API resource")
	})
	api.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, "method-not-allowed", "this resource does not take that method")
	})
}

// audit records a change made through the API.
// actor is the caller as directory's services audit it.
func (a *API) actor(r *http.Request) directory.Actor {
	return directory.Actor{ID: principalOf(r.Context()).id(), IP: clientaddr.Of(r), UserAgent: r.UserAgent(),
		Details: map[string]string{"api": r.Method + " " + r.URL.Path}}
}

func (a *API) audit(r *http.Request, e storage.AuditEvent) {
	p := principalOf(r.Context())
	e.Actor = p.id()
	e.IP, e.UserAgent = clientaddr.Of(r), r.UserAgent() // the Auditor bounds the user agent
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details["api"] = r.Method + " " + r.URL.Path
	e.Outcome = directory.OutcomeSuccess
	a.cfg.Audit.Record(r.Context(), e)
}

// ms is a time as the store keeps it (milliseconds, UTC), so that the ETag of
// an answer and of the next read agree.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
