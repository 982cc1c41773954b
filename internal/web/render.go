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

// views holds every page template, parsed once, cloned per language.
type views struct {
	pages  map[string]map[string]*template.Template // lang → page → set
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
	}
}

func (v *views) url(name string) string {
	if u, ok := v.static[name]; ok {
		return u
	}
	return "/static/" + name
}

// parseViews parses the layout and every page once and clones the result
// per language.
func parseViews(b *i18n.Bundle, log *slog.Logger, zone *time.Location) (*views, error) {
	v := &views{pages: map[string]map[string]*template.Template{}, tr: map[string]*translator{}, log: log}
	if err := v.versionStatic(); err != nil {
		return nil, err
	}
	for _, l := range Langs {
		v.tr[l] = newTranslator(b, l, log, zone)
	}
	base, err := template.New("layout").Funcs(funcs(v.tr[Langs[0]], v)).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, l := range Langs {
		v.pages[l] = map[string]*template.Template{}
	}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		for _, l := range Langs {
			c, err := t.Clone()
			if err != nil {
				return nil, err
			}
			v.pages[l][name] = c.Funcs(funcs(v.tr[l], v))
		}
	}
	return v, nil
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
	set, ok := v.pages[b.Lang]
	if !ok {
		set = v.pages[Langs[0]]
	}
	t, ok := set[name]
	if !ok {
		return errs.Internal("web.render", fmt.Errorf("no page %q", name))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
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

// tr returns the translator of lang.
func (v *views) translator(lang string) *translator {
	if t, ok := v.tr[lang]; ok {
		return t
	}
	return v.tr[Langs[0]]
}
