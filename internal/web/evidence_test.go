package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/tlp"
)

// evidenceCase opens a case in org A with the given users assigned, and
// adds one item held by the first.
func evidenceCase(t *testing.T, e *env, ref string, people ...auth.User) (evidence.Case, evidence.Item) {
	t.Helper()
	ctx := t.Context()
	c, err := e.app.Evidence.OpenCase(ctx, auth.System(), evidence.Case{OrgID: e.orgA.ID, Reference: ref, Title: "Lừa đảo " + ref})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range people {
		role := evidence.CaseInvestigator
		if u.Role == auth.RoleCoordinator {
			role = evidence.CaseCoordinator
		}
		if _, err := e.app.Evidence.Assign(ctx, auth.System(), c.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	holder := people[0]
	p := auth.Principal{UserID: holder.ID, Email: holder.Email, Role: holder.Role}
	it, err := e.app.Evidence.Add(ctx, p, c.ID, evidence.Metadata{Name: "disk-" + ref + ".img", CollectedBy: "Nguyễn Văn An",
		CollectedAt: e.clock.Now().Add(-time.Hour), LegalBasis: "Lệnh khám xét 17/2026", TLP: tlp.Amber},
		evidence.Note{Reason: "thu thập"}, strings.NewReader("nội dung "+ref))
	if err != nil {
		t.Fatal(err)
	}
	return c, it
}

// TestEvidenceMyCases: /evidence lists the cases the user is assigned to,
// newest assignment first, paged, with their live items and how many the
// user holds; cases of others are not listed.
func TestEvidenceMyCases(t *testing.T) {
	e := newEnv(t)
	inv := e.user("dieu.tra@vncert.gov.vn", "vi", auth.RoleInvestigator)
	other := e.user("khac@vncert.gov.vn", "vi", auth.RoleInvestigator)
	var refs []string
	for i := range 27 {
		ref := "VN-2026-" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		refs = append(refs, ref)
		evidenceCase(t, e, ref, inv)
		e.clock.Advance(time.Minute)
	}
	evidenceCase(t, e, "VN-KHAC", other)

	b := e.browser()
	b.enrol(inv.Email)
	p := b.get("/evidence")
	p.wantStatus(http.StatusOK)
	rows := p.all("#my-cases tbody tr")
	if len(rows) != 25 {
		t.Fatalf("first page lists %d cases, want 25", len(rows))
	}
	if got := text(queryAll(rows[0], "a")[0]); got != refs[26] {
		t.Errorf("first row %q, want the newest assignment %q", got, refs[26])
	}
	if strings.Contains(p.body, "VN-KHAC") {
		t.Error("another investigator's case is listed")
	}
	cells := queryAll(rows[0], "td.num")
	if text(cells[0]) != "1" || text(cells[1]) != "1" {
		t.Errorf("counts %q/%q, want 1 item, 1 held", text(cells[0]), text(cells[1]))
	}
	next := attr(p.one(`.pager a[rel="next"]`), "href")
	p2 := b.get(next)
	if n := len(p2.all("#my-cases tbody tr")); n != 2 {
		t.Fatalf("second page lists %d cases, want 2", n)
	}
	if p2.has(`.pager a[rel="next"]`) {
		t.Error("the last page links to a next one")
	}
	b.get("/evidence?cursor=not-a-cursor").wantStatus(http.StatusUnprocessableEntity)

	// An administrator staffs cases but is assigned to none: no list.
	e.user("admin@vncert.gov.vn", "vi", auth.RoleAdministrator)
	a := e.browser()
	a.enrol("admin@vncert.gov.vn")
	if p := a.get("/evidence"); p.has("#my-cases") || p.has("#no-cases") || !p.has("#open-case") {
		t.Errorf("the administrator's evidence page: %s", p.main())
	}
	// A new investigator sees the empty list.
	e.user("moi@vncert.gov.vn", "en", auth.RoleInvestigator)
	n := e.browser()
	n.enrol("moi@vncert.gov.vn")
	if got := n.get("/evidence").text("#no-cases"); !strings.Contains(got, "not assigned") {
		t.Errorf("empty list says %q", got)
	}
}

// TestEvidenceDisposal: the item page's hold, retention and destruction
// forms: errors beside the field with the typed values kept, nothing
// changed on refusal; destruction refused while on hold and before the
// retention date, refused with a wrong confirmation, then done; an
// investigator (no evidence:dispose) sees no release, retention or
// destruction form.
func TestEvidenceDisposal(t *testing.T) {
	e := newEnv(t)
	coord := e.user("dieu.phoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	inv := e.user("dieu.tra@vncert.gov.vn", "vi", auth.RoleInvestigator)
	_, it := evidenceCase(t, e, "VN-2026-0042", coord, inv)
	path := "/evidence/items/" + it.ID

	iv := e.browser()
	iv.enrol(inv.Email)
	ip := iv.get(path)
	if ip.has("#hold-form") || ip.has("#retention-form") || ip.has("#destroy-form") {
		t.Error("an investigator is offered to release the hold, set retention or destroy")
	}
	if got := ip.text("#hold-state"); got != "Đang áp dụng" {
		t.Errorf("hold state %q", got)
	}
	iv.post(path+"/destroy", url.Values{"confirm": {it.SHA256[:12]}, "reason": {"x"}}).wantStatus(http.StatusForbidden)

	b := e.browser()
	b.enrol(coord.Email)
	p := b.get(path)
	if !p.has("#hold-form") || !p.has("#retention-form") || !p.has("#destroy-form") {
		t.Fatalf("the coordinator has no disposal forms: %s", p.main())
	}
	if got := p.text("#confirm-code"); got != it.SHA256[:12] {
		t.Errorf("confirmation code %q", got)
	}

	// Destroying now: the hold is in place (banner), nothing changes.
	p = b.post(path+"/destroy", url.Values{"confirm": {it.SHA256[:12]}, "reason": {"Quyết định 5/QĐ"}})
	p.wantStatus(http.StatusConflict)
	if got := p.text("#destroy-form"); got == "" {
		t.Fatal("no destroy form")
	}
	if !strings.Contains(p.body, "phong tỏa pháp lý: hãy gỡ") {
		t.Errorf("the refusal does not name the hold: %s", p.main())
	}
	// A release without a reason: beside the field.
	p = b.post(path+"/hold", url.Values{"hold": {"off"}, "reason": {""}, "location": {"Kho A"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "reason-hold", "Bắt buộc")
	if attr(p.one("#f-location-hold"), "value") != "Kho A" {
		t.Error("the typed location was not kept")
	}
	p = b.post(path+"/hold", url.Values{"hold": {"off"}, "reason": {"Kết thúc điều tra"}})
	p.wantPath(path)
	if got := p.text("#hold-state"); got != "Đã gỡ" {
		t.Errorf("after release, hold state %q", got)
	}
	// No retention date yet.
	p = b.post(path+"/destroy", url.Values{"confirm": {it.SHA256[:12]}, "reason": {"Quyết định 5/QĐ"}})
	p.wantStatus(http.StatusConflict)
	if !strings.Contains(p.body, "chưa có thời hạn lưu giữ") {
		t.Errorf("the refusal does not name the retention: %s", p.main())
	}
	// A retention date that is not a date.
	p = b.post(path+"/retention", url.Values{"retain_until": {"mai"}, "reason": {"Theo luật"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "retain_until-ret", "31/12/2031")
	if attr(p.one("#f-retain_until-ret"), "value") != "mai" || attr(p.one("#f-reason-ret"), "value") != "Theo luật" {
		t.Error("the typed values were not kept")
	}
	future := e.clock.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	p = b.post(path+"/retention", url.Values{"retain_until": {future}, "reason": {"Theo luật"}})
	p.wantPath(path)
	if attr(p.one("#f-retain_until-ret"), "value") != future {
		t.Errorf("the retention form does not show the date set")
	}
	p = b.post(path+"/destroy", url.Values{"confirm": {it.SHA256[:12]}, "reason": {"Quyết định 5/QĐ"}})
	p.wantStatus(http.StatusConflict)
	if !strings.Contains(p.body, "hết thời hạn") {
		t.Errorf("the refusal does not name the retention date: %s", p.main())
	}

	// A retention date that has passed (a decision shortened it): a wrong
	// confirmation is refused beside the field, the right one destroys.
	past := e.clock.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	b.post(path+"/retention", url.Values{"retain_until": {past}, "reason": {"Quyết định rút ngắn"}}).wantPath(path)
	p = b.get(path)
	if strings.Contains(p.text("#destroy-form"), "Chưa thể tiêu hủy") {
		t.Error("the form still says the item cannot be destroyed")
	}
	p = b.post(path+"/destroy", url.Values{"confirm": {strings.Repeat("0", 12)}, "reason": {"Quyết định 5/QĐ"}, "location": {"Kho B"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "confirm-des", "SHA-256")
	if attr(p.one("#f-location-des"), "value") != "Kho B" || p.text("#f-reason-des") != "Quyết định 5/QĐ" {
		t.Error("the typed values were not kept")
	}
	rc, _, err := e.app.Evidence.Download(t.Context(), auth.Principal{UserID: coord.ID, Email: coord.Email, Role: coord.Role}, it.ID,
		evidence.Note{Reason: "kiểm tra"})
	if err != nil {
		t.Fatalf("the content went after a refused destruction: %v", err)
	}
	rc.Close()
	p = b.post(path+"/destroy", url.Values{"confirm": {strings.ToUpper(it.SHA256[:16])}, "reason": {"Quyết định 5/QĐ"}})
	p.wantPath(path)
	if p.has("#destroy-form") || !strings.Contains(p.text("#timeline"), "Tiêu hủy") {
		t.Errorf("after destruction: %s", p.main())
	}
}

func checkDisposalError(t *testing.T, p *htmlPage, field, want string) {
	t.Helper()
	if got := text(p.one(".field.invalid > #e-" + field)); !strings.Contains(got, want) {
		t.Errorf("error beside %s = %q, want it to contain %q", field, got, want)
	}
	if in := p.one("#f-" + field); attr(in, "aria-invalid") != "true" {
		t.Errorf("%s is not marked invalid", field)
	}
}

// TestEvidenceAssignCeiling: the assign form takes an optional TLP
// ceiling, shown beside the person; a RED item of the case is then not
// found for them, while others on the case see it.
func TestEvidenceAssignCeiling(t *testing.T) {
	e := newEnv(t)
	inv := e.user("dieu.tra@vncert.gov.vn", "vi", auth.RoleInvestigator)
	partner := e.user("doi.tac@vncert.gov.vn", "vi", auth.RoleInvestigator)
	e.user("admin@vncert.gov.vn", "vi", auth.RoleAdministrator)
	c, _ := evidenceCase(t, e, "VN-2026-0099", inv)
	red, err := e.app.Evidence.Add(t.Context(), auth.Principal{UserID: inv.ID, Email: inv.Email, Role: inv.Role}, c.ID,
		evidence.Metadata{Name: "ram.red", CollectedBy: "A", CollectedAt: e.clock.Now().Add(-time.Hour), LegalBasis: "L", TLP: tlp.Red},
		evidence.Note{}, strings.NewReader("RED"))
	if err != nil {
		t.Fatal(err)
	}
	a := e.browser()
	a.enrol("admin@vncert.gov.vn")
	casePath := "/evidence/cases/" + c.ID
	p := a.post(casePath+"/assignments", url.Values{"user_id": {partner.ID}, "role": {"investigator"}, "clearance": {"PURPLE"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "clearance", "TLP")
	p = a.post(casePath+"/assignments", url.Values{"user_id": {partner.ID}, "role": {"investigator"}, "clearance": {"AMBER"}})
	p.wantPath(casePath)
	if !strings.Contains(p.text("ul.people"), "tối đa TLP:AMBER") {
		t.Errorf("the ceiling is not shown: %q", p.text("ul.people"))
	}
	b := e.browser()
	b.enrol(partner.Email)
	b.get("/evidence/items/" + red.ID).wantStatus(http.StatusNotFound)
	if rows := b.get(casePath).all("#evidence-table tbody tr"); len(rows) != 1 {
		t.Errorf("the partner's case page lists %d items, want 1 (the AMBER one)", len(rows))
	}
	i := e.browser()
	i.enrol(inv.Email)
	i.get("/evidence/items/" + red.ID).wantStatus(http.StatusOK)
}
