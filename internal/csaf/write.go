package csaf

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
	"github.com/khien-cert/khien/internal/vulnfeed"
)

// Issuer is who publishes the platform's advisories: the CERT, from the
// configuration.
type Issuer struct {
	Name      string // "VNCERT/CC"
	Namespace string // the CERT's web site, "https://vncert.vn"
	Contact   string // contact details, optional
	Engine    string // generator version, optional
}

// TLPLabel is the CSAF 2.0 (TLP 1.0) label of a TLP 2.0 level.
func TLPLabel(l tlp.Level) string {
	switch l {
	case tlp.Clear:
		return "WHITE"
	case tlp.Green:
		return "GREEN"
	case tlp.Amber, tlp.AmberStrict:
		return "AMBER"
	}
	return "RED"
}

var cveRe = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// FromAdvisory builds the CSAF security advisory of one of the platform's
// own advisories. docURL, when set, is the document's canonical URL (a
// self reference).
func FromAdvisory(a advisory.Advisory, is Issuer, docURL string) (*Document, error) {
	if strings.TrimSpace(is.Name) == "" || strings.TrimSpace(is.Namespace) == "" {
		return nil, errors.New("csaf: the issuer needs a name and a namespace URL")
	}
	id := strings.TrimSpace(first(a.SourceID, a.ID))
	if id == "" {
		return nil, errors.New("csaf: the advisory has no id")
	}
	if len(a.Products) == 0 {
		return nil, fmt.Errorf("csaf: advisory %s names no product", id)
	}
	title := strings.TrimSpace(first(a.Title, a.TitleVI, id))
	d := &Document{Document: Meta{
		Category: CategorySecurity, CSAFVersion: "2.0", Lang: "en", Title: title,
		Publisher:    Publisher{Category: "coordinator", Name: is.Name, Namespace: is.Namespace, ContactDetails: is.Contact},
		Distribution: &Distribution{TLP: &TLP{Label: TLPLabel(a.TLP), URL: "https://www.first.org/tlp/"}},
	}}
	if a.Severity != "" && a.Severity != advisory.SeverityNone {
		d.Document.AggregateSeverity = &AggregateSeverity{Text: a.Severity}
	}
	d.Document.Tracking = tracking(a, id, is)
	summary := strings.TrimSpace(first(a.Summary, a.SummaryVI, title))
	notes := []Note{{Category: "summary", Title: summaryNote, Text: summary}}
	for _, n := range []struct{ title, text string }{{titleVINote, a.TitleVI}, {summaryVINote, a.SummaryVI}, {actionVINote, a.ActionVI}} {
		if t := strings.TrimSpace(n.text); t != "" {
			notes = append(notes, Note{Category: "general", Title: n.title, Text: t})
		}
	}
	for _, s := range a.Scores {
		if s.Version == "4.0" {
			notes = append(notes, Note{Category: "other", Title: "CVSS v4.0", Text: fmt.Sprintf("%s (base score %.1f)", s.Vector, s.Base)})
		}
	}
	d.Document.Notes = notes
	if docURL != "" {
		d.Document.References = append(d.Document.References, Reference{Category: "self", Summary: "Canonical URL", URL: docURL})
	}
	for _, r := range a.References {
		d.Document.References = append(d.Document.References, Reference{Category: "external", Summary: "Reference", URL: r})
	}
	tree, affected, fixed := productTree(a.Products)
	d.ProductTree = tree
	d.Vulnerabilities = vulnerabilities(a, summary, affected, fixed)
	return d, nil
}

// Write renders an advisory as a CSAF document and checks it against the
// schema and the mandatory tests before returning it.
func Write(a advisory.Advisory, is Issuer, docURL string) ([]byte, error) {
	d, err := FromAdvisory(a, is, docURL)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	if _, err := Validate(b); err != nil {
		return nil, fmt.Errorf("csaf: advisory %s renders an invalid document: %w", d.Document.Tracking.ID, err)
	}
	return b, nil
}

// tracking builds the tracking block: integer versioning, one revision per
// version number (1 at publication, the last at the latest update).
func tracking(a advisory.Advisory, id string, is Issuer) Tracking {
	n, err := strconv.Atoi(strings.TrimSpace(a.Revision))
	if err != nil || n < 1 {
		n = 1
	}
	if n > 1000 {
		n = 1000
	}
	initial := firstTime(a.Published, a.CreatedAt, a.Updated, a.UpdatedAt)
	current := firstTime(a.Updated, a.UpdatedAt, initial)
	if current.Before(initial) {
		current = initial
	}
	status := "final"
	switch a.Status {
	case advisory.StatusDraft:
		status = "draft"
	case "interim":
		status = "interim"
	}
	t := Tracking{ID: id, Status: status, Version: strconv.Itoa(n), InitialReleaseDate: stamp(initial), CurrentReleaseDate: stamp(current),
		Generator: &Generator{Engine: Engine{Name: "Khiên", Version: is.Engine}}}
	for i := 1; i <= n; i++ {
		r := Revision{Number: strconv.Itoa(i), Date: stamp(current), Summary: "Update."}
		if i == 1 {
			r.Summary = "Initial release."
			if n > 1 {
				r.Date = stamp(initial)
			}
		}
		t.RevisionHistory = append(t.RevisionHistory, r)
	}
	return t
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Unix(0, 0)
}

// productTree writes products as vendor → product name → version or
// version range branches; it returns the affected and fixed product ids.
func productTree(ps []advisory.Product) (*ProductTree, []string, []string) {
	tree := &ProductTree{}
	var affected, fixed []string
	next := 0
	newID := func() string { next++; return fmt.Sprintf("CSAFPID-%04d", next) }
	for _, p := range ps {
		vendor, name, versType := productNames(p)
		display := first(p.Name, vendor+" "+name)
		leaf := func(label string, helper *Helper) *FullProductName {
			return &FullProductName{Name: strings.TrimSpace(display + " " + label), ProductID: newID(), Helper: helper}
		}
		nameBranch := Branch{Category: "product_name", Name: first(p.Name, name)}
		for _, r := range p.Ranges {
			f := leaf(versString(versType, r), helperFor(p, ""))
			nameBranch.Branches = append(nameBranch.Branches, Branch{Category: "product_version_range", Name: versString(versType, r), Product: f})
			affected = append(affected, f.ProductID)
		}
		for _, v := range p.Versions {
			if versionRangeName(v) {
				continue
			}
			f := leaf(v, helperFor(p, v))
			nameBranch.Branches = append(nameBranch.Branches, Branch{Category: "product_version", Name: v, Product: f})
			affected = append(affected, f.ProductID)
		}
		if len(nameBranch.Branches) == 0 && len(p.Fixed) > 0 {
			// Every version, beside fixed ones: a branch cannot hold both a
			// product and sub-branches, so say "every version" as a range.
			all := versString(versType, advisory.Range{Scheme: vulnfeed.SchemeForVers(versType)})
			f := leaf(all, helperFor(p, ""))
			nameBranch.Branches = append(nameBranch.Branches, Branch{Category: "product_version_range", Name: all, Product: f})
			affected = append(affected, f.ProductID)
		}
		if len(nameBranch.Branches) == 0 {
			f := leaf("", helperFor(p, ""))
			nameBranch.Product = f
			affected = append(affected, f.ProductID)
		}
		for _, v := range p.Fixed {
			if versionRangeName(v) || contains(p.Versions, v) {
				continue
			}
			f := leaf(v, helperFor(p, v))
			nameBranch.Branches = append(nameBranch.Branches, Branch{Category: "product_version", Name: v, Product: f})
			fixed = append(fixed, f.ProductID)
		}
		tree.Branches = appendVendor(tree.Branches, vendor, nameBranch)
	}
	return tree, affected, fixed
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func appendVendor(bs []Branch, vendor string, b Branch) []Branch {
	for i := range bs {
		if bs[i].Name == vendor {
			bs[i].Branches = append(bs[i].Branches, b)
			return bs
		}
	}
	return append(bs, Branch{Category: "vendor", Name: vendor, Branches: []Branch{b}})
}

// productNames gives the vendor and product names of a product and the
// vers scheme of its ranges.
func productNames(p advisory.Product) (vendor, name, vers string) {
	if p.PURL != "" {
		if u, err := vulnfeed.ParsePURL(p.PURL); err == nil {
			rest := strings.TrimPrefix(u.Name, "pkg:"+u.Type+"/")
			ns, n := "", rest
			if i := strings.LastIndex(rest, "/"); i >= 0 {
				ns, n = rest[:i], rest[i+1:]
			}
			un := func(x string) string {
				if v, err := url.PathUnescape(x); err == nil {
					return v
				}
				return x
			}
			return first(un(ns), u.Type), first(un(n), rest), u.Type
		}
	}
	if p.CPE != "" {
		parts := strings.Split(p.CPE, ":")
		if len(parts) > 4 {
			return unescape(parts[3]), unescape(parts[4]), "generic"
		}
	}
	return "unknown", first(p.Name, "unknown"), "generic"
}

func unescape(s string) string { return strings.ReplaceAll(s, `\`, "") }

// versString writes a range as a vers URI; a range in another scheme than
// the purl type's keeps its own scheme name.
func versString(purlType string, r advisory.Range) string {
	typ := purlType
	if vulnfeed.SchemeForVers(typ) != r.Scheme {
		switch r.Scheme {
		case advisory.SchemeSemver:
			typ = "semver"
		case advisory.SchemePEP440:
			typ = "pypi"
		case advisory.SchemeMaven, advisory.SchemeDeb, advisory.SchemeRPM:
			typ = r.Scheme
		default:
			typ = "generic"
		}
	}
	var c []string
	if r.Lower != "" {
		op := ">"
		if r.LowerInclusive {
			op = ">="
		}
		c = append(c, op+r.Lower)
	}
	if r.Upper != "" {
		op := "<"
		if r.UpperInclusive {
			op = "<="
		}
		c = append(c, op+r.Upper)
	}
	if len(c) == 0 {
		c = []string{"*"}
	}
	return "vers:" + typ + "/" + strings.Join(c, "|")
}

// helperFor identifies a product, at version v when set.
func helperFor(p advisory.Product, v string) *Helper {
	switch {
	case p.PURL != "":
		if v != "" && !strings.Contains(p.PURL, "@") {
			return &Helper{PURL: p.PURL + "@" + purlVersion(v)}
		}
		return &Helper{PURL: p.PURL}
	case p.CPE != "":
		if v != "" {
			parts := strings.Split(p.CPE, ":")
			if len(parts) == 13 {
				parts[5] = cpeEscape(v)
				return &Helper{CPE: strings.Join(parts, ":")}
			}
		}
		return &Helper{CPE: p.CPE}
	}
	return nil
}

func purlVersion(v string) string {
	return strings.NewReplacer("%", "%25", "@", "%40", "?", "%3F", "#", "%23", " ", "%20").Replace(v)
}

func cpeEscape(v string) string {
	var b strings.Builder
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// vulnerabilities writes one vulnerability per CVE (or one without CVE
// named by the advisory's id), each with the advisory's scores, status,
// required action and exploitation.
func vulnerabilities(a advisory.Advisory, summary string, affected, fixed []string) []Vulnerability {
	var cves []string
	for _, c := range a.CVEs {
		if cveRe.MatchString(c) && !contains(cves, c) {
			cves = append(cves, c)
		}
	}
	if len(cves) == 0 {
		cves = []string{""}
	}
	action := strings.TrimSpace(first(a.Action, a.ActionVI, "Apply the vendor's update or mitigation."))
	var out []Vulnerability
	for _, c := range cves {
		v := Vulnerability{CVE: c, Notes: []Note{{Category: "description", Title: "Description", Text: summary}},
			ProductStatus: &ProductStatus{KnownAffected: slices.Clone(affected), Fixed: slices.Clone(fixed)}}
		if c == "" {
			v.IDs = []VulnID{{SystemName: "Khiên", Text: first(a.SourceID, a.ID)}}
		}
		seen := map[string]bool{}
		for _, s := range a.Scores {
			if seen[s.Version] {
				continue
			}
			sc, err := vulnfeed.ParseCVSS(s.Vector, s.Source)
			if err != nil {
				continue
			}
			switch sc.Version {
			case "3.0", "3.1":
				v.Scores = append(v.Scores, Score{Products: slices.Clone(affected), CVSSv3: &CVSS{Version: sc.Version, VectorString: sc.Vector, BaseScore: sc.Base, BaseSeverity: cvss3Severity(sc.Base)}})
			case "2.0":
				v.Scores = append(v.Scores, Score{Products: slices.Clone(affected), CVSSv2: &CVSS{Version: "2.0", VectorString: strings.Trim(sc.Vector, "()"), BaseScore: sc.Base}})
			default:
				continue
			}
			seen[s.Version] = true
		}
		category := "mitigation"
		if len(fixed) > 0 {
			category = "vendor_fix"
		}
		details := action
		if !a.KEVDueDate.IsZero() {
			details += " (due " + a.KEVDueDate.UTC().Format("2006-01-02") + ", CISA KEV)"
		}
		v.Remediations = []Remediation{{Category: category, Details: details, ProductIDs: slices.Clone(affected)}}
		if a.KnownExploited {
			v.Threats = []Threat{{Category: "exploit_status", Details: "Known to be exploited in the wild.", ProductIDs: slices.Clone(affected)}}
		}
		out = append(out, v)
	}
	return out
}
