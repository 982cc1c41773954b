package csaf

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	packageurl "github.com/package-url/packageurl-go"
	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	"golang.org/x/text/language"
)

// testNames are the mandatory tests of CSAF 2.0 section 6.1 this package
// runs. 6.1.8 (invalid CVSS) is the schema's; 6.1.10 compares the base
// metrics only; 6.1.11 (CWE names, which need the CWE catalogue) is not run.
var testNames = map[string]string{
	"json":      "JSON",
	"schema":    "JSON schema",
	"6.1.1":     "Missing Definition of Product ID",
	"6.1.2":     "Multiple Definition of Product ID",
	"6.1.3":     "Circular Definition of Product ID",
	"6.1.4":     "Missing Definition of Product Group ID",
	"6.1.5":     "Multiple Definition of Product Group ID",
	"6.1.6":     "Contradicting Product Status",
	"6.1.7":     "Multiple Scores with same Version per Product",
	"6.1.9":     "Invalid CVSS computation",
	"6.1.12":    "Language",
	"6.1.13":    "PURL",
	"6.1.14":    "Sorted Revision History",
	"6.1.15":    "Translator",
	"6.1.16":    "Latest Document Version",
	"6.1.17":    "Document Status Draft",
	"6.1.18":    "Released Revision History",
	"6.1.19":    "Revision History Entries for Pre-release Versions",
	"6.1.20":    "Non-draft Document Version",
	"6.1.21":    "Missing Item in Revision History",
	"6.1.22":    "Multiple Definition in Revision History",
	"6.1.23":    "Multiple Use of Same CVE",
	"6.1.24":    "Multiple Definition in Involvements",
	"6.1.25":    "Multiple Use of Same Hash Algorithm",
	"6.1.26":    "Prohibited Document Category Name",
	"6.1.27.1":  "Document Notes",
	"6.1.27.2":  "Document References",
	"6.1.27.3":  "Vulnerabilities",
	"6.1.27.4":  "Product Tree",
	"6.1.27.5":  "Vulnerability Notes",
	"6.1.27.6":  "Product Status",
	"6.1.27.7":  "VEX Product Status",
	"6.1.27.8":  "Vulnerability ID",
	"6.1.27.9":  "Impact Statement",
	"6.1.27.10": "Action Statement",
	"6.1.27.11": "Vulnerabilities",
	"6.1.28":    "Translation",
	"6.1.29":    "Remediation without Product Reference",
	"6.1.30":    "Mixed Integer and Semantic Versioning",
	"6.1.31":    "Version Range in Product Version",
	"6.1.32":    "Flag without Product Reference",
	"6.1.33":    "Multiple Flags with VEX Justification Codes per Product",
}

// Mandatory runs the mandatory tests on a decoded document and returns the
// problems found, in test order.
func Mandatory(doc *Document) []Problem {
	m := &checker{doc: doc}
	m.products()
	m.groups()
	m.status()
	m.scores()
	m.languages()
	m.purls()
	m.revisions()
	m.vulnerabilities()
	m.category()
	m.profiles()
	return m.ps
}

type checker struct {
	doc *Document
	ps  []Problem
}

func (m *checker) add(test, path, format string, a ...any) {
	m.ps = append(m.ps, Problem{Test: test, Path: path, Message: fmt.Sprintf(format, a...)})
}

type ref struct{ id, path string }

// definitions returns every product id defined, with where.
func (m *checker) definitions() []ref {
	var defs []ref
	pt := m.doc.ProductTree
	if pt == nil {
		return nil
	}
	var walk func(bs []Branch, path string)
	walk = func(bs []Branch, path string) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/branches/%d", path, i)
			if b.Product != nil {
				defs = append(defs, ref{b.Product.ProductID, p + "/product/product_id"})
			}
			walk(b.Branches, p)
		}
	}
	walk(pt.Branches, "/product_tree")
	for i, f := range pt.FullProductNames {
		defs = append(defs, ref{f.ProductID, fmt.Sprintf("/product_tree/full_product_names/%d/product_id", i)})
	}
	for i, r := range pt.Relationships {
		defs = append(defs, ref{r.FullProductName.ProductID, fmt.Sprintf("/product_tree/relationships/%d/full_product_name/product_id", i)})
	}
	return defs
}

// references returns every product id referenced, with where.
func (m *checker) references() []ref {
	var refs []ref
	list := func(ids []string, path string) {
		for j, id := range ids {
			refs = append(refs, ref{id, fmt.Sprintf("%s/%d", path, j)})
		}
	}
	if pt := m.doc.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			list(g.ProductIDs, fmt.Sprintf("/product_tree/product_groups/%d/product_ids", i))
		}
		for i, r := range pt.Relationships {
			refs = append(refs, ref{r.ProductReference, fmt.Sprintf("/product_tree/relationships/%d/product_reference", i)},
				ref{r.RelatesToProductReference, fmt.Sprintf("/product_tree/relationships/%d/relates_to_product_reference", i)})
		}
	}
	for i, v := range m.doc.Vulnerabilities {
		base := fmt.Sprintf("/vulnerabilities/%d", i)
		if s := v.ProductStatus; s != nil {
			for name, ids := range statusLists(s) {
				list(ids, base+"/product_status/"+name)
			}
		}
		for j, s := range v.Scores {
			list(s.Products, fmt.Sprintf("%s/scores/%d/products", base, j))
		}
		for j, r := range v.Remediations {
			list(r.ProductIDs, fmt.Sprintf("%s/remediations/%d/product_ids", base, j))
		}
		for j, t := range v.Threats {
			list(t.ProductIDs, fmt.Sprintf("%s/threats/%d/product_ids", base, j))
		}
		for j, f := range v.Flags {
			list(f.ProductIDs, fmt.Sprintf("%s/flags/%d/product_ids", base, j))
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int { return strings.Compare(a.path, b.path) })
	return refs
}

func statusLists(s *ProductStatus) map[string][]string {
	return map[string][]string{
		"first_affected": s.FirstAffected, "first_fixed": s.FirstFixed, "fixed": s.Fixed,
		"known_affected": s.KnownAffected, "known_not_affected": s.KnownNotAffected,
		"last_affected": s.LastAffected, "recommended": s.Recommended, "under_investigation": s.UnderInvestigation,
	}
}

// products runs 6.1.1, 6.1.2 and 6.1.3.
func (m *checker) products() {
	defined := map[string]string{}
	for _, d := range m.definitions() {
		if first, ok := defined[d.id]; ok {
			m.add("6.1.2", d.path, "product id %q is already defined at %s", d.id, first)
			continue
		}
		defined[d.id] = d.path
	}
	for _, r := range m.references() {
		if _, ok := defined[r.id]; !ok {
			m.add("6.1.1", r.path, "product id %q is not defined", r.id)
		}
	}
	pt := m.doc.ProductTree
	if pt == nil {
		return
	}
	edges := map[string][]string{}
	for _, r := range pt.Relationships {
		id := r.FullProductName.ProductID
		edges[id] = append(edges[id], r.ProductReference, r.RelatesToProductReference)
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case 1:
			return true
		case 2:
			return false
		}
		state[id] = 1
		for _, n := range edges[id] {
			if visit(n) {
				return true
			}
		}
		state[id] = 2
		return false
	}
	for i, r := range pt.Relationships {
		id := r.FullProductName.ProductID
		if state[id] == 0 && visit(id) {
			m.add("6.1.3", fmt.Sprintf("/product_tree/relationships/%d", i), "product id %q is defined through itself", id)
		}
	}
}

// groups runs 6.1.4 and 6.1.5.
func (m *checker) groups() {
	defined := map[string]bool{}
	if pt := m.doc.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			if defined[g.GroupID] {
				m.add("6.1.5", fmt.Sprintf("/product_tree/product_groups/%d/group_id", i), "group id %q is defined twice", g.GroupID)
			}
			defined[g.GroupID] = true
		}
	}
	check := func(ids []string, path string) {
		for j, id := range ids {
			if !defined[id] {
				m.add("6.1.4", fmt.Sprintf("%s/%d", path, j), "group id %q is not defined", id)
			}
		}
	}
	for i, v := range m.doc.Vulnerabilities {
		for j, r := range v.Remediations {
			check(r.GroupIDs, fmt.Sprintf("/vulnerabilities/%d/remediations/%d/group_ids", i, j))
		}
		for j, t := range v.Threats {
			check(t.GroupIDs, fmt.Sprintf("/vulnerabilities/%d/threats/%d/group_ids", i, j))
		}
		for j, f := range v.Flags {
			check(f.GroupIDs, fmt.Sprintf("/vulnerabilities/%d/flags/%d/group_ids", i, j))
		}
	}
}

// status runs 6.1.6: a product in two contradicting status groups.
func (m *checker) status() {
	for i, v := range m.doc.Vulnerabilities {
		s := v.ProductStatus
		if s == nil {
			continue
		}
		group := map[string]string{}
		for _, g := range []struct {
			name  string
			lists [][]string
		}{
			{"affected", [][]string{s.FirstAffected, s.KnownAffected, s.LastAffected}},
			{"not affected", [][]string{s.KnownNotAffected}},
			{"fixed", [][]string{s.FirstFixed, s.Fixed}},
			{"under investigation", [][]string{s.UnderInvestigation}},
		} {
			for _, l := range g.lists {
				for _, id := range l {
					if prev, ok := group[id]; ok && prev != g.name {
						m.add("6.1.6", fmt.Sprintf("/vulnerabilities/%d/product_status", i), "product %q is both %s and %s", id, prev, g.name)
					}
					group[id] = g.name
				}
			}
		}
	}
}

// scores runs 6.1.7 and 6.1.9.
func (m *checker) scores() {
	for i, v := range m.doc.Vulnerabilities {
		seen := map[string]bool{}
		for j, s := range v.Scores {
			path := fmt.Sprintf("/vulnerabilities/%d/scores/%d", i, j)
			for _, p := range s.Products {
				for _, c := range []*CVSS{s.CVSSv2, s.CVSSv3} {
					if c == nil {
						continue
					}
					k := p + "\x00" + c.Version
					if seen[k] {
						m.add("6.1.7", path, "product %q has a second CVSS %s score", p, c.Version)
					}
					seen[k] = true
				}
			}
			if c := s.CVSSv3; c != nil {
				m.cvss3(c, path+"/cvss_v3")
				m.consistent(c, path+"/cvss_v3")
			}
			if c := s.CVSSv2; c != nil {
				m.consistent(c, path+"/cvss_v2")
				if x, err := gocvss20.ParseVector(c.VectorString); err != nil {
					m.add("6.1.9", path+"/cvss_v2/vectorString", "vector %q: %v", c.VectorString, err)
				} else if math.Abs(x.BaseScore()-c.BaseScore) > 0.05 {
					m.add("6.1.9", path+"/cvss_v2/baseScore", "baseScore %.1f, the vector gives %.1f", c.BaseScore, x.BaseScore())
				}
			}
		}
	}
}

func (m *checker) cvss3(c *CVSS, path string) {
	var base float64
	switch {
	case c.Version == "3.1" && strings.HasPrefix(c.VectorString, "CVSS:3.1/"):
		x, err := gocvss31.ParseVector(c.VectorString)
		if err != nil {
			m.add("6.1.9", path+"/vectorString", "vector %q: %v", c.VectorString, err)
			return
		}
		base = x.BaseScore()
	case c.Version == "3.0" && strings.HasPrefix(c.VectorString, "CVSS:3.0/"):
		x, err := gocvss30.ParseVector(c.VectorString)
		if err != nil {
			m.add("6.1.9", path+"/vectorString", "vector %q: %v", c.VectorString, err)
			return
		}
		base = x.BaseScore()
	default:
		m.add("6.1.9", path+"/version", "version %q does not match vector %q", c.Version, c.VectorString)
		return
	}
	if math.Abs(base-c.BaseScore) > 0.05 {
		m.add("6.1.9", path+"/baseScore", "baseScore %.1f, the vector gives %.1f", c.BaseScore, base)
	}
	if want := cvss3Severity(base); c.BaseSeverity != "" && !strings.EqualFold(c.BaseSeverity, want) {
		m.add("6.1.9", path+"/baseSeverity", "baseSeverity %s, the score %.1f is %s", c.BaseSeverity, base, want)
	}
}

func cvss3Severity(s float64) string {
	switch {
	case s >= 9:
		return "CRITICAL"
	case s >= 7:
		return "HIGH"
	case s >= 4:
		return "MEDIUM"
	case s > 0:
		return "LOW"
	}
	return "NONE"
}

// languages runs 6.1.12, 6.1.15 and 6.1.28.
func (m *checker) languages() {
	d := m.doc.Document
	for _, l := range []struct{ v, path string }{{d.Lang, "/document/lang"}, {d.SourceLang, "/document/source_lang"}} {
		if l.v == "" {
			continue
		}
		if _, err := language.Parse(l.v); err != nil || strings.EqualFold(l.v, "i-default") {
			m.add("6.1.12", l.path, "%q is not a valid language tag", l.v)
		}
	}
	if d.Publisher.Category == "translator" && d.SourceLang == "" {
		m.add("6.1.15", "/document/source_lang", "a translator's document must name its source language")
	}
	if d.Lang != "" && strings.EqualFold(d.Lang, d.SourceLang) {
		m.add("6.1.28", "/document/lang", "lang and source_lang are both %q", d.Lang)
	}
}

// purls runs 6.1.13, 6.1.25 and 6.1.31 over the product tree.
func (m *checker) purls() {
	check := func(f *FullProductName, path string) {
		if f == nil || f.Helper == nil {
			return
		}
		if p := f.Helper.PURL; p != "" {
			if _, err := packageurl.FromString(p); err != nil {
				m.add("6.1.13", path+"/product_identification_helper/purl", "%q is not a package URL: %v", p, err)
			}
		}
		for i, h := range f.Helper.Hashes {
			seen := map[string]bool{}
			for _, fh := range h.FileHashes {
				a := strings.ToLower(fh.Algorithm)
				if seen[a] {
					m.add("6.1.25", fmt.Sprintf("%s/product_identification_helper/hashes/%d", path, i), "hash algorithm %s is used twice for %s", fh.Algorithm, h.Filename)
				}
				seen[a] = true
			}
		}
	}
	pt := m.doc.ProductTree
	if pt == nil {
		return
	}
	var walk func(bs []Branch, path string)
	walk = func(bs []Branch, path string) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/branches/%d", path, i)
			if b.Category == "product_version" && versionRangeName(b.Name) {
				m.add("6.1.31", p+"/name", "product_version %q names a range; use product_version_range", b.Name)
			}
			check(b.Product, p+"/product")
			walk(b.Branches, p)
		}
	}
	walk(pt.Branches, "/product_tree")
	for i := range pt.FullProductNames {
		check(&pt.FullProductNames[i], fmt.Sprintf("/product_tree/full_product_names/%d", i))
	}
	for i := range pt.Relationships {
		check(&pt.Relationships[i].FullProductName, fmt.Sprintf("/product_tree/relationships/%d/full_product_name", i))
	}
}

var rangeWords = regexp.MustCompile(`(?i)(^|\s)(after|all|before|earlier|later|prior|versions)(\s|$)`)

func versionRangeName(s string) bool {
	return strings.ContainsAny(s, "<>") || rangeWords.MatchString(s)
}

// vulnerabilities runs 6.1.23, 6.1.24, 6.1.29, 6.1.32 and 6.1.33.
func (m *checker) vulnerabilities() {
	cves := map[string]int{}
	for i, v := range m.doc.Vulnerabilities {
		base := fmt.Sprintf("/vulnerabilities/%d", i)
		if v.CVE != "" {
			if j, ok := cves[v.CVE]; ok {
				m.add("6.1.23", base+"/cve", "%s is already used by vulnerability %d", v.CVE, j)
			}
			cves[v.CVE] = i
		}
		inv := map[string]bool{}
		for j, in := range v.Involvements {
			k := in.Party + "\x00" + normDate(in.Date)
			if inv[k] {
				m.add("6.1.24", fmt.Sprintf("%s/involvements/%d", base, j), "party %s at date %q is listed twice", in.Party, in.Date)
			}
			inv[k] = true
		}
		for j, r := range v.Remediations {
			if len(r.ProductIDs) == 0 && len(r.GroupIDs) == 0 {
				m.add("6.1.29", fmt.Sprintf("%s/remediations/%d", base, j), "remediation names no product or group")
			}
		}
		flagged := map[string]bool{}
		groups := m.groupMembers()
		for j, f := range v.Flags {
			path := fmt.Sprintf("%s/flags/%d", base, j)
			if len(f.ProductIDs) == 0 && len(f.GroupIDs) == 0 {
				m.add("6.1.32", path, "flag names no product or group")
			}
			ids := slices.Clone(f.ProductIDs)
			for _, g := range f.GroupIDs {
				ids = append(ids, groups[g]...)
			}
			for _, id := range ids {
				if flagged[id] {
					m.add("6.1.33", path, "product %q has a second VEX justification flag", id)
				}
				flagged[id] = true
			}
		}
	}
}

func (m *checker) groupMembers() map[string][]string {
	out := map[string][]string{}
	if pt := m.doc.ProductTree; pt != nil {
		for _, g := range pt.ProductGroups {
			out[g.GroupID] = append(out[g.GroupID], g.ProductIDs...)
		}
	}
	return out
}

// consistent runs 6.1.10: each base metric spelled out in the object must
// say what the vector says.
func (m *checker) consistent(c *CVSS, path string) {
	vec := map[string]string{}
	for part := range strings.SplitSeq(strings.TrimPrefix(strings.TrimPrefix(c.VectorString, "CVSS:3.1/"), "CVSS:3.0/"), "/") {
		if k, v, ok := strings.Cut(part, ":"); ok {
			vec[k] = v
		}
	}
	for _, p := range []struct{ key, name, value string }{
		{"AV", "attackVector", c.AttackVector}, {"AC", "attackComplexity", c.AttackComplexity},
		{"PR", "privilegesRequired", c.PrivilegesRequired}, {"UI", "userInteraction", c.UserInteraction},
		{"S", "scope", c.Scope}, {"AV", "accessVector", c.AccessVector}, {"AC", "accessComplexity", c.AccessComplexity},
		{"Au", "authentication", c.Authentication}, {"C", "confidentialityImpact", c.ConfidentialityImpact},
		{"I", "integrityImpact", c.IntegrityImpact}, {"A", "availabilityImpact", c.AvailabilityImpact},
	} {
		if p.value == "" {
			continue
		}
		if want, ok := vec[p.key]; ok && metricLetter(p.value) != want {
			m.add("6.1.10", path+"/"+p.name, "%s is %s but the vector says %s:%s", p.name, p.value, p.key, want)
		}
	}
}

// metricLetter is the vector letter of a spelled-out metric value.
func metricLetter(v string) string {
	switch v {
	case "ADJACENT_NETWORK":
		return "A"
	case "MULTIPLE":
		return "M"
	}
	if v == "" {
		return ""
	}
	return v[:1]
}
