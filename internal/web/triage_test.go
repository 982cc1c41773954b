package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
)

// TestAlertTriage: a constituent sees its alert with the event excerpt,
// sees a RED alert on its network without the indicator, is refused a false
// positive without a reason (beside the field), acknowledges, marks a false
// positive with a suppression.
func TestAlertTriage(t *testing.T) {
	e := newEnv(t)
	e.user("analyst.a@so-a.gov.vn", "vi", auth.RoleConstituentAnalyst, e.orgA.ID)
	m := seedMonitoring(t, e)
	b := e.browser()
	b.login("analyst.a@so-a.gov.vn").wantPath("/")

	list := b.get("/alerts")
	if n := len(list.all("#alert-table tbody tr.alert-row")); n != 3 {
		t.Fatalf("A's list has %d alerts, want 3 (its own, the RED one on its network, its silent sensor)", n)
	}
	if !strings.HasPrefix(attr(list.one("#alert-table"), "data-live"), "/alerts/live") || !list.has(`script[src^="/static/live.js?v="]`) {
		t.Error("the list is not live")
	}
	if strings.Contains(list.body, m.alertB.Title) || strings.Contains(list.body, "192.0.2.99") {
		t.Error("A's list shows B's alert or the RED indicator")
	}
	red := b.get("/alerts/" + m.red.ID)
	if !red.has("#redacted") || red.has("#alert-value") || red.has("#alert-excerpt") || strings.Contains(red.body, "192.0.2.99") {
		t.Errorf("the RED alert shows what TLP withholds: %s", red.main())
	}
	if got := red.text("h1"); got != "Khớp tri thức mối đe dọa bị hạn chế" {
		t.Errorf("the RED alert's title %q, want it in the user's language", got)
	}

	path := "/alerts/" + m.alertA.ID
	p := b.get(path)
	if !strings.Contains(p.body, "\n  &#34;dest_ip&#34;: &#34;203.0.113.66&#34;\n}</pre>") {
		t.Errorf("excerpt not indented JSON: %q", p.text("#alert-excerpt"))
	}
	p = b.post(path+"/false-positive", url.Values{"reason": {""}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkFieldError(t, p, "reason", "nêu lý do")
	p = b.post(path+"/false-positive", url.Values{"reason": {"Máy quét nội bộ"}, "suppress_until": {"ngày mai"}})
	checkFieldError(t, p, "suppress_until", "trong tương lai")
	if got := p.text("#f-reason"); got != "Máy quét nội bộ" {
		t.Errorf("the typed reason was not kept: %q", got)
	}

	// Escalation into an incident: TestIncidentEscalation (incident_test.go).

	p = b.post(path+"/acknowledge", nil)
	p.wantPath(path)
	if p.text(".flash") != "Đã tiếp nhận cảnh báo." || p.has("#acknowledge") {
		t.Errorf("after acknowledging: %s", p.main())
	}
	until := e.clock.Now().Add(48 * time.Hour).In(hcm(t)).Format("2006-01-02T15:04")
	p = b.post(path+"/false-positive", url.Values{"reason": {"Máy quét nội bộ"}, "suppress_until": {until}})
	p.wantPath(path)
	if got := p.text("#alert-history tbody"); !strings.Contains(got, "Tiếp nhận") || !strings.Contains(got, "Máy quét nội bộ") {
		t.Errorf("history: %q", got)
	}
	a, _, err := e.app.Alerts.Get(t.Context(), auth.System(), m.alertA.ID)
	must(t, err)
	if a.State != alert.StateFalsePositive {
		t.Errorf("state %s", a.State)
	}
}

func hcm(t *testing.T) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	must(t, err)
	return z
}

// TestMonitoringCrossTenant: every sensor and alert page and action of
// organisation B answers 404 to a constituent of A, and changes nothing.
func TestMonitoringCrossTenant(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	m := seedMonitoring(t, e)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")
	sensor, al := "/sensors/"+m.sensorB.ID, "/alerts/"+m.alertB.ID
	tests := []struct{ method, path string }{
		{"GET", sensor}, {"POST", sensor + "/rotate-token"}, {"POST", sensor + "/disable"}, {"POST", sensor + "/enable"},
		{"GET", al}, {"POST", al + "/acknowledge"}, {"POST", al + "/close"}, {"POST", al + "/false-positive"}, {"POST", al + "/escalate"},
	}
	form := url.Values{"reason": {"không phải của tôi"}, "note": {"x"}}
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
		if strings.Contains(p.body, m.sensorB.Name) || strings.Contains(p.body, m.alertB.Value) {
			t.Errorf("%s %s: the 404 page names B's data", tc.method, tc.path)
		}
	}
	if !tokenWorks(t, e, m.tokenB) {
		t.Error("B's sensor token was changed or the sensor disabled")
	}
	if a, _, err := e.app.Alerts.Get(t.Context(), auth.System(), m.alertB.ID); err != nil || a.State != alert.StateNew {
		t.Errorf("B's alert: %v, state %s", err, a.State)
	}
	if s := b.get("/sensors"); strings.Contains(s.body, m.sensorB.Name) || !strings.Contains(s.body, m.sensorA.Name) {
		t.Error("the sensor list should show A's sensor and not B's")
	}
}

// TestIntelPages: a coordinator creates a feed (refused first, errors beside
// the fields), uploads a document (refused without a file), sees the import
// report; a constituent sees only what its clearance allows and no forms.
func TestIntelPages(t *testing.T) {
	e := newEnv(t)
	e.user("coord@vncert.gov.vn", "vi", auth.RoleCoordinator)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.enrol("coord@vncert.gov.vn")
	p := b.post("/intel/feeds", url.Values{"name": {""}, "format": {"list"}, "tlp": {"RED"}, "confidence": {"80"}, "interval": {"60"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkFieldError(t, p, "name", "từ 1 đến 100 ký tự")
	checkFieldError(t, p, "interval", "cần có URL")
	p = b.post("/intel/feeds", url.Values{"name": {"APT đỏ"}, "format": {"list"}, "tlp": {"RED"}, "confidence": {"cao"}})
	checkFieldError(t, p, "confidence", "từ 0 đến 100")

	p = b.post("/intel/feeds", url.Values{"name": {"APT đỏ"}, "format": {"list"}, "tlp": {"RED"}, "confidence": {"90"}, "enabled": {"on"}})
	feedPath := p.url.Path
	if !strings.HasPrefix(feedPath, "/intel/feeds/") || p.text(".flash") != "Đã thêm nguồn." {
		t.Fatalf("after creating: at %s\n%s", feedPath, p.main())
	}
	p = b.upload(feedPath+"/import", "nothing", "", "", nil)
	checkFieldError(t, p, "file", "chọn tệp")
	p = b.upload(feedPath+"/import", "file", "apt.txt", "198.51.100.99\nred.example\nnot an indicator!\n", nil)
	p.wantStatus(http.StatusOK)
	if p.text("#report-read") != "2" || p.text("#report-added") != "2" || !p.has("#report-skipped li") {
		t.Errorf("import report: %s", p.text("#import-report"))
	}
	b.post("/intel/feeds", url.Values{"name": {"Máy quét"}, "format": {"list"}, "tlp": {"GREEN"}, "confidence": {"50"}, "enabled": {"on"}})
	var green string
	for _, a := range b.get("/intel").all(`#feed-table a[href^="/intel/feeds/"]`) {
		if text(a) == "Máy quét" {
			green = attr(a, "href")
		}
	}
	p = b.upload(green+"/import", "file", "scan.txt", "192.0.2.1\n", nil)
	p.wantStatus(http.StatusOK)

	a := e.browser()
	a.login("admin.a@so-a.gov.vn").wantPath("/")
	ind := a.get("/intel/indicators")
	if strings.Contains(ind.body, "198.51.100.99") || strings.Contains(ind.body, "red.example") || !strings.Contains(ind.body, "192.0.2.1") {
		t.Errorf("a constituent's indicators: %s", ind.text("main"))
	}
	feeds := a.get("/intel")
	if feeds.has(`a[href="/intel/feeds/new"]`) || a.get(feedPath).has(`form[action$="/import"]`) {
		t.Error("a constituent is offered intel management")
	}
	a.upload(feedPath+"/import", "file", "mine.txt", "192.0.2.2\n", nil).wantStatus(http.StatusForbidden)
}
