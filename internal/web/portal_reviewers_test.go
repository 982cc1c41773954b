package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// TestPortalReviewerPages: a coordinator designates an alliance member's
// expert on the trusted reviewers page (a user of a province is refused
// beside the e-mail input, typed values kept, nothing stored); the expert
// then finds the queue in the navigation, reads an entry without the
// reporter's contact and confirms it, may not open the designation page
// or the appeals; once the coordinator revokes the designation, the queue
// and its navigation entry are gone at once.
func TestPortalReviewerPages(t *testing.T) {
	e := newEnv(t)
	coord := e.user("dieu.phoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	mem, err := e.app.Org.CreateOrg(t.Context(), auth.System(), org.Org{Slug: "an-ninh-a", Name: "Công ty An ninh A",
		Kind: org.KindAllianceMember})
	if err != nil {
		t.Fatal(err)
	}
	expert := e.user("chuyen.gia@an-ninh-a.vn", "vi", auth.RoleResponder, mem.ID)
	outsider := e.user("can.bo@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	id := portalEntryID(t, e, canon.KindDomain, "dau-tu-ao.example")

	bc := e.browser()
	bc.enrol(coord.Email)
	if !bc.get("/").has(`nav a[href="/portal-review/reviewers"]`) {
		t.Error("no trusted reviewers entry in the coordinator's navigation")
	}
	p := bc.get("/portal-review/reviewers")
	p.wantStatus(http.StatusOK)
	if p.has("#portal-reviewers") {
		t.Fatal("designations listed before any was made")
	}
	p = bc.post("/portal-review/reviewers", url.Values{"email": {outsider.Email}, "reason": {"Giỏi phân tích"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#designate-form .field.invalid #f-email") || attr(p.one("#f-email"), "value") != outsider.Email ||
		!strings.Contains(p.text("#designate-form"), "Giỏi phân tích") {
		t.Errorf("refusal not beside the e-mail or values lost: %s", p.main())
	}
	if ds, _ := e.app.Portal.Reviewers(t.Context(), auth.System(), true); len(ds) != 0 {
		t.Fatalf("a refused designation stored %+v", ds)
	}
	p = bc.post("/portal-review/reviewers", url.Values{"email": {expert.Email}, "reason": {"Chuyên gia lừa đảo đầu tư"}})
	p.wantStatus(http.StatusOK)
	p.wantPath("/portal-review/reviewers")
	if rows := p.all("#portal-reviewers tbody tr"); len(rows) != 1 || attr(rows[0], "data-user") != expert.ID {
		t.Fatalf("designations = %s", p.main())
	}

	be := e.browser()
	be.login(expert.Email)
	if !be.get("/").has(`nav a[href="/portal-review"]`) {
		t.Error("no queue in the trusted reviewer's navigation")
	}
	be.get("/portal-review").wantStatus(http.StatusOK)
	ep := be.get("/portal-review/entries/" + id)
	ep.wantStatus(http.StatusOK)
	if strings.Contains(ep.body, "nan.nhan@mail.example") || !ep.has("#contacts-withheld") {
		t.Error("the trusted reviewer sees the reporter's contact")
	}
	if cp := bc.get("/portal-review/entries/" + id); !strings.Contains(cp.body, "nan.nhan@mail.example") || cp.has("#contacts-withheld") {
		t.Error("the coordinator does not see the reporter's contact")
	}
	be.post("/portal-review/entries/"+id+"/confirm", url.Values{"category": {"investment"}}).wantStatus(http.StatusOK)
	if en, _, _ := e.app.Portal.Entry(t.Context(), auth.System(), id); len(en.Confirmations) != 1 || en.Confirmations[0].ActorID != expert.ID {
		t.Errorf("confirmations = %+v", en.Confirmations)
	}
	be.get("/portal-review/reviewers").wantStatus(http.StatusNotFound)
	be.post("/portal-review/reviewers", url.Values{"email": {expert.Email}, "reason": {"x"}}).wantStatus(http.StatusNotFound)
	be.get("/portal-review/appeals").wantStatus(http.StatusForbidden)

	bc.post("/portal-review/reviewers/"+expert.ID+"/revoke", nil).wantStatus(http.StatusOK)
	if bc.get("/portal-review/reviewers").has("#portal-reviewers") {
		t.Error("a revoked designation is listed as in force")
	}
	if !bc.get("/portal-review/reviewers?all=1").has("#portal-reviewers") {
		t.Error("the revoked designation is not kept")
	}
	be.get("/portal-review").wantStatus(http.StatusForbidden)
	if be.get("/").has(`nav a[href="/portal-review"]`) {
		t.Error("the queue stays in the navigation after revocation")
	}
	if _, err := e.app.Portal.Confirm(t.Context(), auth.Principal{UserID: expert.ID, Email: expert.Email, Role: expert.Role},
		id, "", ""); err == nil {
		t.Error("a revoked reviewer confirmed")
	}
}
