package mongo

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/vhod-id/vhod/storage"
)

// Collections of organisations.
const (
	colOrgs           = "organisations"
	colOrgKeys        = "org_keys" // "inn/kpp" → organisation: one live organisation per pair
	colMemberships    = "memberships"
	colRoleCatalogues = "role_catalogues"
)

type orgKeyDoc struct {
	Key   string `bson:"_id"`
	OrgID string `bson:"org_id"`
}

func orgKey(o storage.Organisation) string { return o.INN + "/" + o.KPP }

// CreateOrganisation claims the INN/KPP first (its unique _id decides between
// two registrations of one company), then stores the organisation.
func (s *Store) CreateOrganisation(ctx context.Context, o storage.Organisation) error {
	const op = "create organisation"
	keys := s.db.Collection(colOrgKeys)
	if _, err := keys.InsertOne(ctx, orgKeyDoc{Key: orgKey(o), OrgID: o.ID}); err != nil {
		return mapErr(op, err)
	}
	if err := s.insert(ctx, colOrgs, op, o); err != nil {
		_, _ = keys.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: orgKey(o)}, {Key: "org_id", Value: o.ID}})
		return err
	}
	return nil
}

// OrganisationByID finds an organisation.
func (s *Store) OrganisationByID(ctx context.Context, id string) (storage.Organisation, error) {
	var o storage.Organisation
	err := s.byID(ctx, colOrgs, "get organisation", id, &o, nil)
	return o, err
}

// OrganisationsByINN lists a head office and its branches.
func (s *Store) OrganisationsByINN(ctx context.Context, inn string) ([]storage.Organisation, error) {
	return findAll[storage.Organisation](ctx, s, colOrgs, "organisations by INN", bson.D{{Key: "inn", Value: inn}})
}

// OrganisationsByIDs returns the organisations found among ids.
func (s *Store) OrganisationsByIDs(ctx context.Context, ids []string) ([]storage.Organisation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return findAll[storage.Organisation](ctx, s, colOrgs, "organisations by IDs", bson.D{{Key: "_id", Value: bson.M{"$in": ids}}})
}

// ListOrganisations reads one page of organisations: the filters go to the
// database, which sorts and stops at the page size.
func (s *Store) ListOrganisations(ctx context.Context, q storage.OrgQuery) ([]storage.Organisation, string, error) {
	const op = "list organisations"
	if q.IDs != nil && len(q.IDs) == 0 {
		return nil, "", nil
	}
	filter := bson.D{}
	id := bson.D{}
	if q.IDs != nil {
		id = append(id, bson.E{Key: "$in", Value: q.IDs})
	}
	order, cont, bySort := sorted(q.Sort, q.After)
	if q.After != "" && !q.Moderated && !bySort {
		id = append(id, bson.E{Key: "$gt", Value: q.After})
	}
	if len(id) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: id})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: q.Status})
	}
	if q.RegisteredBy != "" {
		filter = append(filter, bson.E{Key: "registered_by", Value: q.RegisteredBy})
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		re := bson.M{"$regex": regexp.QuoteMeta(text), "$options": "i"}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.M{"name": re}, bson.M{"full_name": re}, bson.M{"inn": text}, bson.M{"ogrn": text}}})
	}
	if len(q.Invited) > 0 {
		filter = append(filter, bson.E{Key: "invitations.identifier", Value: bson.M{"$in": q.Invited}})
	}
	sort := bson.D{{Key: "_id", Value: 1}}
	if q.Moderated {
		// A zero time sorts before every decision; a missing field matches no $gt.
		filter = append(filter, bson.E{Key: "moderated_at", Value: bson.M{"$gt": time.Time{}}})
		sort = bson.D{{Key: "moderated_at", Value: -1}, {Key: "_id", Value: 1}}
		list, _, err := listPage(ctx, s, colOrgs, op, filter, sort, q.Limit, func(o storage.Organisation) string { return o.ID })
		return list, "", err // one page: the history has no cursor by decision time
	}
	if bySort {
		filter = append(filter, cont...)
		return listPage(ctx, s, colOrgs, op, filter, order, q.Limit, func(o storage.Organisation) string { return storage.OrgCursor(o, q.Sort) })
	}
	return listPage(ctx, s, colOrgs, op, filter, sort, q.Limit, func(o storage.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o over the version it was read at. The version
// claim makes concurrent writers of one version exclusive (the embedded server
// does not make a read-and-replace atomic); the version filter stops a writer
// whose claim has long expired.
func (s *Store) UpdateOrganisation(ctx context.Context, o storage.Organisation) (storage.Organisation, error) {
	const op = "update organisation"
	old, err := s.OrganisationByID(ctx, o.ID)
	if err != nil {
		return o, err
	}
	if old.INN != o.INN || old.KPP != o.KPP {
		return o, fmt.Errorf("%s: the INN and KPP of an organisation do not change: %w", op, storage.ErrConflict)
	}
	reclaim := old.Status == storage.OrgRejected && o.Status != storage.OrgRejected
	if reclaim {
		// A rejected registration sent again claims its INN/KPP anew, before
		// its version (a refusal leaves the version free for another try): a
		// company registered by someone else meanwhile keeps it.
		if _, err := s.db.Collection(colOrgKeys).InsertOne(ctx, orgKeyDoc{Key: orgKey(o), OrgID: o.ID}); err != nil {
			return o, mapErr(op, err)
		}
	}
	if err := s.claim(ctx, fmt.Sprintf("org:%s@%d", o.ID, o.Version), s.now().Add(24*time.Hour)); err != nil {
		if reclaim {
			_, _ = s.db.Collection(colOrgKeys).DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: orgKey(o)}, {Key: "org_id", Value: o.ID}})
		}
		return o, err
	}
	filter := bson.D{{Key: "_id", Value: o.ID}, {Key: "version", Value: o.Version}}
	o.Version++
	o.UpdatedAt = s.now().UTC()
	r, err := s.db.Collection(colOrgs).ReplaceOne(ctx, filter, o)
	if err == nil && r.MatchedCount == 0 {
		err = storage.ErrConflict
	}
	if err != nil {
		if reclaim {
			_, _ = s.db.Collection(colOrgKeys).DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: orgKey(o)}, {Key: "org_id", Value: o.ID}})
		}
		return o, mapErr(op, err)
	}
	if o.Status == storage.OrgRejected && old.Status != storage.OrgRejected {
		// A rejected registration frees the company for another attempt.
		_, err = s.db.Collection(colOrgKeys).DeleteOne(ctx, bson.D{{Key: "_id", Value: orgKey(o)}, {Key: "org_id", Value: o.ID}})
	}
	return o, mapErr(op, err)
}

// CreateMembership stores a membership keyed by user and organisation.
func (s *Store) CreateMembership(ctx context.Context, m storage.Membership) error {
	m.ID = storage.MembershipID(m.UserID, m.OrgID)
	return s.insert(ctx, colMemberships, "create membership", m)
}

// MembershipByID finds the membership of a user in an organisation.
func (s *Store) MembershipByID(ctx context.Context, userID, orgID string) (storage.Membership, error) {
	var m storage.Membership
	err := s.byID(ctx, colMemberships, "get membership", storage.MembershipID(userID, orgID), &m, nil)
	return m, err
}

// UpdateMembership writes m over the version it was read at (see UpdateOrganisation).
func (s *Store) UpdateMembership(ctx context.Context, m storage.Membership) (storage.Membership, error) {
	const op = "update membership"
	m.ID = storage.MembershipID(m.UserID, m.OrgID)
	if err := s.claim(ctx, fmt.Sprintf("membership:%s@%d", m.ID, m.Version), s.now().Add(24*time.Hour)); err != nil {
		return m, err
	}
	filter := bson.D{{Key: "_id", Value: m.ID}, {Key: "version", Value: m.Version}}
	m.Version++
	m.UpdatedAt = s.now().UTC()
	r, err := s.db.Collection(colMemberships).ReplaceOne(ctx, filter, m)
	if err != nil {
		return m, mapErr(op, err)
	}
	if r.MatchedCount == 0 {
		return m, mapErr(op, storage.ErrConflict)
	}
	return m, nil
}

// MembershipsOfUser lists a user's memberships in every status.
func (s *Store) MembershipsOfUser(ctx context.Context, userID string) ([]storage.Membership, error) {
	return findAll[storage.Membership](ctx, s, colMemberships, "memberships of user", bson.D{{Key: "user_id", Value: userID}})
}

// MembershipsOfOrg lists one organisation's memberships.
func (s *Store) MembershipsOfOrg(ctx context.Context, orgID string) ([]storage.Membership, error) {
	return findAll[storage.Membership](ctx, s, colMemberships, "memberships of organisation", bson.D{{Key: "org_id", Value: orgID}})
}

// ListMemberships reads one page of memberships, filtered and sorted by the
// database.
func (s *Store) ListMemberships(ctx context.Context, q storage.MembershipQuery) ([]storage.Membership, string, error) {
	filter := bson.D{}
	order, cont, bySort := sorted(q.Sort, q.After)
	if q.After != "" && !bySort {
		filter = append(filter, bson.E{Key: "_id", Value: bson.M{"$gt": q.After}})
	}
	if q.OrgID != "" {
		filter = append(filter, bson.E{Key: "org_id", Value: q.OrgID})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: q.Status})
	}
	if q.Ended != "" {
		filter = append(filter, bson.E{Key: "ended", Value: q.Ended})
	}
	if q.NotApprovedBy != "" {
		// On an array $ne holds when no element equals (and on a missing field).
		filter = append(filter, bson.E{Key: "approvals", Value: bson.M{"$ne": q.NotApprovedBy}})
	}
	if bySort {
		filter = append(filter, cont...)
		return listPage(ctx, s, colMemberships, "list memberships", filter, order, q.Limit,
			func(m storage.Membership) string { return storage.MembershipCursor(m, q.Sort) })
	}
	return listPage(ctx, s, colMemberships, "list memberships", filter, bson.D{{Key: "_id", Value: 1}}, q.Limit,
		func(m storage.Membership) string { return m.ID })
}

// PutRoleCatalogue creates or replaces a catalogue.
func (s *Store) PutRoleCatalogue(ctx context.Context, c storage.RoleCatalogue) error {
	_, err := s.db.Collection(colRoleCatalogues).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, c, options.Replace().SetUpsert(true))
	return mapErr("put role catalogue", err)
}

// DeleteRoleCatalogue removes a catalogue.
func (s *Store) DeleteRoleCatalogue(ctx context.Context, id string) error {
	r, err := s.db.Collection(colRoleCatalogues).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && r.DeletedCount == 0 {
		err = storage.ErrNotFound
	}
	return mapErr("delete role catalogue", err)
}

// RoleCatalogues lists every catalogue.
func (s *Store) RoleCatalogues(ctx context.Context) ([]storage.RoleCatalogue, error) {
	return findAll[storage.RoleCatalogue](ctx, s, colRoleCatalogues, "list role catalogues", bson.D{})
}

// listPage reads at most one page (storage.PageSize) of the documents matching
// filter in the order sort, one more to learn whether a next page exists; next
// is the key of the page's last document then.
func listPage[T any](ctx context.Context, s *Store, col, op string, filter, sort bson.D, limit int, key func(T) string) ([]T, string, error) {
	n := storage.PageSize(limit)
	cur, err := s.db.Collection(col).Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(n+1)))
	if err != nil {
		return nil, "", mapErr(op, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", mapErr(op, err)
	}
	if len(out) <= n {
		return out, "", nil
	}
	return out[:n], key(out[n-1]), nil
}

// findAll decodes every document matching filter.
func findAll[T any](ctx context.Context, s *Store, col, op string, filter bson.D) ([]T, error) {
	cur, err := s.db.Collection(col).Find(ctx, filter)
	if err != nil {
		return nil, mapErr(op, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}
