package vuln

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
)

// osvScheme maps an OSV ecosystem to a version scheme; "" for ecosystems
// this package has no order for.
func osvScheme(eco string) string {
	eco, _, _ = strings.Cut(eco, ":")
	switch eco {
	case "npm", "Go", "crates.io", "NuGet", "RubyGems", "Packagist", "Pub", "Hex":
		return advisory.SchemeSemver
	case "PyPI":
		return advisory.SchemePEP440
	case "Maven":
		return advisory.SchemeMaven
	case "Debian", "Ubuntu":
		return advisory.SchemeDeb
	case "Red Hat", "SUSE", "openSUSE", "AlmaLinux", "Rocky Linux":
		return advisory.SchemeRPM
	case "Alpine":
		return advisory.SchemeCPE
	}
	return ""
}

// knownBad are versions of the OSV linter's negative test records that no
// scheme should accept.
var knownBad = map[string]bool{"4.36.-1": true}

// TestCorpusOSVVersions parses every version of every real OSV record in
// the corpus in its ecosystem's scheme, and every package URL.
func TestCorpusOSVVersions(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpustest.File(t, "vuln/osv"), "*.json"))
	parsed := 0
	for _, f := range files {
		var rec struct {
			Affected []struct {
				Package struct{ Ecosystem, PURL string }
				Ranges  []struct {
					Type   string
					Events []map[string]string
				}
				Versions []string
			}
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, a := range rec.Affected {
			if a.Package.PURL != "" {
				if _, err := parsePURL(a.Package.PURL); err != nil {
					t.Errorf("%s: %v", filepath.Base(f), err)
				}
			}
			scheme := osvScheme(a.Package.Ecosystem)
			if scheme == "" {
				continue
			}
			var vs []string
			for _, r := range a.Ranges {
				if r.Type == "GIT" {
					continue
				}
				for _, ev := range r.Events {
					for k, v := range ev {
						if k != "limit" && v != "0" {
							vs = append(vs, v)
						}
					}
				}
			}
			for _, v := range append(vs, a.Versions...) {
				_, err := Parse(scheme, v)
				switch {
				case knownBad[v] && err == nil:
					t.Errorf("%s (%s): %q parsed, but it is not a version", filepath.Base(f), a.Package.Ecosystem, v)
				case !knownBad[v] && err != nil:
					t.Errorf("%s (%s): %v", filepath.Base(f), a.Package.Ecosystem, err)
				}
				parsed++
			}
		}
	}
	if parsed < 50 {
		t.Errorf("only %d versions parsed from %d files", parsed, len(files))
	}
	t.Logf("%d versions from %d OSV records", parsed, len(files))
}

// TestCorpusNVDRanges turns every CPE match of the real NVD responses in
// the corpus into a product and checks that items at its bounds match or
// not as the bounds' inclusiveness says.
func TestCorpusNVDRanges(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpustest.File(t, "vuln/nvd-api-2.0"), "*.json"))
	checked := 0
	for _, f := range files {
		var resp struct {
			Vulnerabilities []struct {
				CVE struct {
					ID             string
					Configurations []struct {
						Nodes []struct {
							CPEMatch []struct {
								Criteria                                     string
								VersionStartIncluding, VersionStartExcluding string
								VersionEndIncluding, VersionEndExcluding     string
							}
						}
					}
				}
			}
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range resp.Vulnerabilities {
			for _, c := range v.CVE.Configurations {
				for _, n := range c.Nodes {
					for _, m := range n.CPEMatch {
						name, err := parseCPE(m.Criteria)
						if err != nil {
							t.Errorf("%s: %v", v.CVE.ID, err)
							continue
						}
						r := advisory.Range{Scheme: advisory.SchemeCPE,
							Lower: m.VersionStartIncluding + m.VersionStartExcluding, LowerInclusive: m.VersionStartIncluding != "",
							Upper: m.VersionEndIncluding + m.VersionEndExcluding, UpperInclusive: m.VersionEndIncluding != ""}
						p := advisory.Product{CPE: m.Criteria}
						if r.Lower != "" || r.Upper != "" {
							p.Ranges = []advisory.Range{r}
						}
						adv := advisory.Advisory{ID: v.CVE.ID, Products: []advisory.Product{p}}
						type probe struct {
							version string
							want    bool
						}
						var probes []probe
						if r.Upper != "" {
							probes = append(probes, probe{r.Upper, r.UpperInclusive})
						}
						if r.Lower != "" {
							probes = append(probes, probe{r.Lower, r.LowerInclusive})
						}
						if len(probes) == 0 && name.version != "*" && name.version != "-" {
							probes = append(probes, probe{name.version, true}, probe{name.version + ".999", false})
						}
						for _, pr := range probes {
							crit := strings.Split(m.Criteria, ":")
							crit[5] = "*"
							it := Item{ID: "probe", CPE: strings.Join(crit, ":"), Version: pr.version}
							ix, probs := NewAdvisoryIndex([]advisory.Advisory{adv})
							got := len(ix.Match([]Item{it})) == 1
							if got != pr.want || len(probs) > 0 {
								t.Errorf("%s %s %+v: item at %q matched %v, want %v (problems %v)", v.CVE.ID, m.Criteria, r, pr.version, got, pr.want, probs)
							}
							checked++
						}
					}
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d bounds checked from %d files", checked, len(files))
	}
	t.Logf("%d bounds checked from %d NVD responses", checked, len(files))
}

// TestCorpusCSAFNames parses every CPE and package URL in the corpus's
// CSAF documents (product identification helpers), the names Khiên's own
// and imported advisories carry. Documents that are not JSON are the
// corpus's deliberately broken ones and are skipped.
func TestCorpusCSAFNames(t *testing.T) {
	root := corpustest.File(t, "csaf")
	var n, bad int
	var walk func(x any, file string)
	check := func(kind, v, file string) {
		n++
		var err error
		if kind == "cpe" {
			_, err = parseCPE(v)
		} else {
			_, err = parsePURL(v)
		}
		if err != nil {
			bad++
			t.Errorf("%s: %v", file, err)
		}
	}
	walk = func(x any, file string) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				switch s := v.(type) {
				case string:
					if k == "cpe" || k == "purl" {
						check(k, s, file)
					}
				case []any:
					if k == "purls" {
						for _, p := range s {
							if p, ok := p.(string); ok {
								check("purl", p, file)
							}
						}
						continue
					}
					walk(v, file)
				default:
					walk(v, file)
				}
			}
		case []any:
			for _, v := range x {
				walk(v, file)
			}
		}
	}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if json.Unmarshal(data, &doc) == nil {
			walk(doc, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("only %d names found", n)
	}
	t.Logf("%d CPE names and package URLs, %d refused", n, bad)
}
