package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// advisoryEnv is an env where organisation A runs nginx 1.24.0 and a
// published advisory affects it.
func advisoryEnv(t *testing.T) (*env, advisory.ActionItem) {
	t.Helper()
	e := newEnv(t)
	ctx, sys := t.Context(), auth.System()
	s := e.system(e.orgA.ID, "Cổng thông tin")
	if _, err := e.app.Org.AddSoftware(ctx, sys, org.Software{SystemID: s.ID, CPE: "cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*"}); err != nil {
		t.Fatal(err)
	}
	r, err := e.app.Advisory.Create(ctx, sys, advisory.Record{Advisory: advisory.Advisory{Title: "nginx overflow", TitleVI: "Lỗi tràn bộ nhớ nginx",
		TLP: tlp.Clear, Scores: []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Products: []advisory.Product{{CPE: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.app.Advisory.Publish(ctx, sys, r.ID); err != nil {
		t.Fatal(err)
	}
	res, err := e.app.Advisory.ListActions(ctx, sys, advisory.ActionFilter{}, page.Request{})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("action items %+v, %v", res.Items, err)
	}
	return e, res.Items[0]
}

func TestActionPages(t *testing.T) {
	e, it := advisoryEnv(t)
	e.user("a@a.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	e.user("b@b.vn", "vi", auth.RoleConstituentAdmin, e.orgB.ID)

	// B's constituent neither lists nor opens A's item.
	b := e.browser()
	b.login("b@b.vn")
	if p := b.get("/actions"); len(p.all("#action-table tbody tr.empty-row")) != 1 {
		t.Errorf("B's list is not empty: %s", p.main())
	}
	b.get("/actions/" + it.ID).wantStatus(http.StatusNotFound)
	if p := b.post("/actions/"+it.ID+"/steps/acknowledge", url.Values{}); p.status != http.StatusNotFound {
		t.Errorf("B acknowledging A's item: %d", p.status)
	}

	a := e.browser()
	a.login("a@a.vn")
	p := a.get("/actions")
	if n := len(p.all("#action-table tbody tr")); n != 1 || !strings.Contains(p.text("#action-table tbody tr"), "Lỗi tràn bộ nhớ nginx") {
		t.Fatalf("A's list: %s", p.main())
	}
	// A claim without a justification is refused beside the field.
	p = a.post("/actions/"+it.ID+"/steps/claim-not-applicable", url.Values{"justification": {"  "}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has(".field.invalid #e-justification") {
		t.Errorf("no error beside the justification: %s", p.main())
	}
	p = a.post("/actions/"+it.ID+"/steps/claim-not-applicable", url.Values{"justification": {"Máy chủ dùng Apache, không dùng nginx."}})
	if got := p.text("#action-state"); got != "Đề nghị không áp dụng" {
		t.Errorf("state after the claim: %q", got)
	}
	// An exception without a reason is refused beside the reason.
	p = a.post("/actions/"+it.ID+"/exceptions", url.Values{"until": {e.clock.Now().AddDate(0, 2, 0).Format("2006-01-02")}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has(".field.invalid #e-reason") {
		t.Errorf("no error beside the reason: %s", p.main())
	}
	// The analyst has no debt:read.
	a.get("/debt").wantStatus(http.StatusForbidden)

	// The coordinator sees the claim in the review queue and approves it.
	e.user("c@cert.vn", "vi", auth.RoleCoordinator)
	c := e.browser()
	c.enrol("c@cert.vn")
	p = c.get("/actions/review")
	if n := len(p.all("#review-claims tbody tr")) - len(p.all("#review-claims tbody tr.empty-row")); n != 1 {
		t.Fatalf("%d claims in the queue: %s", n, p.main())
	}
	p = c.post("/actions/"+it.ID+"/steps/approve-not-applicable", url.Values{"review_note": {"Đồng ý."}})
	if got := p.text("#action-state"); got != "Không áp dụng" {
		t.Errorf("state after approval: %q", got)
	}
	p = c.get("/debt?by=province")
	p.wantStatus(http.StatusOK)
	if !p.has("#debt-ranking") || !p.has("#debt-trend") {
		t.Errorf("the dashboard has no charts: %s", p.main())
	}
}

func TestAdvisoryEditorAndImport(t *testing.T) {
	e, _ := advisoryEnv(t)
	e.user("c@cert.vn", "en", auth.RoleCoordinator)
	c := e.browser()
	c.enrol("c@cert.vn")
	// Row 2 filled, rows 0–1 empty: the bad CPE is shown on the first row.
	form := url.Values{"title": {"Test"}, "tlp": {"CLEAR"}, "vectors": {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
		"p2_id": {"cpe:/a:nginx:nginx"}, "p2_scheme": {"semver"}, "p2_upper": {"1.x"}}
	p := c.post("/advisories", form)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has(".field.invalid #e-p0_id-0") || !p.has(".field.invalid #e-p0_upper-0") {
		t.Errorf("the row's problems are not beside its inputs: %s", p.main())
	}
	if got := p.text("#vector-scores"); !strings.Contains(got, "9.8") {
		t.Errorf("vector scores %q", got)
	}
	form.Set("p2_id", "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*")
	form.Set("p2_upper", "1.25.3")
	p = c.post("/advisories", form)
	p.wantStatus(http.StatusOK)
	if !strings.HasPrefix(p.url.Path, "/advisories/") || p.text("#advisory-status") != "Draft" {
		t.Fatalf("after saving: %s %s", p.url.Path, p.main())
	}
	// An import with a bad document: per-document outcomes.
	body := `{"advisories":[{"source":"osv","source_id":"GHSA-1","title":"lodash","tlp":"CLEAR","products":[{"purl":"pkg:npm/lodash","ranges":[{"scheme":"semver","upper":"4.17.21"}]}]},
		{"source":"osv","source_id":"GHSA-2","title":"bad","tlp":"CLEAR","products":[{"purl":"npm/lodash"}]}]}`
	p = c.upload("/advisories/import", "file", "osv.json", body, nil)
	p.wantStatus(http.StatusOK)
	if n := len(p.all(`#import-results tr[data-outcome="created"]`)); n != 1 {
		t.Errorf("%d created rows: %s", n, p.main())
	}
	if n := len(p.all(`#import-results tr[data-outcome="failed"]`)); n != 1 {
		t.Errorf("%d failed rows", n)
	}
}

func TestRemediationEvidence(t *testing.T) {
	e, it := advisoryEnv(t)
	e.user("a@a.vn", "en", auth.RoleConstituentAdmin, e.orgA.ID)
	e.user("b@b.vn", "en", auth.RoleConstituentAdmin, e.orgB.ID)
	a := e.browser()
	a.login("a@a.vn")
	p := a.upload("/actions/"+it.ID+"/steps/remediate", "file", "nginx-upgrade.txt", "nginx -v: 1.26.2", nil)
	p.wantStatus(http.StatusOK)
	if got := p.text("#action-state"); got != "Remediated" {
		t.Fatalf("state %q: %s", got, p.main())
	}
	if !p.has("#evidence-link") {
		t.Fatal("no link to the evidence")
	}
	if got := a.get("/actions/" + it.ID + "/evidence"); got.status != http.StatusOK || got.body != "nginx -v: 1.26.2" {
		t.Errorf("evidence download: %d %q", got.status, got.body)
	}
	b := e.browser()
	b.login("b@b.vn")
	b.get("/actions/" + it.ID + "/evidence").wantStatus(http.StatusNotFound)
}
