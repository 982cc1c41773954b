package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Base is what every page's layout needs. Each page struct embeds it.
type Base struct {
	Lang      string
	TitleKey  string // catalogue key of the page title
	Title     string // shown after the translated title, as is (a name)
	Section   string // the navigation entry to mark current
	User      *auth.Principal
	Nav       []NavItem
	Flash     string // catalogue key of a one-time notice
	RequestID string
	// OtherLang and OtherLangURL offer the other language on pages shown
	// before log-in.
	OtherLang    string
	OtherLangURL string

	page string // the page being rendered, for the layout's content
}

func (b *Base) base() *Base { return b }

// view is implemented by every page struct through its embedded Base.
type view interface{ base() *Base }

// NavItem is one entry of the navigation.
type NavItem struct {
	ID     string
	Key    string
	Href   string
	Coming bool // a capability still to be built: shown, not linked
}

// views holds every template, parsed once into one set and cloned per
// language. A page's "content" is named "content:<page>" in the set, and the
// layout draws it with the content function (contentFunc): one set holds
// every page, rather than one clone of the layout and partials per page and
// language, which kept ~700k parse-tree nodes alive for the garbage
// collector to mark on every cycle.
type views struct {
	sets   map[string]*template.Template // lang → every template
	pages  map[string]bool
	tr     map[string]*translator
	static map[string]string // file → versioned URL
	log    *slog.Logger
}

// funcs are the template functions of one language. At parse time they are
// bound to the default language; each language's clone rebinds them.
func funcs(tr *translator, v *views) template.FuncMap {
	return template.FuncMap{
		"t":         tr.T,
		"tn":        tr.N,
		"terr":      tr.Field,
		"tcode":     tr.Code,
		"date":      tr.Date,
		"day":       tr.Day,
		"field":     newField,
		"choice":    newChoice,
		"static":    v.url,
		"toint":     func(n int64) int { return int(n) },
		"join":      strings.Join,
		"chartopts": func(c Chart) (string, error) { return c.Options() },
		"content":   func(view) (template.HTML, error) { return "", nil }, // bound per language set
	}
}

func (v *views) url(name string) string {
	if u, ok := v.static[name]; ok {
		return u
	}
	return "/static/" + name
}

// parseViews parses the layout, the partials and every page once, into one
// set cloned per language.
func parseViews(b *i18n.Bundle, log *slog.Logger, zone *time.Location) (*views, error) {
	v := &views{sets: map[string]*template.Template{}, pages: map[string]bool{}, tr: map[string]*translator{}, log: log}
	if err := v.versionStatic(); err != nil {
		return nil, err
	}
	for _, l := range Langs {
		v.tr[l] = newTranslator(b, l, log, zone)
	}
	set, err := template.New("layout").Funcs(funcs(v.tr[Langs[0]], v)).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		src, err := fs.ReadFile(templateFS, file)
		if err != nil {
			return nil, err
		}
		text := string(src)
		if strings.Count(text, contentDefine) != 1 {
			return nil, fmt.Errorf("web: page %s must define %s once", name, contentDefine)
		}
		text = strings.Replace(text, contentDefine, `{{define "content:`+name+`"}}`, 1)
		if _, err := set.New(name).Parse(text); err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		v.pages[name] = true
	}
	for _, l := range Langs {
		c, err := set.Clone()
		if err != nil {
			return nil, err
		}
		v.sets[l] = c.Funcs(funcs(v.tr[l], v)).Funcs(template.FuncMap{"content": contentFunc(c)})
	}
	return v, nil
}

// contentDefine opens a page's content.
const contentDefine = `{{define "content"}}`

// contentFunc returns the layout's content function for a language's set:
// it draws the page a view is rendered as (Base.page).
func contentFunc(set *template.Template) func(view) (template.HTML, error) {
	return func(p view) (template.HTML, error) {
		var buf bytes.Buffer
		err := set.ExecuteTemplate(&buf, "content:"+p.base().page, p)
		return template.HTML(buf.String()), err
	}
}

// versionStatic gives each static file a URL carrying its content hash, so
// it can be cached for long.
func (v *views) versionStatic() error {
	v.static = map[string]string{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		v.static[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
}

// render writes page name in p's language with status.
func (v *views) render(w http.ResponseWriter, r *http.Request, status int, name string, p view) error {
	b := p.base()
	if !v.pages[name] {
		return errs.Internal("web.render", fmt.Errorf("no page %q", name))
	}
	b.page = name
	var buf bytes.Buffer
	if err := v.set(b.Lang).ExecuteTemplate(&buf, "layout", p); err != nil {
		return errs.Internal("web.render("+name+")", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	if err != nil {
		v.log.DebugContext(r.Context(), "web: write", "err", err)
	}
	return nil
}

// set returns the templates of lang.
func (v *views) set(lang string) *template.Template {
	if t, ok := v.sets[lang]; ok {
		return t
	}
	return v.sets[Langs[0]]
}

// tr returns the translator of lang.
func (v *views) translator(lang string) *translator {
	if t, ok := v.tr[lang]; ok {
		return t
	}
	return v.tr[Langs[0]]
}
