package browser

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
)

// TestCoordinatorFlow: a coordinator logs in for the first time and sets up
// TOTP from the secret on the page, registers an information system (and
// sees a conflict beside the name field on a second try), uploads an
// inventory CSV with one bad row and sees the row error (nothing imported),
// and approves a constituent's resource claim. The main pages are then shot
// on a laptop and on a phone-sized screen.
func TestCoordinatorFlow(t *testing.T) {
	needChromium(t)
	dir := artefacts(t)
	s := newSite(t)
	s.user(t, "dieu.phoi@vncert.gov.vn", auth.RoleCoordinator)
	claim, err := s.app.Org.ClaimResource(t.Context(), auth.System(), org.Resource{OrgID: s.orgA.ID,
		Type: org.ResourceCIDR, Value: "203.0.113.0/24", Note: "Dải IP của trung tâm dữ liệu tỉnh"})
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s.url, dir)

	logInWithEnrolment(t, b, "dieu.phoi@vncert.gov.vn")
	systemPath := registerSystem(t, b, s)
	importWithBadRow(t, b, s, systemPath)
	approveClaim(t, b, s, claim.ID)

	for _, p := range []struct{ name, path string }{
		{"org-tree", "/orgs"}, {"org-resources", "/orgs/" + s.orgA.ID + "?tab=resources"},
		{"audit", "/audit"}, {"audit-verify", "/audit/verify"},
	} {
		b.open(p.path)
		b.shoot(p.name)
	}
	if got := b.text("#verify-result"); !strings.Contains(got, "toàn vẹn") {
		t.Errorf("audit verification: %q", got)
	}

	b.phone()
	for _, p := range []struct{ name, path string }{
		{"dashboard", "/"}, {"orgs", "/orgs"}, {"org-systems", "/orgs/" + s.orgA.ID + "?tab=systems"},
		{"system", systemPath}, {"resources", "/resources"}, {"system-form", "/systems/new"},
	} {
		b.open(p.path)
		b.shoot("phone-" + p.name)
		if b.eval("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1") {
			t.Errorf("%s scrolls sideways on a phone", p.path)
		}
	}
}

// logInWithEnrolment logs in a user whose role requires TOTP: the password,
// then the secret read from the page turned into a code, then the recovery
// codes, then the dashboard.
func logInWithEnrolment(t *testing.T, b *tab, email string) {
	t.Helper()
	b.open("/")
	if p := b.path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("unauthenticated: at %s", p)
	}
	b.shoot("login")
	b.do("type credentials",
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	if p := b.path(); !strings.HasPrefix(p, "/login/enrol") {
		t.Fatalf("after the password: at %s", p)
	}
	b.do("wait for the QR code", chromedp.WaitVisible(chromedp.CSS("img.qr")))
	b.shoot("enrol")
	secret := b.text("#totp-secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	b.do("type the code", chromedp.SendKeys(chromedp.ID("f-code"), code))
	b.submit(`form[action="/login/enrol"] button[type="submit"]`)
	if n := b.count("#recovery-codes li"); n != auth.RecoveryCodes {
		t.Fatalf("%d recovery codes shown", n)
	}
	b.shoot("recovery-codes")
	b.submit("a.button.primary")
	if got := b.text("#count-orgs"); got != "2" {
		t.Errorf("dashboard counts %s organisations", got)
	}
	if got := b.text("#count-pending"); got != "1" {
		t.Errorf("dashboard counts %s pending claims", got)
	}
	b.shoot("dashboard")
}

// registerSystem fills the system form and returns the new system's path;
// a second system of the same name is refused beside the name field.
func registerSystem(t *testing.T, b *tab, s *site) string {
	t.Helper()
	b.open("/systems/new?org=" + s.orgA.ID)
	b.do("fill the system form",
		chromedp.SendKeys(chromedp.ID("f-name"), "Cổng dịch vụ công tỉnh"),
		chromedp.SendKeys(chromedp.ID("f-description"), "Cổng tiếp nhận hồ sơ trực tuyến của tỉnh"),
		chromedp.SetValue(chromedp.ID("f-security_level"), "3"),
		chromedp.SendKeys(chromedp.ID("f-level_basis"), "Quyết định số 123/QĐ-UBND"),
		chromedp.Click(chromedp.ID("f-personal_data")),
		chromedp.Click(chromedp.ID("f-internet_facing")))
	b.shoot("system-form")
	if st := b.submit(`form[action="/systems"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("creating the system: status %d", st)
	}
	if got := b.text("h1"); got != "Cổng dịch vụ công tỉnh" {
		t.Fatalf("system page heading %q", got)
	}
	path := b.path()
	b.shoot("system-created")

	b.open("/systems/new?org=" + s.orgA.ID)
	b.do("fill the system form again",
		chromedp.SendKeys(chromedp.ID("f-name"), "Cổng dịch vụ công tỉnh"),
		chromedp.SetValue(chromedp.ID("f-security_level"), "2"))
	if st := b.submit(`form[action="/systems"] button[type="submit"]`); st != http.StatusConflict {
		t.Errorf("a duplicate system: status %d, want 409", st)
	}
	if got := b.text(".field.invalid #e-name"); !strings.Contains(got, "đã có hệ thống") {
		t.Errorf("error beside the name: %q", got)
	}
	b.shoot("form-error")
	return path
}

// importWithBadRow uploads an inventory whose third data row is bad: the
// row is reported and nothing is imported.
func importWithBadRow(t *testing.T, b *tab, s *site, systemPath string) {
	t.Helper()
	csv := filepath.Join(t.TempDir(), "danh-muc.csv")
	content := "system,cpe,purl,product,version\n" +
		"Cổng dịch vụ công tỉnh,cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*,,,\n" +
		"Cổng dịch vụ công tỉnh,,pkg:deb/debian/openssl@3.0.11,,\n" +
		"Cổng dịch vụ công tỉnh,cpe:2.3:a:bad,,,\n"
	if err := os.WriteFile(csv, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open(systemPath)
	b.submit(`a[href^="/orgs/` + s.orgA.ID + `/inventory/import"]`)
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{csv}))
	if st := b.submit(`form[enctype="multipart/form-data"] button[type="submit"]`); st != http.StatusUnprocessableEntity {
		t.Errorf("a file with a bad row: status %d, want 422", st)
	}
	if n := b.count("#row-errors tbody tr"); n != 1 {
		t.Fatalf("%d row errors shown, want 1", n)
	}
	if got := b.text("#row-errors tbody tr td"); got != "4" {
		t.Errorf("the bad row is numbered %s, want 4", got)
	}
	b.shoot("import-row-error")
	b.open(systemPath)
	if n := b.count("#inventory tbody tr"); n != 0 {
		t.Errorf("%d inventory items after a refused import", n)
	}
}

// approveClaim approves a pending claim from the queue; the ownership index
// then answers for an address inside it.
func approveClaim(t *testing.T, b *tab, s *site, id string) {
	t.Helper()
	b.open("/resources/queue")
	b.shoot("approval-queue")
	b.submit("#claim-" + id + " form.approve button")
	if got := b.text(".flash"); got != "Đã phê duyệt yêu cầu." {
		t.Errorf("after approving: flash %q", got)
	}
	b.shoot("claim-approved")
	if owner, ok := s.app.Org.Lookup("203.0.113.50"); !ok || owner.OrgID != s.orgA.ID {
		t.Errorf("203.0.113.50 is owned by %+v, %v", owner, ok)
	}
}
