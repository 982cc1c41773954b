package advisory

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/knqyf263/go-cpe/naming"
	"github.com/package-url/packageurl-go"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/khien-cert/khien/internal/errs"
)

// Codes of validation problems.
const (
	CodeInvalid    = "advisory.invalid"
	CodeRequired   = "advisory.required"
	CodeBadCPE     = "advisory.bad_cpe"
	CodeBadPURL    = "advisory.bad_purl"
	CodeBadVersion = "advisory.bad_version"
	CodeBadScheme  = "advisory.bad_scheme"
	CodeBadCVE     = "advisory.bad_cve"
	CodeBadCVSS    = "advisory.bad_cvss"
	CodeBadTLP     = "advisory.bad_tlp"
	CodeBadProfile = "advisory.bad_profile"
	CodeNoProducts = "advisory.no_products"
	CodeTooLong    = "advisory.too_long"
	maxText        = 20000
	maxTitle       = 300
	maxProducts    = 1000
)

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// Schemes lists the version schemes a range may use.
var Schemes = []string{SchemeSemver, SchemePEP440, SchemeMaven, SchemeDeb, SchemeRPM, SchemeCPE}

// VersionCheck says whether v is a version scheme can compare. The matcher
// (package vuln) provides the real parsers; the zero value accepts any
// version without spaces.
type VersionCheck func(scheme, v string) error

func (c VersionCheck) check(scheme, v string) error {
	if c != nil {
		return c(scheme, v)
	}
	if strings.TrimSpace(v) == "" || strings.ContainsAny(v, " \t\r\n") {
		return fmt.Errorf("%q is not a version", v)
	}
	return nil
}

// Validate checks and normalises a record: trims texts, upper-cases CVE
// IDs, scores every CVSS vector (the vector decides the base score, not the
// caller) and sets the severity from the highest score unless the source gave
// one and no vector. All problems are reported at once, per field.
func Validate(r *Record, versions VersionCheck) error {
	var f errs.Fields
	a := &r.Advisory
	for _, p := range []*string{&a.Title, &a.TitleVI, &a.Summary, &a.SummaryVI, &a.Action, &a.ActionVI, &a.SourceID, &a.Publisher, &a.Revision} {
		*p = strings.TrimSpace(strings.ReplaceAll(*p, "\x00", ""))
	}
	if a.Title == "" && a.TitleVI == "" {
		f.Add("title", CodeRequired, "give a title in English or Vietnamese")
	}
	if len(a.Title) > maxTitle || len(a.TitleVI) > maxTitle {
		f.Add("title", CodeTooLong, fmt.Sprintf("at most %d characters", maxTitle))
	}
	for name, v := range map[string]string{"summary": a.Summary, "summary_vi": a.SummaryVI, "action": a.Action, "action_vi": a.ActionVI} {
		if len(v) > maxText {
			f.Add(name, CodeTooLong, fmt.Sprintf("at most %d characters", maxText))
		}
	}
	if !a.TLP.Valid() {
		f.Add("tlp", CodeBadTLP, "one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
	}
	if !slices.Contains(Profiles, r.DueProfile) {
		f.Add("due_profile", CodeBadProfile, "empty (the platform's table) or "+ProfileBOD2201)
	}
	validateCVEs(a, &f)
	validateScores(a, &f)
	if len(a.Products) > maxProducts {
		f.Add("products", CodeTooLong, fmt.Sprintf("at most %d products", maxProducts))
	}
	for i := range a.Products {
		validateProduct(&a.Products[i], fmt.Sprintf("products[%d]", i), versions, &f)
	}
	slices.SortFunc(f, func(x, y errs.FieldError) int { return strings.Compare(x.Field, y.Field) })
	return f.Err(CodeInvalid)
}

func validateCVEs(a *Advisory, f *errs.Fields) {
	seen := map[string]bool{}
	out := a.CVEs[:0]
	for i, c := range a.CVEs {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !cveRE.MatchString(c) {
			f.Add(fmt.Sprintf("cves[%d]", i), CodeBadCVE, fmt.Sprintf("%q is not a CVE ID such as CVE-2024-3094", c))
			continue
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	a.CVEs = out
}

// validateScores scores each vector and sets the severity from the highest.
func validateScores(a *Advisory, f *errs.Fields) {
	best := -1.0
	for i := range a.Scores {
		s := &a.Scores[i]
		s.Vector = strings.TrimSpace(s.Vector)
		base, version, err := ScoreVector(s.Vector)
		if err != nil {
			if s.Vector == "" && s.Base > 0 && s.Base <= 10 {
				best = max(best, s.Base) // a source's score without a vector
				continue
			}
			f.Add(fmt.Sprintf("scores[%d].vector", i), CodeBadCVSS, err.Error())
			continue
		}
		s.Base, s.Version = base, version
		best = max(best, base)
	}
	if best >= 0 {
		a.Severity = SeverityOf(best)
	}
	if a.Severity == "" {
		a.Severity = SeverityNone
	}
	if !slices.Contains([]string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityNone}, a.Severity) {
		f.Add("severity", CodeInvalid, "one of critical, high, medium, low, none")
	}
}

// ScoreVector parses a CVSS 3.1 or 4.0 vector and returns its base score.
func ScoreVector(v string) (base float64, version string, err error) {
	defer func() {
		if r := recover(); r != nil {
			base, version, err = 0, "", fmt.Errorf("the CVSS vector does not parse")
		}
	}()
	switch {
	case strings.HasPrefix(v, "CVSS:3.1/"), strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss31.ParseVector(strings.Replace(v, "CVSS:3.0/", "CVSS:3.1/", 1))
		if err != nil {
			return 0, "", fmt.Errorf("not a valid CVSS 3.1 vector: %v", err)
		}
		return c.BaseScore(), v[5:8], nil
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return 0, "", fmt.Errorf("not a valid CVSS 4.0 vector: %v", err)
		}
		return c.Score(), "4.0", nil
	}
	return 0, "", fmt.Errorf("a CVSS 3.1 or 4.0 vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
}

func validateProduct(p *Product, field string, versions VersionCheck, f *errs.Fields) {
	p.CPE, p.PURL, p.Name = strings.TrimSpace(p.CPE), strings.TrimSpace(p.PURL), strings.TrimSpace(p.Name)
	switch {
	case p.CPE == "" && p.PURL == "":
		f.Add(field+".cpe", CodeRequired, "give a CPE 2.3 name or a package URL")
	case p.CPE != "":
		if err := CheckCPE(p.CPE); err != nil {
			f.Add(field+".cpe", CodeBadCPE, err.Error())
		}
	}
	if p.PURL != "" {
		if err := CheckPURL(p.PURL); err != nil {
			f.Add(field+".purl", CodeBadPURL, err.Error())
		}
	}
	for j, r := range p.Ranges {
		rf := fmt.Sprintf("%s.ranges[%d]", field, j)
		if !slices.Contains(Schemes, r.Scheme) {
			f.Add(rf+".scheme", CodeBadScheme, "one of "+strings.Join(Schemes, ", "))
			continue
		}
		if r.Lower == "" && r.Upper == "" {
			f.Add(rf, CodeBadVersion, "give a lower or an upper bound")
		}
		for name, v := range map[string]string{"lower": r.Lower, "upper": r.Upper} {
			if v == "" {
				continue
			}
			if err := versions.check(r.Scheme, v); err != nil {
				f.Add(rf+"."+name, CodeBadVersion, err.Error())
			}
		}
	}
}

// CheckCPE reports whether s is a CPE 2.3 formatted string naming at least a
// part, vendor and product (wildcards allowed in the version).
func CheckCPE(s string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not a CPE 2.3 name: malformed quoting")
		}
	}()
	if !strings.HasPrefix(s, "cpe:2.3:") {
		return fmt.Errorf("a CPE 2.3 name starts with cpe:2.3:")
	}
	wfn, err := naming.UnbindFS(s)
	if err != nil {
		return fmt.Errorf("not a CPE 2.3 name: %v", err)
	}
	for _, attr := range []string{"vendor", "product"} {
		if v := wfn.GetString(attr); v == "" || v == "ANY" || v == "NA" {
			return fmt.Errorf("the CPE names no %s", attr)
		}
	}
	return nil
}

// CheckPURL reports whether s is a package URL with a type and a name.
func CheckPURL(s string) error {
	p, err := packageurl.FromString(s)
	if err != nil {
		return fmt.Errorf("not a package URL: %v", err)
	}
	if p.Type == "" || p.Name == "" {
		return fmt.Errorf("a package URL needs a type and a name, as in pkg:npm/lodash")
	}
	return nil
}
