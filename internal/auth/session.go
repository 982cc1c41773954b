package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
)

// Stage is how far a browser session has got through log-in.
type Stage uint8

const (
	StageDone  Stage = iota // fully logged in
	StageTOTP               // password accepted; a TOTP or recovery code is owed
	StageEnrol              // password accepted; the role requires TOTP and none is enrolled
)

var stageNames = [...]string{StageDone: "done", StageTOTP: "totp", StageEnrol: "enrol"}

func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "unknown"
}

// SessionMaxAge is the absolute lifetime of a session, however active.
const SessionMaxAge = 7 * 24 * time.Hour

// touchEvery is how often activity is written back for sessions and tokens.
const touchEvery = time.Minute

// Lockout policy: after MaxFailures consecutive failures an account is locked
// for LockBase, doubled for each further lock without a success in between,
// up to LockMax.
const (
	MaxFailures = 5
	LockBase    = 15 * time.Minute
	LockMax     = 24 * time.Hour
)

// Session is a browser session. Its token is never stored: Hash is the hex
// SHA-256 of it, and ID is a separate public identifier used in audit.
type Session struct {
	ID         string
	Hash       string
	UserID     string
	MFAPassed  bool
	Remote     string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// Failure is one failed log-in or second-factor attempt.
type Failure struct {
	UserID string // "" when no account has the e-mail
	Email  string // as typed (lower-cased), for the audit detail
	Reason string // unknown_user, disabled, locked, bad_password, bad_code, change_password
	Count  bool   // whether it counts towards the lockout
	// Lock says, given the failure count including this one and the
	// account's earlier lockouts, until when to lock it; zero for not at all.
	Lock func(failed, lockouts int) time.Time
}

// Login is the outcome of a correct password.
type Login struct {
	SessionToken string // the cookie value; shown once, stored only hashed
	User         User
	Stage        Stage
}

// hashSecret is the stored form of a session or API token: hex SHA-256.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func newSessionToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// lockAfter is the lockout policy as of now.
func lockAfter(now time.Time) func(failed, lockouts int) time.Time {
	return func(failed, lockouts int) time.Time {
		if failed < MaxFailures {
			return time.Time{}
		}
		d := LockBase
		for i := 0; i < lockouts && d < LockMax; i++ {
			d *= 2
		}
		return now.Add(min(d, LockMax))
	}
}

// Login checks an e-mail and password and starts a session. Every failure is
// the same auth.bad_credentials error, after the same work: an unknown
// address is checked against a dummy hash; a disabled or locked account
// fails even with the right password.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (l Login, err error) {
	defer errs.Wrap(&err, "auth.Login")
	now := s.now()
	if !s.remote.allow(c.Remote, now) {
		s.log.Warn("auth: log-in throttled", "remote", c.Remote)
		return Login{}, throttled()
	}
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := s.store.AccountByEmail(ctx, email)
	if errs.Is(err, errs.KindNotFound) {
		a, err = Account{User: User{Email: email}, PasswordHash: s.dummy()}, nil
	}
	if err != nil {
		return Login{}, err
	}
	ok, err := s.hasher.Verify(ctx, a.PasswordHash, password)
	if err != nil {
		return Login{}, err
	}
	p := Principal{UserID: a.ID, Email: a.Email, Role: a.Role, Remote: c.Remote}
	switch {
	case a.ID == "":
		p.Email = "anonymous"
		err = s.fail(ctx, p, a, "unknown_user", false)
	case a.Disabled:
		err = s.fail(ctx, p, a, "disabled", false)
	case a.LockedUntil.After(now):
		err = s.fail(ctx, p, a, "locked", false)
	case !ok:
		err = s.fail(ctx, p, a, "bad_password", true)
	default:
		return s.startSession(ctx, p, a, c)
	}
	if err != nil {
		return Login{}, err
	}
	return Login{}, badCredentials()
}

// fail records a failed attempt; an error recording it is returned, so
// that the lockout cannot be bypassed by a failing store.
func (s *Service) fail(ctx context.Context, p Principal, a Account, reason string, count bool) error {
	f := Failure{UserID: a.ID, Email: a.Email, Reason: reason, Count: count && a.ID != "", Lock: lockAfter(s.now())}
	until, err := s.store.RecordLoginFailure(ctx, p, f)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		s.log.Warn("auth: account locked", "user", a.ID, "until", until, "remote", p.Remote)
	}
	return nil
}

func (s *Service) startSession(ctx context.Context, p Principal, a Account, c Client) (Login, error) {
	stage := StageDone
	switch {
	case a.TOTPEnabled:
		stage = StageTOTP
	case a.Role.RequiresTOTP():
		stage = StageEnrol
	}
	token, now := newSessionToken(), s.now()
	sess := Session{
		Hash: hashSecret(token), UserID: a.ID, MFAPassed: stage == StageDone,
		Remote: c.Remote, UserAgent: truncate(c.UserAgent, 256),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.ttl),
	}
	// A correct password alone must not reset the failures that guard the
	// second factor, or code guessing could go on forever.
	if err := s.store.StartSession(ctx, p, sess, stage != StageTOTP); err != nil {
		return Login{}, err
	}
	if stage != StageTOTP {
		a.LockedUntil = time.Time{}
	}
	return Login{SessionToken: token, User: a.User, Stage: stage}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// liveSession loads an unexpired session and its enabled account.
func (s *Service) liveSession(ctx context.Context, token string) (Session, Account, error) {
	if token == "" || len(token) > 128 {
		return Session{}, Account{}, sessionExpired()
	}
	sess, err := s.store.Session(ctx, hashSecret(token))
	if errs.Is(err, errs.KindNotFound) {
		return Session{}, Account{}, sessionExpired()
	}
	if err != nil {
		return Session{}, Account{}, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.CreatedAt.Add(SessionMaxAge)) {
		return Session{}, Account{}, sessionExpired()
	}
	a, err := s.store.Account(ctx, sess.UserID)
	if errs.Is(err, errs.KindNotFound) || (err == nil && a.Disabled) {
		return Session{}, Account{}, sessionExpired()
	}
	return sess, a, err
}

func sessionStage(sess Session, a Account) Stage {
	switch {
	case sess.MFAPassed:
		return StageDone
	case a.TOTPEnabled:
		return StageTOTP
	case a.Role.RequiresTOTP():
		return StageEnrol
	}
	return StageDone
}

// Authenticate resolves a session token to its principal and stage. A
// principal whose stage is not StageDone holds no permission; transports
// send it to the TOTP or enrolment page. Activity extends the idle lifetime,
// written at most once a minute, never past SessionMaxAge.
func (s *Service) Authenticate(ctx context.Context, token string, c Client) (p Principal, st Stage, err error) {
	defer errs.Wrap(&err, "auth.Authenticate")
	sess, a, err := s.liveSession(ctx, token)
	if err != nil {
		return Principal{}, 0, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		exp := now.Add(s.ttl)
		if end := sess.CreatedAt.Add(SessionMaxAge); end.Before(exp) {
			exp = end
		}
		if err := s.store.TouchSession(ctx, sess.ID, now, exp); err != nil {
			return Principal{}, 0, err
		}
	}
	st = sessionStage(sess, a)
	return Principal{
		UserID: a.ID, Email: a.Email, Role: a.Role, Orgs: a.Orgs, Lang: a.Language,
		Remote: c.Remote, Session: sess.ID, Stage: st,
	}, st, nil
}

// Logout ends the session of token. An unknown or expired token is not an
// error.
func (s *Service) Logout(ctx context.Context, token string) (err error) {
	defer errs.Wrap(&err, "auth.Logout")
	if token == "" || len(token) > 128 {
		return nil
	}
	sess, err := s.store.Session(ctx, hashSecret(token))
	if errs.Is(err, errs.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p := Principal{UserID: sess.UserID, Remote: sess.Remote, Session: sess.ID}
	if a, err := s.store.Account(ctx, sess.UserID); err == nil {
		p.Email, p.Role = a.Email, a.Role
	}
	if err := s.store.EndSession(ctx, p, sess.ID); !errs.Is(err, errs.KindNotFound) {
		return err
	}
	return nil
}
