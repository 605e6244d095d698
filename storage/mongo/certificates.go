package mongo

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vhod-id/vhod/storage"
)

// BindCertificate claims the certificate's identifier (and the SNILS's) first:
// their unique _id decides between racing accounts; then records it on the user.
func (s *Store) BindCertificate(ctx context.Context, userID string, c storage.BoundCertificate, snils, inn string) error {
	const op = "bind certificate"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(u.Certificates, func(b storage.BoundCertificate) bool { return b.SHA256 == c.SHA256 }) {
		return nil
	}
	if snils != "" && u.SNILS != "" && u.SNILS != snils {
		return mapErr(op, storage.ErrAlreadyExists) // another person's certificate
	}
	idents := s.db.Collection(colIdentifiers)
	var claimed []string
	release := func() {
		if len(claimed) > 0 {
			_, _ = idents.DeleteMany(context.WithoutCancel(ctx), bson.M{"_id": bson.M{"$in": claimed}, "user_id": userID})
		}
	}
	set := bson.M{"updated_at": s.now().UTC()}
	if snils != "" && u.SNILS == "" {
		key := storage.IdentifierKey(storage.IdentSNILS, snils)
		if _, err := idents.InsertOne(ctx, identifierDoc{Key: key, UserID: userID}); err != nil {
			return mapErr(op, err)
		}
		claimed = append(claimed, key)
		set["snils"] = snils
		if inn != "" {
			set["inn"] = inn
		}
	}
	key := storage.IdentifierKey(storage.IdentCertificate, c.SHA256)
	if _, err := idents.InsertOne(ctx, identifierDoc{Key: key, UserID: userID}); err != nil {
		release()
		return mapErr(op, err)
	}
	claimed = append(claimed, key)
	set["certificates"] = append(u.Certificates, c)
	if err := s.updateByID(ctx, colUsers, op, userID, bson.M{"$set": set}); err != nil {
		release()
		return err
	}
	return nil
}

// UnbindCertificate drops the certificate from the account and releases its
// identifier; with the last qualified certificate, the SNILS goes too.
func (s *Store) UnbindCertificate(ctx context.Context, userID, sha256 string) error {
	const op = "unbind certificate"
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(u.Certificates, func(b storage.BoundCertificate) bool { return b.SHA256 == sha256 })
	if i < 0 {
		return mapErr(op, storage.ErrNotFound)
	}
	rest := slices.Delete(slices.Clone(u.Certificates), i, i+1)
	update := bson.M{"$set": bson.M{"certificates": rest, "updated_at": s.now().UTC()}}
	release := []string{storage.IdentifierKey(storage.IdentCertificate, sha256)}
	if u.SNILS != "" && !slices.ContainsFunc(rest, func(b storage.BoundCertificate) bool { return b.Qualified }) {
		update["$unset"] = bson.M{"snils": "", "inn": ""}
		release = append(release, storage.IdentifierKey(storage.IdentSNILS, u.SNILS))
	}
	if err := s.updateByID(ctx, colUsers, op, userID, update); err != nil {
		return err
	}
	_, err = s.db.Collection(colIdentifiers).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": release}, "user_id": userID})
	if err != nil && !errors.Is(err, context.Canceled) {
		return mapErr(op, err)
	}
	return nil
}
