package orgs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// Store is what the organisation rules need from storage: organisations,
// memberships, role catalogues, and the accounts of accountants.
type Store interface {
	OrganisationByID(ctx context.Context, id string) (storage.Organisation, error)
	OrganisationsByIDs(ctx context.Context, ids []string) ([]storage.Organisation, error)
	MembershipByID(ctx context.Context, userID, orgID string) (storage.Membership, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error)
	RoleCatalogues(ctx context.Context) ([]storage.RoleCatalogue, error)
	CreateOrganisation(ctx context.Context, o storage.Organisation) error
	UpdateOrganisation(ctx context.Context, o storage.Organisation) (storage.Organisation, error)
	CreateMembership(ctx context.Context, m storage.Membership) error
	UpdateMembership(ctx context.Context, m storage.Membership) (storage.Membership, error)
	MembershipsOfOrg(ctx context.Context, orgID string) ([]storage.Membership, error)
	OrganisationsByINN(ctx context.Context, inn string) ([]storage.Organisation, error)
	ListOrganisations(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error)
	CreateUser(ctx context.Context, u storage.User) error
	UserByIdentifier(ctx context.Context, key string) (storage.User, error)
}

// Service holds the rules of organisations, memberships and roles, and their
// side effects: each action writes its audit event and mails whom it concerns
// here, so that a page, the API, the console and the bootstrap do the same.
type Service struct {
	store     Store
	passwords *directory.Passwords // accountant PINs
	policy    string               // who approves join requests
	audit     *directory.Auditor
	notifier  *directory.Notifier
	log       *slog.Logger
	now       func() time.Time
}

// Config is what the organisation rules are built with.
type Config struct {
	// JoinPolicy says who approves join requests: JoinEither (when empty),
	// JoinBoth or JoinOrgAdmin; anything else is refused.
	JoinPolicy string
	// Audit records the actions; nil records nothing.
	Audit *directory.Auditor
	// Notifier mails decisions; nil mails nothing.
	Notifier *directory.Notifier
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger; none when nil.
	Logger *slog.Logger
}

// ErrUnknownJoinPolicy: the join policy is none of JoinEither, JoinBoth, JoinOrgAdmin.
var ErrUnknownJoinPolicy = errors.New("unknown join approval policy")

// New makes the organisation rules over a store that can also write them.
// An unknown join policy is a configuration error: approving on a policy
// nobody knows would let requests in that should wait.
func New(st Store, p *directory.Passwords, cfg Config) (*Service, error) {
	if cfg.JoinPolicy == "" {
		cfg.JoinPolicy = JoinEither
	}
	if !slices.Contains([]string{JoinEither, JoinBoth, JoinOrgAdmin}, cfg.JoinPolicy) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownJoinPolicy, cfg.JoinPolicy)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, passwords: p, policy: cfg.JoinPolicy, audit: cfg.Audit, notifier: cfg.Notifier,
		log: cfg.Logger, now: cfg.Now}, nil
}

// Active is an organisation a person acts for, with the roles held there.
type Active struct {
	Org   storage.Organisation
	Roles []string
}

// ActiveOrgs lists the person's active memberships in active organisations, in
// the order they joined. Two round trips: the memberships, then their organisations.
func (o *Service) ActiveOrgs(ctx context.Context, userID string) ([]Active, error) {
	ms, err := o.store.MembershipsOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	ms = slices.DeleteFunc(ms, func(m storage.Membership) bool { return m.Status != storage.MemberActive })
	if len(ms) == 0 {
		return nil, nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.OrgID
	}
	orgs, err := o.store.OrganisationsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]storage.Organisation, len(orgs))
	for _, org := range orgs {
		byID[org.ID] = org
	}
	slices.SortStableFunc(ms, func(a, b storage.Membership) int { return a.CreatedAt.Compare(b.CreatedAt) })
	var out []Active
	for _, m := range ms {
		if org, ok := byID[m.OrgID]; ok && org.Status == storage.OrgActive {
			out = append(out, Active{Org: org, Roles: m.Roles})
		}
	}
	return out, nil
}

// activeOrg is one active membership in an active organisation, or false.
func (o *Service) activeOrg(ctx context.Context, userID, orgID string) (Active, bool, error) {
	m, err := o.store.MembershipByID(ctx, userID, orgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.Status != storage.MemberActive) {
		return Active{}, false, nil
	}
	if err != nil {
		return Active{}, false, err
	}
	org, err := o.store.OrganisationByID(ctx, orgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && org.Status != storage.OrgActive) {
		return Active{}, false, nil
	}
	return Active{Org: org, Roles: m.Roles}, err == nil, err
}

// clientRoles are the role keys an app may see: those of every catalogue that
// lists it, and org_admin.
func (o *Service) clientRoles(ctx context.Context, clientID string) (map[string]bool, error) {
	cats, err := o.store.RoleCatalogues(ctx)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{storage.RoleOrgAdmin: true, storage.RoleAccountant: true}
	for _, c := range cats {
		if slices.Contains(c.Clients, clientID) {
			for _, r := range c.Roles {
				keys[r.Key] = true
			}
		}
	}
	return keys, nil
}

// Ref is an organisation as tokens describe it.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	INN  string `json:"inn"`
	KPP  string `json:"kpp"`
	OGRN string `json:"ogrn"`
}

// Entry is one element of the "orgs" claim.
type Entry struct {
	Ref
	Roles []string `json:"roles"`
}

// Claims are the organisation claims of one token.
type Claims struct {
	Org   *Ref     // the chosen organisation, nil when none (or no longer active)
	Roles []string // held there and known to the client
	Orgs  []Entry  // every active membership, when asked
}

func ref(o storage.Organisation) Ref {
	return Ref{ID: o.ID, Name: o.Name, INN: o.INN, KPP: o.KPP, OGRN: o.OGRN}
}

func filterRoles(held []string, known map[string]bool) []string {
	out := []string{}
	for _, r := range held {
		if known[r] {
			out = append(out, r)
		}
	}
	return out
}

// Claims builds the claims of the "org" scope (the chosen organisation and the
// roles held there) and of the "orgs" scope (every active membership), reading
// memberships afresh so that role changes show in the next token. Roles are
// those of the client's catalogues plus org_admin.
func (o *Service) Claims(ctx context.Context, userID, orgID, clientID string, wantOrg, wantOrgs bool) (Claims, error) {
	var out Claims
	if !wantOrgs && (!wantOrg || orgID == "") {
		return out, nil
	}
	known, err := o.clientRoles(ctx, clientID)
	if err != nil {
		return out, err
	}
	if wantOrgs {
		active, err := o.ActiveOrgs(ctx, userID)
		if err != nil {
			return out, err
		}
		out.Orgs = []Entry{}
		for _, a := range active {
			roles := filterRoles(a.Roles, known)
			out.Orgs = append(out.Orgs, Entry{Ref: ref(a.Org), Roles: roles})
			if wantOrg && a.Org.ID == orgID {
				r := ref(a.Org)
				out.Org, out.Roles = &r, roles
			}
		}
		return out, nil
	}
	a, ok, err := o.activeOrg(ctx, userID, orgID)
	if err != nil || !ok {
		return out, err
	}
	r := ref(a.Org)
	out.Org, out.Roles = &r, filterRoles(a.Roles, known)
	return out, nil
}

// Pick decides the organisation of a sign-in among the active ones: the
// hint when it names one (by ID or INN), else the session's earlier choice,
// else the only one. ask (prompt=select_account) always shows the page when
// there is anything to choose. page tells whether the person must choose.
func Pick(active []Active, hint, current string, ask bool) (chosen string, page bool) {
	if len(active) == 0 {
		return "", false
	}
	if hint != "" {
		var matches []string
		for _, a := range active {
			if a.Org.ID == hint || a.Org.INN == hint {
				matches = append(matches, a.Org.ID)
			}
		}
		if len(matches) == 1 {
			return matches[0], false
		}
	}
	if ask {
		return "", true
	}
	if current != "" && slices.ContainsFunc(active, func(a Active) bool { return a.Org.ID == current }) {
		return current, false
	}
	if len(active) == 1 {
		return active[0].Org.ID, false
	}
	return "", true
}
