package vulnfeed

import (
	"strings"
	"unicode"

	"github.com/knqyf263/go-cpe/common"
	"github.com/knqyf263/go-cpe/naming"
)

// CPE is a parsed CPE 2.3 name.
type CPE struct {
	Name    string // formatted string with the version part "*" (what products are matched on)
	Version string // the version part of the input, "" when ANY ("*") or NA ("-")
}

// ParseCPE parses a CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:…")
// or a CPE 2.2 URI ("cpe:/a:vendor:product:…") and returns it in the
// formatted-string binding with its version part set to ANY, beside the
// version it had.
func ParseCPE(s string) (out CPE, err error) {
	// go-cpe panics on some malformed names (a "%" escape cut short in the
	// URI binding, found by FuzzParseCPE): a bad name is an error, never a
	// crash.
	defer func() {
		if r := recover(); r != nil {
			out, err = CPE{}, invalid("CPE %q cannot be read", s)
		}
	}()
	s = strings.TrimSpace(s)
	var wfn common.WellFormedName
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		wfn, err = naming.UnbindFS(s)
	case strings.HasPrefix(s, "cpe:/"):
		wfn, err = naming.UnbindURI(s)
	default:
		return CPE{}, invalid("CPE %q: want cpe:2.3:… or cpe:/…", s)
	}
	if err != nil {
		return CPE{}, invalid("CPE %q: %v", s, err)
	}
	if p, ok := wfn.Get(common.AttributePart).(string); !ok || p == "" {
		return CPE{}, invalid("CPE %q: no part (a, o or h)", s)
	}
	if v, ok := wfn.Get(common.AttributeVendor).(string); !ok || v == "" {
		return CPE{}, invalid("CPE %q: no vendor", s)
	}
	if v, ok := wfn.Get(common.AttributeProduct).(string); !ok || v == "" {
		return CPE{}, invalid("CPE %q: no product", s)
	}
	if v, ok := wfn.Get(common.AttributeVersion).(string); ok {
		out.Version = unescapeCPE(v)
	}
	any, _ := common.NewLogicalValue("ANY")
	if err := wfn.Set(common.AttributeVersion, any); err != nil {
		return CPE{}, invalid("CPE %q: %v", s, err)
	}
	out.Name = naming.BindToFS(wfn)
	return out, nil
}

func unescapeCPE(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	esc := false
	for _, r := range s {
		if r == '\\' && !esc {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}

// CPEFor builds a CPE 2.3 application name from free-text vendor and product
// names (KEV's vendorProject/product, a CVE record's vendor/product): lower
// case, spaces as underscores, other punctuation escaped. It returns "" when
// either is empty or "n/a".
func CPEFor(vendor, product string) string {
	v, p := cpeWord(vendor), cpeWord(product)
	if v == "" || p == "" {
		return ""
	}
	return "cpe:2.3:a:" + v + ":" + p + ":*:*:*:*:*:*:*:*"
}

func cpeWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "n/a" || s == "unknown" || s == "*" || s == "-" {
		return ""
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == '_' || r == '.' || r == '-' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		case r < 128 && unicode.IsPunct(r) || r < 128 && unicode.IsSymbol(r):
			if space && b.Len() > 0 {
				b.WriteByte('_')
			}
			space = false
			b.WriteByte('\\')
			b.WriteRune(r)
			continue
		case r >= 128:
			// CPE 2.3 names are ASCII; drop what cannot be written.
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte('_')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
