package publicweb

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

// Awareness bulletins: the list (by category, newest first), one
// bulletin, and the RSS 2.0 and Atom feeds (feeds.go). Bodies are plain
// text shown as paragraphs; html/template escapes every character.

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
	Paragraphs  []string
	PublishedAt time.Time
}

func card(b portal.Bulletin, lang string) bulletinCard {
	return bulletinCard{ID: b.ID, Category: string(b.Category), Title: b.Title(lang), Paragraphs: paragraphs(b.Body(lang)),
		PublishedAt: b.PublishedAt}
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
