package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// fakeStore is an in-memory Store for the log-in logic. Methods the tests
// here do not need are left to the embedded nil interface and panic.
type fakeStore struct {
	Store
	mu       sync.Mutex
	accounts map[string]*Account // by ID
	sessions map[string]*Session // by hash
	recovery map[string]bool     // userID/hash → used
	failures []Failure
	touches  int
	n        int
}

func newFake() *fakeStore {
	return &fakeStore{accounts: map[string]*Account{}, sessions: map[string]*Session{}, recovery: map[string]bool{}}
}

func newTestService(fs *fakeStore) *Service {
	return New(Deps{Store: fs, Hasher: NewHasher(TestParams), SessionTTL: time.Hour})
}

// addUser stores an account with a real hash of password.
func (f *fakeStore) addUser(t *testing.T, svc *Service, email string, role Role, password string) *Account {
	t.Helper()
	h, err := svc.hasher.Hash(t.Context(), password)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	a := &Account{User: User{ID: fmt.Sprintf("u%d", f.n), Email: email, Role: role, Language: "vi"}, PasswordHash: h}
	f.accounts[a.ID] = a
	return a
}

func (f *fakeStore) Account(_ context.Context, id string) (Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.accounts[id]; ok {
		return *a, nil
	}
	return Account{}, errs.NotFound("user.not_found")
}

func (f *fakeStore) AccountByEmail(_ context.Context, email string) (Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.accounts {
		if a.Email == email {
			return *a, nil
		}
	}
	return Account{}, errs.NotFound("user.not_found")
}

func (f *fakeStore) RecordLoginFailure(_ context.Context, _ Principal, fl Failure) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fl)
	a := f.accounts[fl.UserID]
	if !fl.Count || a == nil {
		return time.Time{}, nil
	}
	a.FailedLogins++
	until := fl.Lock(a.FailedLogins, a.Lockouts)
	if !until.IsZero() {
		a.LockedUntil, a.FailedLogins = until, 0
		a.Lockouts++
	}
	return until, nil
}

func (f *fakeStore) clear(userID string) {
	a := f.accounts[userID]
	a.FailedLogins, a.Lockouts, a.LockedUntil = 0, 0, time.Time{}
}

func (f *fakeStore) StartSession(_ context.Context, _ Principal, s Session, reset bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	s.ID = fmt.Sprintf("s%d", f.n)
	f.sessions[s.Hash] = &s
	if reset {
		f.clear(s.UserID)
	}
	return nil
}

func (f *fakeStore) Session(_ context.Context, hash string) (Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.sessions[hash]; ok {
		return *s, nil
	}
	return Session{}, errs.NotFound("session.not_found")
}

func (f *fakeStore) byID(id string) *Session {
	for _, s := range f.sessions {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (f *fakeStore) TouchSession(_ context.Context, id string, seen, expires time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches++
	if s := f.byID(id); s != nil {
		s.LastSeenAt, s.ExpiresAt = seen, expires
	}
	return nil
}

func (f *fakeStore) EndSession(_ context.Context, _ Principal, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.byID(id)
	if s == nil {
		return errs.NotFound("session.not_found")
	}
	delete(f.sessions, s.Hash)
	return nil
}

func (f *fakeStore) PassMFA(_ context.Context, _ Principal, sessionID string, proof MFAProof) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[proof.UserID]
	if proof.RecoveryHash != "" {
		key := proof.UserID + "/" + proof.RecoveryHash
		used, ok := f.recovery[key]
		if !ok || used {
			return BadCode()
		}
		f.recovery[key] = true
	} else {
		if proof.Step <= a.TOTPLastStep {
			return BadCode()
		}
		a.TOTPLastStep = proof.Step
	}
	f.byID(sessionID).MFAPassed = true
	f.clear(proof.UserID)
	return nil
}

func (f *fakeStore) EnableTOTP(_ context.Context, _ Principal, e Enrolment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[e.UserID]
	a.TOTPSecret, a.TOTPEnabled, a.TOTPLastStep = e.Secret, true, e.Step
	for _, h := range e.RecoveryHashes {
		f.recovery[e.UserID+"/"+h] = false
	}
	if s := f.byID(e.SessionID); s != nil {
		s.MFAPassed = true
	}
	return nil
}

// wantCode fails t unless err is an *errs.Error with the kind and code.
func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) || !hasCode(err, code) {
		t.Fatalf("err = %v, want %s %q", err, kind, code)
	}
}
