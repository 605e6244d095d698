package storage

import (
	"context"
	"strings"
	"time"
)

// Organisation kinds.
const (
	OrgLegalEntity  = "legal_entity" // INN of 10 digits, KPP, OGRN
	OrgEntrepreneur = "entrepreneur" // individual entrepreneur: INN of 12 digits, OGRNIP
)

// Organisation statuses.
const (
	OrgPending   = "pending"
	OrgActive    = "active"
	OrgRejected  = "rejected"
	OrgSuspended = "suspended"
)

// Organisation is a legal entity or an individual entrepreneur; a branch has
// the INN of its parent and a KPP and address of its own.
type Organisation struct {
	ID       string `bson:"_id"`
	Kind     string `bson:"kind"`
	Status   string `bson:"status"`
	ParentID string `bson:"parent_id,omitempty"`
	// Name is the short name ("ООО «Ромашка»"); FullName as in the charter.
	Name      string    `bson:"name"`
	FullName  string    `bson:"full_name,omitempty"`
	LegalForm string    `bson:"legal_form,omitempty"`
	INN       string    `bson:"inn"`
	KPP       string    `bson:"kpp,omitempty"`
	OGRN      string    `bson:"ogrn,omitempty"` // OGRNIP for an entrepreneur
	OKPO      string    `bson:"okpo,omitempty"`
	OKVED     OKVED     `bson:"okved"`
	Director  Director  `bson:"director"`
	Bank      Bank      `bson:"bank"`
	Addresses Addresses `bson:"addresses"`
	Contact   Contact   `bson:"contact"`
	// Email is the company's address, confirmed with a code by the registrant.
	Email         string `bson:"email,omitempty"`
	EmailVerified bool   `bson:"email_verified"`
	// Contracts are numbers the organisation holds (accountant sign-in).
	Contracts []string `bson:"contracts,omitempty"`
	// AccountantPINs are the PINs (argon2id) the org admin set per contract.
	AccountantPINs []ContractPIN `bson:"accountant_pins,omitempty"`
	// Invitations are people the org admin invited by email or phone; the
	// person with that confirmed address accepts on the companies page.
	Invitations []Invitation `bson:"invitations,omitempty"`
	// RegisteredBy is the user who registered it; moderation is recorded below.
	RegisteredBy string    `bson:"registered_by,omitempty"`
	ModeratedBy  string    `bson:"moderated_by,omitempty"`
	ModeratedAt  time.Time `bson:"moderated_at,omitempty"`
	Reason       string    `bson:"reason,omitempty"` // of a rejection or suspension
	// Resubmitted counts the registrant's corrections of a rejected
	// registration sent back to moderation; LastRejection is the reason the
	// moderator gave the last time, kept for the moderator who decides again.
	Resubmitted   int    `bson:"resubmitted,omitempty"`
	LastRejection string `bson:"last_rejection,omitempty"`
	// SignInPolicy is what a member's sign-in must reach before an app sees
	// them act for the organisation: OrgSignInAny (empty),
	// OrgSignInSecondFactor or OrgSignInPasskeyOrCertificate.
	SignInPolicy string `bson:"sign_in_policy,omitempty"`
	// Version increases with every update; UpdateOrganisation writes only over it.
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// Sign-in policies of an organisation (Organisation.SignInPolicy).
const (
	OrgSignInAny                  = ""
	OrgSignInSecondFactor         = "second_factor"
	OrgSignInPasskeyOrCertificate = "passkey_or_certificate"
)

// Invitation asks the owner of a confirmed email or phone to join with roles.
// It stays on the organisation once answered or withdrawn, so that its org
// admin sees what became of it; only an unanswered, unexpired one is accepted.
type Invitation struct {
	Identifier string    `bson:"identifier"` // IdentifierKey(IdentEmail|IdentPhone, value)
	Roles      []string  `bson:"roles,omitempty"`
	By         string    `bson:"by"`
	At         time.Time `bson:"at"`
	// AcceptedBy is the user who accepted it, at AcceptedAt.
	AcceptedBy string    `bson:"accepted_by,omitempty"`
	AcceptedAt time.Time `bson:"accepted_at,omitempty"`
	// WithdrawnBy is the org admin who withdrew it, at WithdrawnAt.
	WithdrawnBy string    `bson:"withdrawn_by,omitempty"`
	WithdrawnAt time.Time `bson:"withdrawn_at,omitempty"`
}

// ContractPIN is the PIN of the accountant sign-in for one contract.
type ContractPIN struct {
	Contract string `bson:"contract"`
	PINHash  string `bson:"pin_hash"`
}

// OKVED codes of an organisation: one main, at most two auxiliary, any others.
type OKVED struct {
	Main      string   `bson:"main,omitempty"`
	Auxiliary []string `bson:"auxiliary,omitempty"`
	Other     []string `bson:"other,omitempty"`
}

// Director is the head who acts for the organisation.
type Director struct {
	Name         string `bson:"name,omitempty"`
	NameGenitive string `bson:"name_genitive,omitempty"`
	Title        string `bson:"title,omitempty"`
	ActingOn     string `bson:"acting_on,omitempty"` // "Устава"
}

// Bank is the organisation's settlement account.
type Bank struct {
	BIK         string `bson:"bik,omitempty"`
	Name        string `bson:"name,omitempty"`
	CorrAccount string `bson:"corr_account,omitempty"`
	Account     string `bson:"account,omitempty"`
}

// Address is a postal address, in the parts the forms ask for.
type Address struct {
	Postcode string `bson:"postcode,omitempty"`
	Region   string `bson:"region,omitempty"`
	City     string `bson:"city,omitempty"`
	Street   string `bson:"street,omitempty"` // "ул. Тверская"
	House    string `bson:"house,omitempty"`  // дом, корпус, строение: "д. 7, корп. 2"
	Office   string `bson:"office,omitempty"` // офис, помещение, квартира: "офис 12"
	// Line is street, house and office as one line, as addresses were kept
	// before they had parts: read from older documents and shown as it is;
	// writes of the directory keep the parts instead (orgs.WithAddressParts).
	Line string `bson:"line,omitempty"`
}

// Full is the whole address as one line: postcode, region, city (when it is
// not the region itself, as for Moscow) and the StreetLine.
func (a Address) Full() string {
	return joinNonEmpty([]string{a.Place(), a.StreetLine()})
}

// Place is the postcode, region and city (when it is not the region itself).
func (a Address) Place() string {
	parts := []string{a.Postcode, a.Region}
	if a.City != a.Region {
		parts = append(parts, a.City)
	}
	return joinNonEmpty(parts)
}

// StreetLine is the street, house and office as one line: the parts, or the
// Line of an address stored before it had parts.
func (a Address) StreetLine() string {
	if a.Street == "" && a.House == "" && a.Office == "" {
		return a.Line
	}
	return joinNonEmpty([]string{a.Street, a.House, a.Office})
}

func joinNonEmpty(parts []string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// Addresses: legal as in the charter; actual and postal the same or their own.
type Addresses struct {
	Legal             Address `bson:"legal"`
	Actual            Address `bson:"actual"`
	Postal            Address `bson:"postal"`
	ActualSameAsLegal bool    `bson:"actual_same_as_legal"`
	PostalSameAsLegal bool    `bson:"postal_same_as_legal"`
}

// Contact is the organisation's contact person.
type Contact struct {
	Name  string `bson:"name,omitempty"`
	Email string `bson:"email,omitempty"`
	Phone string `bson:"phone,omitempty"`
}

// Membership statuses.
const (
	MemberRequested = "requested"
	MemberActive    = "active"
	MemberRemoved   = "removed"
)

// Why a membership ended (Membership.Ended): its org admin took every role
// (the member stays listed as removed and may be given roles again), the
// person left, or their join request was rejected.
const (
	MemberEndedRoles    = "roles"
	MemberEndedLeft     = "left"
	MemberEndedRejected = "rejected"
)

// Built-in roles: an organisation's administrator, and the accountant of the
// sign-in by contract.
const (
	RoleOrgAdmin   = "org_admin"
	RoleAccountant = "accountant"
)

// Membership is a user in an organisation, with roles.
type Membership struct {
	// ID is MembershipID(UserID, OrgID): one membership per pair.
	ID     string   `bson:"_id"`
	UserID string   `bson:"user_id"`
	OrgID  string   `bson:"org_id"`
	Status string   `bson:"status"`
	Roles  []string `bson:"roles,omitempty"`
	// Approvals a join request has collected ("moderator", "org_admin").
	Approvals  []string  `bson:"approvals,omitempty"`
	ApprovedBy string    `bson:"approved_by,omitempty"`
	ApprovedAt time.Time `bson:"approved_at,omitempty"`
	Reason     string    `bson:"reason,omitempty"` // of a rejection or removal
	// Ended says why a removed membership ended (MemberEndedRoles…); empty
	// while it is requested or active.
	Ended     string    `bson:"ended,omitempty"`
	Version   int       `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// MembershipID is the key of a user's membership in an organisation.
func MembershipID(userID, orgID string) string { return userID + "/" + orgID }

// RoleCatalogue lists the roles of one app or of several ("a project").
type RoleCatalogue struct {
	ID      string   `bson:"_id"`
	Clients []string `bson:"clients"`
	Roles   []Role   `bson:"roles"`
}

// Role is a key an app checks, with names in ru/en.
type Role struct {
	Key         string            `bson:"key"`
	Name        map[string]string `bson:"name"`
	Description map[string]string `bson:"description,omitempty"`
	// Default roles are ticked in advance when an org admin approves a join
	// request, and given when a moderator's approval completes one alone.
	Default bool `bson:"default,omitempty"`
}

// Organisations stores organisations, memberships and role catalogues.
type Organisations interface {
	// CreateOrganisation stores a new organisation and claims its INN and KPP:
	// ErrAlreadyExists when the ID or a live organisation with that INN/KPP exists.
	CreateOrganisation(ctx context.Context, o Organisation) error
	OrganisationByID(ctx context.Context, id string) (Organisation, error)
	// OrganisationsByINN lists the organisations with an INN (a head office and
	// its branches).
	OrganisationsByINN(ctx context.Context, inn string) ([]Organisation, error)
	// OrganisationsByIDs returns those found, in no particular order.
	OrganisationsByIDs(ctx context.Context, ids []string) ([]Organisation, error)
	// ListOrganisations pages through the organisations that pass q's filters,
	// in ID order (or the latest moderation first, see OrgQuery.Moderated);
	// next is the After of the following page, "" on the last.
	ListOrganisations(ctx context.Context, q OrgQuery) (page []Organisation, next string, err error)
	// UpdateOrganisation writes o over the version it was read at and returns it
	// with the next version; ErrConflict when someone else wrote first. A
	// rejected organisation releases its INN/KPP; one leaving the rejected
	// status claims it again (ErrAlreadyExists when another organisation holds it).
	UpdateOrganisation(ctx context.Context, o Organisation) (Organisation, error)

	// CreateMembership stores a new membership; ErrAlreadyExists when the user
	// has one in that organisation (in any status).
	CreateMembership(ctx context.Context, m Membership) error
	MembershipByID(ctx context.Context, userID, orgID string) (Membership, error)
	// UpdateMembership writes m over the version it was read at; ErrConflict otherwise.
	UpdateMembership(ctx context.Context, m Membership) (Membership, error)
	MembershipsOfUser(ctx context.Context, userID string) ([]Membership, error)
	// MembershipsOfOrg lists one organisation's members: org-scoped reads name it.
	MembershipsOfOrg(ctx context.Context, orgID string) ([]Membership, error)
	// ListMemberships pages through the memberships that pass q's filters, in
	// ID order (the moderator's queue of join requests, an organisation's
	// list); next is the After of the following page, "" on the last.
	ListMemberships(ctx context.Context, q MembershipQuery) (page []Membership, next string, err error)

	// PutRoleCatalogue creates or replaces a catalogue.
	PutRoleCatalogue(ctx context.Context, c RoleCatalogue) error
	DeleteRoleCatalogue(ctx context.Context, id string) error
	RoleCatalogues(ctx context.Context) ([]RoleCatalogue, error)
}
