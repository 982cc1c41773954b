package csaf

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
)

// notDocuments are corpus files of the csaf folder that are not CSAF
// documents (provider metadata, aggregator, ROLIE feeds and services);
// internal/advimport detects and reads them.
var notDocuments = regexp.MustCompile(`provider-metadata|aggregator|rolie-example|service\.json|white-feed\.json`)

// rejected are the deliberately broken (or non-conforming) real documents,
// with the test that must reject each.
var rejected = map[string]string{
	"gocsaf-testdata/invalid/trailing-garbage-avendor-advisory-0004.json": "json",
	"oasis-csaf21-draft__oasis_csaf_tc-csaf_2_1-2024-d-13.json":           "schema", // CSAF 2.1 is not 2.0
	"redhat/csaf-walker-testdata__rhba-2023_0564.json":                    "schema", // empty tracking id, title, publisher
	"redhat/csaf-walker-testdata__rhsa-2021_3029.json":                    "6.1.1",  // "notexits-…" product id
	"redhat/csaf-walker-testdata__rhsa-2023_1441.json":                    "schema", // "ids": []
	"redhat/csaf-walker-testdata__rhsa-2023_3408.json":                    "schema", // "vulnerabilities": []
	"redhat/csaf-walker-testdata__rhsa-2023_4378.json":                    "6.1.1",  // "notmatch-…" references
	"redhat/osv-schema-redhat-testdata__rhsa-2003_315.json":               "6.1.14", // revision 2 dated before revision 1
}

var mandatoryFile = regexp.MustCompile(`6-1-(\d\d)-(\d\d)\.json$`)

// expectation is the test a corpus file must fail, or "" when it must pass.
func expectation(rel string) string {
	if m := mandatoryFile.FindStringSubmatch(rel); m != nil {
		n, _ := strconv.Atoi(m[2])
		if n >= 11 {
			return "" // OASIS: -11 and above are the passing examples
		}
		test, _ := strconv.Atoi(m[1])
		if test == 8 {
			return "schema" // 6.1.8 (invalid CVSS) is the CVSS schema's
		}
		return "6.1." + strconv.Itoa(test)
	}
	return rejected[rel]
}

func TestCorpus(t *testing.T) {
	dir := corpustest.File(t, "csaf")
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if notDocuments.MatchString(rel) {
			return nil
		}
		n++
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a, notes, err := Read(data)
			want := expectation(rel)
			if want == "" {
				if err != nil {
					t.Fatalf("valid document rejected: %v", err)
				}
				if a.SourceID == "" || a.Source != advisory.SourceCSAF || a.Title == "" || !a.TLP.Valid() {
					t.Errorf("incomplete advisory: %+v", a)
				}
				for _, p := range a.Products {
					if (p.CPE == "") == (p.PURL == "") {
						t.Errorf("product needs exactly one of CPE and purl: %+v", p)
					}
				}
				t.Logf("%s: %d products, %d CVEs, %d notes", a.SourceID, len(a.Products), len(a.CVEs), len(notes))
				return
			}
			ps := Problems(err)
			if len(ps) == 0 {
				t.Fatalf("want rejection by %s, got %v", want, err)
			}
			if !slices.ContainsFunc(ps, func(p Problem) bool { return p.Test == want }) {
				t.Errorf("want a problem from %s, got %v", want, ps)
			}
			for _, p := range ps {
				if p.Message == "" {
					t.Errorf("problem without reason: %+v", p)
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 29 {
		t.Errorf("read only %d corpus documents", n)
	}
}

// TestCorpusContent pins what a few real documents convert to.
func TestCorpusContent(t *testing.T) {
	read := func(rel string) advisory.Advisory {
		t.Helper()
		data, err := os.ReadFile(corpustest.File(t, "csaf/"+rel))
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := Read(data)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := read("oasis-csaf20-examples__bsi-2022-0001.json")
	if a.SourceID != "BSI-2022-0001" || len(a.Products) != 1 || a.Products[0].CPE != "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:*:*:*:*:*:*:*:*" ||
		!slices.Contains(a.Products[0].Versions, "1.0.0-rc1") || !slices.Equal(a.Products[0].Fixed, []string{"1.0.0-rc2"}) {
		t.Errorf("BSI-2022-0001: %+v", a.Products)
	}
	a = read("redhat/osv-schema-redhat-testdata__rhsa-2024_4546.json")
	found := false
	for _, p := range a.Products {
		if p.PURL == "pkg:rpm/redhat/git-lfs" {
			found = len(p.Ranges) == 1 && p.Ranges[0] == advisory.Range{Scheme: advisory.SchemeRPM, Upper: "2.13.3-3.el8_6.1"}
		}
	}
	if !found || a.Severity != advisory.SeverityHigh || !slices.Equal(a.CVEs, []string{"CVE-2023-45288"}) {
		t.Errorf("RHSA-2024:4546: %+v", a)
	}
	// guac's edited copy lists a known_affected 1.1.1k-7 build; the
	// epoch of the purl is kept for rpm comparison.
	a = read("redhat/guac-testdata__rhsa-2023_1441-csaf-vex.json")
	found = false
	for _, p := range a.Products {
		if p.PURL == "pkg:rpm/redhat/openssl" && slices.Contains(p.Versions, "1:1.1.1k-7.el8_6") {
			found = true
		}
	}
	if !found {
		t.Errorf("RHSA-2023:1441 (guac): %+v", a.Products)
	}
	a = read("oasis-csaf20-vex__2022-evd-uc-08-001.json")
	if len(a.Products) == 0 || len(a.Products[0].Ranges) != 1 || a.Products[0].Ranges[0] != (advisory.Range{Scheme: advisory.SchemeCPE, Lower: "2.9", LowerInclusive: true, Upper: "4.1", UpperInclusive: true}) {
		t.Errorf("vers range: %+v", a.Products)
	}
}
