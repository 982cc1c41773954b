package web_test

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// monitoring is what seedMonitoring made.
type monitoring struct {
	sensorA, sensorB ingest.Sensor
	tokenA, tokenB   string
	alertA, alertB   alert.Alert // an indicator hit on A's sensor, and on B's
	red              alert.Alert // B's sensor saw A's address on a RED indicator
	silent           alert.Alert // A's sensor went silent
	feed             intel.Feed
}

// seedMonitoring gives A and B a sensor each (A's with an hour of traffic
// and a rejected line), alerts, and an AMBER feed with two indicators.
func seedMonitoring(t *testing.T, e *env) monitoring {
	t.Helper()
	ctx, sp := t.Context(), auth.System()
	var m monitoring
	var err error
	m.sensorA, m.tokenA, err = e.app.Ingest.Register(ctx, sp, ingest.Sensor{OrgID: e.orgA.ID, Name: "Suricata biên A", Kind: ingest.KindSuricata})
	must(t, err)
	m.sensorB, m.tokenB, err = e.app.Ingest.Register(ctx, sp, ingest.Sensor{OrgID: e.orgB.ID, Name: "Zeek B", Kind: ingest.KindZeek})
	must(t, err)
	now := e.clock.Now()
	must(t, e.app.DB.RecordBatch(ctx, m.sensorA.ID, now.Add(-30*time.Minute), 120, nil))
	must(t, e.app.DB.RecordBatch(ctx, m.sensorA.ID, now.Add(-2*time.Minute), 45, []ingest.Reject{{At: now.Add(-2 * time.Minute),
		Position: 3, Code: "event.bad_json", Message: "the line is not valid JSON", Excerpt: "{not json"}}))
	m.alertA = recordAlert(t, e, "203.0.113.66", tlp.Amber, m.sensorA.ID, e.orgA.ID)
	m.alertB = recordAlert(t, e, "203.0.113.77", tlp.Amber, m.sensorB.ID, e.orgB.ID)
	m.red = recordAlert(t, e, "192.0.2.99", tlp.Red, m.sensorB.ID, e.orgB.ID, e.orgA.ID)
	must(t, e.app.Alerts.SensorSilent(ctx, m.sensorA.ID, m.sensorA.Name, e.orgA.ID, now.Add(-time.Hour), now))
	res, err := e.app.Alerts.List(ctx, sp, alert.Filter{Kind: alert.KindSensorSilent}, pageOf(1))
	must(t, err)
	m.silent = res.Items[0]
	m.feed, err = e.app.Intel.CreateFeed(ctx, sp, intel.Feed{Name: "C2 chiến dịch X", Format: intel.FormatList, TLP: tlp.Amber, Confidence: 80})
	must(t, err)
	_, err = e.app.Intel.Import(ctx, sp, m.feed.ID, "c2.txt", strings.NewReader("203.0.113.66\nevil.example\n"), false)
	must(t, err)
	return m
}

// recordAlert records an indicator hit on value seen by sensor; the first
// organisation owns the sensor, the others the address.
func recordAlert(t *testing.T, e *env, value string, level tlp.Level, sensor string, orgs ...string) alert.Alert {
	t.Helper()
	h := alert.Hit{Kind: alert.KindIndicator, Severity: 4, Title: "Kết nối tới máy chủ C2 " + value,
		Indicator: "ipv4|" + value, Field: "dest_ip", Value: value, TLP: level, Sources: []string{"C2 chiến dịch X"},
		SensorID: sensor, EventID: rand.Text(), EventTime: e.clock.Now(),
		Excerpt: `{"event_type":"flow","src_ip":"198.51.100.23","dest_ip":"` + value + `"}`}
	for i, o := range orgs {
		h.Orgs = append(h.Orgs, alert.Involved{OrgID: o, Reason: map[bool]alert.Reason{true: alert.ReasonSensorOwner, false: alert.ReasonIPOwner}[i == 0]})
	}
	out, err := e.app.Alerts.Record(t.Context(), []alert.Hit{h})
	must(t, err)
	return out[0]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMonitoringPagesRender visits every monitoring page in both languages,
// as a coordinator (who sees everything) and as a constituent.
func TestMonitoringPagesRender(t *testing.T) {
	e := newEnv(t)
	e.user("coord@vncert.gov.vn", "vi", auth.RoleCoordinator)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	m := seedMonitoring(t, e)
	coord := e.browser()
	coord.enrol("coord@vncert.gov.vn")
	a := e.browser()
	a.login("admin.a@so-a.gov.vn").wantPath("/")
	both := []string{"/", "/alerts", "/alerts?state=new&kind=indicator&q=203", "/alerts/" + m.alertA.ID, "/alerts/" + m.red.ID,
		"/alerts/" + m.silent.ID, "/sensors", "/sensors?silent=1", "/sensors/new", "/sensors/" + m.sensorA.ID,
		"/intel", "/intel/feeds/" + m.feed.ID, "/intel/indicators", "/intel/indicators?type=domain&q=evil"}
	national := []string{"/alerts/" + m.alertB.ID, "/sensors/" + m.sensorB.ID, "/sensors?org=" + e.orgB.ID,
		"/intel/feeds/new", "/intel/feeds/" + m.feed.ID + "/edit", "/alerts?org=" + e.orgB.ID}
	for _, b := range []*browser{coord, a} {
		paths := both
		if b == coord {
			paths = append(paths, national...)
		}
		for _, lang := range []string{"vi", "en"} {
			b.post("/account/language", url.Values{"language": {lang}})
			for _, path := range paths {
				checkPage(t, b.get(path), lang, path)
			}
		}
	}
	checkSensorPage(t, a.get("/sensors/"+m.sensorA.ID))
	dash := a.get("/")
	if dash.text("#count-alerts") != "3" || dash.text("#count-silent") != "0" {
		t.Errorf("A's dashboard: %s open alerts, %s silent sensors; want 3 and 0", dash.text("#count-alerts"), dash.text("#count-silent"))
	}
	for _, href := range []string{"/alerts", "/sensors", "/intel"} {
		if !dash.has(`nav.side .nav-now a[href="` + href + `"]`) {
			t.Errorf("no %s in the navigation", href)
		}
	}
	if dash.has(".nav-coming") && strings.Contains(dash.text(".nav-coming"), "Giám sát") {
		t.Error("monitoring is still listed as coming")
	}
}

// checkPage wants a page to render fully in lang: status 200, no
// untranslated key, no value the template engine refused.
func checkPage(t *testing.T, p *htmlPage, lang, path string) {
	t.Helper()
	if p.status != http.StatusOK || p.url.RequestURI() != path {
		t.Errorf("%s %s: status %d at %s\n%s", lang, path, p.status, p.url.RequestURI(), p.main())
		return
	}
	if attr(p.one("html"), "lang") != lang || strings.Contains(p.body, "ZgotmplZ") {
		t.Errorf("%s %s: html lang %q, or a refused value", lang, path, attr(p.one("html"), "lang"))
	}
	for _, c := range p.all("code") {
		c.Parent.RemoveChild(c)
	}
	body := text(p.doc)
	for _, k := range catalogueKeys(t) {
		if strings.Contains(body, k) && strings.Count(k, ".") == 1 && !strings.HasPrefix(k, "lang.") {
			t.Errorf("%s %s: untranslated key %q on the page", lang, path, k)
		}
	}
}

// checkSensorPage: the chart has a bar per minute of the hour, the two
// minutes with traffic drawn; the rejected line is listed with its reason.
func checkSensorPage(t *testing.T, p *htmlPage) {
	t.Helper()
	if n := len(p.all("#sensor-chart g")); n != 60 {
		t.Errorf("the chart has %d bars, want 60", n)
	}
	if n := len(p.all("#sensor-chart rect.bar-accepted")); n != 2 {
		t.Errorf("%d minutes drawn with accepted events, want 2", n)
	}
	if n := len(p.all("#sensor-chart rect.bar-rejected")); n != 1 {
		t.Errorf("%d minutes drawn with rejected events, want 1", n)
	}
	if got := p.text("#chart-summary"); !strings.Contains(got, "165") || !strings.Contains(got, "1") {
		t.Errorf("chart summary %q", got)
	}
	if got := p.text("#sensor-rejects tbody"); !strings.Contains(got, "JSON") || !strings.Contains(got, "{not json") {
		t.Errorf("rejects: %q", got)
	}
	if p.has("[style]") {
		t.Error("an inline style attribute; the CSP forbids them")
	}
}

func TestSensorRegistration(t *testing.T) {
	e := newEnv(t)
	e.user("admin.a@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)
	b := e.browser()
	b.login("admin.a@so-a.gov.vn").wantPath("/")

	p := b.post("/sensors", url.Values{"org_id": {e.orgA.ID}, "name": {" "}, "kind": {"syslog"}, "cadence": {"often"}})
	p.wantStatus(http.StatusUnprocessableEntity)
	checkFieldError(t, p, "cadence", "số phút nguyên")
	p = b.post("/sensors", url.Values{"org_id": {e.orgA.ID}, "name": {""}, "kind": {"syslog"}, "cadence": {"10"}})
	checkFieldError(t, p, "name", "từ 1 đến 100 ký tự")
	checkFieldError(t, p, "source_cidr", "địa chỉ nguồn")
	if attr(p.one("#f-cadence"), "value") != "10" {
		t.Error("the typed cadence was not kept")
	}

	p = b.post("/sensors", url.Values{"org_id": {e.orgA.ID}, "name": {"Wazuh A"}, "kind": {"windows"}, "cadence": {"30"}})
	p.wantStatus(http.StatusOK)
	token := p.text("#sensor-token")
	cmd := p.text("#sensor-command")
	want := "curl -H 'Authorization: Bearer " + token + "' --data-binary @events.ndjson " + e.srv.URL + "/ingest/v1/events"
	if !strings.HasPrefix(token, ingest.TokenPrefix) || cmd != want {
		t.Fatalf("token %q, command %q; want %q", token, cmd, want)
	}
	sensorPath := attr(p.one(`a.button[href^="/sensors/"]`), "href")
	page := b.get(sensorPath)
	if strings.Contains(page.body, token) {
		t.Error("the token is shown again on the sensor page")
	}
	if page.text("main dl") == "" || !strings.Contains(page.main(), "30 phút") {
		t.Errorf("sensor page: %s", page.main())
	}
	rotated := b.post(sensorPath+"/rotate-token", nil)
	if next := rotated.text("#sensor-token"); next == token || !tokenWorks(t, e, next) || tokenWorks(t, e, token) {
		t.Error("rotating did not replace the token")
	}
	p = b.post(sensorPath+"/disable", nil)
	p.wantPath(sensorPath)
	if p.text(".flash") != "Đã tắt cảm biến." || !p.has("#enable") {
		t.Errorf("after disabling: %s", p.main())
	}
	b.post(sensorPath+"/enable", nil).wantPath(sensorPath)
}

func pageOf(n int) page.Request { return page.Request{Limit: n} }

func tokenWorks(t *testing.T, e *env, token string) bool {
	t.Helper()
	_, err := e.app.Ingest.Authenticate(t.Context(), token)
	return err == nil
}
