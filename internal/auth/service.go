package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// UserStore keeps users, their secrets and memberships. Account and
// AccountByEmail are unscoped: only this package calls them, to check
// credentials. Every method that changes state appends its audit entry in the
// same transaction, with p as the actor.
type UserStore interface {
	Account(ctx context.Context, userID string) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)
	GetUser(ctx context.Context, s UserScope, id string) (User, error)
	ListUsers(ctx context.Context, s UserScope, f UserFilter, r page.Request) (page.Result[User], error)
	// CreateUser inserts u (ID and times are filled in) and its memberships.
	CreateUser(ctx context.Context, p Principal, u User, passwordHash string) (User, error)
	// UpdateUser writes after's name, role, language, disabled flag and
	// memberships; with revokeSessions it ends every session of the user.
	UpdateUser(ctx context.Context, p Principal, before, after User, revokeSessions bool) (User, error)
	// SetPasswordHash replaces the hash, clears the lockout and ends every
	// session of the user.
	SetPasswordHash(ctx context.Context, p Principal, userID, hash string) error
	AddMembership(ctx context.Context, p Principal, userID, orgID string) error
	RemoveMembership(ctx context.Context, p Principal, userID, orgID string) error
}

// SessionStore keeps log-in state: failures, sessions and second factors.
type SessionStore interface {
	// RecordLoginFailure audits a failed log-in and, when f.Count, adds one
	// to the account's consecutive failures and applies f.Lock atomically.
	// It returns the lock that was set, zero for none.
	RecordLoginFailure(ctx context.Context, p Principal, f Failure) (time.Time, error)
	// StartSession inserts s (by s.Hash) and audits the log-in; with
	// resetFailures it also clears the account's failure count and lock.
	StartSession(ctx context.Context, p Principal, s Session, resetFailures bool) error
	// Session finds a session by the hash of its token.
	Session(ctx context.Context, hash string) (Session, error)
	TouchSession(ctx context.Context, id string, seen, expires time.Time) error
	EndSession(ctx context.Context, p Principal, id string) error
	// PassMFA consumes proof (a TOTP step newer than the last used one, or an
	// unused recovery code), marks the session mfa_passed and clears the
	// failure count. A replayed or unknown proof is BadCode().
	PassMFA(ctx context.Context, p Principal, sessionID string, proof MFAProof) error
	// EnableTOTP stores a confirmed secret with fresh recovery codes and
	// marks the enrolling session mfa_passed.
	EnableTOTP(ctx context.Context, p Principal, e Enrolment) error
}

// TokenStore keeps API tokens, by the hash of their secret.
type TokenStore interface {
	CreateToken(ctx context.Context, p Principal, t Token, secretHash string) (Token, error)
	TokenByHash(ctx context.Context, secretHash string) (Token, error)
	GetToken(ctx context.Context, s UserScope, id string) (Token, error)
	ListTokens(ctx context.Context, s UserScope, userID string) ([]Token, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	RevokeToken(ctx context.Context, p Principal, id string) error
}

// Store is the storage the identity service needs; internal/store implements it.
type Store interface {
	UserStore
	SessionStore
	TokenStore
}

// UserScope is the set of users a principal may see for one permission: Self,
// plus the users who are members of an organisation in Scope (every user
// when Scope.All).
type UserScope struct {
	Self  string
	Scope Scope
}

// Allows reports whether u is in the scope.
func (s UserScope) Allows(u User) bool {
	if s.Scope.All || (s.Self != "" && u.ID == s.Self) {
		return true
	}
	for _, o := range u.Orgs {
		if s.Scope.Allows(o) {
			return true
		}
	}
	return false
}

func userScope(p Principal, perm Permission) UserScope {
	return UserScope{Self: p.UserID, Scope: p.Scope(perm)}
}

// Client describes where a request came from.
type Client struct {
	Remote    string // IP address, with or without port
	UserAgent string
}

// Deps are the dependencies of a Service.
type Deps struct {
	Store      Store
	Now        func() time.Time // clock; time.Now when nil
	SessionTTL time.Duration    // idle lifetime of a session; 12 h when zero
	Hasher     *Hasher          // NewHasher(DefaultParams) when nil
	Logger     *slog.Logger     // discarded when nil
}

// Service is the identity service: log-in, sessions, second factor, users and
// API tokens.
type Service struct {
	store  Store
	now    func() time.Time
	ttl    time.Duration
	hasher *Hasher
	log    *slog.Logger
	remote *remoteLimiter
	dummy  func() string
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, now: d.Now, ttl: d.SessionTTL, hasher: d.Hasher, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = 12 * time.Hour
	}
	s.ttl = min(s.ttl, SessionMaxAge)
	if s.hasher == nil {
		s.hasher = NewHasher(DefaultParams)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.remote = newRemoteLimiter(rate.Every(time.Minute/10), 20)
	s.dummy = sync.OnceValue(s.hasher.dummy)
	return s
}

// Errors of the log-in path. They say nothing about which part was wrong.
func badCredentials() error {
	return errs.New(errs.KindUnauthenticated, "auth.bad_credentials",
		"wrong e-mail or password (after repeated failures an account is locked for a while)")
}

func throttled() error {
	return errs.New(errs.KindRateLimited, "auth.throttled", "too many attempts; wait a minute and try again")
}

func sessionExpired() error {
	return errs.New(errs.KindUnauthenticated, "auth.session_expired", "the session has expired; log in again")
}

// BadCode is the error for a wrong, replayed or used second-factor code.
func BadCode() *errs.Error {
	return errs.New(errs.KindUnauthenticated, "auth.bad_code", "the code is wrong or was already used")
}

func forbidden(code, public string) error { return errs.New(errs.KindForbidden, code, public) }

// hasCode reports whether err is an *errs.Error with the given code.
func hasCode(err error, code string) bool {
	e, ok := errors.AsType[*errs.Error](err)
	return ok && e.Code == code
}

// remoteLimiter is a token bucket per client network (an IPv4 address or an
// IPv6 /64). Idle buckets are dropped on a sweep at most once a minute;
// nothing runs in the background.
type remoteLimiter struct {
	mu        sync.Mutex
	every     rate.Limit
	burst     int
	buckets   map[netip.Prefix]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// remoteIdle is how long a bucket is kept unused; by then it is full again.
const remoteIdle = 10 * time.Minute

func newRemoteLimiter(every rate.Limit, burst int) *remoteLimiter {
	return &remoteLimiter{every: every, burst: burst, buckets: map[netip.Prefix]*bucket{}}
}

// allow takes one token from remote's bucket at time now.
func (l *remoteLimiter) allow(remote string, now time.Time) bool {
	key := remoteKey(remote)
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > remoteIdle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// remoteKey reduces an address (with or without port) to the network an
// attacker cannot cheaply vary: the IPv4 address or the IPv6 /64.
func remoteKey(remote string) netip.Prefix {
	ap, err := netip.ParseAddrPort(remote)
	addr := ap.Addr()
	if err != nil {
		if addr, err = netip.ParseAddr(remote); err != nil {
			return netip.Prefix{}
		}
	}
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	pfx, _ := addr.Prefix(bits)
	return pfx
}
