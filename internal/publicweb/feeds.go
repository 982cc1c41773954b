package publicweb

// The bulletins' feeds, one per language: RSS 2.0 at
// /portal/bulletins/rss.xml and Atom (RFC 4287) at
// /portal/bulletins/atom.xml, "?lang=en" for English. Both carry the
// FeedSize newest published bulletins. Identifiers are stable across
// edits: an item's RSS guid and Atom id are "urn:uuid:" and the
// bulletin's ID. An RSS description is HTML (escaped paragraphs of the
// plain-text body); Atom content is type "text". Dates: RSS uses RFC 822 with a four-digit year and a
// numeric zone (time.RFC1123Z), Atom RFC 3339, both in UTC.
//
// The publisher (the alliance member a bulletin speaks for) is an entry's
// Atom author and an item's Dublin Core creator in RSS (RSS's own author
// element wants an e-mail address). Pictures are enclosures with their
// length and type: every picture a link rel="enclosure" in Atom, and the
// first one the item's enclosure in RSS, where readers take one only.

import (
	"encoding/xml"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

// FeedSize is how many bulletins a feed carries.
const FeedSize = 50

const atomNS = "http://www.w3.org/2005/Atom"

// RSS 2.0.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

const dcNS = "http://purl.org/dc/elements/1.1/"

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Self          atomLink  `xml:"http://www.w3.org/2005/Atom link"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	Description string        `xml:"description"`
	Category    string        `xml:"category"`
	Creator     string        `xml:"dc:creator,omitempty"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int64  `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// Atom.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Lang   string `xml:"hreflang,attr,omitempty"`
	Title  string `xml:"title,attr,omitempty"`
	Length int64  `xml:"length,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string       `xml:"id"`
	Title     atomText     `xml:"title"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published"`
	Author    *atomPerson  `xml:"author"`
	Links     []atomLink   `xml:"link"`
	Category  atomCategory `xml:"category"`
	Summary   atomText     `xml:"summary"`
	Content   atomText     `xml:"content"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// feedItems is the newest published bulletins.
func (s *Site) feedItems(r *http.Request) ([]portal.Bulletin, error) {
	res, err := s.svc.PublicBulletins(r.Context(), "", page.Request{Limit: FeedSize})
	return res.Items, err
}

func (s *Site) bulletinURL(r *http.Request, b Base, id string) string {
	return s.absolute(r, b.U("/portal/bulletins/"+id))
}

func (s *Site) rss(w http.ResponseWriter, r *http.Request) error {
	items, err := s.feedItems(r)
	if err != nil {
		return err
	}
	b := s.base(r, "bulletins.title")
	doc := rssDoc{Version: "2.0", DC: dcNS, Channel: rssChannel{Title: b.T("bulletins.feed_title"), Link: s.absolute(r, b.U("/portal/bulletins")),
		Description: b.T("bulletins.feed_description"), Language: b.Lang,
		Self: atomLink{Href: s.absolute(r, b.U("/portal/bulletins/rss.xml")), Rel: "self", Type: "application/rss+xml"}}}
	for i, it := range items {
		if i == 0 {
			doc.Channel.LastBuildDate = latest(items).Format(time.RFC1123Z)
		}
		item := rssItem{Title: it.Title(b.Lang), Link: s.bulletinURL(r, b, it.ID),
			Description: htmlParagraphs(it.Body(b.Lang)), Category: b.T("bulletin_cat." + string(it.Category)), Creator: it.Publisher,
			GUID: rssGUID{IsPermaLink: "false", Value: "urn:uuid:" + it.ID}, PubDate: it.PublishedAt.UTC().Format(time.RFC1123Z)}
		if len(it.Images) > 0 {
			im := it.Images[0]
			item.Enclosure = &rssEnclosure{URL: s.absolute(r, imagePath(it.ID, im)), Length: im.Size, Type: im.Type}
		}
		doc.Channel.Items = append(doc.Channel.Items, item)
	}
	return writeXML(w, "application/rss+xml; charset=utf-8", doc)
}

func (s *Site) atom(w http.ResponseWriter, r *http.Request) error {
	items, err := s.feedItems(r)
	if err != nil {
		return err
	}
	b := s.base(r, "bulletins.title")
	updated := latest(items)
	if updated.IsZero() {
		updated = s.now()
	}
	f := atomFeed{Lang: b.Lang, ID: s.absolute(r, b.U("/portal/bulletins")), Title: b.T("bulletins.feed_title"),
		Updated: updated.UTC().Format(time.RFC3339), Author: atomPerson{Name: b.T("site.name")},
		Links: []atomLink{{Href: s.absolute(r, b.U("/portal/bulletins/atom.xml")), Rel: "self", Type: "application/atom+xml"},
			{Href: s.absolute(r, b.U("/portal/bulletins")), Rel: "alternate", Type: "text/html", Lang: b.Lang}}}
	for _, it := range items {
		body := it.Body(b.Lang)
		links := []atomLink{{Href: s.bulletinURL(r, b, it.ID), Rel: "alternate", Type: "text/html"}}
		for _, im := range it.Images {
			links = append(links, atomLink{Href: s.absolute(r, imagePath(it.ID, im)), Rel: "enclosure", Type: im.Type,
				Length: im.Size, Title: im.Alt(b.Lang)})
		}
		var author *atomPerson
		if it.Publisher != "" {
			author = &atomPerson{Name: it.Publisher}
		}
		f.Entries = append(f.Entries, atomEntry{ID: "urn:uuid:" + it.ID, Title: atomText{Type: "text", Value: it.Title(b.Lang)},
			Updated: it.UpdatedAt.UTC().Format(time.RFC3339), Published: it.PublishedAt.UTC().Format(time.RFC3339),
			Author: author, Links: links,
			Category: atomCategory{Term: string(it.Category), Label: b.T("bulletin_cat." + string(it.Category))},
			Summary:  atomText{Type: "text", Value: firstParagraph(body)}, Content: atomText{Type: "text", Value: body}})
	}
	return writeXML(w, "application/atom+xml; charset=utf-8", f)
}

// latest is the newest change among bulletins (zero for none).
func latest(bs []portal.Bulletin) time.Time {
	var t time.Time
	for _, b := range bs {
		for _, c := range []time.Time{b.PublishedAt, b.UpdatedAt} {
			if c.After(t) {
				t = c
			}
		}
	}
	return t.UTC()
}

// htmlParagraphs is plain text as escaped HTML paragraphs: RSS readers
// treat a description as HTML, so a bulletin's "<" must reach them as
// "&lt;" (and then be escaped once more as XML).
func htmlParagraphs(s string) string {
	var b strings.Builder
	for _, p := range paragraphs(s) {
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

func firstParagraph(s string) string {
	if ps := paragraphs(s); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

func writeXML(w http.ResponseWriter, contentType string, v any) error {
	out, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(xml.Header))
	w.Write(out)
	return nil
}
