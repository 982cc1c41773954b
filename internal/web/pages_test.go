package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
)

// catalogueKeys lists the keys of the English catalogues.
func catalogueKeys(t *testing.T) []string {
	files, err := filepath.Glob("i18n/*en.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no English catalogue: %v", err)
	}
	m := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestEveryPageRenders visits every page in both languages as an
// administrator, with data on each, and checks it renders with no
// untranslated key and no value the template engine refused.
func TestEveryPageRenders(t *testing.T) {
	e := newEnv(t)
	e.user("admin@vncert.gov.vn", "vi", auth.RoleAdministrator)
	sys, comp, c := seedRegistry(t, e)
	b := e.browser()
	b.enrol("admin@vncert.gov.vn")
	b.post("/account/tokens", url.Values{"name": {"đồng bộ"}}).wantStatus(http.StatusOK)

	paths := []string{
		"/", "/orgs", "/orgs?q=thong+tin", "/orgs/new", "/orgs/" + e.orgA.ID + "/edit",
		"/orgs/" + e.orgA.ID + "/contacts/new", "/orgs/" + e.orgA.ID + "/contacts/" + c.ID + "/edit",
		"/orgs/" + e.orgA.ID + "/resources/new", "/orgs/" + e.orgA.ID + "/inventory/import",
		"/systems", "/systems?level=4&q=m%C3%A1y", "/systems/new", "/systems/new?org=" + e.orgA.ID,
		"/systems/" + sys.ID, "/systems/" + comp.ID, "/systems/" + sys.ID + "/edit",
		"/resources", "/resources?status=pending&type=domain", "/resources/queue",
		"/users", "/users?role=administrator", "/users/new", "/account", "/account/tokens",
		"/audit", "/audit?action=org.create&from=2020-01-01T00%3A00", "/audit/verify",
	}
	for _, tab := range []string{"contacts", "systems", "resources", "inventory"} {
		paths = append(paths, "/orgs/"+e.orgA.ID+"?tab="+tab)
	}
	keys := catalogueKeys(t)
	for _, lang := range []string{"vi", "en"} {
		b.post("/account/language", url.Values{"language": {lang}})
		for _, path := range paths {
			p := b.get(path)
			if p.status != http.StatusOK || p.url.RequestURI() != path {
				t.Errorf("%s %s: status %d at %s\n%s", lang, path, p.status, p.url.RequestURI(), p.main())
				continue
			}
			if attr(p.one("html"), "lang") != lang {
				t.Errorf("%s %s: html lang=%q", lang, path, attr(p.one("html"), "lang"))
			}
			if strings.Contains(p.body, "ZgotmplZ") {
				t.Errorf("%s %s: the template engine refused a value", lang, path)
			}
			for _, c := range p.all("code") { // audit actions and IDs look like keys
				c.Parent.RemoveChild(c)
			}
			body := text(p.doc)
			for _, k := range keys {
				if strings.Contains(body, k) && !strings.Contains(k, "_desc") && strings.Count(k, ".") == 1 && !strings.HasPrefix(k, "lang.") {
					t.Errorf("%s %s: untranslated key %q on the page", lang, path, k)
				}
			}
		}
	}
}

// seedRegistry gives organisation A a composite system with a component,
// a contact, a software item and a pending domain claim.
func seedRegistry(t *testing.T, e *env) (sys, comp org.System, c org.Contact) {
	t.Helper()
	sys = e.system(e.orgA.ID, "Cổng thông tin")
	ctx, sp := t.Context(), auth.System()
	comp, err := e.app.Org.CreateSystem(ctx, sp, org.System{OrgID: e.orgA.ID, ParentID: sys.ID, Name: "Máy chủ web", Level: 4})
	if err != nil {
		t.Fatal(err)
	}
	c, err = e.app.Org.CreateContact(ctx, sp, org.Contact{OrgID: e.orgA.ID, Name: "Lê Văn Cường", Role: org.ContactAbuse, Email: "abuse@so-a.gov.vn"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Org.AddSoftware(ctx, sp, org.Software{SystemID: sys.ID, PURL: "pkg:deb/debian/openssl@3.0.11"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Org.ClaimResource(ctx, sp, org.Resource{OrgID: e.orgA.ID, Type: org.ResourceDomain, Value: "so-a.gov.vn"}); err != nil {
		t.Fatal(err)
	}
	return sys, comp, c
}

// TestLanguageSwitch: the log-in page follows Accept-Language (Vietnamese by
// default); a user's pages follow their profile, which they can change.
func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	e.user("analyst.a@so-a.gov.vn", "en", auth.RoleConstituentAnalyst, e.orgA.ID)
	b := e.browser()
	tests := []struct {
		accept, query, lang, heading string
	}{
		{"", "", "vi", "Đăng nhập Khiên"},
		{"en-GB,en;q=0.9", "", "en", "Log in to Khiên"},
		{"fr-FR", "", "vi", "Đăng nhập Khiên"},
		{"vi-VN,vi;q=0.9,en;q=0.5", "", "vi", "Đăng nhập Khiên"},
		{"en", "?lang=vi", "vi", "Đăng nhập Khiên"},
	}
	for _, tc := range tests {
		p := b.get("/login"+tc.query, http.Header{"Accept-Language": {tc.accept}})
		if got := attr(p.one("html"), "lang"); got != tc.lang || p.text("h1") != tc.heading {
			t.Errorf("Accept-Language %q%s: lang %q, heading %q", tc.accept, tc.query, got, p.text("h1"))
		}
	}
	p := b.login("analyst.a@so-a.gov.vn")
	if p.text(`nav.side a[aria-current="page"]`) != "Overview" {
		t.Fatalf("English profile: %s", p.text("nav.side"))
	}
	p = b.post("/account/language", url.Values{"language": {"vi"}})
	p.wantPath("/account")
	if attr(p.one("html"), "lang") != "vi" || p.text(".flash") != "Đã đổi ngôn ngữ." || p.text("h1") != "Tài khoản của tôi" {
		t.Errorf("after switching: lang %q, flash %q, h1 %q", attr(p.one("html"), "lang"), p.text(".flash"), p.text("h1"))
	}
	dash := b.get("/")
	if got := dash.text(`nav.side a[aria-current="page"]`); got != "Tổng quan" {
		t.Errorf("navigation in Vietnamese = %q", got)
	}
	if got := text(dash.all(".tile .what")[0]); got != "tổ chức" {
		t.Errorf("plural = %q", got)
	}
}

// TestUsersAndTokens: an administrator creates a user (with a refused try
// first), disables them; a user makes an API token, sees its secret once,
// and revokes it.
func TestUsersAndTokens(t *testing.T) {
	e := newEnv(t)
	e.user("admin@vncert.gov.vn", "vi", auth.RoleAdministrator)
	b := e.browser()
	b.enrol("admin@vncert.gov.vn")
	p := b.post("/users", url.Values{"email": {"moi@so-a.gov.vn"}, "name": {"Phạm Thị Dung"},
		"role": {"constituent-analyst"}, "password": {"ngắn"}, "language": {"vi"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#e-password") || !p.has("#e-orgs") || attr(p.one("#f-email"), "value") != "moi@so-a.gov.vn" {
		t.Fatalf("user form errors: %s", p.main())
	}
	p = b.post("/users", url.Values{"email": {"moi@so-a.gov.vn"}, "name": {"Phạm Thị Dung"},
		"role": {"constituent-analyst"}, "password": {password}, "language": {"vi"}, "orgs": {e.orgA.ID}})
	p.wantPath("/users")
	if !strings.Contains(p.main(), "Phạm Thị Dung") {
		t.Fatal("the new user is not listed")
	}
	disable := p.one(`form[action$="/disable"]`)
	p = b.post(attr(disable, "action"), nil)
	if !p.has("tr.disabled") {
		t.Error("the user is not shown disabled")
	}
	if e.browser().login("moi@so-a.gov.vn").status != http.StatusUnauthorized {
		t.Error("a disabled user could log in")
	}

	tok := b.post("/account/tokens", url.Values{"name": {"đồng bộ danh mục"}, "permissions": {"org:read"}})
	tok.wantStatus(http.StatusOK)
	secret := tok.text("#token-secret")
	if !strings.HasPrefix(secret, auth.TokenPrefix) {
		t.Fatalf("token secret %q", secret)
	}
	if _, err := e.app.Auth.AuthenticateToken(t.Context(), secret, auth.Client{}); err != nil {
		t.Fatalf("the shown secret does not work: %v", err)
	}
	again := b.get("/account/tokens")
	if again.has("#token-secret") || strings.Contains(again.body, secret) {
		t.Error("the secret is shown a second time")
	}
	b.post(attr(again.one(`form[action$="/revoke"]`), "action"), nil).wantPath("/account/tokens")
	if _, err := e.app.Auth.AuthenticateToken(t.Context(), secret, auth.Client{}); err == nil {
		t.Error("a revoked token still works")
	}
}

// TestAuditPages: filtering, pagination and verification.
func TestAuditPages(t *testing.T) {
	e := newEnv(t)
	e.user("coord@vncert.gov.vn", "vi", auth.RoleCoordinator)
	for i := range 60 {
		e.system(e.orgA.ID, "Hệ thống số "+string(rune('A'+i/26))+string(rune('a'+i%26)))
	}
	b := e.browser()
	b.enrol("coord@vncert.gov.vn")
	p := b.get("/audit?action=system.create")
	p.wantStatus(http.StatusOK)
	if n := len(p.all("table.audit tbody tr")); n != 50 {
		t.Errorf("first page has %d entries, want 50", n)
	}
	next := attr(p.one(`.pager a[rel="next"]`), "href")
	p = b.get(next)
	if n := len(p.all("table.audit tbody tr")); n != 10 {
		t.Errorf("second page has %d entries, want 10", n)
	}
	if p.has(`.pager a[rel="next"]`) {
		t.Error("the last page links to a next one")
	}
	bad := b.get("/audit?from=yesterday")
	bad.wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(bad.text("#e-from"), "ngày và giờ") || attr(bad.one("#f-from"), "value") != "yesterday" {
		t.Errorf("bad time: %s", bad.main())
	}
	v := b.get("/audit/verify")
	v.wantStatus(http.StatusOK)
	if !v.has(".ok-box#verify-result") {
		t.Errorf("verify: %s", v.main())
	}
}

// TestChangePassword: two different new passwords are refused beside the
// confirmation; a good change ends the session and the new password works.
func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	e.user("analyst.a@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	b := e.browser()
	b.login("analyst.a@so-a.gov.vn").wantPath("/")
	const newPassword = "một mật khẩu mới rất dài"
	p := b.post("/account/password", url.Values{"old_password": {password}, "password": {newPassword},
		"password_confirm": {newPassword + "!"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkFieldError(t, p, "password_confirm", "không giống nhau")
	p = b.post("/account/password", url.Values{"old_password": {"sai mật khẩu cũ"}, "password": {newPassword},
		"password_confirm": {newPassword}})
	checkFieldError(t, p, "old_password", "không đúng")
	p = b.post("/account/password", url.Values{"old_password": {password}, "password": {newPassword},
		"password_confirm": {newPassword}})
	p.wantPath("/login")
	if !strings.Contains(p.text(".flash"), "Đã đổi mật khẩu") {
		t.Errorf("flash = %q", p.text(".flash"))
	}
	b.get("/").wantPath("/login")
	b.post("/login", url.Values{"email": {"analyst.a@so-a.gov.vn"}, "password": {newPassword}}).wantPath("/")
}

// TestInternalErrorPage: an unexpected failure shows a generic page with
// the request ID, never the cause.
func TestInternalErrorPage(t *testing.T) {
	e := newEnv(t)
	e.user("analyst.a@so-a.gov.vn", "en", auth.RoleConstituentAnalyst, e.orgA.ID)
	b := e.browser()
	b.login("analyst.a@so-a.gov.vn").wantPath("/")
	e.app.DB.Close() // every query now fails
	p := b.get("/orgs")
	p.wantStatus(http.StatusInternalServerError)
	id := p.header.Get("X-Request-Id")
	if id == "" || p.text("#request-id") != id {
		t.Errorf("request ID on the page %q, in the header %q", p.text("#request-id"), id)
	}
	if strings.Contains(strings.ToLower(p.body), "sql") || strings.Contains(p.body, "closed") {
		t.Errorf("the cause leaked: %s", p.main())
	}
}
