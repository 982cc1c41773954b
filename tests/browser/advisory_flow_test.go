package browser

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/org"
)

// TestAdvisoryFlow: a coordinator writes an advisory affecting nginx (a bad
// CVE is refused beside its field, the CVSS vector shows its score) and
// publishes it; an action item appears for the organisation running nginx;
// a month later, overdue, it weighs on the organisation's compliance debt;
// its constituent acknowledges and remediates it, and the debt dashboard
// drops back to nothing.
func TestAdvisoryFlow(t *testing.T) {
	needChromium(t)
	dir := artefacts(t)
	var offset atomic.Int64 // how far the server's clock runs ahead of the real one
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.CookieSecure = false
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, Now: now, WithoutBus: true, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	ctx, sys := t.Context(), auth.System()
	hue, err := a.Org.CreateOrg(ctx, sys, org.Org{Slug: "so-tttt-hue", Name: "Sở Thông tin và Truyền thông Huế",
		Kind: org.KindProvince, Province: "Huế", Sector: "Quản lý nhà nước"})
	if err != nil {
		t.Fatal(err)
	}
	portal, err := a.Org.CreateSystem(ctx, sys, org.System{OrgID: hue.ID, Name: "Cổng dịch vụ công", Level: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Org.AddSoftware(ctx, sys, org.Software{SystemID: portal.ID, CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Org.CreateContact(ctx, sys, org.Contact{OrgID: hue.ID, Name: "Lê Văn An", Role: org.ContactCISO,
		Email: "ciso@hue.example.vn"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		email string
		role  auth.Role
		orgs  []string
	}{{"dieu.phoi@vncert.gov.vn", auth.RoleCoordinator, nil}, {"quan.tri@so-tttt-hue.gov.vn", auth.RoleConstituentAdmin, []string{hue.ID}}} {
		if _, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Email: u.email, Name: "Nguyễn Thị Hoa", Role: u.role,
			Password: password, Language: "vi", Orgs: u.orgs}); err != nil {
			t.Fatal(err)
		}
	}

	// The coordinator writes and publishes the advisory.
	c := newTab(t, srv.URL, dir)
	enrolCoordinator(t, c, "dieu.phoi@vncert.gov.vn")
	c.open("/advisories")
	c.do("open the editor", chromedp.Click(chromedp.ID("new-advisory")), chromedp.WaitVisible(chromedp.ID("advisory-form")))
	c.do("write the advisory",
		chromedp.SendKeys(chromedp.ID("f-title"), "Heap overflow in nginx"),
		chromedp.SendKeys(chromedp.ID("f-title_vi"), "Lỗ hổng tràn bộ nhớ trong nginx"),
		chromedp.SendKeys(chromedp.ID("f-summary_vi"), "Yêu cầu HTTP được dựng sẵn gây tràn bộ nhớ heap."),
		chromedp.SendKeys(chromedp.ID("f-action_vi"), "Nâng cấp nginx lên 1.25.3 hoặc mới hơn."),
		chromedp.SendKeys(chromedp.ID("f-cves"), "CVE-26-1"),
		chromedp.SendKeys(chromedp.ID("f-vectors"), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
		chromedp.SendKeys(chromedp.ID("f-p0_id-0"), "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"),
		chromedp.SetValue(chromedp.ID("f-p0_scheme-0"), "cpe"),
		chromedp.SendKeys(chromedp.ID("f-p0_lower-0"), "1.20"),
		chromedp.SendKeys(chromedp.ID("f-p0_upper-0"), "1.25.3"))
	if st := c.submit("#save-advisory"); st != http.StatusUnprocessableEntity {
		t.Fatalf("a bad CVE: status %d, want 422", st)
	}
	if got := c.text(".field.invalid #e-cves"); got == "" {
		t.Error("no error beside the CVEs")
	}
	if got := c.text("#vector-scores"); !strings.Contains(got, "9.8") {
		t.Errorf("the vector's score is not shown: %q", got)
	}
	c.shoot("advisory-bad-cve")
	c.do("correct the CVE", chromedp.Clear(chromedp.ID("f-cves")), chromedp.SendKeys(chromedp.ID("f-cves"), "CVE-2026-1234"))
	if st := c.submit("#save-advisory"); st != http.StatusOK {
		t.Fatalf("saving: status %d", st)
	}
	if got := c.text("#score-table tbody td.num"); got != "9.8" {
		t.Errorf("score %q, want 9.8", got)
	}
	c.shoot("advisory-draft")
	c.submit("#publish")
	if got := c.text("#advisory-status"); got != "Đã phát hành" {
		t.Errorf("status after publishing: %q", got)
	}
	if n := c.count("#advisory-actions tbody tr"); n != 1 {
		t.Fatalf("%d action items after publishing, want 1", n)
	}
	c.shoot("advisory-published")

	// A month later the constituent finds the item overdue and in debt.
	offset.Store(int64(30 * 24 * time.Hour))
	b := newTab(t, srv.URL, dir)
	b.open("/login")
	b.do("type credentials",
		chromedp.SendKeys(chromedp.ID("f-email"), "quan.tri@so-tttt-hue.gov.vn"),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	b.open("/debt")
	before := score(t, b)
	if before <= 0 {
		t.Fatalf("debt %v with an overdue critical item", before)
	}
	if got := b.text("#debt-overdue"); got != "1" {
		t.Errorf("%s overdue items, want 1", got)
	}
	b.shoot("debt-before")
	b.open("/actions")
	if n := b.count("#action-table tbody tr.overdue"); n != 1 {
		t.Fatalf("%d overdue action items listed, want 1", n)
	}
	b.shoot("actions")
	b.do("open the item", chromedp.Click(chromedp.CSS("#action-table tbody tr a")), chromedp.WaitVisible(chromedp.ID("workflow")))
	b.submit("#acknowledge")
	if got := b.text("#action-state"); got != "Đã tiếp nhận" {
		t.Errorf("state after acknowledging: %q", got)
	}
	// Remediating needs a note or evidence: refused beside the note first.
	if st := b.submit("#remediate"); st != http.StatusUnprocessableEntity {
		t.Fatalf("remediating without a note: status %d", st)
	}
	if got := b.text(".field.invalid #e-note"); got == "" {
		t.Error("no error beside the note")
	}
	b.do("describe the remediation", chromedp.SendKeys(chromedp.ID("f-note"), "Đã nâng cấp nginx lên 1.26.2 trên cả hai máy chủ."))
	b.submit("#remediate")
	if got := b.text("#action-state"); got != "Đã khắc phục" {
		t.Errorf("state after remediating: %q", got)
	}
	b.shoot("remediated")
	b.open("/debt")
	if after := score(t, b); after >= before || after != 0 {
		t.Errorf("debt %v after remediation, %v before", after, before)
	}
	b.shoot("debt-after")
}

// score reads the debt dashboard's total score.
func score(t *testing.T, b *tab) float64 {
	t.Helper()
	s := b.text("#debt-score")
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil {
		t.Fatalf("debt score %q: %v", s, err)
	}
	return v
}
