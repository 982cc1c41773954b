package browser

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/tlp"
)

// c2 is the indicator the test's event carries.
const c2 = "203.0.113.66"

// monitoringSite is a whole Khiên with the event stream and the detection
// workers running (app.Serve), two unrelated organisations, a sensor of A
// and an indicator.
type monitoringSite struct {
	site
	token string // A's sensor token
}

func newMonitoringSite(t *testing.T) *monitoringSite {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Listen = t.TempDir(), "127.0.0.1:0"
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.CookieSecure = false
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(s string) { addr <- s }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	s := &monitoringSite{site: site{app: a, url: "http://" + <-addr}}
	sp := auth.System()
	if s.orgA, err = a.Org.CreateOrg(t.Context(), sp, org.Org{Slug: "so-tttt-hue", Name: "Sở Thông tin và Truyền thông Huế",
		Kind: org.KindProvince, Province: "Huế"}); err != nil {
		t.Fatal(err)
	}
	if s.orgB, err = a.Org.CreateOrg(t.Context(), sp, org.Org{Slug: "ngan-hang-b", Name: "Ngân hàng B", Kind: org.KindEnterprise}); err != nil {
		t.Fatal(err)
	}
	sn, token, err := a.Ingest.Register(t.Context(), sp, ingest.Sensor{OrgID: s.orgA.ID, Name: "Suricata biên Huế", Kind: ingest.KindSuricata})
	if err != nil {
		t.Fatal(err)
	}
	s.token = token
	// The sensor's last hour, so that its page has a chart to show.
	for m := 55; m > 0; m -= 3 {
		if err := a.DB.RecordBatch(t.Context(), sn.ID, time.Now().Add(-time.Duration(m)*time.Minute), 40+(m*37)%90, nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := a.Intel.CreateFeed(t.Context(), sp, intel.Feed{Name: "C2 chiến dịch X", Format: intel.FormatList, TLP: tlp.Amber, Confidence: 90})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Intel.Import(t.Context(), sp, f.ID, "c2.txt", strings.NewReader(c2+"\n"), false); err != nil {
		t.Fatal(err)
	}
	return s
}

// sendEvent posts, with A's sensor token as a sensor would, one Suricata
// EVE line towards the indicator and one broken line.
func (s *monitoringSite) sendEvent(t *testing.T) {
	t.Helper()
	line := `{"timestamp":"` + time.Now().UTC().Format("2006-01-02T15:04:05.000000-0700") + `","flow_id":1880000000000001,` +
		`"event_type":"flow","src_ip":"10.20.30.40","src_port":51234,"dest_ip":"` + c2 + `","dest_port":443,"proto":"TCP"}` + "\n" +
		"{\"timestamp\": truncated\n"
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.url+"/ingest/v1/events", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var res ingest.Result
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &res) != nil || res.Accepted != 1 || len(res.Rejected) != 1 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, body)
	}
}

// TestLiveAlert: a constituent administrator of A watches the alerts page;
// an event carrying an indicator arrives from A's sensor and its alert
// appears on the page without a reload. A user of B on the same page does
// not see it.
func TestLiveAlert(t *testing.T) {
	needChromium(t)
	dir := filepath.Join(artefacts(t), "monitoring")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newMonitoringSite(t)
	s.user(t, "quan.tri@so-tttt-hue.gov.vn", auth.RoleConstituentAdmin, s.orgA.ID)
	s.user(t, "soc@ngan-hang-b.vn", auth.RoleConstituentAdmin, s.orgB.ID)
	a := newTab(t, s.url, dir)
	b := newTab(t, s.url, dir)
	watchAlerts(t, a, "quan.tri@so-tttt-hue.gov.vn", "a")
	watchAlerts(t, b, "soc@ngan-hang-b.vn", "b")

	s.sendEvent(t)
	a.do("wait for the live row",
		chromedp.WaitVisible(chromedp.CSS(`#alert-table tbody tr.alert-row`)))
	if !a.eval("window.khienMarker === 1") {
		t.Fatal("the page was reloaded; the row must arrive live")
	}
	if row := a.text(`#alert-table tbody tr.alert-row`); !strings.Contains(row, c2) || !strings.Contains(row, s.orgA.Name) {
		t.Errorf("the live row: %q", row)
	}
	a.shoot("a-alert-live")

	// B's page has been open all along; give the stream the time A's took,
	// and more.
	time.Sleep(2 * time.Second)
	if n := b.count(`#alert-table tbody tr.alert-row`); n != 0 || !b.eval("window.khienMarker === 1") {
		t.Errorf("B's page shows %d alerts (or reloaded)", n)
	}
	if b.eval(`document.body.textContent.includes("` + c2 + `")`) {
		t.Error("B's page names the indicator")
	}
	b.shoot("b-alerts-still-empty")

	a.submit(`#alert-table tbody tr.alert-row a`)
	if got := a.text("#alert-value"); got != c2 {
		t.Errorf("alert page value %q", got)
	}
	a.shoot("a-alert-page")
	a.open("/sensors")
	a.submit(`#sensor-table a`)
	a.shoot("a-sensor-page")
	a.phone()
	a.open("/alerts")
	a.shoot("a-phone-alerts")
	if a.eval("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1") {
		t.Error("the alerts page scrolls sideways on a phone")
	}
}

// watchAlerts logs a constituent in, opens the alerts page, marks the
// window (a reload would clear the mark) and waits for the stream.
func watchAlerts(t *testing.T, b *tab, email, who string) {
	t.Helper()
	b.open("/login")
	b.do("type credentials",
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	if p := b.path(); p != "/" {
		t.Fatalf("%s after log-in: at %s", email, p)
	}
	b.open("/alerts")
	b.do("mark the window and wait for the stream",
		chromedp.Evaluate[chromedp.Void](`window.khienMarker = 1`),
		chromedp.WaitVisible(chromedp.CSS(`#live-status[data-state="on"]`)))
	if n := b.count(`#alert-table tbody tr.alert-row`); n != 0 {
		t.Fatalf("%s: %d alerts before the event", email, n)
	}
	b.shoot(who + "-alerts-before")
}

// TestMonitoringCoordinator: a coordinator registers a sensor and gets its
// token and the command to send with it, creates a RED feed and uploads a
// document to it (the import report), watches an alert arrive live and
// escalates it into an incident.
func TestMonitoringCoordinator(t *testing.T) {
	needChromium(t)
	dir := filepath.Join(artefacts(t), "monitoring-coordinator")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newMonitoringSite(t)
	s.user(t, "dieu.phoi@vncert.gov.vn", auth.RoleCoordinator)
	b := newTab(t, s.url, dir)
	enrolCoordinator(t, b, "dieu.phoi@vncert.gov.vn")

	registerSensor(t, b, s)
	feedWithDocument(t, b)
	triageLiveAlert(t, b, s)
	b.open("/")
	b.shoot("dashboard")
}

// registerSensor registers a sensor of A through the form and checks the
// command shown with its token.
func registerSensor(t *testing.T, b *tab, s *monitoringSite) {
	t.Helper()
	b.open("/sensors/new")
	b.do("fill the sensor form",
		chromedp.SetValue(chromedp.ID("f-org_id"), s.orgA.ID),
		chromedp.SendKeys(chromedp.ID("f-name"), "Zeek lõi mạng"),
		chromedp.SetValue(chromedp.ID("f-kind"), "zeek"))
	b.submit(`form[action="/sensors"] button[type="submit"]`)
	if cmd := b.text("#sensor-command"); !strings.Contains(cmd, "Bearer khs_") || !strings.HasSuffix(cmd, s.url+"/ingest/v1/events") {
		t.Errorf("command %q", cmd)
	}
	b.shoot("sensor-token")

}

// feedWithDocument creates a RED feed and uploads a document to it.
func feedWithDocument(t *testing.T, b *tab) {
	t.Helper()
	b.open("/intel/feeds/new")
	b.do("fill the feed form",
		chromedp.SendKeys(chromedp.ID("f-name"), "APT nhắm vào cơ quan nhà nước"),
		chromedp.SetValue(chromedp.ID("f-tlp"), "RED"))
	b.submit(`form[action="/intel/feeds"] button[type="submit"]`)
	doc := filepath.Join(t.TempDir(), "apt.txt")
	if err := os.WriteFile(doc, []byte("198.51.100.99\nred.example\nkhông phải chỉ dấu\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("choose the document", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{doc}))
	b.submit(`form[enctype="multipart/form-data"] button[type="submit"]`)
	if got := b.text("#report-added"); got != "2" {
		t.Errorf("import report: %s added", got)
	}
	b.shoot("import-report")
	b.open("/intel")
	b.shoot("feeds")
	b.open("/intel/indicators")
	b.shoot("indicators")

}

// triageLiveAlert waits on the alerts page for the alert of an event sent
// now and escalates it into an incident.
func triageLiveAlert(t *testing.T, b *tab, s *monitoringSite) {
	t.Helper()
	b.open("/alerts")
	b.do("wait for the stream", chromedp.WaitVisible(chromedp.CSS(`#live-status[data-state="on"]`)))
	s.sendEvent(t)
	b.do("wait for the live row", chromedp.WaitVisible(chromedp.CSS(`#alert-table tbody tr.alert-row`)))
	b.shoot("alerts-live")
	b.submit(`#alert-table tbody tr.alert-row a`)
	// The coordinator escalates it: an incident is opened and its reference
	// is on the alert's history. (False positives are covered by the
	// handler tests in internal/web; an escalated alert offers neither.)
	if st := b.submit("#escalate"); st != http.StatusOK {
		t.Errorf("escalate: status %d, want 200", st)
	}
	if got := b.text(".flash"); !strings.Contains(got, "Đã chuyển cảnh báo thành sự cố") {
		t.Errorf("escalation flash %q", got)
	}
	if got := b.text("#alert-history tbody"); !strings.Contains(got, "KH-") {
		t.Errorf("history after escalation %q", got)
	}
	if n := b.count("#false-positive"); n != 0 {
		t.Errorf("an escalated alert still offers false positive")
	}
	b.shoot("escalated")
}

// enrolCoordinator logs in a user who must set up TOTP: the password, then
// a code from the secret on the page, then past the recovery codes.
func enrolCoordinator(t *testing.T, b *tab, email string) {
	t.Helper()
	b.open("/login")
	b.do("type credentials",
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	code, err := totp.GenerateCode(b.text("#totp-secret"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.do("type the code", chromedp.SendKeys(chromedp.ID("f-code"), code))
	b.submit(`form[action="/login/enrol"] button[type="submit"]`)
	b.submit("a.button.primary")
	if p := b.path(); p != "/" {
		t.Fatalf("after enrolment: at %s", p)
	}
}
