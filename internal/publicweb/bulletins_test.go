package publicweb

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/guard"
)

var writer = auth.Principal{UserID: "coord-1", Email: "dieu.phoi@vncert.gov.vn", Role: auth.RoleCoordinator}

func addBulletin(t *testing.T, fx *fixture, cat portal.BulletinCategory, vi, en string, at time.Time,
	images ...portal.BulletinImageInput) portal.Bulletin {
	t.Helper()
	b, err := fx.svc.CreateBulletin(t.Context(), writer, portal.BulletinInput{Category: cat, TitleVI: vi, TitleEN: en,
		BodyVI: "Đoạn một của " + vi + ".\n\nĐoạn hai <script>alert(1)</script> & thêm.",
		BodyEN: "First paragraph of " + en + ".\n\nSecond <script>alert(1)</script> & more.", PublishedAt: at,
		OrgID:  publisherOrg(t, fx).ID,
		Images: images})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// publisherOrg is the fixture's alliance member, made on first use.
func publisherOrg(t *testing.T, fx *fixture) org.Org {
	t.Helper()
	pubs, err := fx.svc.Publishers(t.Context(), writer)
	if err != nil {
		t.Fatal(err)
	}
	if len(pubs) > 0 {
		return org.Org{ID: pubs[0].ID, Name: pubs[0].Name}
	}
	o, err := fx.db.CreateOrg(t.Context(), org.Org{Slug: "an-ninh-demo", Name: "Công ty An ninh <Demo> & Co", Kind: org.KindAllianceMember},
		audit.New(auth.System(), "org.create", "org", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestBulletinPages: the list shows published bulletins newest first in
// the page's language with markup escaped, filters by category, and hides
// drafts; a draft's own page is 404.
func TestBulletinPages(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	now := time.Now().UTC()
	old := addBulletin(t, fx, "advice", "Cách nhận biết cuộc gọi giả ngân hàng", "Spotting a fake bank call", now.Add(-48*time.Hour))
	warn := addBulletin(t, fx, "warning", "Cảnh báo trang giả mạo cổng thuế", "Fake tax portal warning", now.Add(-time.Hour))
	draft := addBulletin(t, fx, "news", "Bản nháp", "Draft", time.Time{})

	resp, body := get(t, fx.srv.URL+"/portal/bulletins")
	if resp.StatusCode != 200 {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	iw, io := strings.Index(body, warn.TitleVI), strings.Index(body, old.TitleVI)
	if iw < 0 || io < 0 || iw > io {
		t.Errorf("list order or content wrong: warning at %d, advice at %d", iw, io)
	}
	if strings.Contains(body, "Bản nháp") || strings.Contains(body, "<script>alert") {
		t.Error("the list shows a draft or unescaped markup")
	}
	_, body = get(t, fx.srv.URL+"/portal/bulletins?category=advice&lang=en")
	if !strings.Contains(body, "Spotting a fake bank call") || strings.Contains(body, "Fake tax portal") {
		t.Errorf("category filter in English:\n%s", body)
	}
	if resp, _ := get(t, fx.srv.URL+"/portal/bulletins?category=gossip"); resp.StatusCode != 422 {
		t.Errorf("unknown category: %d", resp.StatusCode)
	}
	resp, body = get(t, fx.srv.URL+"/portal/bulletins/"+warn.ID+"?lang=en")
	if resp.StatusCode != 200 || !strings.Contains(body, "<p>Second &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</p>") {
		t.Errorf("bulletin page: %d\n%s", resp.StatusCode, body)
	}
	for _, id := range []string{draft.ID, "../../etc/passwd", "0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9f"} {
		if resp, _ := get(t, fx.srv.URL+"/portal/bulletins/"+id); resp.StatusCode != 404 {
			t.Errorf("bulletin %q: %d, want 404", id, resp.StatusCode)
		}
	}
}

// TestFeeds: both feeds parse back as what they claim to be, in the
// requested language, with stable IDs, absolute links and correct dates.
func TestFeeds(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	now := time.Now().UTC().Truncate(time.Second)
	a := addBulletin(t, fx, "advice", "Lời khuyên", "Advice on OTP codes", now.Add(-48*time.Hour))
	b := addBulletin(t, fx, "warning", "Cảnh báo", "Warning: fake parcel SMS", now.Add(-time.Hour))
	addBulletin(t, fx, "news", "Bản nháp", "Draft", time.Time{})
	addBulletin(t, fx, "news", "Hẹn giờ", "Scheduled", now.Add(time.Hour))

	resp, body := get(t, fx.srv.URL+"/portal/bulletins/rss.xml?lang=en")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/rss+xml") {
		t.Fatalf("rss: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var rss struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel struct {
			Link2 []struct {
				Href string `xml:"href,attr"`
				Rel  string `xml:"rel,attr"`
			} `xml:"http://www.w3.org/2005/Atom link"`
			Title         string `xml:"title"`
			Link          string `xml:"link"`
			Language      string `xml:"language"`
			LastBuildDate string `xml:"lastBuildDate"`
			Items         []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				Description string `xml:"description"`
				PubDate     string `xml:"pubDate"`
				Category    string `xml:"category"`
				GUID        struct {
					IsPermaLink string `xml:"isPermaLink,attr"`
					Value       string `xml:",chardata"`
				} `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(body), &rss); err != nil {
		t.Fatalf("rss does not parse: %v\n%s", err, body)
	}
	ch := rss.Channel
	if rss.Version != "2.0" || ch.Language != "en" || len(ch.Items) != 2 || !strings.HasPrefix(ch.Link, fx.srv.URL+"/portal/bulletins") {
		t.Fatalf("rss channel %+v", ch)
	}
	if len(ch.Link2) != 1 || ch.Link2[0].Rel != "self" || ch.Link2[0].Href != fx.srv.URL+"/portal/bulletins/rss.xml?lang=en" {
		t.Errorf("rss self link %+v", ch.Link2)
	}
	first := ch.Items[0]
	if first.Title != "Warning: fake parcel SMS" || first.GUID.Value != "urn:uuid:"+b.ID || first.GUID.IsPermaLink != "false" ||
		first.Link != fx.srv.URL+"/portal/bulletins/"+b.ID+"?lang=en" || first.Description != "<p>First paragraph of Warning: fake parcel SMS.</p><p>Second &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</p>" ||
		first.Category != "Warning" {
		t.Errorf("rss first item %+v", first)
	}
	if pd, err := time.Parse(time.RFC1123Z, first.PubDate); err != nil || !pd.Equal(b.PublishedAt) {
		t.Errorf("rss pubDate %q: %v (want %v)", first.PubDate, err, b.PublishedAt)
	}
	if lb, err := time.Parse(time.RFC1123Z, ch.LastBuildDate); err != nil || lb.Before(b.PublishedAt) {
		t.Errorf("rss lastBuildDate %q: %v", ch.LastBuildDate, err)
	}

	resp, body = get(t, fx.srv.URL+"/portal/bulletins/atom.xml")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("atom: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string   `xml:"http://www.w3.org/2005/Atom id"`
		Title   string   `xml:"http://www.w3.org/2005/Atom title"`
		Updated string   `xml:"http://www.w3.org/2005/Atom updated"`
		Author  struct {
			Name string `xml:"http://www.w3.org/2005/Atom name"`
		} `xml:"http://www.w3.org/2005/Atom author"`
		Links []struct {
			Href string `xml:"href,attr"`
			Rel  string `xml:"rel,attr"`
		} `xml:"http://www.w3.org/2005/Atom link"`
		Entries []struct {
			ID        string `xml:"http://www.w3.org/2005/Atom id"`
			Title     string `xml:"http://www.w3.org/2005/Atom title"`
			Updated   string `xml:"http://www.w3.org/2005/Atom updated"`
			Published string `xml:"http://www.w3.org/2005/Atom published"`
			Link      struct {
				Href string `xml:"href,attr"`
			} `xml:"http://www.w3.org/2005/Atom link"`
			Category struct {
				Term string `xml:"term,attr"`
			} `xml:"http://www.w3.org/2005/Atom category"`
			Content struct {
				Type  string `xml:"type,attr"`
				Value string `xml:",chardata"`
			} `xml:"http://www.w3.org/2005/Atom content"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("atom does not parse: %v\n%s", err, body)
	}
	if feed.Lang != "vi" || feed.ID == "" || feed.Title != "Khiên — bản tin cảnh báo" || feed.Author.Name == "" || len(feed.Entries) != 2 {
		t.Fatalf("atom feed %+v", feed)
	}
	if u, err := time.Parse(time.RFC3339, feed.Updated); err != nil || u.Before(b.PublishedAt) {
		t.Errorf("atom updated %q: %v", feed.Updated, err)
	}
	var self bool
	for _, l := range feed.Links {
		self = self || (l.Rel == "self" && l.Href == fx.srv.URL+"/portal/bulletins/atom.xml")
	}
	if !self {
		t.Errorf("atom self link missing: %+v", feed.Links)
	}
	e := feed.Entries[1]
	if e.ID != "urn:uuid:"+a.ID || e.Title != "Lời khuyên" || e.Category.Term != "advice" || e.Content.Type != "text" ||
		!strings.HasPrefix(e.Content.Value, "Đoạn một") || e.Link.Href != fx.srv.URL+"/portal/bulletins/"+a.ID {
		t.Errorf("atom entry %+v", e)
	}
	if p, err := time.Parse(time.RFC3339, e.Published); err != nil || !p.Equal(a.PublishedAt) {
		t.Errorf("atom published %q: %v", e.Published, err)
	}

	// An empty feed is still a valid document.
	empty := newFixture(t, guard.LimitOptions{})
	_, body = get(t, empty.srv.URL+"/portal/bulletins/atom.xml?lang=en")
	feed.Entries = nil
	if err := xml.Unmarshal([]byte(body), &feed); err != nil || feed.Updated == "" || feed.Lang != "en" {
		t.Errorf("empty atom: %v %+v", err, feed)
	}
}

// TestStatsPage: the statistics page draws its charts as inline SVG (no
// script) and repeats every figure in a table.
func TestStatsPage(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	for _, v := range []string{"lua-dao.example", "gia-mao.example"} {
		if resp, body := fx.report(t, map[string]string{"value": v, "category": "investment"}); resp.StatusCode != http.StatusOK {
			t.Fatalf("report %s: %d\n%s", v, resp.StatusCode, body)
		}
	}
	resp, body := get(t, fx.srv.URL+"/portal/stats?lang=en")
	if resp.StatusCode != 200 {
		t.Fatalf("stats: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`id="chart-months"`, `<svg viewBox=`, `id="table-months"`, `id="total-received">2<`,
		`<th scope="row">Investment, crypto</th><td>2</td><td>0</td>`, `id="chart-weeks"`, `id="table-weeks"`, `<th scope="row">Domain</th><td>2</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("stats page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Error("the stats page carries script or inline style")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}
