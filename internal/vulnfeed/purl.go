package vulnfeed

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/khien-cert/khien/internal/advisory"
)

// PURL is a parsed package URL.
type PURL struct {
	Name    string // canonical form without version, qualifiers or subpath
	Type    string // pkg type: npm, pypi, maven, deb, rpm…
	Version string // the version it had, if any
}

// ParsePURL parses a package URL and returns its canonical form without
// version (what products are matched on) beside the version it had.
func ParsePURL(s string) (PURL, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "pkg:") {
		return PURL{}, invalid("package URL %q: want pkg:type/…", s)
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return PURL{}, invalid("package URL %q: %v", s, err)
	}
	if p.Type == "" || p.Name == "" {
		return PURL{}, invalid("package URL %q: no type or name", s)
	}
	out := PURL{Type: p.Type, Version: p.Version}
	if e := p.Qualifiers.Map()["epoch"]; e != "" && e != "0" && out.Version != "" && (p.Type == "rpm" || p.Type == "deb") && !strings.Contains(out.Version, ":") {
		out.Version = e + ":" + out.Version
	}
	p.Version, p.Qualifiers, p.Subpath = "", nil, ""
	out.Name = p.ToString()
	return out, nil
}

// SchemeForPURLType is the version scheme of a package URL type, "" when
// there is none to compare in.
func SchemeForPURLType(t string) string {
	switch strings.ToLower(t) {
	case "npm", "golang", "cargo", "nuget", "gem", "composer", "hex", "pub", "swift", "cocoapods", "github", "conan":
		return advisory.SchemeSemver
	case "pypi":
		return advisory.SchemePEP440
	case "maven":
		return advisory.SchemeMaven
	case "deb":
		return advisory.SchemeDeb
	case "rpm":
		return advisory.SchemeRPM
	case "apk", "generic":
		return advisory.SchemeCPE
	}
	return ""
}

// SchemeForVers is the version scheme of a "vers:" URI's versioning scheme.
func SchemeForVers(t string) string {
	switch strings.ToLower(t) {
	case "semver":
		return advisory.SchemeSemver
	case "pypi", "pep440":
		return advisory.SchemePEP440
	case "generic", "intdot", "alpine", "apk":
		return advisory.SchemeCPE
	}
	return SchemeForPURLType(t)
}
