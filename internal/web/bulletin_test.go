package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
)

// TestBulletinPages: a coordinator writes a bulletin (refused with errors
// beside the fields and the typed text kept, then saved as a draft), the
// public portal does not show the draft, then publishes it by editing,
// and the portal lists it and its feed carries it; a stale edit is refused;
// a constituent has no bulletin pages.
func TestBulletinPages(t *testing.T) {
	e := newEnv(t)
	if _, err := e.app.Org.CreateOrg(t.Context(), auth.System(), org.Org{Slug: "vncert", Name: "Trung tâm VNCERT",
		Kind: org.KindCoordinator, Coordinating: true}); err != nil {
		t.Fatal(err)
	}
	coord := e.user("dieu.phoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	e.user("phan.tich@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	b := e.browser()
	b.enrol(coord.Email)
	if !b.get("/").has(`nav a[href="/portal-bulletins"]`) {
		t.Error("no bulletins entry in the navigation")
	}
	b.get("/portal-bulletins/new").wantStatus(http.StatusOK)
	form := url.Values{"category": {"warning"}, "title_vi": {"Cảnh báo tin nhắn giả giao hàng"}, "title_en": {""},
		"body_vi": {"Không bấm vào đường dẫn lạ.\n\nGọi 156."}, "body_en": {"Do not click unknown links."}, "published_at": {"mai"}}
	p := b.post("/portal-bulletins", form)
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "published_at", "01/03/2026")
	if got := attr(p.one("#f-title_vi"), "value"); got != "Cảnh báo tin nhắn giả giao hàng" {
		t.Errorf("typed title not kept: %q", got)
	}
	form.Set("published_at", "")
	p = b.post("/portal-bulletins", form)
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "title_en", "Bắt buộc")
	if got := p.text("#f-body_vi"); !strings.Contains(got, "Gọi 156.") {
		t.Errorf("typed body not kept: %q", got)
	}
	form.Set("title_en", "Fake delivery SMS warning")
	p = b.post("/portal-bulletins", form)
	p.wantPath("/portal-bulletins")
	row := p.one("#bulletin-table tbody tr")
	if !strings.Contains(text(row), "Bản nháp") {
		t.Errorf("new bulletin row: %q", text(row))
	}
	id := attr(row, "data-id")
	if strings.Contains(public(t, e, "/portal/bulletins"), "Cảnh báo tin nhắn giả") {
		t.Error("the public portal shows a draft")
	}

	edit := b.get("/portal-bulletins/" + id + "/edit")
	if attr(edit.one(`input[name="version"]`), "value") != "1" {
		t.Fatal("the edit form does not carry the version")
	}
	form.Set("version", "1")
	form.Set("published_at", e.clock.Now().Add(-time5m()).In(vn()).Format("2006-01-02T15:04"))
	p = b.post("/portal-bulletins/"+id, form)
	p.wantPath("/portal-bulletins")
	if !strings.Contains(text(p.one("#bulletin-table tbody tr")), "Đã đăng") {
		t.Errorf("after publishing: %q", text(p.one("#bulletin-table tbody tr")))
	}
	// The same version again: someone else's edit would be lost.
	p = b.post("/portal-bulletins/"+id, form)
	p.wantStatus(http.StatusConflict)
	if !strings.Contains(p.text(".banner"), "tải lại") {
		t.Errorf("stale edit banner %q", p.text(".banner"))
	}
	if !strings.Contains(public(t, e, "/portal/bulletins"), "Cảnh báo tin nhắn giả giao hàng") ||
		!strings.Contains(public(t, e, "/portal/bulletins/rss.xml?lang=en"), "Fake delivery SMS warning") {
		t.Error("the published bulletin is not on the portal or in its feed")
	}

	c := e.browser()
	c.login("phan.tich@so-a.gov.vn")
	c.get("/portal-bulletins").wantStatus(http.StatusForbidden)
	c.post("/portal-bulletins", form).wantStatus(http.StatusForbidden)
}

// public fetches a page of the public portal.
func public(t *testing.T, e *env, path string) string {
	t.Helper()
	p := e.browser().get(path)
	p.wantStatus(http.StatusOK)
	return p.body
}

func time5m() time.Duration { return 5 * time.Minute }

func vn() *time.Location {
	z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return z
}
