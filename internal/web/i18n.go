package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/khien-cert/khien/internal/errs"
)

//go:embed i18n/*.json
var catalogueFS embed.FS

// Langs are the interface languages; the first is the default.
var Langs = []string{"vi", "en"}

var langTags = []language.Tag{language.Vietnamese, language.English}

var langMatcher = language.NewMatcher(langTags)

// loadBundle reads every catalogue. A language's messages may be split over
// several files, one per area of the product: "vi.json" and "incident.vi.json"
// both hold Vietnamese; a key may appear in only one of a language's files.
func loadBundle() (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	for _, l := range Langs {
		files, err := catalogueFiles(catalogueFS, l)
		if err != nil {
			return nil, err
		}
		seen := map[string]string{}
		for _, name := range files {
			data, err := catalogueFS.ReadFile(name)
			if err != nil {
				return nil, err
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(data, &keys); err != nil {
				return nil, fmt.Errorf("web: catalogue %s: %w", name, err)
			}
			for k := range keys {
				if prev, dup := seen[k]; dup {
					return nil, fmt.Errorf("web: key %q is in both %s and %s", k, prev, name)
				}
				seen[k] = name
			}
			if _, err := b.ParseMessageFileBytes(data, path.Base(name)); err != nil {
				return nil, fmt.Errorf("web: catalogue %s: %w", name, err)
			}
		}
	}
	return b, nil
}

// catalogueFiles lists the catalogue files of one language: "<lang>.json"
// and every "<area>.<lang>.json", sorted.
func catalogueFiles(fsys fs.FS, lang string) ([]string, error) {
	all, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range all {
		base := path.Base(name)
		if base == lang+".json" || strings.HasSuffix(base, "."+lang+".json") {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("web: no catalogue for %q", lang)
	}
	return out, nil
}

// translator renders catalogue messages in one language.
type translator struct {
	lang string
	loc  *i18n.Localizer
	log  *slog.Logger
	zone *time.Location
}

func newTranslator(b *i18n.Bundle, lang string, log *slog.Logger, zone *time.Location) *translator {
	return &translator{lang: lang, loc: i18n.NewLocalizer(b, lang), log: log, zone: zone}
}

// data turns name/value pairs into template data.
func data(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}

// T returns the message key, filled from name/value pairs. A missing key is
// logged and shown as the key itself.
func (tr *translator) T(key string, args ...any) string {
	s, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data(args)})
	if err != nil {
		tr.log.Warn("web: missing message", "lang", tr.lang, "key", key, "err", err)
		return key
	}
	return s
}

// N returns the plural message key for count n (as .Count), filled from
// name/value pairs.
func (tr *translator) N(key string, n int, args ...any) string {
	d := data(args)
	if d == nil {
		d = map[string]any{}
	}
	d["Count"] = n
	s, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: d})
	if err != nil {
		tr.log.Warn("web: missing message", "lang", tr.lang, "key", key, "err", err)
		return key
	}
	return s
}

// has reports whether the catalogue has key.
func (tr *translator) has(key string) bool {
	_, err := tr.loc.Localize(&i18n.LocalizeConfig{MessageID: key})
	var nf *i18n.MessageNotFoundErr
	return err == nil || !errors.As(err, &nf)
}

// Code translates a stable error code ("err.<code>"), else gives fallback.
func (tr *translator) Code(code, fallback string) string {
	if code != "" && tr.has("err."+code) {
		return tr.T("err." + code)
	}
	return fallback
}

// Field translates one field problem.
func (tr *translator) Field(fe errs.FieldError) string { return tr.Code(fe.Code, fe.Message) }

// Date formats t in the display zone; the zero time is a dash.
func (tr *translator) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(tr.zone)
	if tr.lang == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("02/01/2006 15:04")
}

// Day formats the date of t in the display zone.
func (tr *translator) Day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(tr.zone)
	if tr.lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// pickLang chooses the language of a page shown before log-in: an explicit
// ?lang= (or form field lang), else Accept-Language, else Vietnamese.
func pickLang(r *http.Request) string {
	if l := r.FormValue("lang"); validLang(l) {
		return l
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return Langs[0]
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return Langs[0]
	}
	return Langs[i]
}

func validLang(l string) bool { return slices.Contains(Langs, l) }
