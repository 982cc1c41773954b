package publicweb

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// Base is what the layout needs; every page struct embeds it.
type Base struct {
	Lang     string
	TitleKey string
	Path     string // the page's path, for the language switch
	Query    url.Values
	cat      catalogue
}

// T translates key in the page's language.
func (b Base) T(key string) string { return b.cat.text(b.Lang, key) }

// Has reports whether key is in the catalogue (advice keys are built).
func (b Base) Has(key string) bool { return b.cat.has(key) }

// U is a portal path with the page's language carried.
func (b Base) U(p string) string {
	if b.Lang == Langs[0] {
		return p
	}
	if strings.Contains(p, "?") {
		return p + "&lang=" + b.Lang
	}
	return p + "?lang=" + b.Lang
}

// OtherLang is the language the switch offers.
func (b Base) OtherLang() string {
	if b.Lang == "en" {
		return "vi"
	}
	return "en"
}

// SwitchURL is this page in the other language (a GET page's query kept).
func (b Base) SwitchURL() string {
	q := url.Values{}
	for k, v := range b.Query {
		if k != "lang" {
			q[k] = v
		}
	}
	if o := b.OtherLang(); o != Langs[0] {
		q.Set("lang", o)
	}
	if len(q) == 0 {
		return b.Path
	}
	return b.Path + "?" + q.Encode()
}

func (s *Site) base(r *http.Request, title string) Base {
	b := Base{Lang: langOf(r.FormValue("lang")), TitleKey: title, Path: r.URL.Path, cat: s.cat}
	if r.Method == http.MethodGet {
		b.Query = r.URL.Query()
	}
	return b
}

// Form is a submitted form: its values and the translated errors of each
// field ("" holds errors about the whole form).
type Form struct {
	Values    url.Values
	Errors    map[string][]string
	Challenge guard.Challenge
}

func newForm() *Form { return &Form{Values: url.Values{}, Errors: map[string][]string{}} }

// Get is a field's value.
func (f *Form) Get(name string) string { return f.Values.Get(name) }

// Err is the errors of a field.
func (f *Form) Err(name string) []string { return f.Errors[name] }

// Invalid reports whether a field has errors.
func (f *Form) Invalid(name string) bool { return len(f.Errors[name]) > 0 }

// take puts err's problems on their fields, translated, and reports
// whether err was about the form (else the caller shows an error page).
func (s *Site) take(f *Form, lang string, err error) bool {
	e, ok := err.(*errs.Error)
	if !ok {
		return false
	}
	switch e.Kind {
	case errs.KindInvalid, errs.KindTooLarge, errs.KindRateLimited, errs.KindBadRequest, errs.KindNotFound, errs.KindConflict:
	default:
		return false
	}
	if len(e.Fields) == 0 {
		f.Errors[""] = append(f.Errors[""], s.cat.errorText(lang, e.Code, e.Public))
		return true
	}
	for _, fe := range e.Fields {
		name := fe.Field
		if i := strings.IndexByte(name, '['); i > 0 {
			name = name[:i]
		}
		if name == "website" { // the hidden honeypot: say it at the top
			name = ""
		}
		f.Errors[name] = append(f.Errors[name], s.cat.errorText(lang, fe.Code, fe.Message))
	}
	return true
}

// parsePages parses the layout with each page.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout").ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("publicweb: layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, file)
		if err != nil {
			return nil, fmt.Errorf("publicweb: page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
