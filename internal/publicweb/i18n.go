package publicweb

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed i18n/*.json
var catalogueFS embed.FS

// Langs are the portal's languages, the default first.
var Langs = []string{"vi", "en"}

// catalogue maps message keys to text, per language.
type catalogue map[string]map[string]string

func loadCatalogue() (catalogue, error) {
	c := catalogue{}
	for _, l := range Langs {
		b, err := catalogueFS.ReadFile("i18n/" + l + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("publicweb: catalogue %s: %w", l, err)
		}
		c[l] = m
	}
	for k := range c["vi"] {
		if _, ok := c["en"][k]; !ok {
			return nil, fmt.Errorf("publicweb: key %q is in vi.json and not in en.json", k)
		}
	}
	for k := range c["en"] {
		if _, ok := c["vi"][k]; !ok {
			return nil, fmt.Errorf("publicweb: key %q is in en.json and not in vi.json", k)
		}
	}
	return c, nil
}

// text is the translation of key in lang; the key itself when missing, so
// a gap shows instead of vanishing.
func (c catalogue) text(lang, key string) string {
	if s, ok := c[lang][key]; ok {
		return s
	}
	return key
}

// has reports whether key is translated.
func (c catalogue) has(key string) bool { _, ok := c["vi"][key]; return ok }

// errorText translates an error code, falling back to the domain's English
// message in English and a generic sentence in Vietnamese.
func (c catalogue) errorText(lang, code, english string) string {
	if c.has("err." + code) {
		return c.text(lang, "err."+code)
	}
	if lang == "en" && english != "" {
		return english
	}
	return c.text(lang, "err.generic")
}

// langOf is the language a request asks for: the "lang" field, else vi.
func langOf(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, l := range Langs {
		if v == l {
			return l
		}
	}
	return Langs[0]
}
