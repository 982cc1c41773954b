package auth

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/errs"
)

const testSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" // 20 bytes

func TestTOTPStepWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 15, 0, time.UTC)
	cur := now.Unix() / 30
	for _, tc := range []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"now", 0, true},
		{"one step early", -30 * time.Second, true},
		{"one step late", 30 * time.Second, true},
		{"two steps early", -60 * time.Second, false},
		{"two steps late", 60 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := totp.GenerateCode(testSecret, now.Add(tc.offset))
			if err != nil {
				t.Fatal(err)
			}
			step, ok := totpStep(testSecret, code, now)
			if ok != tc.ok {
				t.Fatalf("totpStep ok = %v, want %v", ok, tc.ok)
			}
			if ok && step != cur+int64(tc.offset/(30*time.Second)) {
				t.Errorf("step = %d, want %d", step, cur+int64(tc.offset/(30*time.Second)))
			}
		})
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := totpStep(testSecret, bad, now); ok {
			t.Errorf("totpStep(%q) accepted", bad)
		}
	}
	code, _ := totp.GenerateCode(testSecret, now)
	if _, ok := totpStep(testSecret, code[:3]+" "+code[3:], now); !ok {
		t.Error("a code typed with a space is refused")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := newRecoveryCodes(RecoveryCodes)
	if len(codes) != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	format := regexp.MustCompile(`^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) {
			t.Errorf("code %q has the wrong format", c)
		}
		if seen[c] {
			t.Errorf("code %q repeated", c)
		}
		seen[c] = true
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + strings.ReplaceAll(c, "-", " ") + " "} {
			if n, ok := normalizeRecovery(typed); !ok || n != c {
				t.Errorf("normalizeRecovery(%q) = %q, %v; want %q", typed, n, ok, c)
			}
		}
	}
	for _, bad := range []string{"", "abcd-efgh", "abcd-efgh-jkm0", "abcd-efgh-jkmnp", "123456"} {
		if _, ok := normalizeRecovery(bad); ok {
			t.Errorf("normalizeRecovery(%q) accepted", bad)
		}
	}
}

func TestBeginEnrol(t *testing.T) {
	svc := newTestService(newFake())
	p := Principal{UserID: "u1", Email: "ana@example.vn", Role: RoleAdministrator, Session: "s1", Stage: StageEnrol}
	secret, raw, err := svc.BeginEnrol(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := checkSecret(secret); !ok {
		t.Errorf("secret %q is not 20 bytes of base32", secret)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("URL %q", raw)
	}
	q := u.Query()
	if q.Get("issuer") != "Khiên" || q.Get("secret") != secret || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" || !strings.Contains(u.Path, "ana@example.vn") {
		t.Errorf("URL %q", raw)
	}
	for name, bad := range map[string]Principal{
		"token":      {UserID: "u1", Email: "a@b.vn", TokenID: "t1", TokenPerm: []Permission{}},
		"no session": {UserID: "u1", Email: "a@b.vn"},
		"totp owed":  {UserID: "u1", Email: "a@b.vn", Session: "s1", Stage: StageTOTP},
	} {
		if _, _, err := svc.BeginEnrol(t.Context(), bad); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("%s: BeginEnrol err = %v, want forbidden", name, err)
		}
	}
}

// TestSecondFactor walks enrolment and log-in with TOTP and recovery codes
// on the fake store, in a bubble so that time steps can pass.
func TestSecondFactor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFake()
		svc := newTestService(fs)
		const pw = "correct horse battery"
		fs.addUser(t, svc, "admin@example.vn", RoleAdministrator, pw)
		c := Client{Remote: "192.0.2.1"}
		l, err := svc.Login(t.Context(), "Admin@Example.vn ", pw, c)
		if err != nil || l.Stage != StageEnrol {
			t.Fatalf("Login = %v, %v; want StageEnrol", l.Stage, err)
		}
		p, st, err := svc.Authenticate(t.Context(), l.SessionToken, c)
		if err != nil || st != StageEnrol || p.Can(PermOrgRead) {
			t.Fatalf("Authenticate = %v, %v; enrol stage must hold no permission", st, err)
		}
		secret, _, err := svc.BeginEnrol(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConfirmEnrol(t.Context(), p, secret, "000000"); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("ConfirmEnrol with a wrong code: %v", err)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		recovery, err := svc.ConfirmEnrol(t.Context(), p, secret, code)
		if err != nil || len(recovery) != RecoveryCodes {
			t.Fatalf("ConfirmEnrol = %d codes, %v", len(recovery), err)
		}
		if _, st, _ := svc.Authenticate(t.Context(), l.SessionToken, c); st != StageDone {
			t.Fatalf("after enrolment stage = %v", st)
		}

		l, err = svc.Login(t.Context(), "admin@example.vn", pw, c)
		if err != nil || l.Stage != StageTOTP {
			t.Fatalf("second Login = %v, %v; want StageTOTP", l.Stage, err)
		}
		wantCode(t, svc.CompleteTOTP(t.Context(), l.SessionToken, code), errs.KindUnauthenticated, "auth.bad_code") // replay
		time.Sleep(30 * time.Second)
		code, _ = totp.GenerateCode(secret, time.Now())
		if err := svc.CompleteTOTP(t.Context(), l.SessionToken, code); err != nil {
			t.Fatalf("CompleteTOTP: %v", err)
		}
		if _, st, _ := svc.Authenticate(t.Context(), l.SessionToken, c); st != StageDone {
			t.Fatalf("after TOTP stage = %v", st)
		}

		l, _ = svc.Login(t.Context(), "admin@example.vn", pw, c)
		if err := svc.CompleteTOTP(t.Context(), l.SessionToken, strings.ToUpper(recovery[3])); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		l, _ = svc.Login(t.Context(), "admin@example.vn", pw, c)
		wantCode(t, svc.CompleteTOTP(t.Context(), l.SessionToken, recovery[3]), errs.KindUnauthenticated, "auth.bad_code")
	})
}

// TestSecondFactorLockout checks that wrong codes lock the account and that
// a correct password does not reset the count while a code is owed.
func TestSecondFactorLockout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFake()
		svc := newTestService(fs)
		const pw = "correct horse battery"
		a := fs.addUser(t, svc, "coord@example.vn", RoleCoordinator, pw)
		a.TOTPEnabled, a.TOTPSecret = true, testSecret
		c := Client{Remote: "192.0.2.7"}
		for i := range MaxFailures {
			l, err := svc.Login(t.Context(), a.Email, pw, c)
			if err != nil {
				t.Fatalf("attempt %d: Login: %v", i, err)
			}
			wantCode(t, svc.CompleteTOTP(t.Context(), l.SessionToken, "000000"), errs.KindUnauthenticated, "auth.bad_code")
		}
		if got, _ := fs.Account(t.Context(), a.ID); !got.LockedUntil.After(time.Now()) {
			t.Fatal("five wrong codes across fresh log-ins did not lock the account")
		}
		_, err := svc.Login(t.Context(), a.Email, pw, c)
		wantCode(t, err, errs.KindUnauthenticated, "auth.bad_credentials")
	})
}
