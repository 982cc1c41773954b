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

// TestIncidentEvidenceLink: the incident page links to the incident's
// evidence case for whoever may open it — the coordinator once the case
// exists (instead of the form that opens it), an investigator assigned to it,
// and a mobilised responder only while an item of it is shared with them,
// under "Evidence shared with you". Nobody else is shown a link.
func TestIncidentEvidenceLink(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.user("dieuphoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	inv := e.user("dieu.tra@vncert.gov.vn", "vi", auth.RoleInvestigator)
	e.user("dieu.tra2@vncert.gov.vn", "vi", auth.RoleInvestigator) // not assigned
	e.user("soc@a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	member := e.org("cong-ty-an-ninh", "Công ty An ninh", "")
	resp := e.user("ir@anninh.vn", "en", auth.RoleResponder, member.ID)
	inc, err := e.app.Incidents.Report(ctx, auth.System(), incident.Report{OrgID: e.orgA.ID, Title: "Mã độc", Description: "x",
		DetectedAt: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	incPath, casePath := "/incidents/"+inc.ID, "/evidence/cases/"+inc.ID
	link := func(b *browser, want string) {
		t.Helper()
		p := b.get(incPath)
		p.wantStatus(http.StatusOK)
		if want == "" {
			if p.has("#evidence-case-link") {
				t.Fatalf("an evidence link is shown: %s", p.text("#evidence-case-link"))
			}
			return
		}
		if !p.has("#evidence-case-link") {
			t.Fatalf("no evidence link, want %q:\n%s", want, p.main())
		}
		if got := strings.TrimSpace(p.text("#evidence-case-link")); got != want {
			t.Errorf("evidence link %q, want %q", got, want)
		}
		if href := attr(p.one("#evidence-case-link"), "href"); href != casePath {
			t.Errorf("evidence link to %s, want %s", href, casePath)
		}
	}

	k := e.browser()
	k.enrol("dieuphoi@vncert.gov.vn")
	ib := e.browser()
	ib.enrol(inv.Email)
	i2 := e.browser()
	i2.enrol("dieu.tra2@vncert.gov.vn")
	cb := e.browser()
	cb.login("soc@a.gov.vn")
	rb := e.browser()
	rb.login(resp.Email)

	// No case yet: the coordinator is offered the form that opens it.
	link(k, "")
	if p := k.get(incPath); !p.has("#evidence-case-form") {
		t.Fatal("no form to open the evidence case")
	}
	k.post("/evidence/cases", url.Values{"id": {inc.ID}, "org_id": {e.orgA.ID}, "reference": {inc.Reference}, "title": {inc.Title}}).
		wantPath(casePath)
	link(k, "Hồ sơ chứng cứ của sự cố")
	if p := k.get(incPath); p.has("#evidence-case-form") {
		t.Error("the form to open the case is still offered once it exists")
	}
	link(ib, "") // not yet assigned
	if _, err := e.app.Evidence.Assign(ctx, auth.System(), inc.ID, inv.ID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	link(ib, "Hồ sơ chứng cứ của sự cố")
	link(i2, "")
	link(cb, "")

	// The responder: mobilised, but nothing shared yet.
	if err := e.app.DB.GrantIncidentAccess(ctx, inc.ID, resp.ID, "mobilised"); err != nil {
		t.Fatal(err)
	}
	link(rb, "")
	ip := auth.Principal{UserID: inv.ID, Email: inv.Email, Role: inv.Role}
	add := func(name string) evidence.Item {
		it, err := e.app.Evidence.Add(ctx, ip, inc.ID,
			evidence.Metadata{Name: name, CollectedBy: "An", CollectedAt: e.clock.Now().Add(-time.Hour), LegalBasis: "QĐ 1", TLP: tlp.Amber},
			evidence.Note{Reason: "thu thập"}, strings.NewReader("nội dung "+name))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	shared, _ := add("nhat-ky.log"), add("bo-nho.raw")
	link(rb, "")
	if _, err := e.app.Evidence.Share(ctx, ip, shared.ID, true, evidence.Note{Reason: "đội ứng cứu cần nhật ký"}); err != nil {
		t.Fatal(err)
	}
	link(rb, "Evidence shared with you")
	link(ib, "Hồ sơ chứng cứ của sự cố")
	p := rb.get(casePath)
	p.wantStatus(http.StatusOK)
	if rows := p.all("#evidence-table tbody tr"); len(rows) != 1 || attr(rows[0], "data-id") != shared.ID {
		t.Fatalf("the responder's case page lists %d items: %s", len(rows), p.main())
	}

	// Withdrawn, the link goes; released, the incident itself is gone.
	if _, err := e.app.Evidence.Share(ctx, ip, shared.ID, false, evidence.Note{Reason: "xong"}); err != nil {
		t.Fatal(err)
	}
	link(rb, "")
	if _, err := e.app.Evidence.Share(ctx, ip, shared.ID, true, evidence.Note{Reason: "lại"}); err != nil {
		t.Fatal(err)
	}
	link(rb, "Evidence shared with you")
	if err := e.app.DB.RevokeIncidentAccess(ctx, inc.ID, resp.ID, "released"); err != nil {
		t.Fatal(err)
	}
	rb.get(incPath).wantStatus(http.StatusNotFound)
	rb.get(casePath).wantStatus(http.StatusNotFound)
}
