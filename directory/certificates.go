package directory

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/vhod-id/vhod/certauth"
	"github.com/vhod-id/vhod/storage"
)

// ErrCertificateTaken: the certificate (or its SNILS) belongs to another account.
var ErrCertificateTaken = errors.New("certificate belongs to another account")

// CertificateRef describes a certificate for accounts, sessions and tokens.
func CertificateRef(c *x509.Certificate) storage.CertificateRef {
	return storage.CertificateRef{SHA256: certauth.Fingerprint(c), Subject: certauth.DN(c.Subject), Issuer: certauth.DN(c.Issuer),
		Serial: fmt.Sprintf("%X", c.SerialNumber), NotAfter: c.NotAfter.UTC()}
}

// identity is what binds a certificate: SNILS and personal INN only when a
// qualified (accredited) CA vouches for them.
func identity(c *x509.Certificate, qualified bool) (snils, inn string) {
	if !qualified {
		return "", ""
	}
	s := certauth.ReadSubject(c)
	return s.SNILS, s.INN
}

// UserByCertificate finds the account a verified certificate signs in to: by
// SNILS when the certificate is qualified (the SNILS survives the yearly
// renewal, and the renewed certificate is bound then: renewed is true), else by
// the certificate's fingerprint. storage.ErrNotFound when there is none.
func (d *Directory) UserByCertificate(ctx context.Context, c *x509.Certificate, qualified bool) (u storage.User, renewed bool, err error) {
	fp := certauth.Fingerprint(c)
	if snils, inn := identity(c, qualified); snils != "" {
		u, err = d.users.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentSNILS, snils))
		if err == nil {
			if hasCertificate(u, fp) {
				return u, false, nil
			}
			if err := d.users.BindCertificate(ctx, u.ID, boundCertificate(c, qualified, d.now()), snils, inn); err != nil {
				return u, false, err
			}
			u, err = d.users.UserByID(ctx, u.ID)
			return u, true, err
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return u, false, err
		}
	}
	u, err = d.users.UserByIdentifier(ctx, storage.IdentifierKey(storage.IdentCertificate, fp))
	return u, false, err
}

func hasCertificate(u storage.User, fp string) bool {
	for _, b := range u.Certificates {
		if b.SHA256 == fp {
			return true
		}
	}
	return false
}

func boundCertificate(c *x509.Certificate, qualified bool, now time.Time) storage.BoundCertificate {
	return storage.BoundCertificate{CertificateRef: CertificateRef(c), Qualified: qualified, BoundAt: now.UTC()}
}

// CreateUserFromCertificate makes an account from what the certificate says:
// names, and (when qualified) SNILS and personal INN. The email in a certificate
// is not verified by us, so it is not made an identifier.
func (d *Directory) CreateUserFromCertificate(ctx context.Context, c *x509.Certificate, qualified bool, locale string) (storage.User, error) {
	s := certauth.ReadSubject(c)
	now := d.now().UTC()
	u := storage.User{ID: NewID(), FamilyName: s.Surname, GivenName: s.GivenName, MiddleName: s.Patronymic,
		Locale: locale, Certificates: []storage.BoundCertificate{boundCertificate(c, qualified, now)}, CreatedAt: now, UpdatedAt: now}
	if u.FamilyName == "" && u.GivenName == "" {
		u.GivenName = s.CommonName
	}
	u.SNILS, u.INN = identity(c, qualified)
	if err := d.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrAlreadyExists) {
			return u, ErrCertificateTaken
		}
		return u, err
	}
	return u, nil
}

// BindCertificate adds a verified certificate to an account.
func (d *Directory) BindCertificate(ctx context.Context, userID string, c *x509.Certificate, qualified bool) error {
	snils, inn := identity(c, qualified)
	err := d.users.BindCertificate(ctx, userID, boundCertificate(c, qualified, d.now()), snils, inn)
	if errors.Is(err, storage.ErrAlreadyExists) {
		return ErrCertificateTaken
	}
	return err
}

// ErrLastCredential: unbinding would leave the account with no way to sign in.
var ErrLastCredential = errors.New("the account's last way to sign in")

// UnbindCertificate removes a certificate from an account, unless it is the
// account's only way in (no password, no phone, no other certificate, no
// linked outside identity).
func (d *Directory) UnbindCertificate(ctx context.Context, userID, fingerprint string) error {
	u, err := d.users.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" && u.Phone == "" && len(u.Certificates) <= 1 && len(u.Links) == 0 {
		return ErrLastCredential
	}
	return d.users.UnbindCertificate(ctx, userID, fingerprint)
}
