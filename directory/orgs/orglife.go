package orgs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/directory/notify"
	"github.com/vhod-id/vhod/internal/ruid"
	"github.com/vhod-id/vhod/storage"
)

// Join approval policies: who must approve a join request.
const (
	JoinEither   = "either"    // a moderator or the company's org_admin
	JoinBoth     = "both"      // a moderator and the company's org_admin
	JoinOrgAdmin = "org_admin" // the company's org_admin only
)

// Approvers of join requests.
const (
	ApproverModerator = "moderator"
	ApproverOrgAdmin  = "org_admin"
)

// Errors of the organisation rules, each a sentence for the person.
var (
	ErrNotActive        = errors.New("the organisation is not active")
	ErrAlreadyMember    = errors.New("already a member or a request is waiting")
	ErrNotPending       = errors.New("nothing waits for a decision")
	ErrUnknownRole      = errors.New("a role of no catalogue")
	ErrExists           = errors.New("an organisation with this INN and KPP exists")
	ErrInvalidRequisite = errors.New("invalid requisites")
	// ErrOwnRequest: nobody decides their own request to join (a moderator
	// or an operator who asked would let themselves in).
	ErrOwnRequest = errors.New("an approval of one's own join request")
	// ErrModeratorRoles: a moderator approves a person, not their roles;
	// those are the company's org_admin's to choose (else a moderator could
	// make anyone, themselves included, the company's org_admin).
	ErrModeratorRoles = errors.New("a moderator does not choose roles")
)

// RequisiteErrors checks an organisation's numbers by their rules and names
// the fields that fail (field → message key).
func RequisiteErrors(o storage.Organisation) map[string]string {
	bad := map[string]string{}
	check := func(field, value string, ok bool) {
		if value != "" && !ok {
			bad[field] = "company.invalid." + field
		}
	}
	if o.Kind == storage.OrgEntrepreneur {
		check("inn", o.INN, ruid.ValidINN12(o.INN))
		check("ogrn", o.OGRN, ruid.ValidOGRNIP(o.OGRN))
	} else {
		check("inn", o.INN, ruid.ValidINN10(o.INN))
		check("kpp", o.KPP, ruid.ValidKPP(o.KPP))
		check("ogrn", o.OGRN, ruid.ValidOGRN(o.OGRN))
		if o.KPP == "" {
			bad["kpp"] = "company.invalid.kpp"
		}
	}
	if o.INN == "" {
		bad["inn"] = "company.invalid.inn"
	}
	check("okpo", o.OKPO, ruid.ValidOKPO(o.OKPO))
	check("okved_main", o.OKVED.Main, ruid.ValidOKVED(o.OKVED.Main))
	for _, c := range append(slices.Clone(o.OKVED.Auxiliary), o.OKVED.Other...) {
		check("okved_other", c, ruid.ValidOKVED(c))
	}
	if len(o.OKVED.Auxiliary) > 2 {
		bad["okved_aux"] = "company.invalid.okved_aux"
	}
	check("bik", o.Bank.BIK, ruid.ValidBIK(o.Bank.BIK))
	check("corr_account", o.Bank.CorrAccount, ruid.ValidCorrespondentAccount(o.Bank.CorrAccount, o.Bank.BIK))
	check("account", o.Bank.Account, ruid.ValidSettlementAccount(o.Bank.Account, o.Bank.BIK))
	for field, a := range map[string]storage.Address{"legal_postcode": o.Addresses.Legal, "actual_postcode": o.Addresses.Actual, "postal_postcode": o.Addresses.Postal} {
		check(field, a.Postcode, ruid.ValidPostcode(a.Postcode))
	}
	addressErrors(o, bad)
	return bad
}

// activate makes (or turns) a membership active with roles.
func (o *Service) activate(ctx context.Context, userID, orgID string, roles []string, by string) error {
	st := o.store
	now := o.now().UTC()
	m, err := st.MembershipByID(ctx, userID, orgID)
	if errors.Is(err, storage.ErrNotFound) {
		return st.CreateMembership(ctx, storage.Membership{UserID: userID, OrgID: orgID, Status: storage.MemberActive,
			Roles: roles, ApprovedBy: by, ApprovedAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if err != nil {
		return err
	}
	m.Status, m.Roles, m.ApprovedBy, m.ApprovedAt, m.Reason, m.Ended = storage.MemberActive, roles, by, now, "", ""
	_, err = st.UpdateMembership(ctx, m)
	return err
}

// RequestJoin asks to join an active company. A removed member may ask again.
func (o *Service) RequestJoin(ctx context.Context, userID, orgID string) (storage.Membership, error) {
	st := o.store
	org, err := st.OrganisationByID(ctx, orgID)
	if err != nil {
		return storage.Membership{}, err
	}
	if org.Status != storage.OrgActive {
		return storage.Membership{}, ErrNotActive
	}
	now := o.now().UTC()
	m, err := st.MembershipByID(ctx, userID, orgID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		m = storage.Membership{UserID: userID, OrgID: orgID, Status: storage.MemberRequested, CreatedAt: now, UpdatedAt: now}
		m.ID = storage.MembershipID(userID, orgID)
		return m, st.CreateMembership(ctx, m)
	case err != nil:
		return m, err
	case m.Status != storage.MemberRemoved:
		return m, ErrAlreadyMember
	}
	m.Status, m.Roles, m.Approvals, m.Reason, m.Ended = storage.MemberRequested, nil, nil, "", ""
	return st.UpdateMembership(ctx, m)
}

// ApproveJoin records an approval of a join request by a moderator or the
// company's org_admin (as); when the join policy (fixed at construction) is
// satisfied the membership is active and the person is told by email. It
// reports whether it is. roles are those the approver ticked (the org admin
// on the members page or through the API); nil leaves the roles an org admin
// chose in an earlier approval or, when none did, gives the catalogues'
// default roles (a moderator completing a request alone). A role of no
// catalogue is ErrUnknownRole; roles from a moderator ErrModeratorRoles, and
// an approval of by's own request ErrOwnRequest. The decision is audited
// here, whoever takes it (the members page, the moderation queue, the API).
func (o *Service) ApproveJoin(ctx context.Context, userID, orgID string, by directory.Actor, as string, roles []string) (bool, error) {
	if by.ID == userID {
		return false, ErrOwnRequest
	}
	if roles != nil && as != ApproverOrgAdmin {
		return false, ErrModeratorRoles
	}
	st := o.store
	m, err := st.MembershipByID(ctx, userID, orgID)
	if err != nil {
		return false, err
	}
	if m.Status != storage.MemberRequested {
		return false, ErrNotPending
	}
	if roles != nil {
		if err := o.knownRoles(ctx, roles); err != nil {
			return false, err
		}
		m.Roles = slices.Clone(roles)
	}
	if !slices.Contains(m.Approvals, as) {
		m.Approvals = append(m.Approvals, as)
	}
	var done bool
	switch o.policy {
	case JoinBoth:
		done = slices.Contains(m.Approvals, ApproverModerator) && slices.Contains(m.Approvals, ApproverOrgAdmin)
	case JoinOrgAdmin:
		done = slices.Contains(m.Approvals, ApproverOrgAdmin)
	case JoinEither:
		done = true
	default: // New refuses any other policy
		return false, fmt.Errorf("%w: %q", ErrUnknownJoinPolicy, o.policy)
	}
	if done && roles == nil && len(m.Roles) == 0 {
		if m.Roles, err = o.DefaultRoles(ctx); err != nil {
			return false, err
		}
	}
	if done {
		m.Status, m.ApprovedBy, m.ApprovedAt, m.Ended = storage.MemberActive, by.ID, o.now().UTC(), ""
	}
	if _, err = st.UpdateMembership(ctx, m); err != nil {
		return false, err
	}
	o.joinDecided(ctx, userID, orgID, by, directory.EventJoinApproved,
		map[string]string{"as": as, "active": map[bool]string{true: "yes", false: "no"}[done], "roles": strings.Join(m.Roles, " ")},
		"mail.join_approved", "", done)
	return done, nil
}

// RejectJoin refuses a join request with a reason, which the person is told
// by email; audited here as ApproveJoin is.
func (o *Service) RejectJoin(ctx context.Context, userID, orgID string, by directory.Actor, as, reason string) error {
	st := o.store
	m, err := st.MembershipByID(ctx, userID, orgID)
	if err != nil {
		return err
	}
	if m.Status != storage.MemberRequested {
		return ErrNotPending
	}
	reason = strings.TrimSpace(reason)
	m.Status, m.Reason, m.Roles, m.Ended = storage.MemberRemoved, reason, nil, storage.MemberEndedRejected
	if _, err = st.UpdateMembership(ctx, m); err != nil {
		return err
	}
	o.joinDecided(ctx, userID, orgID, by, directory.EventJoinRejected, map[string]string{"as": as, "reason": reason}, "mail.join_rejected", reason, true)
	return nil
}

// joinDecided records a decision on a join request and, when tell, mails the
// person. The mail is not counted against the send limits: it answers a
// decision on a request the person made, whose own step was counted.
func (o *Service) joinDecided(ctx context.Context, userID, orgID string, by directory.Actor, event string, details map[string]string, mail, reason string, tell bool) {
	e := by.Event(event, details)
	e.UserID, e.OrgID = userID, orgID
	o.audit.Record(ctx, e)
	if !tell {
		return
	}
	org, err := o.store.OrganisationByID(ctx, orgID)
	if err != nil { // the decision stands; only its mail is lost
		o.log.WarnContext(ctx, "organisation not read for a notice", "org", orgID, "err", err)
		return
	}
	o.notifier.Mail(notify.Exempt(ctx), userID, by.Lang, mail, "Company", org.Name, "Reason", reason)
}

// SetRoles gives a member the roles ticked, as by (an org admin, an
// operator): unticking every role ends the membership (removed, ended by
// MemberEndedRoles), whose claims disappear at the next token, and the member
// stays listed as removed; ticking roles for such a member makes them active
// again (ДМДК's rule: a removal is visible and reversible). Someone who left
// or whose request was rejected is not brought back this way (ErrNotPending):
// they ask, or are invited, again. Audited here.
func (o *Service) SetRoles(ctx context.Context, userID, orgID string, roles []string, by directory.Actor) (storage.Membership, error) {
	st := o.store
	m, err := st.MembershipByID(ctx, userID, orgID)
	if err != nil {
		return m, err
	}
	restore := m.Status == storage.MemberRemoved && m.Ended == storage.MemberEndedRoles && len(roles) > 0
	if m.Status != storage.MemberActive && !restore {
		return m, ErrNotPending
	}
	if err := o.knownRoles(ctx, roles); err != nil {
		return m, err
	}
	change := "roles"
	m.Roles = slices.Clone(roles)
	switch {
	case len(roles) == 0:
		m.Status, m.Ended, m.Reason, change = storage.MemberRemoved, storage.MemberEndedRoles, "", "removed"
	case restore:
		m.Status, m.Ended, m.Reason, m.ApprovedBy, m.ApprovedAt, change = storage.MemberActive, "", "", by.ID, o.now().UTC(), "restored"
	}
	saved, err := st.UpdateMembership(ctx, m)
	if err != nil {
		return saved, err
	}
	e := by.Event(directory.EventMembershipChanged, map[string]string{"change": change, "roles": strings.Join(roles, " "), "status": saved.Status})
	e.UserID, e.OrgID = userID, orgID
	o.audit.Record(ctx, e)
	return saved, nil
}

// knownRoles refuses a role of no catalogue (ErrUnknownRole, naming it).
func (o *Service) knownRoles(ctx context.Context, roles []string) error {
	known, err := o.allRoles(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if !known[r] {
			return fmt.Errorf("%w: %q", ErrUnknownRole, r)
		}
	}
	return nil
}

// DefaultRoles are the keys of the catalogues' default roles, in catalogue
// order: ticked in advance when an org admin approves a join request.
func (o *Service) DefaultRoles(ctx context.Context) ([]string, error) {
	roles, err := o.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range roles {
		if r.Default {
			out = append(out, r.Key)
		}
	}
	return out, nil
}

// Leave ends a person's own membership.
func (o *Service) Leave(ctx context.Context, userID, orgID string) error {
	st := o.store
	m, err := st.MembershipByID(ctx, userID, orgID)
	if err != nil {
		return err
	}
	if m.Status == storage.MemberRemoved {
		return nil
	}
	m.Status, m.Roles, m.Reason, m.Ended = storage.MemberRemoved, nil, "", storage.MemberEndedLeft
	_, err = st.UpdateMembership(ctx, m)
	return err
}

// IsOrgAdmin tells whether the person administers the (active) company.
func (o *Service) IsOrgAdmin(ctx context.Context, userID, orgID string) (bool, error) {
	a, ok, err := o.activeOrg(ctx, userID, orgID)
	return ok && slices.Contains(a.Roles, storage.RoleOrgAdmin), err
}

// Catalogue is the roles an org admin may grant: every catalogue's, in order.
func (o *Service) Catalogue(ctx context.Context) ([]storage.Role, error) {
	cats, err := o.store.RoleCatalogues(ctx)
	if err != nil {
		return nil, err
	}
	roles := []storage.Role{{Key: storage.RoleOrgAdmin, Name: map[string]string{"ru": "Администратор организации", "en": "Organisation administrator"}}}
	seen := map[string]bool{storage.RoleOrgAdmin: true}
	for _, c := range cats {
		for _, r := range c.Roles {
			if !seen[r.Key] {
				seen[r.Key] = true
				roles = append(roles, r)
			}
		}
	}
	return roles, nil
}

func (o *Service) allRoles(ctx context.Context) (map[string]bool, error) {
	roles, err := o.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range roles {
		out[r.Key] = true
	}
	return out, nil
}

// EnsureMember makes a person an active member with roles unless they are a
// member (in any status) already: the configuration's memberships, created
// once and afterwards their org admin's. created says whether it wrote.
func (o *Service) EnsureMember(ctx context.Context, userID, orgID string, roles []string, by directory.Actor) (created bool, err error) {
	if _, err := o.store.MembershipByID(ctx, userID, orgID); err == nil {
		return false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	now := o.now().UTC()
	return true, o.store.CreateMembership(ctx, storage.Membership{UserID: userID, OrgID: orgID, Status: storage.MemberActive, Roles: roles,
		ApprovedBy: by.ID, ApprovedAt: now, CreatedAt: now, UpdatedAt: now})
}
