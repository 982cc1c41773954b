package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/web"
)

// TestLoginEnrolDashboard walks a coordinator through the first log-in: the
// password, TOTP enrolment with its recovery codes, the dashboard; then a
// second log-in with a TOTP code, and a third with a recovery code.
func TestLoginEnrolDashboard(t *testing.T) {
	e := newEnv(t)
	e.user("dieu.phoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	b := e.browser()

	resp := b.noFollow(b.request("GET", "/systems?level=3", nil, "", nil))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fsystems%3Flevel%3D3" {
		t.Fatalf("unauthenticated GET: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	login := b.get("/login?next=%2Fsystems%3Flevel%3D3")
	login.wantStatus(http.StatusOK)
	if got := login.header.Get("Content-Security-Policy"); got != web.CSP {
		t.Errorf("CSP = %q", got)
	}
	if v := attr(login.one(`input[name="next"]`), "value"); v != "/systems?level=3" {
		t.Errorf("next = %q", v)
	}

	resp = b.noFollow(b.request("POST", "/login", strings.NewReader(url.Values{
		"email": {"dieu.phoi@vncert.gov.vn"}, "password": {password}, "next": {"/systems?level=3"}}.Encode()),
		"application/x-www-form-urlencoded", nil))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login/enrol?") {
		t.Fatalf("log-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	checkSessionCookie(t, resp)

	// Until the second factor is set up, every page leads back to enrolment.
	b.get("/orgs").wantPath("/login/enrol")
	enrol := b.get("/login/enrol?next=%2Fsystems%3Flevel%3D3")
	if src := attr(enrol.one("img.qr"), "src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("QR src = %.40q", src)
	}
	secret := enrol.text("#totp-secret")
	bad := b.post("/login/enrol", url.Values{"secret": {secret}, "code": {"000000"}})
	bad.wantStatus(http.StatusUnprocessableEntity)
	if bad.text("#totp-secret") != secret || !bad.has("#e-code") {
		t.Fatalf("a wrong code should keep the secret and show the error beside the code\n%s", bad.main())
	}
	code, _ := totp.GenerateCode(secret, e.clock.Now())
	done := b.post("/login/enrol", url.Values{"secret": {secret}, "code": {code}, "next": {"/systems?level=3"}})
	done.wantStatus(http.StatusOK)
	codes := done.all("#recovery-codes code")
	if len(codes) != auth.RecoveryCodes {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	if href := attr(done.one("a.button.primary"), "href"); href != "/systems?level=3" {
		t.Errorf("continue goes to %q", href)
	}

	checkDashboard(t, b.get("/"))

	laterLogins(t, e, b, secret, text(codes[0]))
}

// laterLogins logs out and in again: with a TOTP code of a new time step
// (after a wrong one), then with a recovery code.
func laterLogins(t *testing.T, e *env, b *browser, secret, recovery string) {
	t.Helper()
	b.post("/logout", nil).wantPath("/login")
	b.get("/orgs").wantPath("/login")
	e.clock.Advance(30 * time.Second)
	b.login("dieu.phoi@vncert.gov.vn").wantPath("/login/totp")
	wrong := b.post("/login/totp", url.Values{"code": {"123456"}})
	wrong.wantStatus(http.StatusUnauthorized)
	if !strings.Contains(wrong.text("#e-code"), "Mã không đúng") {
		t.Errorf("bad code error: %q", wrong.text("#e-code"))
	}
	code, _ := totp.GenerateCode(secret, e.clock.Now())
	b.post("/login/totp", url.Values{"code": {code}}).wantPath("/")

	b.post("/logout", nil)
	b.login("dieu.phoi@vncert.gov.vn").wantPath("/login/totp")
	b.post("/login/totp", url.Values{"code": {recovery}}).wantPath("/")
}

func checkDashboard(t *testing.T, dash *htmlPage) {
	t.Helper()
	dash.wantPath("/")
	want := map[string]string{"#count-orgs": "2", "#count-systems": "0", "#count-pending": "0"}
	for id, n := range want {
		if got := dash.text(id); got != n {
			t.Errorf("dashboard %s = %q, want %s", id, got, n)
		}
	}
	if n := len(dash.all(".nav-coming li")); n != 1 {
		t.Errorf("%d coming capabilities in the navigation, want 1 (only assessments are still to come)", n)
	}
}

func checkSessionCookie(t *testing.T, resp *http.Response) {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name != "khien_session" || c.Value == "" {
			continue
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("session cookie: HttpOnly=%v SameSite=%v Path=%q Secure=%v", c.HttpOnly, c.SameSite, c.Path, c.Secure)
		}
		return
	}
	t.Error("no session cookie was set")
}

// TestLoginRotatesSession: a new log-in makes a new session and ends the
// one the browser had.
func TestLoginRotatesSession(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")
	first := b.cookie("khien_session")
	b.login("admin.a@so-a.gov.vn").wantPath("/")
	second := b.cookie("khien_session")
	if first == "" || first == second {
		t.Fatalf("the session was not rotated: %q then %q", first, second)
	}
	if _, _, err := e.app.Auth.Authenticate(t.Context(), first, auth.Client{}); err == nil {
		t.Error("the old session still works after a new log-in")
	}
}

// TestLoginErrors: a wrong password keeps the e-mail, not the password; an
// outside "next" is ignored.
func TestLoginErrors(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	p := b.post("/login", url.Values{"email": {"admin.a@so-a.gov.vn"}, "password": {"wrong password here"}})
	p.wantStatus(http.StatusUnauthorized)
	if v := attr(p.one("#f-email"), "value"); v != "admin.a@so-a.gov.vn" {
		t.Errorf("e-mail kept = %q", v)
	}
	if _, ok := attrOK(p.one("#f-password"), "value"); ok {
		t.Error("the password was sent back")
	}
	if !strings.Contains(p.text(".banner"), "Sai e-mail hoặc mật khẩu") {
		t.Errorf("banner = %q", p.text(".banner"))
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "/login"} {
		resp := b.noFollow(b.request("POST", "/login", strings.NewReader(url.Values{
			"email": {"admin.a@so-a.gov.vn"}, "password": {password}, "next": {next}}.Encode()),
			"application/x-www-form-urlencoded", nil))
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q: redirected to %q, want /", next, loc)
		}
	}
}
