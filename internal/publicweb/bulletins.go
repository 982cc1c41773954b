package publicweb

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

// Awareness bulletins: the list (by category, newest first), one
// bulletin with its pictures, the pictures themselves, and the RSS 2.0 and
// Atom feeds (feeds.go). Bodies are plain text shown as paragraphs;
// html/template escapes every character. Every bulletin names its
// publisher, the alliance member (or the coordinating body) it speaks for.

type bulletinsView struct {
	Base
	Items      []bulletinCard
	Categories []string
	Category   string
	Next       string // URL of the next page
	RSS, Atom  string // feed URLs in the page's language
}

// bulletinCard is a bulletin in the page's language.
type bulletinCard struct {
	ID          string
	Category    string
	Title       string
	Publisher   string
	Paragraphs  []string
	PublishedAt time.Time
	Images      []imageCard
}

// imageCard is a picture of a bulletin, as a page shows it.
type imageCard struct {
	Path          string // site path, without the language
	Alt           string
	Width, Height int
}

func card(b portal.Bulletin, lang string) bulletinCard {
	c := bulletinCard{ID: b.ID, Category: string(b.Category), Title: b.Title(lang), Publisher: b.Publisher,
		Paragraphs: paragraphs(b.Body(lang)), PublishedAt: b.PublishedAt}
	for _, im := range b.Images {
		c.Images = append(c.Images, imageCard{Path: imagePath(b.ID, im), Alt: im.Alt(lang), Width: im.Width, Height: im.Height})
	}
	return c
}

// imagePath is where the portal serves a bulletin's picture. It names the
// picture by its content, so it never changes and may be cached for long.
func imagePath(id string, im portal.BulletinImage) string {
	return "/portal/bulletins/" + id + "/images/" + im.SHA256
}

// bulletinImage serves a picture of a published bulletin with the type
// read from its bytes when it was sent; the browser is told not to guess
// another.
func (s *Site) bulletinImage(w http.ResponseWriter, r *http.Request) error {
	im, rc, err := s.svc.PublicBulletinImage(r.Context(), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", im.Type)
	h.Set("Content-Length", strconv.FormatInt(im.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+im.SHA256+`"`)
	if r.Header.Get("If-None-Match") == `"`+im.SHA256+`"` {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = io.Copy(w, rc)
	return err
}

// paragraphs splits plain text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Excerpt is the first paragraph of a card, for lists.
func (c bulletinCard) Excerpt() string {
	if len(c.Paragraphs) == 0 {
		return ""
	}
	return c.Paragraphs[0]
}

// Day is when the bulletin was published, as a date in Vietnam.
func (c bulletinCard) Day() string { return c.PublishedAt.In(vietnam).Format("02/01/2006") }

// vietnam is the zone dates are shown in (UTC+7 all year).
var vietnam = time.FixedZone("ICT", 7*3600)

func (s *Site) bulletins(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	b := s.base(r, "bulletins.title")
	cat := q.Get("category")
	res, err := s.svc.PublicBulletins(r.Context(), portal.BulletinCategory(cat), page.Request{Limit: 20, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v := &bulletinsView{Base: b, Category: cat, RSS: b.U("/portal/bulletins/rss.xml"), Atom: b.U("/portal/bulletins/atom.xml")}
	for _, c := range portal.BulletinCategories {
		v.Categories = append(v.Categories, string(c))
	}
	for _, it := range res.Items {
		v.Items = append(v.Items, card(it, b.Lang))
	}
	if res.Next != "" {
		n := url.Values{"cursor": {res.Next}}
		if cat != "" {
			n.Set("category", cat)
		}
		if b.Lang != Langs[0] {
			n.Set("lang", b.Lang)
		}
		v.Next = "/portal/bulletins?" + n.Encode()
	}
	s.render(w, http.StatusOK, "bulletins", v)
	return nil
}

type bulletinView struct {
	Base
	Item bulletinCard
}

func (s *Site) bulletin(w http.ResponseWriter, r *http.Request) error {
	b, err := s.svc.PublicBulletin(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	base := s.base(r, "bulletins.title")
	v := &bulletinView{Base: base, Item: card(b, base.Lang)}
	s.render(w, http.StatusOK, "bulletin", v)
	return nil
}

// absolute is the portal's public URL for path: Deps.BaseURL when set,
// else the request's own scheme and host.
func (s *Site) absolute(r *http.Request, path string) string {
	if s.baseURL != "" {
		return s.baseURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
