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

// TestFormErrorsBesideFields: a refused form comes back with what was typed
// and each problem beside its input, in the user's language.
func TestFormErrorsBesideFields(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")

	tests := []struct {
		name      string
		path      string
		form      url.Values
		status    int
		field     string // the input whose error is shown
		errText   string
		keptInput string // an input whose typed value must be kept
		keptValue string
	}{
		{
			name: "system level out of range", path: "/systems",
			form: url.Values{"org_id": {e.orgA.ID}, "name": {"Cổng dịch vụ công tỉnh"}, "security_level": {"9"},
				"status": {"operating"}, "level_basis": {"Quyết định 123/QĐ-UBND"}},
			status: http.StatusUnprocessableEntity, field: "security_level", errText: "từ 1 đến 5",
			keptInput: "f-name", keptValue: "Cổng dịch vụ công tỉnh",
		},
		{
			name: "contact e-mail", path: "/orgs/" + e.orgA.ID + "/contacts",
			form:   url.Values{"name": {"Nguyễn Văn An"}, "role": {"ciso"}, "email": {"not-an-address"}, "language": {"vi"}},
			status: http.StatusUnprocessableEntity, field: "email", errText: "e-mail đầy đủ tên miền",
			keptInput: "f-name", keptValue: "Nguyễn Văn An",
		},
		{
			name: "resource value", path: "/orgs/" + e.orgA.ID + "/resources",
			form:   url.Values{"type": {"cidr"}, "value": {"300.1.2.0/24"}, "note": {"Dải IP trụ sở"}},
			status: http.StatusUnprocessableEntity, field: "value", errText: "dải IP hợp lệ",
			keptInput: "f-value", keptValue: "300.1.2.0/24",
		},
		{
			name: "software without identity", path: "", // filled below
			form:   url.Values{"version": {"1.2.3"}},
			status: http.StatusUnprocessableEntity, field: "product", errText: "ít nhất tên sản phẩm",
			keptInput: "f-version", keptValue: "1.2.3",
		},
	}
	sys := e.system(e.orgA.ID, "Hệ thống thư điện tử")
	tests[3].path = "/systems/" + sys.ID + "/software"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post(tc.path, tc.form)
			p.wantStatus(tc.status)
			checkFieldError(t, p, tc.field, tc.errText)
			kept := p.one("#" + tc.keptInput)
			got := attr(kept, "value")
			if kept.Data == "textarea" {
				got = text(kept)
			}
			if got != tc.keptValue {
				t.Errorf("%s kept %q, want %q", tc.keptInput, got, tc.keptValue)
			}
		})
	}
	// A conflict names its field too: the system name is taken.
	p := b.post("/systems", url.Values{"org_id": {e.orgA.ID}, "name": {sys.Name}, "security_level": {"2"}, "status": {"operating"}})
	p.wantStatus(http.StatusConflict)
	if got := p.text("#e-name"); !strings.Contains(got, "đã có hệ thống") {
		t.Errorf("conflict beside name = %q", got)
	}
}

// checkFieldError checks that field's error is beside it, marked for
// assistive technology, and that the banner points to it.
func checkFieldError(t *testing.T, p *htmlPage, field, want string) {
	t.Helper()
	if got := text(p.one(".field.invalid > #e-" + field)); !strings.Contains(got, want) {
		t.Errorf("error beside %s = %q, want it to contain %q", field, got, want)
	}
	in := p.one("#f-" + field)
	if attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != "e-"+field {
		t.Errorf("%s is not marked invalid and described by its error", field)
	}
	if !strings.Contains(p.text(".banner"), "chưa hợp lệ") {
		t.Errorf("banner = %q", p.text(".banner"))
	}
}

// TestRegistryFlow: a coordinator creates an organisation, a constituent
// registers a system and its software, uploads a CSV with a bad row (nothing
// imported, the row shown), then a good one; a claim is rejected without a
// reason (refused, beside the field), then approved.
func TestRegistryFlow(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	e.user("coord@vncert.gov.vn", "en", auth.RoleCoordinator)
	coord := e.browser()
	coord.enrol("coord@vncert.gov.vn")
	createOrgInTree(t, e, coord)

	a := e.browser()
	a.login("admin.a@so-a.gov.vn")
	sysPage := a.post("/systems", url.Values{"org_id": {e.orgA.ID}, "name": {"Cổng thông tin"}, "security_level": {"3"},
		"status": {"operating"}, "internet_facing": {"on"}, "personal_data": {"on"}})
	sysPage.wantStatus(http.StatusOK)
	if sysPage.text("h1") != "Cổng thông tin" {
		t.Fatalf("system page: %s", sysPage.main())
	}
	sysPath := sysPage.url.Path
	a.post(sysPath+"/software", url.Values{"cpe": {"cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*"}}).wantPath(sysPath)

	csvBad := "system,cpe,product,version\nCổng thông tin,,openssl,3.0.11\nKhông có hệ thống này,,postgresql,15\n"
	imp := a.upload("/orgs/"+e.orgA.ID+"/inventory/import", "file", "inventory.csv", csvBad, url.Values{"system": {strings.TrimPrefix(sysPath, "/systems/")}})
	imp.wantStatus(http.StatusUnprocessableEntity)
	rows := imp.all("#row-errors tbody tr")
	if len(rows) != 1 || text(queryAll(rows[0], "td")[0]) != "3" {
		t.Fatalf("row errors: %d rows: %s", len(rows), imp.main())
	}
	soft, _ := e.app.Org.ListSoftware(t.Context(), auth.System(), org.SoftwareFilter{OrgID: e.orgA.ID}, page.Request{})
	if len(soft.Items) != 1 {
		t.Fatalf("%d items after a refused import, want the 1 added by hand", len(soft.Items))
	}
	good := a.upload("/orgs/"+e.orgA.ID+"/inventory/import", "file", "inventory.csv",
		"system,cpe,product,version\nCổng thông tin,,openssl,3.0.11\n", url.Values{"system": {strings.TrimPrefix(sysPath, "/systems/")}})
	good.wantPath(sysPath)
	if n := len(good.all("#inventory tbody tr")); n != 2 {
		t.Errorf("%d inventory rows after the import, want 2", n)
	}

	claimAndDecide(t, e, a, coord)
}

// createOrgInTree creates an organisation below A, in English, and then
// one with the same short name, refused beside the field.
func createOrgInTree(t *testing.T, e *env, coord *browser) {
	t.Helper()
	created := coord.post("/orgs", url.Values{"slug": {"so-tttt-c"}, "name": {"Sở Thông tin và Truyền thông C"},
		"kind": {"province"}, "parent_id": {e.orgA.ID}, "province": {"Cần Thơ"}})
	created.wantStatus(http.StatusOK)
	if created.text("h1") != "Sở Thông tin và Truyền thông C" || !strings.Contains(created.text(".flash"), "created") {
		t.Fatalf("after creating: %s", created.main())
	}
	tree := coord.get("/orgs")
	if n := len(tree.all(".tree li li")); n != 1 {
		t.Errorf("the tree nests %d organisations, want 1 (C below A)", n)
	}
	dup := coord.post("/orgs", url.Values{"slug": {"so-tttt-c"}, "name": {"Trùng"}, "kind": {"province"}})
	dup.wantStatus(http.StatusConflict)
	if !strings.Contains(dup.text("#e-slug"), "short name already exists") {
		t.Errorf("slug conflict: %q", dup.text("#e-slug"))
	}
}

// claimAndDecide: a constituent claims a prefix (kept in canonical form);
// the coordinator's rejection without a reason is refused beside the field,
// then the claim is approved and enters the ownership index.
func claimAndDecide(t *testing.T, e *env, a, coord *browser) {
	t.Helper()
	claim := a.post("/orgs/"+e.orgA.ID+"/resources", url.Values{"type": {"cidr"}, "value": {"203.0.113.7/24"}})
	claim.wantStatus(http.StatusOK)
	if !strings.Contains(claim.main(), "203.0.113.0/24") {
		t.Fatalf("the claim is not listed in canonical form: %s", claim.main())
	}
	a.get("/resources/queue").wantStatus(http.StatusForbidden)

	queue := coord.get("/resources/queue")
	items := queue.all("li.claim")
	if len(items) != 1 {
		t.Fatalf("%d claims in the queue", len(items))
	}
	id := strings.TrimPrefix(attr(items[0], "id"), "claim-")
	refused := coord.post("/resources/"+id+"/reject", url.Values{"reason": {"  "}})
	refused.wantStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(refused.text("#claim-"+id+" .field-error"), "Say why") {
		t.Errorf("reject without reason: %s", refused.main())
	}
	coord.post("/resources/"+id+"/approve", nil).wantPath("/resources/queue")
	if owner, ok := e.app.Org.Lookup("203.0.113.9"); !ok || owner.OrgID != e.orgA.ID {
		t.Errorf("after approval the address belongs to %+v, %v", owner, ok)
	}
}

// TestContactsFlow: add, flag as stale after 180 days, confirm, edit, delete.
func TestContactsFlow(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn")
	base := "/orgs/" + e.orgA.ID + "/contacts"
	p := b.post(base, url.Values{"name": {"Trần Thị Bình"}, "role": {"duty-24x7"}, "email": {"soc@so-a.gov.vn"},
		"phone": {"+84 24 3943 6684"}, "language": {"vi"}})
	p.wantStatus(http.StatusOK)
	if p.has("tr.stale") {
		t.Error("a new contact is flagged stale")
	}
	e.clock.Advance(181 * 24 * 60 * 60 * 1e9)
	b.login("admin.a@so-a.gov.vn")
	p = b.get("/orgs/" + e.orgA.ID + "?tab=contacts")
	if !p.has("tr.stale .badge.warn") {
		t.Fatalf("a contact unconfirmed for 181 days is not flagged: %s", p.main())
	}
	confirm := attr(p.one(`form[action$="/confirm"]`), "action")
	p = b.post(confirm, nil)
	if p.has("tr.stale") {
		t.Error("still stale after confirming")
	}
	edit := attr(p.one(`td.row-actions a[href$="/edit"]`), "href")
	form := b.get(edit)
	if attr(form.one("#f-email"), "value") != "soc@so-a.gov.vn" {
		t.Error("the edit form is not filled")
	}
	p = b.post(strings.TrimSuffix(edit, "/edit"), url.Values{"name": {"Trần Thị Bình"}, "role": {"ciso"},
		"email": {"ciso@so-a.gov.vn"}, "language": {"en"}})
	if !strings.Contains(p.main(), "ciso@so-a.gov.vn") {
		t.Errorf("edit not shown: %s", p.main())
	}
	del := attr(p.one(`form[action$="/delete"]`), "action")
	p = b.post(del, nil)
	if !p.has("p.empty") {
		t.Error("the contact is still listed after deleting")
	}
}
