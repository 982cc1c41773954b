package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/incident"
)

// TestIncidentPages walks an incident through the UI: a constituent reports
// (a system of another organisation is refused beside the field, the typed
// values kept), the coordinator triages with an override reason and runs it
// to closed, the final report prints the timeline and the statistics count it.
func TestIncidentPages(t *testing.T) {
	e := newEnv(t)
	sysA := e.system(e.orgA.ID, "Cổng dịch vụ công A")
	sysB := e.system(e.orgB.ID, "Cổng B")
	e.user("soc@a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	e.user("dieuphoi@vncert.gov.vn", "en", auth.RoleCoordinator)

	c := e.browser()
	c.login("soc@a.gov.vn")
	p := c.get("/incidents/new")
	p.wantStatus(http.StatusOK)
	if !p.has(`#incident-report input[name="system_ids"][value="`+sysA.ID+`"]`) || p.has(`input[value="`+sysB.ID+`"]`) {
		t.Fatalf("the form does not offer exactly A's systems:\n%s", p.main())
	}
	form := url.Values{"org_id": {e.orgA.ID}, "title": {"Mã độc tống tiền"}, "description": {"Tệp bị mã hoá"},
		"detected_at": {e.clock.Now().Add(-2 * time.Hour).In(zone(t)).Format("2006-01-02T15:04")}, "impact": {"high"},
		"tlp": {"AMBER"}, "system_ids": {sysA.ID, sysB.ID}, "indicators": {"ip 203.0.113.7"}}
	p = c.post("/incidents", form)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#e-system_ids") || attr(p.one("#f-title"), "value") != "Mã độc tống tiền" {
		t.Fatalf("no error beside the systems, or the title was lost:\n%s", p.main())
	}
	form["system_ids"] = []string{sysA.ID}
	p = c.post("/incidents", form)
	p.wantStatus(http.StatusOK)
	ref := p.text("#ref")
	if !strings.HasPrefix(ref, "KH-") || p.has("#triage-form") || p.has("#to-closed") {
		t.Fatalf("after reporting: ref %q, or a constituent is offered triage/close:\n%s", ref, p.main())
	}
	incPath := p.url.Path

	k := e.browser()
	k.enrol("dieuphoi@vncert.gov.vn")
	p = k.get("/incidents")
	if !p.has(`#incidents tr[data-ref="` + ref + `"]`) {
		t.Fatalf("the coordinator's list lacks %s:\n%s", ref, p.main())
	}
	p = k.get(incPath)
	if !p.has("#triage-form") || !p.has("#clocks") {
		t.Fatalf("no triage form or clocks:\n%s", p.main())
	}
	// The incident becomes an evidence case with one click (idempotent).
	if ev := k.post("/evidence/cases", url.Values{"id": {attr(p.one(`#evidence-case-form input[name="id"]`), "value")},
		"org_id": {e.orgA.ID}, "reference": {ref}, "title": {"x"}}); !strings.HasPrefix(ev.url.Path, "/evidence/cases/") {
		t.Fatalf("opening the evidence case went to %s", ev.url.Path)
	}
	// Overriding the proposal without a reason: the error is beside the field.
	p = k.post(incPath+"/triage", url.Values{"category": {"malicious-code/infected-system"}, "severity": {"S1"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#e-severity_reason") {
		t.Fatalf("no error beside severity_reason:\n%s", p.main())
	}
	p = k.post(incPath+"/triage", url.Values{"category": {"malicious-code/infected-system"}, "severity": {"S3"},
		"severity_reason": {"one server"}, "tlp": {"AMBER"}})
	p.wantStatus(http.StatusOK)
	if attr(p.one("#state"), "data-state") != "triaged" {
		t.Fatalf("state %q", attr(p.one("#state"), "data-state"))
	}
	// Files: the constituent's shared one, the coordinator's internal one.
	p = c.upload(incPath+"/files", "file", "../../nhat-ky.log", "log line\n", url.Values{"visibility": {"shared"}})
	p.wantStatus(http.StatusOK)
	p = k.upload(incPath+"/files", "file", "ghi-chu.txt", "nội bộ", url.Values{"visibility": {"internal"}})
	p.wantStatus(http.StatusOK)
	if n := len(p.all("#file-list li")); n != 2 {
		t.Fatalf("the coordinator sees %d files, want 2", n)
	}
	internalHref := attr(p.one(`#file-list li[data-visibility="internal"] a`), "href")
	p = c.get(incPath)
	if n := len(p.all("#file-list li")); n != 1 || p.text("#file-list li a") != "nhat-ky.log" {
		t.Fatalf("the constituent's files: %d, %q", n, p.text("#file-list li a"))
	}
	if dl := c.get(attr(p.one("#file-list li a"), "href")); dl.body != "log line\n" || dl.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download: %q %q", dl.body, dl.header.Get("Content-Type"))
	}
	c.get(internalHref).wantStatus(http.StatusNotFound)
	c.upload(incPath+"/files", "file", "x.txt", "x", url.Values{"visibility": {"internal"}}).wantStatus(http.StatusForbidden)
	// A file sent before its visibility is refused, never stored as shared.
	p = k.upload(incPath+"/files", "file", "ghi-chu-2.txt", "nội bộ 2", nil)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has("#e-visibility") {
		t.Error("no error beside the visibility")
	}
	if n := len(k.get(incPath).all("#file-list li")); n != 2 {
		t.Fatalf("after the refused upload the coordinator sees %d files, want 2", n)
	}

	p = k.post(incPath+"/notes", url.Values{"body": {"internal hunch"}, "visibility": {"internal"}})
	p.wantStatus(http.StatusOK)
	p = k.post(incPath+"/tasks", url.Values{"template": {"malware"}})
	p.wantStatus(http.StatusOK)
	if n := len(p.all("#task-list tbody tr")); n != 3 {
		t.Fatalf("%d tasks after the malware template, want 3", n)
	}
	for _, to := range []string{"in_progress", "resolved", "closed"} {
		p = k.post(incPath+"/transition", url.Values{"state": {to}})
		p.wantStatus(http.StatusOK)
		if got := attr(p.one("#state"), "data-state"); got != to {
			t.Fatalf("after → %s: state %s", to, got)
		}
	}
	if !strings.Contains(p.text("#timeline"), "Resolved → Closed") {
		t.Errorf("the timeline does not name the states: %s", p.text("#timeline"))
	}
	// The constituent never sees the internal note.
	p = c.get(incPath)
	if p.has(`#timeline li[data-visibility="internal"]`) || strings.Contains(p.main(), "internal hunch") {
		t.Fatal("the constituent sees an internal note")
	}
	p = k.get(incPath + "/print")
	p.wantStatus(http.StatusOK)
	if !p.has("#final-report") || len(p.all("#print-timeline tbody tr")) < 5 {
		t.Fatalf("print page:\n%s", p.main())
	}
	p = k.get("/reports/incidents")
	p.wantStatus(http.StatusOK)
	if got := p.text("#stat-total"); got != "1" {
		t.Fatalf("statistics count %q incidents, want 1", got)
	}
	if !p.has("#chart-month") || !p.has("#chart-major") {
		t.Fatal("charts missing")
	}
	csv := k.get("/reports/incidents.csv")
	if !strings.Contains(csv.body, "malicious-code/infected-system,S3,closed") {
		t.Fatalf("CSV:\n%s", csv.body)
	}
	// Constituents have no statistics.
	c.get("/reports/incidents").wantStatus(http.StatusForbidden)
}

func zone(t *testing.T) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestIncidentEscalation escalates an alert from its page: the alert is
// escalated with the incident's reference, and the incident carries the
// alert.
func TestIncidentEscalation(t *testing.T) {
	e := newEnv(t)
	e.user("analyst.a@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	al := seedMonitoring(t, e).alertA.ID
	b := e.browser()
	b.login("analyst.a@so-a.gov.vn")
	p := b.post("/alerts/"+al+"/escalate", nil)
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.main(), "KH-") {
		t.Fatalf("no incident reference on the escalated alert:\n%s", p.main())
	}
	p = b.get("/incidents")
	if n := len(p.all("#incidents tbody tr")); n != 1 {
		t.Fatalf("%d incidents after escalating, want 1", n)
	}
	p = b.get(attr(p.one("#incidents tbody tr a"), "href"))
	if !p.has(`#timeline li[data-kind="escalated"]`) {
		t.Fatalf("the incident's timeline does not say it was escalated:\n%s", p.main())
	}
}

// TestIncidentResponderPages: a responder sees nothing until mobilised, then
// that incident only, works it along, and loses it when released.
func TestIncidentResponderPages(t *testing.T) {
	e := newEnv(t)
	member := e.org("cong-ty-an-ninh", "Công ty An ninh", "")
	resp := e.user("ir@anninh.vn", "vi", auth.RoleResponder, member.ID)
	ctx := t.Context()
	coord := auth.Principal{UserID: "", Email: "system", Role: auth.RoleAdministrator}
	one, err := e.app.Incidents.Report(ctx, coord, incident.Report{OrgID: e.orgA.ID, Title: "Một", Description: "x",
		DetectedAt: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	two, err := e.app.Incidents.Report(ctx, coord, incident.Report{OrgID: e.orgB.ID, Title: "Hai", Description: "x",
		DetectedAt: e.clock.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Incidents.Triage(ctx, coord, one.ID, incident.Triage{Category: "intrusions/system-compromise"}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(resp.Email)
	if p := b.get("/incidents"); p.has("#incidents tbody tr") {
		t.Fatal("a responder lists incidents before being mobilised")
	}
	b.get("/incidents/" + one.ID).wantStatus(http.StatusNotFound)
	if err := e.app.DB.GrantIncidentAccess(ctx, one.ID, resp.ID, "mobilised"); err != nil {
		t.Fatal(err)
	}
	p := b.get("/incidents")
	if n := len(p.all("#incidents tbody tr")); n != 1 || !p.has(`tr[data-id="`+one.ID+`"]`) {
		t.Fatalf("the responder lists %d incidents", n)
	}
	b.get("/incidents/" + two.ID).wantStatus(http.StatusNotFound)
	p = b.get("/incidents/" + one.ID)
	if !p.has("#to-in_progress") || p.has("#triage-form") || !p.has("#task-form") || p.has("#vis-internal") {
		t.Fatalf("the responder's page offers the wrong things:\n%s", p.main())
	}
	p = b.post("/incidents/"+one.ID+"/transition", url.Values{"state": {"in_progress"}})
	p.wantStatus(http.StatusOK)
	if p.has("#to-closed") {
		t.Fatal("a responder is offered closing")
	}
	if err := e.app.DB.RevokeIncidentAccess(ctx, one.ID, resp.ID, "released"); err != nil {
		t.Fatal(err)
	}
	b.get("/incidents/" + one.ID).wantStatus(http.StatusNotFound)
}

// TestIncidentPagesSpeakTheirLanguage: the RSIT classification, the clocks'
// durations and the task templates are named in the page's language while
// the stored values stay RSIT machine names. A Vietnamese coordinator sees
// "Nội dung lạm dụng", never "Abusive Content", on the statistics chart and
// every incident page; an English one sees the RSIT names.
func TestIncidentPagesSpeakTheirLanguage(t *testing.T) {
	e := newEnv(t)
	e.user("dieuphoi@vncert.gov.vn", "vi", auth.RoleCoordinator)
	e.user("coordinator@vncert.gov.vn", "en", auth.RoleCoordinator)
	ctx := t.Context()
	sys := auth.Principal{Email: "system", Role: auth.RoleAdministrator}
	inc, err := e.app.Incidents.Report(ctx, sys, incident.Report{OrgID: e.orgA.ID, Title: "Thư rác hàng loạt",
		Description: "x", DetectedAt: e.clock.Now().Add(-time.Hour), Category: "abusive-content/spam"})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Category != "abusive-content/spam" {
		t.Fatalf("stored category %q, want the RSIT machine name", inc.Category)
	}
	const viClass, viLabel = "Nội dung lạm dụng", "Nội dung lạm dụng / Thư rác (spam)"
	english := []string{"Abusive Content", "Malicious Code", " min", " h ", "first-steps", "· system"}
	noEnglish := func(p *htmlPage) {
		t.Helper()
		for _, s := range english {
			if strings.Contains(p.main(), s) {
				t.Errorf("%s: the Vietnamese page shows %q:\n%s", p.url.Path, s, p.main())
			}
		}
	}

	vi := e.browser()
	vi.enrol("dieuphoi@vncert.gov.vn")
	p := vi.get("/reports/incidents")
	p.wantStatus(http.StatusOK)
	if got := p.text("#chart-category tbody th"); got != viClass {
		t.Errorf("vi statistics chart names the class %q, want %q", got, viClass)
	}
	if strings.Contains(attr(p.one("#chart-category .chart-canvas"), "data-chart"), "Abusive") {
		t.Error("the vi chart's options carry the English class name")
	}
	noEnglish(p)
	if mtta := p.text("#stat-mtta"); strings.Contains(mtta, "min") {
		t.Errorf("vi MTTA %q has English units", mtta)
	}

	p = vi.get("/incidents")
	if got := p.text(`#f-category option[value="abusive-content"]`); got != viClass {
		t.Errorf("vi list filter offers %q", got)
	}
	noEnglish(p)
	// Triage (the timeline entry names the category) and a task template.
	p = vi.post("/incidents/"+inc.ID+"/triage", url.Values{"category": {"abusive-content/spam"}, "severity": {"S0"}, "tlp": {"AMBER"}})
	p.wantStatus(http.StatusOK)
	p = vi.post("/incidents/"+inc.ID+"/tasks", url.Values{"template": {"first-steps"}})
	p.wantStatus(http.StatusOK)
	p = vi.get("/incidents/" + inc.ID)
	p.wantStatus(http.StatusOK)
	if !strings.Contains(p.text(`#timeline li[data-kind="triaged"]`), viLabel) {
		t.Errorf("vi timeline: %q", p.text(`#timeline li[data-kind="triaged"]`))
	}
	if !strings.Contains(p.text("#task-list"), "Bảo toàn chứng cứ") {
		t.Errorf("vi tasks: %q", p.text("#task-list"))
	}
	if got := p.text("#category"); got != viLabel {
		t.Errorf("vi detail page category %q, want %q", got, viLabel)
	}
	if got := p.text(`#triage-form option[value="abusive-content/spam"]`); got != viLabel {
		t.Errorf("vi triage select offers %q", got)
	}
	if got := p.text("#template-first-steps"); !strings.Contains(got, "Các bước ban đầu") {
		t.Errorf("vi template button %q", got)
	}
	var left string
	for _, n := range p.all("#clocks tbody td.num") {
		left += text(n) + "|"
	}
	if !strings.Contains(left, "giờ") && !strings.Contains(left, "ngày") {
		t.Errorf("vi clock left %q has no Vietnamese units", left)
	}
	noEnglish(p)
	p = vi.get("/incidents/" + inc.ID + "/print")
	if got := p.text("#category"); got != viLabel {
		t.Errorf("vi print category %q", got)
	}
	noEnglish(p)
	p = vi.get("/incidents/new")
	if got := p.text(`#incident-report option[value="abusive-content/spam"]`); got != viLabel {
		t.Errorf("vi report form offers %q", got)
	}
	noEnglish(p)
	csv := vi.get("/reports/incidents.csv")
	if !strings.Contains(csv.body, ",abusive-content/spam,") || !strings.Contains(csv.body, ","+viLabel+"\n") {
		t.Errorf("vi CSV lacks the machine name or the label column:\n%s", csv.body)
	}

	en := e.browser()
	en.enrol("coordinator@vncert.gov.vn")
	p = en.get("/reports/incidents")
	if got := p.text("#chart-category tbody th"); got != "Abusive Content" {
		t.Errorf("en statistics chart names the class %q", got)
	}
	p = en.get("/incidents/" + inc.ID)
	if got := p.text("#category"); got != "Abusive Content / Spam" {
		t.Errorf("en detail page category %q", got)
	}
	if got := p.text("#template-first-steps"); !strings.Contains(got, "First steps") {
		t.Errorf("en template button %q", got)
	}
	if tasks := p.text("#task-list"); !strings.Contains(tasks, "Preserve evidence") || strings.Contains(tasks, "Bảo toàn") {
		t.Errorf("en tasks: %q", tasks)
	}
	if !strings.Contains(p.text(`#timeline li[data-kind="triaged"]`), "Abusive Content / Spam") {
		t.Errorf("en timeline: %q", p.text(`#timeline li[data-kind="triaged"]`))
	}
}
