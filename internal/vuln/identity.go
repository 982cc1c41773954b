package vuln

import (
	"fmt"
	"strings"

	"github.com/knqyf263/go-cpe/common"
	"github.com/knqyf263/go-cpe/naming"
	"github.com/package-url/packageurl-go"

	"github.com/khien-cert/khien/internal/org"
)

// Identities. A CPE name and an item agree when part, vendor and product
// are equal after CPE unescaping and case folding; the key is
// "cpe:PART:VENDOR:PRODUCT". The other attributes (update, edition,
// language, sw_edition, target_sw, target_hw, other) constrain a match only
// where both sides name a value: an advisory's "target_sw=wordpress" does
// not match an item that says "target_sw=drupal", but does match one that
// leaves target_sw as ANY, since the inventory did not say. NA ("-") is a
// value. Wildcards inside values are taken literally.
//
// A package URL's key is "purl:TYPE/NAMESPACE/NAME" after the purl
// specification's normalisation for its type (packageurl-go), plus PEP 503
// for pypi names (runs of "-", "_" and "." are one "-") and lower-casing
// for nuget and cargo names, whose registries ignore case. Qualifiers and
// subpath do not take part: a distribution's "distro" or "arch" qualifier
// narrows an inventory, not an advisory's affected package.

// cpeAttrs are the seven constraining attributes, lower-cased and
// unescaped; "*" is ANY, "-" NA.
type cpeAttrs [7]string

var cpeAttrNames = [7]string{
	common.AttributeUpdate, common.AttributeEdition, common.AttributeLanguage, common.AttributeSwEdition,
	common.AttributeTargetSw, common.AttributeTargetHw, common.AttributeOther,
}

// concrete reports whether any attribute names a value.
func (a *cpeAttrs) concrete() bool {
	for _, v := range a {
		if v != "*" {
			return true
		}
	}
	return false
}

// agree reports whether an advisory's attributes (a) admit an item's (b).
func (a *cpeAttrs) agree(b *cpeAttrs) bool {
	for i, v := range a {
		if v != "*" && b[i] != "*" && v != b[i] {
			return false
		}
	}
	return true
}

type cpeName struct {
	key     string
	version string // unescaped; "*" ANY, "-" NA
	attrs   cpeAttrs
}

// parseCPE parses a CPE 2.3 formatted string ("cpe:2.3:a:…") or a CPE 2.2
// URI ("cpe:/a:…").
func parseCPE(s string) (cpeName, error) {
	s = strings.TrimSpace(s)
	wfn, err := unbind(s)
	if err != nil {
		return cpeName{}, fmt.Errorf("CPE %s: %v", quote(s), err)
	}
	part, vendor, product := wfnValue(wfn, common.AttributePart), wfnValue(wfn, common.AttributeVendor), wfnValue(wfn, common.AttributeProduct)
	switch part {
	case "a", "o", "h":
	default:
		return cpeName{}, fmt.Errorf("CPE %s: part %q is not a, o or h", quote(s), part)
	}
	if vendor == "*" || vendor == "-" || product == "*" || product == "-" {
		return cpeName{}, fmt.Errorf("CPE %s: vendor and product must be named", quote(s))
	}
	n := cpeName{key: "cpe:" + part + ":" + vendor + ":" + product, version: wfnValue(wfn, common.AttributeVersion)}
	for i, a := range cpeAttrNames {
		n.attrs[i] = wfnValue(wfn, a)
	}
	return n, nil
}

// unbind parses a formatted string or URI with go-cpe, which panics on
// some malformed URIs (found by FuzzCPE): a panic is a parse error.
func unbind(s string) (wfn common.WellFormedName, err error) {
	defer func() {
		if r := recover(); r != nil {
			wfn, err = nil, fmt.Errorf("malformed")
		}
	}()
	// The scheme and the part are case-insensitive here; go-cpe wants them
	// in lower case.
	switch {
	case strings.HasPrefix(strings.ToLower(s), "cpe:2.3:"):
		if len(s) >= 10 {
			s = strings.ToLower(s[:10]) + s[10:]
		}
		return naming.UnbindFS(s)
	case strings.HasPrefix(strings.ToLower(s), "cpe:/"):
		if len(s) >= 7 {
			s = strings.ToLower(s[:7]) + s[7:]
		}
		return naming.UnbindURI(s)
	}
	return nil, fmt.Errorf("not a CPE 2.3 formatted string or 2.2 URI")
}

// wfnValue returns an attribute unescaped and lower-cased, "*" for ANY and
// "-" for NA.
func wfnValue(wfn common.WellFormedName, attr string) string {
	switch v := wfn.Get(attr).(type) {
	case common.LogicalValue:
		if v.IsNA() {
			return "-"
		}
		return "*"
	case string:
		return strings.ToLower(org.UnquoteCPE(v))
	}
	return "*"
}

// splitVersion splits a CPE 2.3 formatted string around its version
// field when that field is plain (letters, digits, "._-+~" and quoted
// characters, no wildcard), returning the name with "*" for its version
// and the version unquoted and lower-cased, as parseCPE would give it. It
// lets a caller parse a product's name once for all its versions.
func splitVersion(s string) (anyVersion, version string, ok bool) {
	if len(s) < 10 || !strings.EqualFold(s[:8], "cpe:2.3:") {
		return "", "", false
	}
	// Find the start and end of field 5 (version), counting unquoted colons.
	field, start := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			field++
			if field == 5 {
				start = i + 1
			} else if field == 6 {
				v := s[start:i]
				if v == "" || v == "*" || v == "-" || !plainCPEValue(v) {
					return "", "", false
				}
				return s[:start] + "*" + s[i:], strings.ToLower(org.UnquoteCPE(v)), true
			}
		}
	}
	return "", "", false
}

func plainCPEValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			if i+1 >= len(v) || v[i+1] <= ' ' || v[i+1] >= 0x7f {
				return false
			}
			i++
		case isAlnum(c) || strings.IndexByte("._-+~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

type purlName struct {
	key     string
	typ     string
	version string
}

// parsePURL parses a package URL into its identity key and version.
func parsePURL(s string) (purlName, error) {
	p, err := packageurl.FromString(strings.TrimSpace(s))
	if err != nil {
		return purlName{}, fmt.Errorf("package URL %s: %v", quote(s), err)
	}
	ns, name := p.Namespace, p.Name
	switch p.Type {
	case "pypi":
		name = pep503(name)
	case "nuget", "cargo":
		name = strings.ToLower(name)
	}
	return purlName{key: "purl:" + p.Type + "/" + ns + "/" + name, typ: p.Type, version: p.Version}, nil
}

// pep503 normalises a Python project name: lower case, every run of "-",
// "_" and "." one "-".
func pep503(name string) string {
	var b strings.Builder
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep && b.Len() > 0 {
			b.WriteByte('-')
		}
		sep = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
