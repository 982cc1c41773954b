package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestIncidentFlow: a constituent reports an incident through the form; the
// coordinator triages it and mobilises from the panel on its page, picking
// the ranked responder; the responder accepts in their own browser and sees
// that incident and no other, follows the incident page's link to the
// evidence shared with them and downloads the shared item (an unshared item
// of the same case is not listed); the coordinator releases them (their
// access to the incident and its evidence ends), resolves and closes the
// incident and rates the responder; and the statistics page counts the
// incident.
func TestIncidentFlow(t *testing.T) {
	needChromium(t)
	s := newSite(t)
	dir := artefacts(t)
	ctx, sys := t.Context(), auth.System()
	member, err := s.app.Org.CreateOrg(ctx, sys, org.Org{Slug: "an-ninh-mien-trung", Name: "Công ty An ninh mạng Miền Trung",
		Kind: org.KindAllianceMember, Province: "Đà Nẵng"})
	if err != nil {
		t.Fatal(err)
	}
	s.user(t, "ciso@so-tttt-hue.gov.vn", auth.RoleConstituentAdmin, s.orgA.ID)
	s.user(t, "dieuphoi@cert.gov.vn", auth.RoleCoordinator)
	s.user(t, "ungcuu@an-ninh.example", auth.RoleResponder, member.ID)
	s.user(t, "dieutra@cert.gov.vn", auth.RoleInvestigator)
	responderID := s.userID(t, "ungcuu@an-ninh.example")
	var week alliance.Availability
	for d := time.Sunday; d <= time.Saturday; d++ {
		week.Weekly = append(week.Weekly, alliance.Slot{Day: d, Start: 0, End: 24 * 60})
	}
	if _, err := s.app.Alliance.SaveProfile(ctx, sys, alliance.Profile{UserID: responderID, OrgID: member.ID,
		Skills: []string{"forensics", "malware-analysis"}, Clearance: tlp.Amber, Languages: []string{"vi"}, Province: "Đà Nẵng",
		Capacity: 2, Active: true, Availability: week}); err != nil {
		t.Fatal(err)
	}
	// Another organisation's incident, which the responder must never see.
	other, err := s.app.Org.CreateOrg(ctx, sys, org.Org{Slug: "ngan-hang-x", Name: "Ngân hàng X", Kind: org.KindEnterprise, Province: "Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}
	otherInc, err := s.app.Incidents.Report(ctx, sys, incident.Report{OrgID: other.ID, Title: "Lừa đảo giả mạo ngân hàng",
		Description: "Trang giả mạo", DetectedAt: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	// The constituent reports.
	c := newTab(t, s.url, dir)
	passwordLogIn(t, c, "ciso@so-tttt-hue.gov.vn")
	c.open("/incidents/new")
	detected := time.Now().Add(-90 * time.Minute).In(alliance.Zone).Format("2006-01-02T15:04")
	c.do("fill the report",
		chromedp.SendKeys(chromedp.ID("f-title"), "Mã độc tống tiền trên máy chủ một cửa"),
		chromedp.SendKeys(chromedp.ID("f-description"), "Các tệp trên máy chủ bị mã hoá, có thư đòi tiền chuộc."),
		chromedp.SetValue(chromedp.ID("f-detected_at"), detected),
		chromedp.SetValue(chromedp.ID("f-impact"), "high"))
	c.shoot("incident-report-form")
	if code := c.submit("#submit-report"); code != 200 {
		t.Fatalf("report: status %d", code)
	}
	incPath := c.path()
	if !strings.HasPrefix(incPath, "/incidents/") {
		t.Fatalf("after reporting: at %s", incPath)
	}
	ref := strings.TrimSpace(strings.SplitN(c.text("#incident-title"), "·", 2)[0])
	c.shoot("incident-reported")

	// The coordinator triages and mobilises.
	k := newTab(t, s.url, dir)
	enrolCoordinator(t, k, "dieuphoi@cert.gov.vn")
	k.open(incPath)
	k.do("classify", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("f-category");
		s.value = [...s.options].find(o => o.value !== "").value; })()`))
	if code := k.submit("#triage-submit"); code != 200 {
		t.Fatalf("triage: status %d", code)
	}
	k.do("ask for one forensics responder",
		chromedp.Click(chromedp.CSS(`#mobilise-form input[name="skills"][value="forensics"]`), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.ID("f-count"), "1"))
	k.shoot("incident-mobilise-panel")
	k.submit(`#mobilise-form button[type="submit"]`)
	reqPath := k.path()
	if !strings.HasPrefix(reqPath, "/alliance/mobilisations/") {
		t.Fatalf("after the request: at %s", reqPath)
	}
	if n := k.count(`#candidates tbody tr[data-user="` + responderID + `"]`); n != 1 {
		t.Fatalf("the responder is not among the candidates")
	}
	k.shoot("mobilisation-candidates")
	k.do("pick the responder", chromedp.Click(chromedp.CSS(`#candidates input[value="`+responderID+`"]`), chromedp.NodeVisible))
	k.submit(`#ask-form button[type="submit"]`)
	if got := k.text(`#asks tbody tr[data-user="` + responderID + `"] .status`); got != "Chờ trả lời" {
		t.Errorf("ask state %q", got)
	}

	// The responder: nothing before accepting; that incident only after.
	r := newTab(t, s.url, dir)
	passwordLogIn(t, r, "ungcuu@an-ninh.example")
	if code := r.status(incPath); code != 404 {
		t.Fatalf("before accepting the responder gets %d on the incident", code)
	}
	r.open("/alliance/asks")
	r.shoot("responder-asks")
	r.submit(`.ask-pending button[value="accept"]`)
	if n := r.count(".ask-working"); n != 1 {
		t.Fatalf("%d incidents worked after accepting", n)
	}
	r.open("/incidents")
	r.shoot("responder-incidents")
	if !strings.Contains(r.text("main"), ref) || strings.Contains(r.text("main"), otherInc.Reference) {
		t.Errorf("the responder's incident list is not just %s", ref)
	}
	if code := r.status(incPath); code != 200 {
		t.Fatalf("after accepting the responder gets %d on the incident", code)
	}
	r.shoot("responder-incident")
	if code := r.status("/incidents/" + otherInc.ID); code != 404 {
		t.Errorf("the responder gets %d on another incident", code)
	}
	// The incident's evidence case: an investigator's two items, one of them
	// shared with the responders (set up through the services).
	incID := strings.TrimPrefix(incPath, "/incidents/")
	casePath := "/evidence/cases/" + incID
	inv := auth.Principal{UserID: s.userID(t, "dieutra@cert.gov.vn"), Email: "dieutra@cert.gov.vn", Role: auth.RoleInvestigator}
	if _, err := s.app.Evidence.OpenCase(ctx, sys, evidence.Case{ID: incID, OrgID: s.orgA.ID, Reference: ref, Title: "Mã độc tống tiền"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Evidence.Assign(ctx, sys, incID, inv.UserID, evidence.CaseInvestigator); err != nil {
		t.Fatal(err)
	}
	addItem := func(name, content string) evidence.Item {
		it, err := s.app.Evidence.Add(ctx, inv, incID, evidence.Metadata{Name: name, CollectedBy: "Trần Văn Bình",
			CollectedAt: time.Now().Add(-time.Hour), LegalBasis: "Quyết định 15/QĐ-CERT", TLP: tlp.Green},
			evidence.Note{Reason: "thu thập tại hiện trường"}, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	const sharedBody = "Jan  2 03:04:05 mot-cua kernel: ransom note written to C:\\Users\\Public\\README.txt\n"
	shared := addItem("nhat-ky-mot-cua.log", sharedBody)
	unshared := addItem("anh-bo-nho.raw", "MEMDUMP")
	if _, err := s.app.Evidence.Share(ctx, inv, shared.ID, true, evidence.Note{Reason: "đội ứng cứu cần nhật ký"}); err != nil {
		t.Fatal(err)
	}
	r.open(incPath)
	if got := r.text("#evidence-case-link"); got != "Chứng cứ được chia sẻ với bạn" {
		t.Errorf("evidence link %q", got)
	}
	r.shoot("responder-incident-evidence-link")
	if code := r.submit("#evidence-case-link"); code != 200 || r.path() != casePath {
		t.Fatalf("the evidence link: status %d at %s", code, r.path())
	}
	if n := r.count(`#evidence-table tbody tr`); n != 1 || r.count(`#evidence-table tbody tr[data-id="`+shared.ID+`"]`) != 1 {
		t.Fatalf("the responder's case page lists %d items, want only the shared one", n)
	}
	if strings.Contains(r.text("main"), unshared.Name) || r.count(`[data-id="`+unshared.ID+`"]`) != 0 {
		t.Error("the unshared item is listed to the responder")
	}
	if r.count("#add-item") != 0 || r.count("#export-form") != 0 {
		t.Error("the responder may add to or export the case")
	}
	r.shoot("responder-shared-evidence")
	r.submit(`#evidence-table tbody tr[data-id="` + shared.ID + `"] a`)
	r.do("give the reason for the download", chromedp.SendKeys(chromedp.ID("f-reason-dl"), "Phân tích nhật ký"))
	if got := r.download(); got != sharedBody {
		t.Errorf("downloaded %q, want the item's content", got)
	}
	if code := r.status("/evidence/items/" + unshared.ID); code != 404 {
		t.Errorf("the responder gets %d on the unshared item", code)
	}
	r.open("/alliance/asks")
	r.do("log hours", chromedp.SetValue(chromedp.CSS(".hours-form input[name=hours]"), "2.5"),
		chromedp.SendKeys(chromedp.CSS(".hours-form input[name=note]"), "Thu thập ảnh bộ nhớ"))
	r.submit(`.hours-form button[type="submit"]`)
	if got := r.text(".ask-working .hours tbody td.num"); got != "2.50" {
		t.Errorf("hours logged %q", got)
	}

	// The coordinator releases the responder, resolves and closes, rates.
	k.open(reqPath)
	k.submit(`#asks tr[data-user="` + responderID + `"] .release-form button`)
	if code := r.status(incPath); code != 404 {
		t.Errorf("after release the responder gets %d on the incident", code)
	}
	if code := r.status(casePath); code != 404 {
		t.Errorf("after release the responder gets %d on the evidence case", code)
	}
	if code := r.status("/evidence/items/" + shared.ID); code != 404 {
		t.Errorf("after release the responder gets %d on the shared item", code)
	}
	for _, to := range []string{"in_progress", "contained", "resolved", "closed"} {
		k.open(incPath)
		if code := k.submit("#to-" + to); code != 200 {
			t.Fatalf("→ %s: status %d", to, code)
		}
	}
	k.shoot("incident-closed")
	k.open(reqPath)
	k.do("rate", chromedp.SetValue(chromedp.CSS(".rating-form select"), "5"),
		chromedp.SendKeys(chromedp.CSS(".rating-form input[name=comment]"), "Phản ứng nhanh"))
	k.submit(".rating-form button")
	if got := k.text(`#asks tbody tr[data-user="` + responderID + `"] td:nth-child(6)`); !strings.HasPrefix(got, "5/5") {
		t.Errorf("rating shown %q", got)
	}
	k.shoot("mobilisation-rated")

	// The statistics count it.
	k.open("/reports/incidents")
	k.shoot("incident-statistics")
	if got := k.text("#stat-total"); got != "2" {
		t.Errorf("statistics count %s incidents, want 2", got)
	}
	if !strings.Contains(k.text("#by-province"), "Huế") {
		t.Errorf("the closed incident's province is not counted: %s", k.text("#by-province"))
	}
	if got := k.text("#stats-tiles"); !strings.Contains(got, "/1)") {
		t.Errorf("finished incidents: %s", got)
	}
}

// passwordLogIn logs in a user whose role needs no second factor.
func passwordLogIn(t *testing.T, b *tab, email string) {
	t.Helper()
	b.open("/login")
	b.do("type credentials", chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	if p := b.path(); p != "/" {
		t.Fatalf("after log-in: at %s", p)
	}
}

// status opens a path and returns the HTTP status of the page.
func (b *tab) status(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// download submits the item page's download form with fetch, as the button
// would, and returns the content served.
func (b *tab) download() string {
	b.t.Helper()
	const js = `(async () => {
		const f = document.querySelector('#download-form');
		const r = await fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f))});
		return r.status + ' ' + await r.text();
	})()`
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shoot("failed-download")
		b.t.Fatalf("download: %v", err)
	}
	status, body, _ := strings.Cut(got, " ")
	if status != "200" {
		b.t.Fatalf("download answered %.200s", got)
	}
	return body
}
