package auth

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

const testPassword = "correct horse battery"

func TestLockAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lock := lockAfter(now)
	for _, tc := range []struct {
		failed, lockouts int
		want             time.Duration
	}{
		{4, 0, 0},
		{5, 0, 15 * time.Minute},
		{5, 1, 30 * time.Minute},
		{5, 3, 2 * time.Hour},
		{5, 6, 16 * time.Hour},
		{5, 7, 24 * time.Hour},
		{5, 40, 24 * time.Hour},
	} {
		got := lock(tc.failed, tc.lockouts)
		if (tc.want == 0 && !got.IsZero()) || (tc.want != 0 && got.Sub(now) != tc.want) {
			t.Errorf("lock(%d, %d) = %v, want +%v", tc.failed, tc.lockouts, got, tc.want)
		}
	}
}

// TestLockoutExpires fails a password five times, checks that even the
// right password is refused while locked, and that the lock ends on time
// and doubles when it comes back.
func TestLockoutExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFake()
		svc := newTestService(fs)
		a := fs.addUser(t, svc, "ana@example.vn", RoleResponder, testPassword)
		c := Client{Remote: "192.0.2.10:51000"}
		failFive := func() {
			for range MaxFailures {
				_, err := svc.Login(t.Context(), a.Email, "wrong password!", c)
				wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
			}
		}
		failFive()
		_, err := svc.Login(t.Context(), a.Email, testPassword, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
		time.Sleep(LockBase - time.Second)
		_, err = svc.Login(t.Context(), a.Email, testPassword, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")

		time.Sleep(2 * time.Second)
		failFive() // the second lock without a success in between lasts twice as long
		time.Sleep(LockBase + time.Second)
		_, err = svc.Login(t.Context(), a.Email, testPassword, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
		time.Sleep(LockBase)
		l, err := svc.Login(t.Context(), a.Email, testPassword, c)
		if err != nil || l.Stage != StageDone || l.User.ID != a.ID {
			t.Fatalf("Login after the lock = %+v, %v", l, err)
		}
		if got, _ := fs.Account(t.Context(), a.ID); got.Lockouts != 0 || got.FailedLogins != 0 {
			t.Errorf("a success should clear the counters: %+v", got)
		}
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	fs := newFake()
	svc := newTestService(fs)
	fs.addUser(t, svc, "ana@example.vn", RoleResponder, testPassword)
	off := fs.addUser(t, svc, "off@example.vn", RoleResponder, testPassword)
	off.Disabled = true
	c := Client{Remote: "198.51.100.4"}
	var msgs []string
	for _, tc := range []struct{ email, pw, reason string }{
		{"nobody@example.vn", testPassword, "unknown_user"},
		{"ana@example.vn", "wrong password!", "bad_password"},
		{"off@example.vn", testPassword, "disabled"},
	} {
		_, err := svc.Login(t.Context(), tc.email, tc.pw, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
		msgs = append(msgs, err.Error())
		last := fs.failures[len(fs.failures)-1]
		if last.Reason != tc.reason || last.Email != tc.email {
			t.Errorf("recorded failure %+v, want reason %s for %s", last, tc.reason, tc.email)
		}
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Errorf("failures differ: %q", msgs)
	}
	if fs.failures[0].Count || fs.failures[2].Count || !fs.failures[1].Count {
		t.Errorf("only a wrong password of a live account counts: %+v", fs.failures)
	}
}

func TestRemoteThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFake()
		svc := newTestService(fs)
		try := func(remote string) error {
			_, err := svc.Login(t.Context(), "nobody@example.vn", "wrong password!", Client{Remote: remote})
			return err
		}
		for range 20 {
			wantCode(t, try("[2001:db8:1:2::1]:443"), errs.KindUnauthenticated, "auth.bad_credentials")
		}
		// The same /64 shares the bucket; another network does not.
		wantCode(t, try("2001:db8:1:2::99"), errs.KindRateLimited, "auth.throttled")
		wantCode(t, try("2001:db8:1:3::1"), errs.KindUnauthenticated, "auth.bad_credentials")
		time.Sleep(6 * time.Second) // 10 a minute: one token back
		wantCode(t, try("2001:db8:1:2::1"), errs.KindUnauthenticated, "auth.bad_credentials")
		wantCode(t, try("2001:db8:1:2::1"), errs.KindRateLimited, "auth.throttled")
		time.Sleep(remoteIdle + 2*time.Minute)
		try("192.0.2.1") // sweeps idle buckets
		if n := len(svc.remote.buckets); n != 1 {
			t.Errorf("%d buckets after the sweep, want 1", n)
		}
	})
}

func TestRemoteKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":             "192.0.2.1/32",
		"192.0.2.1:8080":        "192.0.2.1/32",
		"::ffff:192.0.2.1":      "192.0.2.1/32",
		"2001:db8::1":           "2001:db8::/64",
		"[2001:db8:0:0:1::]:80": "2001:db8::/64",
		"":                      "invalid Prefix",
	} {
		if got := remoteKey(in); got.String() != want {
			t.Errorf("remoteKey(%q) = %v, want %s", in, got, want)
		}
	}
}

// TestSessionLifetime checks the idle TTL, the write-back at most once a
// minute and the absolute maximum age.
func TestSessionLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFake()
		svc := newTestService(fs) // TTL one hour
		a := fs.addUser(t, svc, "ana@example.vn", RoleResponder, testPassword)
		c := Client{Remote: "192.0.2.1"}
		l, err := svc.Login(t.Context(), a.Email, testPassword, c)
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			time.Sleep(10 * time.Second)
			if _, _, err := svc.Authenticate(t.Context(), l.SessionToken, c); err != nil {
				t.Fatal(err)
			}
		}
		if fs.touches != 0 {
			t.Errorf("%d touches within the first minute", fs.touches)
		}
		start := time.Now()
		for time.Since(start) < SessionMaxAge-time.Hour {
			time.Sleep(50 * time.Minute)
			p, st, err := svc.Authenticate(t.Context(), l.SessionToken, c)
			if err != nil || st != StageDone || p.UserID != a.ID || p.Session == "" {
				t.Fatalf("after %v: %+v, %v, %v", time.Since(start), p, st, err)
			}
		}
		time.Sleep(time.Hour)
		_, _, err = svc.Authenticate(t.Context(), l.SessionToken, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.session_expired")

		l, _ = svc.Login(t.Context(), a.Email, testPassword, c)
		time.Sleep(time.Hour)
		_, _, err = svc.Authenticate(t.Context(), l.SessionToken, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.session_expired")

		l, _ = svc.Login(t.Context(), a.Email, testPassword, c)
		if err := svc.Logout(t.Context(), l.SessionToken); err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Authenticate(t.Context(), l.SessionToken, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.session_expired")
		if err := svc.Logout(t.Context(), l.SessionToken); err != nil {
			t.Errorf("second Logout: %v", err)
		}
	})
}

func TestPendingStageHoldsNothing(t *testing.T) {
	p := Principal{UserID: "u1", Role: RoleAdministrator, Stage: StageTOTP}
	for _, perm := range AllPermissions {
		if p.Can(perm) {
			t.Errorf("a principal owing TOTP holds %s", perm)
		}
	}
	p.Stage = StageDone
	if !p.Can(PermUserManage) {
		t.Error("a done administrator lacks user:manage")
	}
}
