package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// TestConstituentSeesOnlyOwnOrg: every page and form of organisation B
// answers 404 to a constituent of A, and a write changes nothing.
func TestConstituentSeesOnlyOwnOrg(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	sysB := e.system(e.orgB.ID, "Cổng dịch vụ công B")
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")

	b.get("/orgs/" + e.orgA.ID).wantStatus(http.StatusOK)
	tests := []struct{ method, path string }{
		{"GET", "/orgs/" + e.orgB.ID},
		{"GET", "/orgs/" + e.orgB.Slug},
		{"GET", "/orgs/" + e.orgB.ID + "?tab=inventory"},
		{"GET", "/orgs/" + e.orgB.ID + "/edit"},
		{"GET", "/orgs/" + e.orgB.ID + "/contacts/new"},
		{"GET", "/orgs/" + e.orgB.ID + "/resources/new"},
		{"GET", "/orgs/" + e.orgB.ID + "/inventory/import"},
		{"GET", "/systems/" + sysB.ID},
		{"GET", "/systems/" + sysB.ID + "/edit"},
		{"POST", "/orgs/" + e.orgB.ID},
		{"POST", "/orgs/" + e.orgB.ID + "/contacts"},
		{"POST", "/orgs/" + e.orgB.ID + "/resources"},
		{"POST", "/systems/" + sysB.ID},
		{"POST", "/systems/" + sysB.ID + "/software"},
	}
	form := url.Values{"name": {"Kẻ lạ"}, "role": {"abuse"}, "email": {"x@evil.example.vn"}, "language": {"vi"},
		"type": {"domain"}, "value": {"evil.gov.vn"}, "security_level": {"1"}, "product": {"nginx"}}
	for _, tc := range tests {
		var p *htmlPage
		if tc.method == "GET" {
			p = b.get(tc.path)
		} else {
			p = b.post(tc.path, form)
		}
		if p.status != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", tc.method, tc.path, p.status)
			continue
		}
		if strings.Contains(p.body, e.orgB.Name) || strings.Contains(p.body, sysB.Name) {
			t.Errorf("%s %s: the 404 page names organisation B's data", tc.method, tc.path)
		}
	}
	orgs := b.get("/orgs")
	if strings.Contains(orgs.body, e.orgB.Name) || !strings.Contains(orgs.body, e.orgA.Name) {
		t.Error("the organisation tree should show A and not B")
	}
	if n := records(t, e, e.orgB.ID); n != 0 {
		t.Errorf("organisation B gained %d records", n)
	}
	if got, _ := e.app.Org.GetSystem(t.Context(), auth.System(), sysB.ID); got.Level != sysB.Level {
		t.Error("system B was changed")
	}
}

// records counts an organisation's contacts, resources and software items.
func records(t *testing.T, e *env, orgID string) int {
	t.Helper()
	ctx, p := t.Context(), auth.System()
	c, err1 := e.app.Org.ListContacts(ctx, p, org.ContactFilter{OrgID: orgID}, page.Request{})
	r, err2 := e.app.Org.ListResources(ctx, p, org.ResourceFilter{OrgID: orgID}, page.Request{})
	s, err3 := e.app.Org.ListSoftware(ctx, p, org.SoftwareFilter{OrgID: orgID}, page.Request{})
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return len(c.Items) + len(r.Items) + len(s.Items)
}

// TestCrossOriginPostRefused: a form posted from another site is refused
// before it reaches a handler.
func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")
	form := url.Values{"name": {"Trực ban"}, "role": {"duty-24x7"}, "email": {"soc@so-a.gov.vn"}, "language": {"vi"}}
	tests := []struct {
		name string
		hdr  http.Header
	}{
		{"fetch metadata", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"same site, other origin", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"origin only", http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post("/orgs/"+e.orgA.ID+"/contacts", form, tc.hdr)
			p.wantStatus(http.StatusForbidden)
			if !strings.Contains(p.main(), "trang web khác") {
				t.Errorf("403 page: %s", p.main())
			}
		})
	}
	// The log-out form is protected too: the session survives.
	b.post("/logout", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}}).wantStatus(http.StatusForbidden)
	b.get("/").wantPath("/")
	if n := records(t, e, e.orgA.ID); n != 0 {
		t.Errorf("a cross-origin post created %d records", n)
	}
	// The same form from the same origin works.
	b.post("/orgs/"+e.orgA.ID+"/contacts", form, http.Header{"Sec-Fetch-Site": {"same-origin"}}).wantPath("/orgs/" + e.orgA.ID)
}

// TestNotFoundAndStatic: unknown paths get the 404 page; the stylesheet is
// served with a long cache when versioned.
func TestNotFoundAndStatic(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.get("/no/such/page")
	p.wantStatus(http.StatusNotFound)
	if p.text("h1") != "Không tìm thấy trang" {
		t.Errorf("404 heading %q", p.text("h1"))
	}
	login := b.get("/login")
	href := attr(login.one(`link[rel="stylesheet"]`), "href")
	if !strings.HasPrefix(href, "/static/app.css?v=") {
		t.Fatalf("stylesheet href %q", href)
	}
	css := b.get(href)
	css.wantStatus(http.StatusOK)
	if !strings.Contains(css.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet headers: %v", css.header)
	}
	b.get("/static/").wantStatus(http.StatusNotFound)
}
