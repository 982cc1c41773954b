package browser

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/auth"
)

// TestPortalFlow: on a phone, a citizen reports a scam domain with a
// screenshot and gets a receipt; two different coordinators confirm it in
// the staff UI; the citizen's look-up of an address on that domain then
// answers "confirmed scam" and the receipt says confirmed.
func TestPortalFlow(t *testing.T) {
	needChromium(t)
	dir := artefacts(t)
	s := newSite(t)
	s.user(t, "tham.dinh1@vncert.gov.vn", auth.RoleCoordinator)
	s.user(t, "tham.dinh2@vncert.gov.vn", auth.RoleCoordinator)

	citizen := newTab(t, s.url, dir)
	citizen.phone()
	receipt := reportScam(t, citizen, dir)
	citizen.open("/portal/receipt?r=" + receipt)
	if got := citizen.text("#status"); !strings.Contains(got, "Đang được xem xét") {
		t.Errorf("receipt before review: %q", got)
	}
	citizen.shoot("portal-receipt-pending")

	for i, who := range []string{"tham.dinh1@vncert.gov.vn", "tham.dinh2@vncert.gov.vn"} {
		r := newTab(t, s.url, dir)
		r.phone()
		staffLogIn(t, r, who)
		confirmEntry(t, r, "shopee-tri-an.vn", fmt.Sprintf("reviewer%d-", i+1), i == 1)
	}

	citizen.open("/portal/check?q=https%3A%2F%2Fshopee-tri-an.vn%2Fkhuyen-mai")
	if st := citizen.eval(`document.querySelector("#answer").dataset.status === "confirmed"`); !st {
		t.Errorf("look-up: %q", citizen.text("#answer"))
	}
	if got := citizen.text("#answer .verdict"); got != "ĐÃ XÁC NHẬN LỪA ĐẢO" {
		t.Errorf("verdict %q", got)
	}
	citizen.shoot("portal-check-confirmed")
	citizen.open("/portal/receipt?r=" + receipt)
	if got := citizen.text("#status"); !strings.Contains(got, "Đã xác nhận") {
		t.Errorf("receipt after review: %q", got)
	}
	citizen.open("/portal/check?q=shopee-tri-an.vn&lang=en")
	if got := citizen.text("#answer .verdict"); got != "CONFIRMED SCAM" {
		t.Errorf("English verdict %q", got)
	}
	citizen.shoot("portal-check-confirmed-en")
	for _, p := range []string{"/portal/", "/portal/report", "/portal/check?q=shopee-tri-an.vn", "/portal/lists", "/portal/appeal"} {
		citizen.open(p)
		if citizen.eval("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1") {
			t.Errorf("%s scrolls sideways on a phone", p)
		}
	}
}

// reportScam fills the report form as a citizen and returns the receipt.
func reportScam(t *testing.T, b *tab, dir string) string {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "tin-nhan.png")
	if err := os.WriteFile(shot, smallPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("/portal/report")
	b.shoot("portal-report-form")
	b.do("fill the report",
		chromedp.SetValue(chromedp.ID("kind"), "domain"),
		chromedp.SendKeys(chromedp.ID("value"), "WWW.Shopee-Tri-An.vn"),
		chromedp.SetValue(chromedp.ID("category"), "impersonation"),
		chromedp.SendKeys(chromedp.ID("description"), "Tin nhắn báo trúng thưởng, yêu cầu đăng nhập <b>ngân hàng</b>"),
		chromedp.SendKeys(chromedp.ID("loss"), "5.000.000"),
		chromedp.SetUploadFiles(chromedp.ID("screenshots"), []string{shot}))
	// The page script solves the proof of work; the server refuses a form
	// sent within seconds of its issue.
	deadline := time.Now().Add(stepTimeout)
	for !b.eval(`document.querySelector("input[name=pow_nonce]").value !== ""`) {
		if time.Now().After(deadline) {
			b.shoot("failed-pow")
			t.Fatal("the proof of work was not solved")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(4 * time.Second)
	b.shoot("portal-report-filled")
	if st := b.submit("#submit"); st != 200 {
		t.Fatalf("report answered %d: %s", st, b.text("main"))
	}
	r := b.text("#receipt")
	if len(r) != 11 {
		t.Fatalf("receipt %q", r)
	}
	b.shoot("portal-receipt")
	return r
}

// staffLogIn logs a coordinator in, enrolling TOTP.
func staffLogIn(t *testing.T, b *tab, email string) {
	t.Helper()
	b.open("/login")
	b.do("type credentials", chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password))
	b.submit(`form[action="/login"] button[type="submit"]`)
	b.do("wait for the QR code", chromedp.WaitVisible(chromedp.CSS("img.qr")))
	code, err := totp.GenerateCode(b.text("#totp-secret"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.do("type the code", chromedp.SendKeys(chromedp.ID("f-code"), code))
	b.submit(`form[action="/login/enrol"] button[type="submit"]`)
	b.submit("a.button.primary")
}

// confirmEntry opens the queue, the entry and confirms it; shot prefixes
// the screenshots; last says the confirmation publishes it.
func confirmEntry(t *testing.T, b *tab, value, shot string, last bool) {
	t.Helper()
	b.open("/portal-review")
	b.shoot(shot + "portal-queue")
	b.submit(`#portal-queue a`)
	if got := b.text("h1 code"); !strings.HasSuffix(got, value) {
		t.Fatalf("entry %q, want %q", got, value)
	}
	if n := b.count(".shots img"); n != 1 {
		t.Errorf("%d screenshots shown", n)
	}
	b.shoot(shot + "portal-entry")
	b.submit(`#confirm-form button[type="submit"]`)
	want := "Đang thẩm định"
	if last {
		want = "Đã công bố"
	}
	if got := b.text("#entry-state"); got != want {
		t.Errorf("after the confirmation: %q, want %q", got, want)
	}
	b.shoot(shot + "portal-entry-confirmed")
}

func smallPNG(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for x := range 120 {
		m.Set(x, 40, color.RGBA{B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
