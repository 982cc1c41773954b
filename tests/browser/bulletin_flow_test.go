package browser

import (
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
)

// TestBulletinFlow: the administrator of an alliance member writes a
// bulletin in Vietnamese and English with a picture and publishes it; a
// citizen on a phone reads it on the public portal, in both languages,
// under the member's name, with the picture loaded (the portal's CSP lets
// its own pictures through); the RSS and Atom feeds list it with the
// picture as an enclosure.
func TestBulletinFlow(t *testing.T) {
	needChromium(t)
	dir := artefacts(t)
	s := newSite(t)
	member, err := s.app.Org.CreateOrg(t.Context(), auth.System(), org.Org{Slug: "an-ninh-mang-viet", Name: "Công ty An ninh mạng Việt",
		Kind: org.KindAllianceMember, Province: "Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}
	s.user(t, "quan.tri@anninhmangviet.vn", auth.RoleConstituentAdmin, member.ID)
	pic := filepath.Join(t.TempDir(), "ma-qr-gia.png")
	if err := os.WriteFile(pic, smallPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}

	a := newTab(t, s.url, dir)
	passwordLogIn(t, a, "quan.tri@anninhmangviet.vn")
	a.open("/portal-bulletins")
	a.submit("#new-bulletin")
	if !a.eval(`document.querySelector("#f-org_id").selectedOptions[0].textContent === "Công ty An ninh mạng Việt"`) {
		t.Error("the member is not preselected as publisher")
	}
	vn := time.FixedZone("ICT", 7*3600)
	a.do("fill the bulletin",
		chromedp.SetValue(chromedp.ID("f-category"), "warning"),
		chromedp.SetValue(chromedp.ID("f-published_at"), time.Now().Add(-10*time.Minute).In(vn).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("f-title_vi"), "Cảnh báo mã QR giả ở bãi đỗ xe"),
		chromedp.SendKeys(chromedp.ID("f-body_vi"), "Kẻ gian dán mã QR giả lên máy thu phí.\n\nHãy thanh toán qua ứng dụng chính thức."),
		chromedp.SendKeys(chromedp.ID("f-title_en"), "Fake QR codes at car parks"),
		chromedp.SendKeys(chromedp.ID("f-body_en"), "Scammers stick fake QR codes on parking meters.\n\nPay through the official app."),
		chromedp.SetUploadFiles(chromedp.ID("f-image1"), []string{pic}),
		chromedp.SendKeys(chromedp.ID("f-image1_alt_vi"), "Mã QR giả dán đè lên máy thu phí"),
		chromedp.SendKeys(chromedp.ID("f-image1_alt_en"), "A fake QR code stuck on a parking meter"))
	a.shoot("bulletin-form-filled")
	if st := a.submit("#save-bulletin"); st != 200 {
		t.Fatalf("saving answered %d: %s", st, a.text("main"))
	}
	if got := a.text("#bulletin-table tbody tr"); !strings.Contains(got, "Đã đăng") || !strings.Contains(got, "Công ty An ninh mạng Việt") {
		t.Fatalf("list row after saving: %q", got)
	}
	a.shoot("bulletin-list")

	citizen := newTab(t, s.url, dir)
	citizen.phone()
	citizen.open("/portal/bulletins")
	citizen.submit("#bulletins h2 a")
	if got := citizen.text("#bulletin h2"); got != "Cảnh báo mã QR giả ở bãi đỗ xe" {
		t.Errorf("bulletin title %q", got)
	}
	if got := citizen.text("#publisher"); got != "Công ty An ninh mạng Việt" {
		t.Errorf("publisher %q", got)
	}
	citizen.do("wait for the picture", chromedp.WaitVisible(chromedp.CSS("#bulletin figure img")))
	deadline := time.Now().Add(stepTimeout)
	for !citizen.eval(`(() => { const i = document.querySelector("#bulletin figure img"); return i.complete && i.naturalWidth === 120 })()`) {
		if time.Now().After(deadline) {
			citizen.shoot("failed-bulletin-image")
			t.Fatal("the picture did not load")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if citizen.eval("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1") {
		t.Error("the bulletin scrolls sideways on a phone")
	}
	citizen.shoot("bulletin-public-vi")
	citizen.open(citizen.path() + "?lang=en")
	if got := citizen.text("#bulletin h2"); got != "Fake QR codes at car parks" {
		t.Errorf("English title %q", got)
	}
	if !citizen.eval(`document.querySelector("#bulletin figure img").alt === "A fake QR code stuck on a parking meter"`) {
		t.Error("the English page lacks the picture's English description")
	}
	citizen.shoot("bulletin-public-en")

	// The feeds list it, with the picture.
	var rss struct {
		Items []struct {
			Title     string `xml:"title"`
			Enclosure struct {
				URL  string `xml:"url,attr"`
				Type string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"channel>item"`
	}
	feedGet(t, s.url+"/portal/bulletins/rss.xml?lang=en", &rss)
	if len(rss.Items) != 1 || rss.Items[0].Title != "Fake QR codes at car parks" || rss.Items[0].Enclosure.Type != "image/png" {
		t.Fatalf("rss items %+v", rss.Items)
	}
	resp, err := http.Get(rss.Items[0].Enclosure.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("enclosure %s: %d %s", rss.Items[0].Enclosure.URL, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var atom struct {
		Entries []struct {
			Title string `xml:"http://www.w3.org/2005/Atom title"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	feedGet(t, s.url+"/portal/bulletins/atom.xml", &atom)
	if len(atom.Entries) != 1 || atom.Entries[0].Title != "Cảnh báo mã QR giả ở bãi đỗ xe" {
		t.Errorf("atom entries %+v", atom.Entries)
	}
}

// feedGet fetches a feed and parses it into v.
func feedGet(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d", u, resp.StatusCode)
	}
	if err := xml.Unmarshal(body, v); err != nil {
		t.Fatalf("%s does not parse: %v\n%s", u, err, body)
	}
}
