package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestEvidenceSharePages: the holder shares an item of an incident's case
// from its page; the mobilised responder finds it under /evidence and reads
// it without any form to change it; unshared or released, it is gone.
func TestEvidenceSharePages(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	inv := e.user("dieu.tra@vncert.gov.vn", "vi", auth.RoleInvestigator)
	member := e.org("cong-ty-an-ninh", "Công ty An ninh", "")
	resp := e.user("ir@anninh.vn", "vi", auth.RoleResponder, member.ID)
	inc, err := e.app.Incidents.Report(ctx, auth.System(), incident.Report{OrgID: e.orgA.ID, Title: "Mã độc", Description: "x",
		DetectedAt: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.app.Evidence.OpenCase(ctx, auth.System(), evidence.Case{ID: inc.ID, OrgID: inc.OrgID, Reference: inc.Reference, Title: inc.Title})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Evidence.Assign(ctx, auth.System(), c.ID, inv.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	add := func(name string) evidence.Item {
		it, err := e.app.Evidence.Add(ctx, auth.Principal{UserID: inv.ID, Email: inv.Email, Role: inv.Role}, c.ID,
			evidence.Metadata{Name: name, CollectedBy: "An", CollectedAt: e.clock.Now().Add(-time.Hour), LegalBasis: "QĐ 1", TLP: tlp.Amber},
			evidence.Note{Reason: "thu thập"}, strings.NewReader("nội dung "+name))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	it, kept := add("nhat-ky.log"), add("bo-nho.raw")
	path := "/evidence/items/" + it.ID
	if err := e.app.DB.GrantIncidentAccess(ctx, inc.ID, resp.ID, "mobilised"); err != nil {
		t.Fatal(err)
	}

	rb := e.browser()
	rb.login(resp.Email)
	if p := rb.get("/evidence"); p.has("#my-cases tbody tr") || !p.has("#no-cases") {
		t.Fatalf("the responder lists cases before anything is shared: %s", p.main())
	}
	rb.get(path).wantStatus(http.StatusNotFound)

	ib := e.browser()
	ib.enrol(inv.Email)
	p := ib.get(path)
	if !p.has("#share-form") {
		t.Fatalf("the holder has no share form: %s", p.main())
	}
	p = ib.post(path+"/share", url.Values{"shared": {"on"}, "reason": {""}})
	p.wantStatus(http.StatusUnprocessableEntity)
	p = ib.post(path+"/share", url.Values{"shared": {"on"}, "reason": {"đội ứng cứu cần nhật ký"}})
	p.wantPath(path)
	if !p.has("#shared-badge") {
		t.Fatalf("no shared badge after sharing: %s", p.main())
	}

	p = rb.get("/evidence")
	if rows := p.all("#my-cases tbody tr"); len(rows) != 1 {
		t.Fatalf("the responder lists %d cases, want the incident's", len(rows))
	}
	p = rb.get("/evidence/cases/" + c.ID)
	p.wantStatus(http.StatusOK)
	if rows := p.all("#evidence-table tbody tr"); len(rows) != 1 || attr(rows[0], "data-id") != it.ID {
		t.Fatalf("the responder's case page lists %d items: %s", len(rows), p.main())
	}
	if p.has("#add-item") || p.has("#export-form") {
		t.Error("the responder may add or export")
	}
	p = rb.get(path)
	p.wantStatus(http.StatusOK)
	if !p.has("#read-only") || !p.has("#download-form") {
		t.Fatalf("the responder's item page: %s", p.main())
	}
	for _, sel := range []string{"#share-form", "#transfer-form", "#record-form", "#hold-form", "#destroy-form"} {
		if p.has(sel) {
			t.Errorf("the responder sees %s", sel)
		}
	}
	rb.post(path+"/download", url.Values{"reason": {"phân tích"}}).wantStatus(http.StatusOK)
	rb.get("/evidence/items/" + kept.ID).wantStatus(http.StatusNotFound)
	rb.post(path+"/share", url.Values{"shared": {"off"}, "reason": {"x"}}).wantStatus(http.StatusForbidden)

	ib.post(path+"/share", url.Values{"shared": {"off"}, "reason": {"xong"}}).wantPath(path)
	rb.get(path).wantStatus(http.StatusNotFound)
	ib.post(path+"/share", url.Values{"shared": {"on"}, "reason": {"lại"}}).wantPath(path)
	rb.get(path).wantStatus(http.StatusOK)
	if err := e.app.DB.RevokeIncidentAccess(ctx, inc.ID, resp.ID, "released"); err != nil {
		t.Fatal(err)
	}
	rb.get(path).wantStatus(http.StatusNotFound)
	rb.get("/evidence/cases/" + c.ID).wantStatus(http.StatusNotFound)
}
