package orgs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/storage"
)

// The lifecycle of an organisation:
//
//	Register ─▶ pending ─ApproveOrganisation─▶ active ◀─ReactivateOrganisation─┐
//	                    └─RejectOrganisation─▶ rejected   └─SuspendOrganisation─▶ suspended
//	Create (operator, bootstrap) ─▶ active
//
// A rejected company frees its INN and KPP and stays on its registrant's list
// with the moderator's reason: the registrant corrects it and sends it again
// (Resubmit: rejected ─▶ pending, the same organisation, its INN and KPP
// claimed anew), or registers it afresh. Each transition writes
// its audit event and mails the people it concerns (the registrant of a
// pending company, the org admins of an active one) here, once.

// Problems checks an organisation's requisites by their rules, and its
// name and kind; the values are message keys of the pages ("company.required").
// nil when it is valid.
func Problems(o storage.Organisation) map[string]string {
	bad := RequisiteErrors(o)
	if o.Name == "" {
		bad["name"] = "company.required"
	}
	if o.Kind != storage.OrgLegalEntity && o.Kind != storage.OrgEntrepreneur {
		bad["kind"] = "company.invalid.kind"
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// Register stores a company a person registered: pending until a moderator
// decides. ErrExists when one with the INN/KPP is registered already.
func (o *Service) Register(ctx context.Context, org storage.Organisation, by directory.Actor) (storage.Organisation, error) {
	org = WithAddressParts(org)
	if bad := RequisiteErrors(org); len(bad) > 0 {
		return org, fmt.Errorf("%w: %v", ErrInvalidRequisite, bad)
	}
	now := o.now().UTC()
	org.ID, org.Status, org.RegisteredBy, org.CreatedAt, org.UpdatedAt = directory.NewID(), storage.OrgPending, by.ID, now, now
	org.Name = strings.TrimSpace(org.Name)
	if err := o.store.CreateOrganisation(ctx, org); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return org, ErrExists
		}
		return org, err
	}
	e := by.Event(directory.EventOrgRegistered, map[string]string{"inn": org.INN, "kpp": org.KPP})
	e.Actor, e.UserID, e.OrgID = "", by.ID, org.ID // the person acts for themselves
	o.audit.Record(ctx, e)
	return org, nil
}

// ErrResubmitINN: a resubmitted registration keeps the INN and KPP it was
// rejected with (another company is a new registration).
var ErrResubmitINN = errors.New("the INN and KPP of a resubmitted registration do not change")

// Resubmit sends a rejected registration back to moderation with the
// requisites its registrant corrected (next: the same INN and KPP, else
// ErrResubmitINN). Only its registrant resubmits it (storage.ErrNotFound for
// anyone else, ErrNotPending when it is not rejected); ErrExists when another
// registration took its INN/KPP meanwhile. The moderator's reason is kept as
// LastRejection for whoever decides again. Audited here.
func (o *Service) Resubmit(ctx context.Context, orgID string, next storage.Organisation, by directory.Actor) (storage.Organisation, error) {
	cur, err := o.store.OrganisationByID(ctx, orgID)
	if err != nil {
		return cur, err
	}
	if cur.RegisteredBy == "" || cur.RegisteredBy != by.ID {
		return cur, storage.ErrNotFound
	}
	if cur.Status != storage.OrgRejected {
		return cur, ErrNotPending
	}
	if next.INN != cur.INN || next.KPP != cur.KPP {
		return cur, ErrResubmitINN
	}
	next = WithAddressParts(next)
	if bad := RequisiteErrors(next); len(bad) > 0 {
		return cur, fmt.Errorf("%w: %v", ErrInvalidRequisite, bad)
	}
	// The requisites are the registrant's; who registered it, when, its
	// history and its version are the stored organisation's.
	next.ID, next.Kind, next.RegisteredBy, next.CreatedAt, next.Version = cur.ID, cur.Kind, cur.RegisteredBy, cur.CreatedAt, cur.Version
	next.Contracts, next.AccountantPINs, next.Invitations, next.SignInPolicy, next.ParentID = cur.Contracts, cur.AccountantPINs, cur.Invitations, cur.SignInPolicy, cur.ParentID
	next.Name = strings.TrimSpace(next.Name)
	next.Status, next.Reason, next.LastRejection, next.Resubmitted = storage.OrgPending, "", cur.Reason, cur.Resubmitted+1
	next.ModeratedBy, next.ModeratedAt = cur.ModeratedBy, cur.ModeratedAt
	saved, err := o.store.UpdateOrganisation(ctx, next)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return cur, ErrExists
	}
	if err != nil {
		return cur, err
	}
	e := by.Event(directory.EventOrgResubmitted, map[string]string{"inn": saved.INN, "kpp": saved.KPP, "rejected_for": cur.Reason})
	e.Actor, e.UserID, e.OrgID = "", by.ID, saved.ID // the person acts for themselves
	o.audit.Record(ctx, e)
	return saved, nil
}

// Create stores an organisation an operator (or the bootstrap) made: active at
// once, no moderation; legal entity or entrepreneur by the INN's length when
// not said; a new ID unless given. bad names invalid fields (message keys);
// storage.ErrAlreadyExists when the ID or the INN/KPP is taken.
func (o *Service) Create(ctx context.Context, org storage.Organisation, by directory.Actor) (storage.Organisation, map[string]string, error) {
	now := o.now().UTC()
	if org.ID == "" {
		org.ID = directory.NewID()
	}
	org.Status, org.CreatedAt, org.UpdatedAt = storage.OrgActive, now, now
	org = WithAddressParts(WithKind(org))
	if bad := Problems(org); len(bad) > 0 {
		return org, bad, nil
	}
	if err := o.store.CreateOrganisation(ctx, org); err != nil {
		return org, nil, err
	}
	e := by.Event(directory.EventOrgRegistered, map[string]string{"inn": org.INN, "kpp": org.KPP})
	e.OrgID = org.ID
	o.audit.Record(ctx, e)
	return org, nil, nil
}

// WithKind is the organisation with its kind, when not said, by the INN's
// length: twelve digits are an entrepreneur's, ten a legal entity's.
func WithKind(org storage.Organisation) storage.Organisation {
	if org.Kind == "" {
		org.Kind = storage.OrgLegalEntity
		if len(org.INN) == 12 {
			org.Kind = storage.OrgEntrepreneur
		}
	}
	return org
}

// ApproveOrganisation activates a pending company; its registrant becomes its
// org_admin and is told. The membership is written first: a failure between
// the two writes leaves a pending company (whose membership gives no claims),
// never an active one without its admin, and a retry completes it.
func (o *Service) ApproveOrganisation(ctx context.Context, orgID string, by directory.Actor) (storage.Organisation, error) {
	org, err := o.pending(ctx, orgID)
	if err != nil {
		return org, err
	}
	if org.RegisteredBy != "" {
		if err := o.activate(ctx, org.RegisteredBy, org.ID, []string{storage.RoleOrgAdmin}, by.ID); err != nil {
			return org, err
		}
	}
	org.Status, org.ModeratedBy, org.ModeratedAt, org.Reason = storage.OrgActive, by.ID, o.now().UTC(), ""
	if org, err = o.store.UpdateOrganisation(ctx, org); err != nil {
		return org, err
	}
	o.decided(ctx, org, by, directory.EventOrgApproved, "mail.org_approved", "", []string{org.RegisteredBy})
	return org, nil
}

// RejectOrganisation refuses a pending company with a reason, which its
// registrant is told; its INN/KPP is free again.
func (o *Service) RejectOrganisation(ctx context.Context, orgID string, by directory.Actor, reason string) (storage.Organisation, error) {
	org, err := o.pending(ctx, orgID)
	if err != nil {
		return org, err
	}
	org.Status, org.ModeratedBy, org.ModeratedAt, org.Reason = storage.OrgRejected, by.ID, o.now().UTC(), reason
	if org, err = o.store.UpdateOrganisation(ctx, org); err != nil {
		return org, err
	}
	o.decided(ctx, org, by, directory.EventOrgRejected, "mail.org_rejected", reason, []string{org.RegisteredBy})
	return org, nil
}

// SuspendOrganisation suspends an active company with a reason: its
// memberships give no claims until it is reactivated. Its org admins are told.
// ErrNotPending when it is not active.
func (o *Service) SuspendOrganisation(ctx context.Context, orgID string, by directory.Actor, reason string) (storage.Organisation, error) {
	return o.setStatus(ctx, orgID, by, storage.OrgActive, storage.OrgSuspended, reason, directory.EventOrgSuspended, "mail.org_suspended")
}

// ReactivateOrganisation makes a suspended company active again; its org
// admins are told. ErrNotPending when it is not suspended.
func (o *Service) ReactivateOrganisation(ctx context.Context, orgID string, by directory.Actor) (storage.Organisation, error) {
	return o.setStatus(ctx, orgID, by, storage.OrgSuspended, storage.OrgActive, "", directory.EventOrgReactivated, "mail.org_reactivated")
}

func (o *Service) setStatus(ctx context.Context, orgID string, by directory.Actor, from, to, reason, event, mail string) (storage.Organisation, error) {
	org, err := o.store.OrganisationByID(ctx, orgID)
	if err != nil {
		return org, err
	}
	if org.Status != from {
		return org, ErrNotPending
	}
	org.Status, org.Reason, org.ModeratedBy, org.ModeratedAt = to, reason, by.ID, o.now().UTC()
	if org, err = o.store.UpdateOrganisation(ctx, org); err != nil {
		return org, err
	}
	admins, err := o.admins(ctx, org.ID)
	if err != nil { // the decision stands; only its mail is lost
		o.log.WarnContext(ctx, "org admins not read for a notice", "org", org.ID, "err", err)
	}
	o.decided(ctx, org, by, event, mail, reason, admins)
	return org, nil
}

// pending reads an organisation waiting for a decision.
func (o *Service) pending(ctx context.Context, orgID string) (storage.Organisation, error) {
	org, err := o.store.OrganisationByID(ctx, orgID)
	if err == nil && org.Status != storage.OrgPending {
		err = ErrNotPending
	}
	return org, err
}

// admins are the active org admins of an organisation.
func (o *Service) admins(ctx context.Context, orgID string) ([]string, error) {
	ms, err := o.store.MembershipsOfOrg(ctx, orgID)
	var out []string
	for _, m := range ms {
		if m.Status == storage.MemberActive && slices.Contains(m.Roles, storage.RoleOrgAdmin) {
			out = append(out, m.UserID)
		}
	}
	return out, err
}

// decided records a moderation decision and mails the people it concerns.
func (o *Service) decided(ctx context.Context, org storage.Organisation, by directory.Actor, event, mail, reason string, tell []string) {
	var details map[string]string
	if reason != "" {
		details = map[string]string{"reason": reason}
	}
	e := by.Event(event, details)
	e.UserID, e.OrgID = org.RegisteredBy, org.ID
	o.audit.Record(ctx, e)
	for _, userID := range tell {
		o.notifier.Mail(ctx, userID, by.Lang, mail, "Company", org.Name, "Reason", reason)
	}
}

// SetStatus suspends an active organisation or reactivates a suspended one
// (decision "suspend" or "reactivate"), as SuspendOrganisation and
// ReactivateOrganisation do.
func (o *Service) SetStatus(ctx context.Context, id, decision, reason string, by directory.Actor) (storage.Organisation, error) {
	if decision == "reactivate" {
		return o.ReactivateOrganisation(ctx, id, by)
	}
	return o.SuspendOrganisation(ctx, id, by, reason)
}

// Find reads one page of organisations: in a status (any when empty), whose
// name contains q.Text or whose INN or OGRN is it; next is the cursor of the
// following page. The database filters and stops at the page size.
func (o *Service) Find(ctx context.Context, q storage.OrgQuery) (found []storage.Organisation, next string, err error) {
	q.Text = strings.TrimSpace(q.Text)
	return o.store.ListOrganisations(ctx, q)
}

// Get reads one organisation.
func (o *Service) Get(ctx context.Context, id string) (storage.Organisation, error) {
	return o.store.OrganisationByID(ctx, id)
}

// UpdateRequisites writes an operator's requisites over an organisation
// still at next.Version (storage.ErrConflict otherwise); its INN and KPP do
// not change. bad names invalid fields (message keys).
func (o *Service) UpdateRequisites(ctx context.Context, next storage.Organisation) (storage.Organisation, map[string]string, error) {
	cur, err := o.store.OrganisationByID(ctx, next.ID)
	if err != nil {
		return next, nil, err
	}
	if next.INN != cur.INN || next.KPP != cur.KPP {
		return next, map[string]string{"inn": "console.inn_fixed"}, nil
	}
	next = WithAddressParts(next)
	if bad := Problems(next); len(bad) > 0 {
		return next, bad, nil
	}
	if next.Version != cur.Version {
		return next, nil, storage.ErrConflict
	}
	next.UpdatedAt = o.now().UTC()
	saved, err := o.store.UpdateOrganisation(ctx, next)
	return saved, nil, err
}
