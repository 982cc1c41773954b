package csaf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
	"github.com/khien-cert/khien/internal/vulnfeed"
)

// Note titles Khiên writes its Vietnamese text under (and reads back).
const (
	titleVINote   = "Tiêu đề (tiếng Việt)"
	summaryVINote = "Tóm tắt (tiếng Việt)"
	actionVINote  = "Hành động yêu cầu (tiếng Việt)"
	summaryNote   = "Summary"
)

// product is what a product id resolves to.
type product struct {
	name     string // full product name
	cpe      string // CPE with version ANY
	purl     string // package URL without version
	scheme   string // the scheme its versions compare in
	version  string // exact version (product_version branch, purl or CPE version)
	vers     string // product_version_range branch name
	resolved bool
	bad      string // why its CPE or purl could not be read
}

func (p product) key() string {
	if p.cpe != "" {
		return "c:" + p.cpe
	}
	return "p:" + p.purl
}

// Convert turns a validated document into an advisory. Notes say what could
// not be carried over.
func Convert(doc *Document) (advisory.Advisory, []string) {
	d := doc.Document
	a := advisory.Advisory{
		Source: advisory.SourceCSAF, SourceID: d.Tracking.ID, Publisher: d.Publisher.Name,
		Revision: d.Tracking.Version, Status: d.Tracking.Status, Title: d.Title,
	}
	if t, err := parseRFC3339(d.Tracking.InitialReleaseDate); err == nil {
		a.Published = t.UTC()
	}
	if t, err := parseRFC3339(d.Tracking.CurrentReleaseDate); err == nil {
		a.Updated = t.UTC()
	}
	var notes []string
	a.TLP = tlp.Amber
	if d.Distribution != nil && d.Distribution.TLP != nil {
		if l, err := tlp.Parse(d.Distribution.TLP.Label); err == nil {
			a.TLP = l
		}
	} else {
		notes = append(notes, "no TLP label: kept as TLP:AMBER")
	}
	for _, n := range d.Notes {
		switch {
		case n.Title == titleVINote:
			a.TitleVI = n.Text
		case n.Title == summaryVINote:
			a.SummaryVI = n.Text
		case n.Title == actionVINote:
			a.ActionVI = n.Text
		case a.Summary == "" && (n.Category == "summary" || n.Category == "description"):
			a.Summary = n.Text
		}
	}
	if a.Summary == "" {
		for _, n := range d.Notes {
			if n.Category == "general" || n.Category == "details" {
				a.Summary = n.Text
				break
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(d.Lang), "vi") {
		a.TitleVI, a.SummaryVI = first(a.TitleVI, a.Title), first(a.SummaryVI, a.Summary)
	}
	for _, r := range d.References {
		a.References = appendNew(a.References, r.URL)
	}
	products := resolve(doc.ProductTree)
	var fallback string
	if d.AggregateSeverity != nil {
		fallback = d.AggregateSeverity.Text
	}
	seenVec := map[string]bool{}
	affected := map[string]*advisory.Product{}
	every := map[string]bool{} // listed affected with no version: every version
	var order []string
	for i, v := range doc.Vulnerabilities {
		if v.CVE != "" {
			a.CVEs = appendNew(a.CVEs, v.CVE)
		}
		for _, s := range v.Scores {
			for _, c := range []*CVSS{s.CVSSv3, s.CVSSv2} {
				if c == nil || seenVec[c.VectorString] {
					continue
				}
				seenVec[c.VectorString] = true
				sc, err := vulnfeed.ParseCVSS(c.VectorString, d.Publisher.Name)
				if err != nil {
					notes = append(notes, err.Error())
					continue
				}
				a.Scores = append(a.Scores, sc)
			}
		}
		for _, r := range v.Remediations {
			if a.Action == "" && (r.Category == "vendor_fix" || r.Category == "mitigation" || r.Category == "workaround") {
				a.Action = r.Details
			}
		}
		for _, r := range v.References {
			a.References = appendNew(a.References, r.URL)
		}
		if v.ProductStatus == nil {
			continue
		}
		s := v.ProductStatus
		// status: "affected", "first" (first_affected: this version and
		// later), "last" (last_affected: up to this version) or "fixed".
		add := func(ids []string, status string) {
			for _, id := range ids {
				p, ok := products[id]
				if !ok || !p.resolved {
					why := "has neither CPE nor package URL"
					if p.bad != "" {
						why = p.bad
					}
					notes = appendNew(notes, fmt.Sprintf("vulnerability %d: product %q %s; not matched", i, id, why))
					continue
				}
				k := p.key()
				ap := affected[k]
				if ap == nil {
					ap = &advisory.Product{CPE: p.cpe, PURL: p.purl, Name: p.name}
					affected[k] = ap
					order = append(order, k)
				}
				if status == "fixed" {
					if p.version != "" {
						ap.Fixed = appendNew(ap.Fixed, p.version)
					}
					continue
				}
				if p.version != "" && p.vers == "" && status != "affected" {
					r := advisory.Range{Scheme: first(p.scheme, advisory.SchemeCPE), Lower: p.version, LowerInclusive: true}
					if status == "last" {
						r = advisory.Range{Scheme: r.Scheme, Upper: p.version, UpperInclusive: true}
					}
					if !slices.Contains(ap.Ranges, r) {
						ap.Ranges = append(ap.Ranges, r)
					}
					continue
				}
				ns, all := affect(ap, p)
				notes = append(notes, ns...)
				if all {
					every[k] = true
				}
			}
		}
		add(s.KnownAffected, "affected")
		add(s.FirstAffected, "first")
		add(s.LastAffected, "last")
		add(s.Fixed, "fixed")
		add(s.FirstFixed, "fixed")
	}
	for _, k := range order {
		ap := affected[k]
		if len(ap.Ranges) == 0 && len(ap.Versions) == 0 {
			if len(ap.Fixed) == 0 {
				if every[k] {
					a.Products = append(a.Products, *ap)
				}
				continue
			}
			// Only fixed versions are listed (the Red Hat way): what
			// comes before the fixed version is affected.
			scheme := schemeOf(ap)
			if scheme == "" {
				notes = append(notes, fmt.Sprintf("%s: fixed versions %v cannot be compared; not matched", ap.Name, ap.Fixed))
				continue
			}
			for _, f := range ap.Fixed {
				ap.Ranges = append(ap.Ranges, advisory.Range{Scheme: scheme, Upper: f})
			}
		}
		a.Products = append(a.Products, *ap)
	}
	a.Severity = vulnfeed.Severity(a.Scores, fallback)
	return a, notes
}

// affect records an affected product's versions on ap; all reports a
// product listed with no version at all (every version is affected).
func affect(ap *advisory.Product, p product) (notes []string, all bool) {
	switch {
	case strings.HasPrefix(p.vers, "vers:"):
		rs, vs, err := vulnfeed.ParseVers(p.vers)
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", p.name, err)}, false
		}
		for _, r := range rs {
			if !slices.Contains(ap.Ranges, r) {
				ap.Ranges = append(ap.Ranges, r)
			}
		}
		ap.Versions = appendNew(ap.Versions, vs...)
	case p.vers != "":
		scheme := first(p.scheme, advisory.SchemeCPE)
		if r, ok := vulnfeed.ParseComparators(p.vers, scheme); ok {
			if !slices.Contains(ap.Ranges, r) {
				ap.Ranges = append(ap.Ranges, r)
			}
			return nil, false
		}
		return []string{fmt.Sprintf("%s: version range %q is free text; not matched", p.name, p.vers)}, false
	case p.version != "":
		ap.Versions = appendNew(ap.Versions, p.version)
	default:
		return nil, true
	}
	return nil, false
}

func schemeOf(p *advisory.Product) string {
	if p.PURL != "" {
		if u, err := vulnfeed.ParsePURL(p.PURL); err == nil {
			return vulnfeed.SchemeForPURLType(u.Type)
		}
		return ""
	}
	return advisory.SchemeCPE
}

// resolve maps every product id to what identifies it: its own helper, the
// branches above it (vendor, product name, version or range), or — for a
// relationship — the component it names.
func resolve(pt *ProductTree) map[string]product {
	out := map[string]product{}
	if pt == nil {
		return out
	}
	type ctx struct{ vendor, name, version, vers string }
	var walk func(bs []Branch, c ctx)
	walk = func(bs []Branch, c ctx) {
		for _, b := range bs {
			cc := c
			switch b.Category {
			case "vendor":
				cc.vendor = b.Name
			case "product_name":
				cc.name = b.Name
			case "product_version":
				cc.version = b.Name
			case "product_version_range":
				cc.vers = b.Name
			}
			if b.Product != nil {
				p := fromHelper(*b.Product)
				p.name = first(cc.name, p.name)
				if !p.resolved && cc.vendor != "" && cc.name != "" {
					if cpe := vulnfeed.CPEFor(cc.vendor, cc.name); cpe != "" {
						p.cpe, p.scheme, p.resolved = cpe, advisory.SchemeCPE, true
					}
				}
				if p.version == "" {
					p.version = cc.version
				}
				p.vers = cc.vers
				out[b.Product.ProductID] = p
			}
			walk(b.Branches, cc)
		}
	}
	walk(pt.Branches, ctx{})
	for _, f := range pt.FullProductNames {
		out[f.ProductID] = fromHelper(f)
	}
	// Relationships may chain; resolve until nothing changes.
	for range len(pt.Relationships) + 1 {
		changed := false
		for _, r := range pt.Relationships {
			id := r.FullProductName.ProductID
			if out[id].resolved {
				continue
			}
			p := fromHelper(r.FullProductName)
			if !p.resolved {
				if c, ok := out[r.ProductReference]; ok && c.resolved {
					p = c
				} else if c, ok := out[r.RelatesToProductReference]; ok && c.resolved && r.Category != "default_component_of" && r.Category != "installed_on" {
					p = c
				}
			}
			if p.resolved {
				p.name = first(r.FullProductName.Name, p.name)
				out[id] = p
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return out
}

func fromHelper(f FullProductName) product {
	p := product{name: f.Name}
	if f.Helper == nil {
		return p
	}
	if f.Helper.PURL != "" {
		u, err := vulnfeed.ParsePURL(f.Helper.PURL)
		if err == nil {
			p.purl, p.version, p.scheme, p.resolved = u.Name, u.Version, vulnfeed.SchemeForPURLType(u.Type), true
			return p
		}
		p.bad = err.Error()
	}
	if f.Helper.CPE != "" {
		c, err := vulnfeed.ParseCPE(f.Helper.CPE)
		if err == nil {
			p.cpe, p.version, p.scheme, p.resolved, p.bad = c.Name, c.Version, advisory.SchemeCPE, true, ""
			return p
		}
		p.bad = err.Error()
	}
	return p
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
