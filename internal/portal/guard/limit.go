package guard

// This file limits how often one client network may act: a token bucket
// (golang.org/x/time/rate) per IPv4 address or IPv6 /64, kept in memory and
// dropped once idle long enough to have refilled.

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/khien-cert/khien/internal/errs"
)

// LimitOptions configures a Limiter.
type LimitOptions struct {
	Every time.Duration // one token per Every
	Burst int           // bucket size
	// MaxClients bounds the buckets kept; when every bucket is busy and the
	// bound is reached, new clients are refused (fail closed). Default 100,000.
	MaxClients int
}

// Limiter is a set of token buckets, one per client network.
type Limiter struct {
	every rate.Limit
	burst int
	idle  time.Duration // a bucket unused this long is full again and dropped
	max   int

	mu        sync.Mutex
	buckets   map[netip.Prefix]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter returns a Limiter.
func NewLimiter(o LimitOptions) *Limiter {
	o.Every = max(o.Every, time.Millisecond)
	o.Burst = max(o.Burst, 1)
	if o.MaxClients <= 0 {
		o.MaxClients = 100_000
	}
	return &Limiter{
		every: rate.Every(o.Every), burst: o.Burst, max: o.MaxClients,
		idle:    o.Every * time.Duration(o.Burst),
		buckets: map[netip.Prefix]*bucket{},
	}
}

// CodeRateLimited is the code of Limit's refusal.
const CodeRateLimited = "portal.rate_limited"

// Limit takes a token for remote at now, or returns a KindRateLimited error.
func (l *Limiter) Limit(remote string, now time.Time) error {
	if l.Allow(remote, now) {
		return nil
	}
	return errs.New(errs.KindRateLimited, CodeRateLimited, "too many requests from your network; wait a little and try again")
}

// Allow takes a token from remote's bucket at now and reports whether
// there was one. remote is an address with or without a port; anything
// unreadable shares one bucket.
func (l *Limiter) Allow(remote string, now time.Time) bool {
	key := ClientKey(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > l.idle || len(l.buckets) >= l.max && now.Sub(l.lastSweep) > time.Second {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			return false
		}
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// Clients is how many buckets the Limiter holds.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientKey reduces a client address (with or without port or zone) to the
// network one client cannot cheaply vary: the IPv4 address or the IPv6 /64.
// Unreadable input gives the zero prefix.
func ClientKey(remote string) netip.Prefix {
	remote = strings.TrimSpace(remote)
	addr, err := netip.ParseAddr(remote)
	if err != nil {
		ap, err := netip.ParseAddrPort(remote)
		if err != nil {
			return netip.Prefix{}
		}
		addr = ap.Addr()
	}
	addr = addr.Unmap().WithZone("")
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// CodeHoneypot is the code of Honeypot's refusal.
const CodeHoneypot = "portal.honeypot"

// Honeypot checks the form field that people never see (hidden from view,
// from screen readers and from the tab order) and scripts fill in: it
// must arrive empty. The refusal says so plainly, for the rare person whose
// browser filled it in.
func Honeypot(value string) error {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	const msg = "a field that must stay empty was filled in (perhaps by your browser); reload the page and try again"
	return errs.Invalid(CodeHoneypot, msg, errs.Field("website", CodeHoneypot, msg))
}
