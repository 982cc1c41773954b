package app

// This file wires the public scam portal: the portal.Service with its
// proof-of-work key kept in the data directory (so challenges survive a
// restart and every process of a deployment can share the key), the look-up
// index rebuilt at start, publications expired on a schedule, the built-in
// "portal" intel feed refreshed from the published entries, and the public
// mux mounted at /portal/.

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/publicweb"
	"github.com/khien-cert/khien/internal/tlp"
)

// portalKeyName is the proof-of-work key's file in the data directory.
const portalKeyName = "portal-pow.key"

// Schedules of the portal's background jobs.
const (
	portalExpireEvery = time.Minute
	portalFeedEvery   = 5 * time.Minute
	// portalImageSweepEvery is how often unused bulletin pictures are swept.
	portalImageSweepEvery = 6 * time.Hour
)

// openPortal builds the portal service and its look-up index.
func (a *App) openPortal(ctx context.Context, root *os.Root) error {
	key, err := loadOrCreateKey(root, portalKeyName, 32)
	if err != nil {
		return err
	}
	// The bulletins' pictures have a blob store of their own: nothing
	// sweeps it, and evidence's sweep never sees them.
	images, err := blob.OpenDisk(filepath.Join(a.Config.DataDir, "bulletin-images"))
	if err != nil {
		return err
	}
	a.Portal = portal.New(portal.Deps{Store: a.DB, Bulletins: a.DB, Stats: a.DB, Reviewers: a.DB, Now: a.now,
		Logger: a.Log.With("service", "portal"), PoWKey: key, BulletinImages: images})
	return a.Portal.RebuildIndex(ctx)
}

// loadOrCreateKey reads a secret of n bytes from root, or makes one (0600).
func loadOrCreateKey(root *os.Root, name string, n int) ([]byte, error) {
	b, err := root.ReadFile(name)
	if err == nil && len(b) == n {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		return nil, errors.New("app: " + name + " is damaged; remove it to make a new key")
	}
	b = make([]byte, n)
	rand.Read(b)
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	return b, f.Close()
}

// mountPortal mounts the public portal's own mux at /portal/.
func (a *App) mountPortal(mux *http.ServeMux) error {
	site, err := publicweb.New(publicweb.Deps{Portal: a.Portal, Logger: a.Log.With("mux", "portal"), Now: a.now,
		BaseURL: a.Config.BaseURL})
	if err != nil {
		return err
	}
	mux.Handle(publicweb.Prefix, site.Handler())
	return nil
}

// portalBackground runs the portal's scheduled jobs until ctx ends.
func (a *App) portalBackground(ctx context.Context, run func(func())) {
	run(func() { every(ctx, portalExpireEvery, a.ExpirePortal) })
	run(func() { every(ctx, portalFeedEvery, a.SyncPortalFeed) })
	run(func() { every(ctx, portalImageSweepEvery, a.SweepBulletinImages) })
}

// SweepBulletinImages deletes the bulletin pictures no bulletin carries
// once past their grace period.
func (a *App) SweepBulletinImages(ctx context.Context) error {
	if _, err := a.Portal.SweepBulletinImages(ctx); err != nil {
		a.Log.Error("bulletin picture sweep failed", "err", err)
	}
	return nil
}

// every runs job now and then every interval until ctx ends, logging
// failures.
func every(ctx context.Context, interval time.Duration, job func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = job(ctx) // jobs log their own failures; the next tick tries again
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ExpirePortal marks the publications past their expiry as expired.
func (a *App) ExpirePortal(ctx context.Context) error {
	n, err := a.Portal.ExpireDue(ctx)
	if err != nil {
		a.Log.Error("portal expiry failed", "err", err)
		return nil
	}
	if n > 0 {
		a.Log.Info("portal publications expired", "entries", n)
	}
	return nil
}

// SyncPortalFeed saves the published entries as the indicators of the
// built-in "portal" feed (created on first use) and rebuilds the
// detection index when they changed.
func (a *App) SyncPortalFeed(ctx context.Context) error {
	f, err := a.portalFeed(ctx)
	if err != nil {
		a.Log.Error("portal feed not ready", "err", err)
		return nil
	}
	now := a.now().UTC()
	res, err := a.Portal.IntelPull(ctx, f, intel.Indicator{TLP: f.TLP, Confidence: f.Confidence, Source: f.Name})
	if err != nil {
		a.Log.Error("portal feed not pulled", "err", err)
		return nil
	}
	e := audit.New(auth.System(), "intel.pull", "feed", f.ID, "").WithDetail(map[string]any{"source": "portal",
		"read": len(res.Indicators)})
	st, err := a.DB.SaveIndicators(ctx, f.ID, res.Indicators, true, now, e)
	if err != nil {
		a.Log.Error("portal feed not saved", "err", err)
		return nil
	}
	if st.Added+st.Updated+st.Removed > 0 {
		a.rebuildIndicators(ctx)
	}
	return nil
}

// portalFeed finds the built-in feed, creating it when missing.
func (a *App) portalFeed(ctx context.Context) (intel.Feed, error) {
	feeds, err := a.DB.ListFeeds(ctx)
	if err != nil {
		return intel.Feed{}, err
	}
	for _, f := range feeds {
		if f.Name == portal.IntelFeedName {
			return f, nil
		}
	}
	f := intel.Feed{Name: portal.IntelFeedName, Format: intel.FormatAuto, TLP: tlp.Clear, Confidence: 80, Enabled: true}
	return a.DB.CreateFeed(ctx, f, audit.New(auth.System(), "intel.feed_create", "feed", "", "").
		WithDetail(map[string]any{"builtin": true}))
}
