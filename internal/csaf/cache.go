package csaf

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
)

// Source gives the platform's published advisories (the advisory store
// implements it). The provider filters them: only TLP:CLEAR, non-draft
// advisories reach the public tree.
type Source interface {
	Published(ctx context.Context) ([]advisory.Advisory, error)
}

// Cache keeps the rendered provider tree and rebuilds it when the published
// advisories change. It asks the source at most once per Every (and at once
// after Invalidate); when what the source says is unchanged (same digest),
// the tree — and so every signature — stays as it is.
type Cache struct {
	src   Source
	opts  ProviderOptions
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	tree    *Tree
	digest  [32]byte
	checked time.Time
	stale   bool
	builds  int
}

// NewCache returns a cache over src. every <= 0 means one minute.
func NewCache(src Source, opts ProviderOptions, every time.Duration, now func() time.Time) *Cache {
	if every <= 0 {
		every = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{src: src, opts: opts, every: every, now: now}
}

// Invalidate makes the next Tree ask the source again.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.stale = true
	c.mu.Unlock()
}

// Builds counts how many times the tree was rendered.
func (c *Cache) Builds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds
}

// Tree returns the current tree, rebuilding it if the advisories changed.
// When the source fails and a tree exists, the old tree is served.
func (c *Cache) Tree(ctx context.Context) (*Tree, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.tree != nil && !c.stale && now.Sub(c.checked) < c.every {
		return c.tree, nil
	}
	advs, err := c.src.Published(ctx)
	if err != nil {
		if c.tree != nil {
			return c.tree, nil
		}
		return nil, err
	}
	b, err := json.Marshal(advs)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(b)
	c.checked, c.stale = now, false
	if c.tree != nil && d == c.digest {
		return c.tree, nil
	}
	opts := c.opts
	if opts.Now.IsZero() {
		opts.Now = now
	}
	t, err := BuildProvider(advs, opts)
	if err != nil {
		return nil, err
	}
	c.tree, c.digest = t, d
	c.builds++
	return t, nil
}
