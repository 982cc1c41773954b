package publicweb

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/gif"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// TestBulletinImages: a bulletin's pictures are shown on its page with
// their descriptions, served at their stable address with the type read
// from their bytes, nosniff and a long cache life, and carried by both
// feeds as enclosures with length and type; the publisher's name is on
// the page (escaped) and in both feeds. A draft's picture is not served.
func TestBulletinImages(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	now := time.Now().UTC()
	pic := pngBytes(t)
	var g bytes.Buffer
	if err := gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.White, color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	b := addBulletin(t, fx, "warning", "Cảnh báo mã QR giả", "Fake QR code warning", now.Add(-time.Hour),
		portal.BulletinImageInput{Data: pic, AltVI: "Mã QR giả \"dán\" <đè>", AltEN: "A fake QR code"},
		portal.BulletinImageInput{Data: g.Bytes(), AltVI: "Hình động", AltEN: "A moving picture"})
	draft := addBulletin(t, fx, "news", "Nháp", "Draft", time.Time{},
		portal.BulletinImageInput{Data: g.Bytes(), AltVI: "x", AltEN: "x"})
	if len(b.Images) != 2 || b.Images[0].Type != "image/png" || b.Images[1].Type != "image/gif" {
		t.Fatalf("pictures %+v", b.Images)
	}
	png0 := "/portal/bulletins/" + b.ID + "/images/" + b.Images[0].SHA256

	resp, body := get(t, fx.srv.URL+"/portal/bulletins/"+b.ID)
	if resp.StatusCode != 200 || !strings.Contains(body, `<img src="`+png0+`" alt="Mã QR giả &#34;dán&#34; &lt;đè&gt;" width="8" height="8"`) ||
		!strings.Contains(body, `<span class="publisher" id="publisher">Công ty An ninh &lt;Demo&gt; &amp; Co</span>`) {
		t.Fatalf("bulletin page: %d\n%s", resp.StatusCode, body)
	}
	if _, body := get(t, fx.srv.URL+"/portal/bulletins?lang=en"); !strings.Contains(body, "Công ty An ninh &lt;Demo&gt;") {
		t.Error("the list does not name the publisher")
	}

	resp, body = get(t, fx.srv.URL+png0)
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Cache-Control"), "max-age=31536000") || h.Get("Content-Length") != strconv.Itoa(len(pic)) ||
		body != string(pic) {
		t.Fatalf("picture: %d %v (%d bytes)", resp.StatusCode, h, len(body))
	}
	req, _ := http.NewRequest("GET", fx.srv.URL+png0, nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if r2, err := http.DefaultClient.Do(req); err != nil || r2.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %v %v", r2, err)
	} else {
		r2.Body.Close()
	}
	if resp, _ := get(t, fx.srv.URL+"/portal/bulletins/"+b.ID+"/images/"+b.Images[1].SHA256); resp.Header.Get("Content-Type") != "image/gif" {
		t.Errorf("gif served as %q", resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{
		"/portal/bulletins/" + draft.ID + "/images/" + draft.Images[0].SHA256, // a draft's
		"/portal/bulletins/" + draft.ID + "/images/" + b.Images[0].SHA256,     // another bulletin's
		"/portal/bulletins/" + b.ID + "/images/" + strings.Repeat("0", 64),
		"/portal/bulletins/" + b.ID + "/images/..%2F..%2Fetc%2Fpasswd",
		"/portal/bulletins/" + b.ID + "/images/" + strings.ToUpper(b.Images[0].SHA256),
	} {
		if resp, _ := get(t, fx.srv.URL+p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}

	// RSS: the first picture is the item's enclosure; the publisher is its dc:creator.
	_, body = get(t, fx.srv.URL+"/portal/bulletins/rss.xml?lang=en")
	var rss struct {
		Items []struct {
			Creator   string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Enclosure []struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal([]byte(body), &rss); err != nil {
		t.Fatalf("rss: %v\n%s", err, body)
	}
	if len(rss.Items) != 1 || rss.Items[0].Creator != "Công ty An ninh <Demo> & Co" || len(rss.Items[0].Enclosure) != 1 {
		t.Fatalf("rss items %+v\n%s", rss.Items, body)
	}
	enc := rss.Items[0].Enclosure[0]
	if enc.URL != fx.srv.URL+png0 || enc.Length != strconv.Itoa(len(pic)) || enc.Type != "image/png" {
		t.Errorf("rss enclosure %+v", enc)
	}
	if resp, body := get(t, enc.URL); resp.StatusCode != 200 || body != string(pic) {
		t.Errorf("the enclosure's URL answers %d", resp.StatusCode)
	}

	// Atom: every picture is a link rel="enclosure"; the publisher is the entry's author.
	_, body = get(t, fx.srv.URL+"/portal/bulletins/atom.xml?lang=en")
	var feed struct {
		Entries []struct {
			Author struct {
				Name string `xml:"http://www.w3.org/2005/Atom name"`
			} `xml:"http://www.w3.org/2005/Atom author"`
			Links []struct {
				Href   string `xml:"href,attr"`
				Rel    string `xml:"rel,attr"`
				Type   string `xml:"type,attr"`
				Length string `xml:"length,attr"`
				Title  string `xml:"title,attr"`
			} `xml:"http://www.w3.org/2005/Atom link"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("atom: %v\n%s", err, body)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].Author.Name != "Công ty An ninh <Demo> & Co" || len(feed.Entries[0].Links) != 3 {
		t.Fatalf("atom entries %+v", feed.Entries)
	}
	ls := feed.Entries[0].Links
	if ls[0].Rel != "alternate" || ls[1].Rel != "enclosure" || ls[1].Href != fx.srv.URL+png0 || ls[1].Type != "image/png" ||
		ls[1].Length != strconv.Itoa(len(pic)) || ls[1].Title != "A fake QR code" || ls[2].Type != "image/gif" ||
		ls[2].Length != strconv.FormatInt(b.Images[1].Size, 10) {
		t.Errorf("atom links %+v", ls)
	}
}
