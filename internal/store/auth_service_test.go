package store_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// testClock is a settable clock for the service (the store keeps its own).
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newAuthService(db storetest.DB) (*auth.Service, *testClock) {
	c := &testClock{t: time.Now().UTC()}
	return auth.New(auth.Deps{Store: db.DB, Now: c.now, SessionTTL: time.Hour, Hasher: auth.NewHasher(auth.TestParams)}), c
}

func wantKind(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("err = %v, want %s %s", err, kind, code)
	}
}

const (
	pw1    = "correct horse battery"
	pw2    = "another long passphrase"
	remote = "192.0.2.1:40000"
)

// TestAuthServiceEnrolAndSecondFactor: an administrator must enrol TOTP,
// then log in with it; a replayed code is refused.
func TestAuthServiceEnrolAndSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, c := t.Context(), auth.Client{Remote: remote, UserAgent: "test"}
		svc, clock := newAuthService(db)
		admin, err := svc.CreateUser(ctx, sys, auth.NewUser{Email: "Admin@Cert.example.vn", Name: "Quản trị", Role: auth.RoleAdministrator, Password: pw1})
		if err != nil || admin.Email != "admin@cert.example.vn" || admin.Language != "vi" {
			t.Fatalf("CreateUser = %+v, %v", admin, err)
		}
		_, err = svc.CreateUser(ctx, sys, auth.NewUser{Email: "admin@cert.example.vn", Name: "X", Role: auth.RoleLeadership, Password: pw1})
		wantKind(t, err, errs.KindConflict, "user.email_taken")

		l, err := svc.Login(ctx, "admin@cert.example.vn", pw1, c)
		if err != nil || l.Stage != auth.StageEnrol || l.SessionToken == "" {
			t.Fatalf("Login = %+v, %v", l, err)
		}
		p, st, err := svc.Authenticate(ctx, l.SessionToken, c)
		if err != nil || st != auth.StageEnrol || p.Can(auth.PermUserManage) {
			t.Fatalf("Authenticate = %v, %v", st, err)
		}
		if _, _, err := svc.CreateToken(ctx, p, auth.NewToken{Name: "sneaky"}); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a session owing enrolment made a token: %v", err)
		}
		secret, _, err := svc.BeginEnrol(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(secret, clock.now())
		codes, err := svc.ConfirmEnrol(ctx, p, secret, code)
		if err != nil || len(codes) != auth.RecoveryCodes {
			t.Fatalf("ConfirmEnrol = %v, %v", codes, err)
		}
		if p, st, err = svc.Authenticate(ctx, l.SessionToken, c); err != nil || st != auth.StageDone || !p.Can(auth.PermUserManage) {
			t.Fatalf("after enrolment: %v, %v", st, err)
		}

		l, err = svc.Login(ctx, "admin@cert.example.vn", pw1, c)
		if err != nil || l.Stage != auth.StageTOTP {
			t.Fatalf("Login with TOTP = %+v, %v", l, err)
		}
		wantKind(t, svc.CompleteTOTP(ctx, l.SessionToken, code), errs.KindUnauthenticated, "auth.bad_code")
		clock.advance(30 * time.Second)
		code, _ = totp.GenerateCode(secret, clock.now())
		if err := svc.CompleteTOTP(ctx, l.SessionToken, code); err != nil {
			t.Fatalf("CompleteTOTP: %v", err)
		}
		if _, st, err := svc.Authenticate(ctx, l.SessionToken, c); err != nil || st != auth.StageDone {
			t.Fatalf("after TOTP: %v, %v", st, err)
		}
		l, _ = svc.Login(ctx, "admin@cert.example.vn", pw1, c)
		if err := svc.CompleteTOTP(ctx, l.SessionToken, codes[0]); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
	})
}

// TestAuthServiceLockout: five wrong passwords lock the account, and the
// right one is then refused with the same error.
func TestAuthServiceLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, c := t.Context(), auth.Client{Remote: remote}
		svc, clock := newAuthService(db)
		o1 := newTestOrg(t, db, "bo-a")
		u, err := svc.CreateUser(ctx, sys, auth.NewUser{Email: "ana@bo-a.gov.vn", Name: "An", Role: auth.RoleResponder, Password: pw1, Orgs: []string{o1}})
		if err != nil {
			t.Fatal(err)
		}
		for range auth.MaxFailures {
			_, err := svc.Login(ctx, u.Email, "wrong password!", c)
			wantKind(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
		}
		_, err = svc.Login(ctx, u.Email, pw1, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
		got, _ := svc.GetUser(ctx, sys, u.ID)
		if !got.LockedUntil.After(clock.now()) {
			t.Fatalf("not locked: %+v", got)
		}
		clock.advance(auth.LockBase + time.Second)
		if l, err := svc.Login(ctx, u.Email, pw1, c); err != nil || l.Stage != auth.StageDone {
			t.Fatalf("Login after the lock: %+v, %v", l, err)
		}
		es, _ := db.AuditEntriesForTest(ctx)
		var failed int
		for _, e := range es {
			if e.Action == "auth.login_failed" {
				failed++
			}
		}
		if failed != auth.MaxFailures+1 {
			t.Errorf("%d auth.login_failed entries, want %d", failed, auth.MaxFailures+1)
		}
	})
}

// TestAuthServiceTokens: a token carries the permissions it was given and
// stops working when revoked or expired.
func TestAuthServiceTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, c := t.Context(), auth.Client{Remote: remote}
		svc, clock := newAuthService(db)
		o1, o2 := newTestOrg(t, db, "bo-a"), newTestOrg(t, db, "bo-b")
		u, err := svc.CreateUser(ctx, sys, auth.NewUser{Email: "ana@bo-a.gov.vn", Name: "An", Role: auth.RoleConstituentAdmin,
			Password: pw1, Orgs: []string{o1, o2}, Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := svc.Login(ctx, u.Email, pw1, c)
		p, _, err := svc.Authenticate(ctx, l.SessionToken, c)
		if err != nil {
			t.Fatal(err)
		}
		tok, secret, err := svc.CreateToken(ctx, p, auth.NewToken{Name: "inventory sync", OrgID: o1,
			Permissions: []auth.Permission{auth.PermInventoryWrite, auth.PermOrgRead}, ExpiresAt: clock.now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		tp, err := svc.AuthenticateToken(ctx, secret, c)
		if err != nil || tp.TokenID != tok.ID || tp.TokenOrg != o1 || len(tp.TokenPerm) != 2 {
			t.Fatalf("AuthenticateToken = %+v, %v", tp, err)
		}
		if !tp.CanOn(auth.PermInventoryWrite, o1) || tp.CanOn(auth.PermInventoryWrite, o2) || tp.Can(auth.PermContactWrite) {
			t.Errorf("token principal exceeds its token: %+v", tp)
		}
		if _, _, err := svc.CreateToken(ctx, tp, auth.NewToken{Name: "wider"}); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("a token made a wider token: %v", err)
		}
		wrong := []byte(secret)
		wrong[len(wrong)-1] ^= 1 // a different last character
		_, err = svc.AuthenticateToken(ctx, string(wrong), c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.bad_token")

		clock.advance(2 * time.Hour)
		_, err = svc.AuthenticateToken(ctx, secret, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.bad_token")

		l, _ = svc.Login(ctx, u.Email, pw1, c)
		p, _, _ = svc.Authenticate(ctx, l.SessionToken, c)
		_, secret2, err := svc.CreateToken(ctx, p, auth.NewToken{Name: "no expiry"})
		if err != nil {
			t.Fatal(err)
		}
		ts, err := svc.ListTokens(ctx, p, u.ID)
		if err != nil || len(ts) != 2 {
			t.Fatalf("ListTokens = %v, %v", ts, err)
		}
		if err := svc.RevokeToken(ctx, p, ts[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.AuthenticateToken(ctx, secret2, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.bad_token")
	})
}

// TestAuthServicePasswordAndRole: changing a password, resetting it or
// changing a role ends the user's sessions; users outside the caller's scope
// are not found.
func TestAuthServicePasswordAndRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, c := t.Context(), auth.Client{Remote: remote}
		svc, _ := newAuthService(db)
		o1 := newTestOrg(t, db, "bo-a")
		u, err := svc.CreateUser(ctx, sys, auth.NewUser{Email: "ana@bo-a.gov.vn", Name: "An", Role: auth.RoleConstituentAnalyst, Password: pw1, Orgs: []string{o1}})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := svc.CreateUser(ctx, sys, auth.NewUser{Email: "lead@cert.example.vn", Name: "Lead", Role: auth.RoleLeadership, Password: pw1})
		login := func(pw string) (string, auth.Principal) {
			t.Helper()
			l, err := svc.Login(ctx, u.Email, pw, c)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			p, _, err := svc.Authenticate(ctx, l.SessionToken, c)
			if err != nil {
				t.Fatal(err)
			}
			return l.SessionToken, p
		}
		s1, p := login(pw1)
		if _, err := svc.GetUser(ctx, p, other.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("an analyst sees another user: %v", err)
		}
		if err := svc.SetLanguage(ctx, p, "en"); err != nil {
			t.Fatal(err)
		}
		err = svc.ChangePassword(ctx, p, "wrong password!", pw2)
		wantKind(t, err, errs.KindInvalid, "user.wrong_password")
		if err := svc.ChangePassword(ctx, p, pw1, pw2); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Authenticate(ctx, s1, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.session_expired")

		s2, p := login(pw2)
		if p.Lang != "en" {
			t.Errorf("language = %q", p.Lang)
		}
		if err := svc.SetPassword(ctx, sys, u.ID, pw1); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Authenticate(ctx, s2, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.session_expired")

		s3, _ := login(pw1)
		role := auth.RoleConstituentAdmin
		if _, err := svc.UpdateUser(ctx, sys, u.ID, auth.UserUpdate{Role: &role}); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Authenticate(ctx, s3, c)
		wantKind(t, err, errs.KindUnauthenticated, "auth.session_expired")
		national := auth.RoleInvestigator
		got, err := svc.UpdateUser(ctx, sys, u.ID, auth.UserUpdate{Role: &national})
		if err != nil || len(got.Orgs) != 0 {
			t.Fatalf("to a national role: %+v, %v", got, err)
		}
	})
}
