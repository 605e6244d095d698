package main

import (
	"context"
	"time"
)

// anchorReload is how soon an anchor added or removed on another instance
// counts here.
const anchorReload = 30 * time.Second

// reloadAnchors gives the verifier the trust anchors operators added (admin API,
// console) beside those of the configuration files.
func (a *app) reloadAnchors(ctx context.Context) error {
	added, err := a.anchors.Added(ctx)
	if err != nil {
		return err
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
