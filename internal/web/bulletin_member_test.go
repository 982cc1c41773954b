package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
)

func smallPNG(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 20, 10))
	m.Set(3, 3, color.RGBA{G: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMemberBulletinPages: an alliance member's administrator publishes a
// bilingual bulletin with a picture (a file that is not a picture is
// refused beside its input, typed text kept, nothing saved); the public
// portal shows it under the member's name with the picture, served as a
// PNG; another member's administrator gets not found for it; the
// administrator of an organisation that is not an alliance member may not
// publish at all.
func TestMemberBulletinPages(t *testing.T) {
	e := newEnv(t)
	mk := func(slug, name string, kind org.Kind) org.Org {
		o, err := e.app.Org.CreateOrg(t.Context(), auth.System(), org.Org{Slug: slug, Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	memberA := mk("an-ninh-a", "Công ty An ninh mạng A", org.KindAllianceMember)
	memberB := mk("an-ninh-b", "Công ty An ninh mạng B", org.KindAllianceMember)
	e.user("quan.tri@an-ninh-a.vn", "vi", auth.RoleConstituentAdmin, memberA.ID)
	e.user("quan.tri@an-ninh-b.vn", "vi", auth.RoleConstituentAdmin, memberB.ID)
	e.user("quan.tri@so-a.gov.vn", "vi", auth.RoleConstituentAdmin, e.orgA.ID)

	a := e.browser()
	a.login("quan.tri@an-ninh-a.vn")
	if !a.get("/").has(`nav a[href="/portal-bulletins"]`) {
		t.Error("no bulletins entry for the member's administrator")
	}
	form := a.get("/portal-bulletins/new")
	form.wantStatus(http.StatusOK)
	if got := attr(form.one(`#f-org_id option[selected]`), "value"); got != memberA.ID {
		t.Errorf("the member is not preselected as publisher: %q", got)
	}
	if attr(form.one("#bulletin-form"), "enctype") != "multipart/form-data" {
		t.Error("the form cannot carry files")
	}
	fields := url.Values{"category": {"warning"}, "title_vi": {"Cảnh báo mã QR giả"}, "title_en": {"Fake QR codes"},
		"body_vi": {"Không quét mã QR dán đè."}, "body_en": {"Do not scan stickers."},
		"published_at":  {e.clock.Now().Add(-time5m()).In(vn()).Format("2006-01-02T15:04")},
		"image1_alt_vi": {"Mã QR giả"}, "image1_alt_en": {"A fake QR code"}}
	p := a.upload("/portal-bulletins", "image1", "qr.png", "<html><script>alert(1)</script></html>", fields)
	p.wantStatus(http.StatusUnprocessableEntity)
	checkDisposalError(t, p, "image1", "PNG, JPEG, WebP")
	if got := attr(p.one("#f-title_en"), "value"); got != "Fake QR codes" {
		t.Errorf("typed title not kept: %q", got)
	}
	if got := attr(p.one("#f-image1_alt_en"), "value"); got != "A fake QR code" {
		t.Errorf("typed description not kept: %q", got)
	}
	if strings.Contains(public(t, e, "/portal/bulletins"), "Cảnh báo mã QR giả") {
		t.Fatal("a refused bulletin was published")
	}
	p = a.upload("/portal-bulletins", "image1", "qr.txt", string(smallPNG(t)), fields)
	p.wantPath("/portal-bulletins")
	row := p.one("#bulletin-table tbody tr")
	if !strings.Contains(text(row), "Công ty An ninh mạng A") || !strings.Contains(text(row), "Đã đăng") {
		t.Errorf("list row %q", text(row))
	}
	id := attr(row, "data-id")

	page := public(t, e, "/portal/bulletins/"+id+"?lang=en")
	if !strings.Contains(page, "Fake QR codes") || !strings.Contains(page, "Công ty An ninh mạng A") ||
		!strings.Contains(page, `alt="A fake QR code"`) {
		t.Fatalf("public page:\n%s", page)
	}
	i := strings.Index(page, `<img src="`)
	src := page[i+len(`<img src="`):]
	src = src[:strings.IndexByte(src, '"')]
	resp, err := http.Get(e.srv.URL + src)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, smallPNG(t)) {
		t.Errorf("picture %s: %d %s", src, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if feed := public(t, e, "/portal/bulletins/rss.xml?lang=en"); !strings.Contains(feed, `<enclosure url="`+e.srv.URL+src+`"`) {
		t.Errorf("the feed has no enclosure for %s:\n%s", src, feed)
	}

	// The edit form keeps the picture and previews it for its member only.
	edit := a.get("/portal-bulletins/" + id + "/edit")
	if !edit.has(`#image-slot-1 img[src^="/portal-bulletins/` + id + `/images/"]`) {
		t.Error("the edit form does not preview the picture")
	}
	b := e.browser()
	b.login("quan.tri@an-ninh-b.vn")
	b.get("/portal-bulletins/" + id + "/edit").wantStatus(http.StatusNotFound)
	b.get("/portal-bulletins/" + id + "/images/" + src[strings.LastIndexByte(src, '/')+1:]).wantStatus(http.StatusNotFound)
	fields.Set("version", "1")
	fields.Set("title_en", "Hijacked")
	b.post("/portal-bulletins/"+id, fields).wantStatus(http.StatusNotFound)
	if strings.Contains(b.get("/portal-bulletins").body, id) {
		t.Error("member B lists A's bulletin")
	}

	c := e.browser()
	c.login("quan.tri@so-a.gov.vn")
	c.get("/portal-bulletins/new").wantStatus(http.StatusForbidden)
	fields.Set("org_id", e.orgA.ID)
	p = c.upload("/portal-bulletins", "image1", "qr.png", string(smallPNG(t)), fields)
	p.wantStatus(http.StatusForbidden)
	fields.Set("org_id", memberA.ID)
	c.upload("/portal-bulletins", "image1", "qr.png", string(smallPNG(t)), fields).wantStatus(http.StatusForbidden)
}
