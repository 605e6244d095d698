package main

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/vhod-id/vhod/certauth"
)

// anchorReload is how soon an anchor added or removed on another instance
// counts here.
const anchorReload = 30 * time.Second

// reloadAnchors gives the verifier the trust anchors operators added (admin API,
// console) beside those of the configuration files.
func (a *app) reloadAnchors(ctx context.Context) error {
	stored, err := a.store.ListTrustAnchors(ctx)
	if err != nil {
		return err
	}
	added := make([]certauth.Anchor, 0, len(stored))
	for _, s := range stored {
		c, err := x509.ParseCertificate(s.DER)
		if err != nil {
			a.log.Warn("a stored trust anchor does not parse; skipped", "anchor", s.ID, "err", err)
			continue
		}
		added = append(added, certauth.Anchor{Cert: c, Qualified: s.Qualified})
	}
	a.verifier.SetAddedAnchors(added)
	return nil
}

// watchAnchors reloads the stored anchors until ctx ends.
func (a *app) watchAnchors(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.reloadAnchors(ctx); err != nil {
				a.log.Warn("reload trust anchors", "err", err)
			}
		}
	}
}
