package vulnfeed

import (
	"fmt"
	"strings"

	"github.com/ossf/osv-schema/bindings/go/osvconstants"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

type osvRecord struct {
	SchemaVersion string   `json:"schema_version"`
	ID            string   `json:"id"`
	Modified      string   `json:"modified"`
	Published     string   `json:"published"`
	Withdrawn     string   `json:"withdrawn"`
	Aliases       []string `json:"aliases"`
	Summary       string   `json:"summary"`
	Details       string   `json:"details"`
	Severity      []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package *struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
		Versions []string `json:"versions"`
	} `json:"affected"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

// ReadOSV reads one OSV record.
func ReadOSV(data []byte) Doc {
	if err := tooBig(data); err != nil {
		return Doc{Err: err}
	}
	var r osvRecord
	if err := decodeOne(data, &r); err != nil {
		return Doc{Err: err}
	}
	d := Doc{ID: r.ID}
	d.Advisory, d.Problems, d.Err = osvAdvisory(&r)
	return d
}

func osvAdvisory(r *osvRecord) (advisory.Advisory, []string, error) {
	if strings.TrimSpace(r.ID) == "" {
		return advisory.Advisory{}, nil, invalid("OSV record without id")
	}
	if r.Modified == "" || parseTime(r.Modified).IsZero() {
		return advisory.Advisory{}, nil, invalid("%s: modified %q is not a timestamp", r.ID, r.Modified)
	}
	if r.Withdrawn != "" {
		return advisory.Advisory{}, nil, invalid("%s was withdrawn on %s", r.ID, r.Withdrawn)
	}
	a := advisory.Advisory{
		Source: advisory.SourceOSV, SourceID: r.ID, Publisher: osvPublisher(r.ID), Revision: r.Modified,
		Status: "final", TLP: tlp.Clear, Published: parseTime(r.Published), Updated: parseTime(r.Modified),
		Title: strings.TrimSpace(r.Summary), Summary: strings.TrimSpace(r.Details),
	}
	if a.Title == "" {
		a.Title = r.ID + ": " + firstLine(r.Details, 120)
	}
	if a.Summary == "" {
		a.Summary = a.Title
	}
	if validCVE(r.ID) {
		a.CVEs = append(a.CVEs, r.ID)
	}
	for _, al := range r.Aliases {
		if validCVE(al) {
			a.CVEs = addUnique(a.CVEs, al)
		}
	}
	var problems []string
	for _, s := range r.Severity {
		if !strings.HasPrefix(s.Type, "CVSS_") {
			problems = append(problems, fmt.Sprintf("severity of type %q ignored", s.Type))
			continue
		}
		sc, err := ParseCVSS(s.Score, r.ID)
		if err != nil {
			problems = append(problems, scoreProblem(s.Score, err))
			continue
		}
		a.Scores = append(a.Scores, sc)
	}
	a.Severity = Severity(a.Scores, r.DatabaseSpecific.Severity)
	for _, ref := range r.References {
		a.References = addUnique(a.References, ref.URL)
	}
	for i, af := range r.Affected {
		for j, rg := range af.Ranges {
			if !hasIntroduced(rg.Events) {
				return advisory.Advisory{}, nil, invalid("%s: affected[%d].ranges[%d] has no introduced event", r.ID, i, j)
			}
		}
		if af.Package == nil {
			problems = append(problems, fmt.Sprintf("affected[%d]: no package (only repository ranges); left out", i))
			continue
		}
		purl, scheme, err := osvPackage(af.Package.Ecosystem, af.Package.Name, af.Package.PURL)
		if err != nil {
			problems = append(problems, fmt.Sprintf("affected[%d]: %v; left out", i, err))
			continue
		}
		p := advisory.Product{PURL: purl, Name: af.Package.Name}
		for j, rg := range af.Ranges {
			switch rg.Type {
			case "SEMVER":
				p.Ranges = append(p.Ranges, eventRanges(rg.Events, advisory.SchemeSemver, &p)...)
			case "ECOSYSTEM":
				if scheme == "" {
					problems = append(problems, fmt.Sprintf("affected[%d].ranges[%d]: ecosystem %q versions cannot be compared; skipped", i, j, af.Package.Ecosystem))
					continue
				}
				p.Ranges = append(p.Ranges, eventRanges(rg.Events, scheme, &p)...)
			default:
				problems = append(problems, fmt.Sprintf("affected[%d].ranges[%d]: %s range skipped (commits cannot be compared with versions)", i, j, rg.Type))
			}
		}
		p.Versions = addUnique(p.Versions, af.Versions...)
		if len(p.Ranges) == 0 && len(p.Versions) == 0 {
			problems = append(problems, fmt.Sprintf("affected[%d] %s: no comparable range or version; left out", i, af.Package.Name))
			continue
		}
		a.Products = append(a.Products, p)
	}
	return a, problems, nil
}

func hasIntroduced(events []map[string]string) bool {
	for _, e := range events {
		if _, ok := e["introduced"]; ok {
			return true
		}
	}
	return false
}

// eventRanges turns OSV events (introduced, fixed, last_affected, limit) in
// order into ranges, and records fixed versions on p.
func eventRanges(events []map[string]string, scheme string, p *advisory.Product) []advisory.Range {
	var out []advisory.Range
	var open *advisory.Range
	for _, e := range events {
		if v, ok := e["introduced"]; ok {
			if open != nil {
				out = append(out, *open)
			}
			open = &advisory.Range{Scheme: scheme}
			if v != "0" {
				open.Lower, open.LowerInclusive = v, true
			}
			continue
		}
		upper, inclusive := "", false
		if v, ok := e["fixed"]; ok {
			upper = v
			p.Fixed = addUnique(p.Fixed, v)
		} else if v, ok := e["last_affected"]; ok {
			upper, inclusive = v, true
		} else if v, ok := e["limit"]; ok && v != "*" {
			upper = v
		} else {
			continue
		}
		if open == nil {
			continue
		}
		open.Upper, open.UpperInclusive = upper, inclusive
		out = append(out, *open)
		open = nil
	}
	if open != nil {
		out = append(out, *open)
	}
	return out
}

// osvPackage maps an OSV package to a package URL without version and the
// scheme its ecosystem's versions compare in ("" when none).
func osvPackage(ecosystem, name, purl string) (string, string, error) {
	base, _, _ := strings.Cut(ecosystem, ":")
	typ, ns, scheme := "", "", ""
	switch osvconstants.Ecosystem(base) {
	case osvconstants.EcosystemNPM:
		typ, scheme = "npm", advisory.SchemeSemver
	case osvconstants.EcosystemPyPI:
		typ, scheme = "pypi", advisory.SchemePEP440
	case osvconstants.EcosystemGo:
		typ, scheme = "golang", advisory.SchemeSemver
	case osvconstants.EcosystemCratesIO:
		typ, scheme = "cargo", advisory.SchemeSemver
	case osvconstants.EcosystemMaven:
		typ, scheme = "maven", advisory.SchemeMaven
	case osvconstants.EcosystemNuGet:
		typ, scheme = "nuget", advisory.SchemeSemver
	case osvconstants.EcosystemRubyGems:
		typ, scheme = "gem", advisory.SchemeSemver
	case osvconstants.EcosystemPackagist:
		typ, scheme = "composer", advisory.SchemeSemver
	case osvconstants.EcosystemHex:
		typ, scheme = "hex", advisory.SchemeSemver
	case osvconstants.EcosystemPub:
		typ, scheme = "pub", advisory.SchemeSemver
	case osvconstants.EcosystemDebian:
		typ, ns, scheme = "deb", "debian", advisory.SchemeDeb
	case osvconstants.EcosystemUbuntu:
		typ, ns, scheme = "deb", "ubuntu", advisory.SchemeDeb
	case osvconstants.EcosystemAlpine, osvconstants.EcosystemWolfi, osvconstants.EcosystemChainguard:
		typ, ns, scheme = "apk", strings.ToLower(base), advisory.SchemeCPE
	case osvconstants.EcosystemRedHat:
		typ, ns, scheme = "rpm", "redhat", advisory.SchemeRPM
	case osvconstants.EcosystemAlmaLinux, osvconstants.EcosystemRockyLinux, osvconstants.EcosystemSUSE,
		osvconstants.EcosystemOpenSUSE, osvconstants.EcosystemMageia, osvconstants.EcosystemOpenEuler,
		osvconstants.EcosystemAzureLinux:
		typ, ns, scheme = "rpm", strings.ToLower(strings.ReplaceAll(base, " ", "")), advisory.SchemeRPM
	}
	if purl != "" {
		p, err := ParsePURL(purl)
		if err != nil {
			return "", "", err
		}
		if scheme == "" {
			scheme = SchemeForPURLType(p.Type)
		}
		return p.Name, scheme, nil
	}
	if typ == "" {
		return "", "", fmt.Errorf("ecosystem %q has no package URL type", ecosystem)
	}
	if strings.TrimSpace(name) == "" {
		return "", "", fmt.Errorf("package without name")
	}
	switch typ {
	case "maven":
		if g, a, ok := strings.Cut(name, ":"); ok {
			ns, name = g, a
		}
	case "npm", "golang", "composer":
		if i := strings.LastIndex(name, "/"); i > 0 {
			ns, name = name[:i], name[i+1:]
		}
	}
	p, err := ParsePURL(purlString(typ, ns, name))
	if err != nil {
		return "", "", err
	}
	return p.Name, scheme, nil
}

func osvPublisher(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "GHSA":
		return "GitHub"
	case "GO":
		return "Go"
	case "PYSEC":
		return "PyPA"
	case "RHSA", "RHBA", "RHEA":
		return "Red Hat"
	case "MAL":
		return "OpenSSF"
	case "CVE":
		return "OSV"
	}
	return prefix
}
