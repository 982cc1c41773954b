package vulnfeed

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

type cve5Record struct {
	DataType    string `json:"dataType"`
	DataVersion string `json:"dataVersion"`
	Metadata    struct {
		ID            string `json:"cveId"`
		State         string `json:"state"`
		Assigner      string `json:"assignerShortName"`
		DatePublished string `json:"datePublished"`
		DateUpdated   string `json:"dateUpdated"`
		DateRejected  string `json:"dateRejected"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA *cve5Container  `json:"cna"`
		ADP []cve5Container `json:"adp"`
	} `json:"containers"`
}

type cve5Container struct {
	Provider struct {
		ShortName string `json:"shortName"`
	} `json:"providerMetadata"`
	Title           string         `json:"title"`
	Descriptions    []cve5Text     `json:"descriptions"`
	RejectedReasons []cve5Text     `json:"rejectedReasons"`
	Affected        []cve5Affected `json:"affected"`
	CPEs            []cpeConfig    `json:"cpeApplicability"`
	Metrics         []cve5Metric   `json:"metrics"`
	References      []struct {
		URL string `json:"url"`
	} `json:"references"`
	Solutions []cve5Text `json:"solutions"`
}

type cve5Text struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cve5Affected struct {
	Vendor        string        `json:"vendor"`
	Product       string        `json:"product"`
	CollectionURL string        `json:"collectionURL"`
	PackageName   string        `json:"packageName"`
	CPEs          []string      `json:"cpes"`
	Versions      []cve5Version `json:"versions"`
	DefaultStatus string        `json:"defaultStatus"`
}

type cve5Version struct {
	Version         string `json:"version"`
	Status          string `json:"status"`
	VersionType     string `json:"versionType"`
	LessThan        string `json:"lessThan"`
	LessThanOrEqual string `json:"lessThanOrEqual"`
	Changes         []struct {
		At     string `json:"at"`
		Status string `json:"status"`
	} `json:"changes"`
}

type cve5Metric struct {
	V40   *cvssJSON `json:"cvssV4_0"`
	V31   *cvssJSON `json:"cvssV3_1"`
	V30   *cvssJSON `json:"cvssV3_0"`
	V20   *cvssJSON `json:"cvssV2_0"`
	Other *struct {
		Type string `json:"type"`
	} `json:"other"`
}

type cvssJSON struct {
	Vector       string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

// ReadCVE5 reads one CVE JSON 5 record (CVE_RECORD, data version 5.x). A
// REJECTED record is reported as an error naming the rejection reason.
func ReadCVE5(data []byte) Doc {
	if err := tooBig(data); err != nil {
		return Doc{Err: err}
	}
	var rec cve5Record
	if err := decodeOne(data, &rec); err != nil {
		return Doc{Err: err}
	}
	doc := Doc{ID: rec.Metadata.ID}
	doc.Advisory, doc.Problems, doc.Err = cve5Advisory(&rec)
	return doc
}

func cve5Advisory(rec *cve5Record) (advisory.Advisory, []string, error) {
	m := rec.Metadata
	if rec.DataType != "CVE_RECORD" {
		return advisory.Advisory{}, nil, invalid("dataType %q: want CVE_RECORD", rec.DataType)
	}
	if !strings.HasPrefix(rec.DataVersion, "5.") {
		return advisory.Advisory{}, nil, invalid("dataVersion %q: want 5.x", rec.DataVersion)
	}
	if !validCVE(m.ID) {
		return advisory.Advisory{}, nil, invalid("cveId %q is not a CVE id", m.ID)
	}
	switch m.State {
	case "PUBLISHED":
	case "REJECTED":
		reason := ""
		if rec.Containers.CNA != nil {
			reason = english(rec.Containers.CNA.RejectedReasons)
		}
		return advisory.Advisory{}, nil, invalid("%s is rejected: %s", m.ID, firstLine(reason, 200))
	default:
		return advisory.Advisory{}, nil, invalid("%s: state %q: want PUBLISHED or REJECTED", m.ID, m.State)
	}
	cna := rec.Containers.CNA
	if cna == nil {
		return advisory.Advisory{}, nil, invalid("%s: no CNA container", m.ID)
	}
	a := advisory.Advisory{
		Source: advisory.SourceCVE5, SourceID: m.ID, Publisher: m.Assigner, Revision: m.DateUpdated,
		Status: "final", TLP: tlp.Clear, CVEs: []string{m.ID},
		Published: parseTime(m.DatePublished), Updated: parseTime(m.DateUpdated),
	}
	if a.Publisher == "" {
		a.Publisher = cna.Provider.ShortName
	}
	a.Summary = english(cna.Descriptions)
	a.Title = cna.Title
	if a.Title == "" {
		a.Title = m.ID + ": " + firstLine(a.Summary, 120)
	}
	a.Action = english(cna.Solutions)
	var problems []string
	for _, r := range cna.References {
		a.References = addUnique(a.References, r.URL)
	}
	containers := append([]cve5Container{*cna}, rec.Containers.ADP...)
	for i, c := range containers {
		source := c.Provider.ShortName
		if i == 0 && source == "" {
			source = m.Assigner
		}
		for _, mt := range c.Metrics {
			for _, v := range []*cvssJSON{mt.V40, mt.V31, mt.V30, mt.V20} {
				if v == nil || v.Vector == "" {
					continue
				}
				s, err := ParseCVSS(v.Vector, source)
				if err != nil {
					problems = append(problems, scoreProblem(v.Vector, err))
					continue
				}
				a.Scores = append(a.Scores, s)
			}
			if mt.Other != nil && strings.EqualFold(mt.Other.Type, "kev") {
				a.KnownExploited = true
			}
		}
	}
	fallback := ""
	for _, mt := range cna.Metrics {
		for _, v := range []*cvssJSON{mt.V40, mt.V31, mt.V30, mt.V20} {
			if v != nil && v.BaseSeverity != "" {
				fallback = v.BaseSeverity
			}
		}
	}
	a.Severity = Severity(a.Scores, fallback)
	// CPE applicability statements (the CNA's, else an ADP's) name products
	// and ranges precisely; when there are some they are used instead of the
	// free-text affected entries.
	for _, c := range containers {
		if len(c.CPEs) > 0 {
			a.Products, problems = cpeProducts(c.CPEs, nil, problems)
			if len(a.Products) > 0 {
				return a, problems, nil
			}
		}
	}
	for i, af := range cna.Affected {
		ps, pr := cve5Products(af)
		for _, p := range pr {
			problems = append(problems, fmt.Sprintf("affected[%d]: %s", i, p))
		}
		a.Products = append(a.Products, ps...)
	}
	return a, problems, nil
}

func validCVE(id string) bool {
	rest, ok := strings.CutPrefix(id, "CVE-")
	if !ok || len(rest) < 9 || rest[4] != '-' {
		return false
	}
	for i, r := range rest {
		if i != 4 && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// english picks the English text of a list (or the first one).
func english(ts []cve5Text) string {
	for _, t := range ts {
		if strings.HasPrefix(strings.ToLower(t.Lang), "en") {
			return strings.TrimSpace(t.Value)
		}
	}
	if len(ts) > 0 {
		return strings.TrimSpace(ts[0].Value)
	}
	return ""
}

// cve5Products turns one affected entry into products.
func cve5Products(af cve5Affected) ([]advisory.Product, []string) {
	var problems []string
	name := strings.TrimSpace(strings.Join([]string{af.Vendor, af.Product}, " "))
	var base []advisory.Product
	for _, c := range af.CPEs {
		p, err := ParseCPE(c)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !containsProduct(base, p.Name, "") {
			base = append(base, advisory.Product{CPE: p.Name, Name: name})
		}
	}
	purlType := ""
	if len(base) == 0 {
		if purl, typ := purlFromCollection(af.CollectionURL, af.PackageName); purl != "" {
			base = append(base, advisory.Product{PURL: purl, Name: name})
			purlType = typ
		} else {
			product := af.Product
			if openBound(product) {
				product = af.PackageName
			}
			if cpe := CPEFor(af.Vendor, product); cpe != "" {
				base = append(base, advisory.Product{CPE: cpe, Name: name})
			}
		}
	}
	if len(base) == 0 {
		return nil, append(problems, "names no product (vendor and product are empty or n/a)")
	}
	var ranges []advisory.Range
	var versions []string
	skipped := 0
	for _, v := range af.Versions {
		if v.Status != "affected" {
			if v.Status == "unaffected" && af.DefaultStatus == "affected" {
				problems = append(problems, fmt.Sprintf("unaffected version %q under default status affected is not modelled", v.Version))
			}
			continue
		}
		scheme, ok := schemeForVersionType(v.VersionType, purlType)
		if !ok {
			problems = append(problems, fmt.Sprintf("version %q of type %q cannot be compared; skipped", v.Version, v.VersionType))
			skipped++
			continue
		}
		switch {
		case v.LessThan != "" || v.LessThanOrEqual != "":
			rs, p := cve5Range(v, scheme)
			ranges = append(ranges, rs...)
			problems = append(problems, p...)
		default:
			if r, ok := ParseComparators(v.Version, scheme); ok {
				ranges = append(ranges, r)
			} else if openBound(v.Version) {
				ranges = append(ranges, advisory.Range{Scheme: scheme})
			} else {
				versions = addUnique(versions, v.Version)
			}
		}
	}
	if len(ranges) == 0 && len(versions) == 0 {
		if skipped > 0 || (len(af.Versions) > 0 && af.DefaultStatus != "affected") || (len(af.Versions) == 0 && af.DefaultStatus == "unaffected") {
			return nil, append(problems, fmt.Sprintf("%s: no comparable affected version; product left out", name))
		}
	}
	for i := range base {
		base[i].Ranges, base[i].Versions = ranges, versions
	}
	return base, problems
}

func containsProduct(ps []advisory.Product, cpe, purl string) bool {
	for _, p := range ps {
		if p.CPE == cpe && p.PURL == purl {
			return true
		}
	}
	return false
}

// wildcardUpper turns "5.15.*" (the last version of the 5.15 line) into the
// exclusive bound "5.16"; other values stay inclusive.
func wildcardUpper(v string) (string, bool) {
	pre, ok := strings.CutSuffix(v, ".*")
	if !ok {
		return v, true
	}
	i := strings.LastIndex(pre, ".")
	head, last := "", pre
	if i >= 0 {
		head, last = pre[:i+1], pre[i+1:]
	}
	n := 0
	for _, r := range last {
		if r < '0' || r > '9' {
			return v, true
		}
		n = n*10 + int(r-'0')
	}
	return fmt.Sprintf("%s%d", head, n+1), false
}

// schemeForVersionType maps a CVE record's versionType to a scheme; git
// commits cannot be compared.
func schemeForVersionType(vt, purlType string) (string, bool) {
	switch strings.ToLower(vt) {
	case "semver":
		return advisory.SchemeSemver, true
	case "python", "pypi", "pep440":
		return advisory.SchemePEP440, true
	case "maven":
		return advisory.SchemeMaven, true
	case "rpm":
		return advisory.SchemeRPM, true
	case "deb", "debian":
		return advisory.SchemeDeb, true
	case "git":
		return "", false
	}
	if s := SchemeForPURLType(purlType); s != "" {
		return s, true
	}
	return advisory.SchemeCPE, true
}

// purlFromCollection derives a package URL from a CVE record's
// collectionURL and packageName for the registries that have a purl type.
func purlFromCollection(collection, pkg string) (string, string) {
	pkg = strings.TrimSpace(pkg)
	if collection == "" || pkg == "" {
		return "", ""
	}
	u, err := url.Parse(collection)
	if err != nil {
		return "", ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	typ := ""
	switch host {
	case "pypi.org", "pypi.python.org":
		typ = "pypi"
	case "npmjs.com", "registry.npmjs.org":
		typ = "npm"
	case "repo.maven.apache.org", "repo1.maven.org", "search.maven.org":
		typ = "maven"
	case "crates.io":
		typ = "cargo"
	case "rubygems.org":
		typ = "gem"
	case "pkg.go.dev", "proxy.golang.org":
		typ = "golang"
	case "packagist.org":
		typ = "composer"
	case "nuget.org", "api.nuget.org":
		typ = "nuget"
	default:
		return "", ""
	}
	ns, name := "", pkg
	switch typ {
	case "maven":
		if g, a, ok := strings.Cut(pkg, ":"); ok {
			ns, name = g, a
		}
	case "npm", "golang", "composer":
		if i := strings.LastIndex(pkg, "/"); i > 0 {
			ns, name = pkg[:i], pkg[i+1:]
		}
	}
	p, err := ParsePURL(purlString(typ, ns, name))
	if err != nil {
		return "", ""
	}
	return p.Name, typ
}

func purlString(typ, ns, name string) string {
	esc := func(s string) string {
		parts := strings.Split(s, "/")
		for i, p := range parts {
			parts[i] = url.PathEscape(p)
		}
		return strings.Join(parts, "/")
	}
	if ns != "" {
		return "pkg:" + typ + "/" + esc(ns) + "/" + url.PathEscape(name)
	}
	return "pkg:" + typ + "/" + url.PathEscape(name)
}

// cve5Range reads one "version … lessThan(OrEqual)" entry, with its
// "changes" (points where the status flips) into ranges.
func cve5Range(v cve5Version, scheme string) ([]advisory.Range, []string) {
	var problems []string
	var out []advisory.Range
	open := &advisory.Range{Scheme: scheme}
	if !openBound(v.Version) {
		open.Lower, open.LowerInclusive = v.Version, true
	}
	for _, c := range v.Changes {
		switch c.Status {
		case "unaffected":
			if open != nil {
				open.Upper = c.At
				out = append(out, *open)
				open = nil
			}
		case "affected":
			if open == nil {
				open = &advisory.Range{Scheme: scheme, Lower: c.At, LowerInclusive: true}
			}
		}
	}
	if open == nil {
		return out, nil
	}
	switch {
	case v.LessThan != "" && versionish(v.LessThan):
		open.Upper = v.LessThan
	case v.LessThanOrEqual != "" && versionish(v.LessThanOrEqual):
		open.Upper, open.UpperInclusive = wildcardUpper(v.LessThanOrEqual)
	case !openBound(v.LessThan + v.LessThanOrEqual):
		problems = append(problems, fmt.Sprintf("upper bound %q is not a version; range left open", v.LessThan+v.LessThanOrEqual))
	}
	return append(out, *open), problems
}

// versionish reports whether s looks like a version (starts with a digit,
// or v and a digit).
func versionish(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	return s != "" && s[0] >= '0' && s[0] <= '9'
}
