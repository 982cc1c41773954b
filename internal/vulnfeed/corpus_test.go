package vulnfeed

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
)

func corpusFiles(t *testing.T, rel string) map[string][]byte {
	t.Helper()
	dir := corpustest.File(t, rel)
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		out[filepath.Base(p)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAdvisory holds what every accepted record must satisfy.
func checkAdvisory(t *testing.T, a advisory.Advisory, source string) {
	t.Helper()
	if a.Source != source || a.SourceID == "" || a.Title == "" || !a.TLP.Valid() || a.Status != "final" {
		t.Errorf("incomplete advisory: %+v", a)
	}
	switch a.Severity {
	case advisory.SeverityCritical, advisory.SeverityHigh, advisory.SeverityMedium, advisory.SeverityLow, advisory.SeverityNone:
	default:
		t.Errorf("severity %q", a.Severity)
	}
	for _, p := range a.Products {
		if (p.CPE == "") == (p.PURL == "") {
			t.Errorf("product needs exactly one of CPE and purl: %+v", p)
		}
		for _, r := range p.Ranges {
			if r.Scheme == "" {
				t.Errorf("range without scheme: %+v", p)
			}
		}
	}
	for _, s := range a.Scores {
		if s.Base < 0 || s.Base > 10 || s.Version == "" {
			t.Errorf("score %+v", s)
		}
	}
}

func TestCorpusCVE5(t *testing.T) {
	files := corpusFiles(t, "vuln/cve-json5")
	if len(files) < 14 {
		t.Fatalf("only %d CVE records", len(files))
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			d := ReadCVE5(b)
			if d.Err != nil {
				t.Fatalf("%v", d.Err)
			}
			checkAdvisory(t, d.Advisory, advisory.SourceCVE5)
			if !strings.HasPrefix(name, d.ID) && !strings.HasSuffix(name, d.ID+".json") {
				t.Errorf("id %s from file %s", d.ID, name)
			}
		})
	}
	// Log4Shell: Apache's CNA record gives ranges in custom versions.
	d := ReadCVE5(files["CVE-2021-44228.json"])
	p := d.Advisory.Products[0]
	if p.CPE != "cpe:2.3:a:apache_software_foundation:apache_log4j2:*:*:*:*:*:*:*:*" || len(p.Ranges) != 3 || p.Ranges[0].Lower != "2.0-beta9" || p.Ranges[0].Upper != "2.3.1" || p.Ranges[2] != (advisory.Range{Scheme: advisory.SchemeCPE, Lower: "2.13.0", LowerInclusive: true, Upper: "2.15.0"}) {
		t.Errorf("log4j: %+v", p)
	}
	if d.Advisory.Severity != advisory.SeverityCritical || !d.Advisory.KnownExploited {
		t.Errorf("log4j severity %s kev %v", d.Advisory.Severity, d.Advisory.KnownExploited)
	}
	// urllib3: GitHub's comparator strings become ranges.
	d = ReadCVE5(files["CVE-2023-45803.json"])
	if rs := d.Advisory.Products[0].Ranges; len(rs) != 2 || rs[0] != (advisory.Range{Scheme: advisory.SchemeCPE, Lower: "2.0.0", LowerInclusive: true, Upper: "2.0.7"}) {
		t.Errorf("urllib3: %+v", d.Advisory.Products)
	}
	// Linux: the CNA's cpeApplicability gives the kernel's ranges (its
	// git-hash affected entries cannot be compared).
	d = ReadCVE5(files["CVE-2025-21631.json"])
	if len(d.Advisory.Products) != 1 || d.Advisory.Products[0].CPE != "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*" ||
		!slices.Contains(d.Advisory.Products[0].Ranges, advisory.Range{Scheme: advisory.SchemeCPE, Lower: "5.15.168", LowerInclusive: true, Upper: "5.15.177"}) {
		t.Errorf("linux: %+v", d.Advisory.Products)
	}
}

func TestCVE5Rejected(t *testing.T) {
	d := ReadCVE5([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-0001","state":"REJECTED"},
		"containers":{"cna":{"rejectedReasons":[{"lang":"en","value":"This candidate was withdrawn by its CNA."}]}}}`))
	if d.Err == nil || !strings.Contains(d.Err.Error(), "rejected: This candidate was withdrawn") || d.ID != "CVE-2024-0001" {
		t.Errorf("rejected record: %+v", d)
	}
	for name, in := range map[string]string{
		"not json":   `{`,
		"wrong type": `{"dataType":"CVE_LIST","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"}}`,
		"bad id":     `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-24","state":"PUBLISHED"},"containers":{"cna":{}}}`,
		"no cna":     `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"},"containers":{}}`,
		"v4":         `{"dataType":"CVE_RECORD","dataVersion":"4.0"}`,
		"trailing":   `{"dataType":"CVE_RECORD"} {}`,
	} {
		if d := ReadCVE5([]byte(in)); d.Err == nil {
			t.Errorf("%s accepted: %+v", name, d)
		}
	}
}

func TestCorpusNVD(t *testing.T) {
	files := corpusFiles(t, "vuln/nvd-api-2.0")
	if len(files) < 7 {
		t.Fatalf("only %d NVD responses", len(files))
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			_, docs, err := ReadNVD(b)
			if name == "osv.dev-testdata__nvd-api-2.0-multi-13.json" {
				// osv.dev trimmed the response to 13 items but left
				// totalResults at 1: the page lies about itself.
				if err == nil || !strings.Contains(err.Error(), "totalResults lies") {
					t.Fatalf("want totalResults error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				if d.Err != nil {
					t.Fatalf("%s: %v", d.ID, d.Err)
				}
				checkAdvisory(t, d.Advisory, advisory.SourceNVD)
			}
		})
	}
	_, docs, err := ReadNVD(files["osv.dev-testdata__CVE-2023-4863.json"])
	if err != nil || len(docs) != 1 {
		t.Fatal(err)
	}
	a := docs[0].Advisory
	if !a.KnownExploited || a.KEVDueDate != time.Date(2023, 10, 4, 0, 0, 0, 0, time.UTC) || a.Action == "" {
		t.Errorf("KEV fields: %v %v %q", a.KnownExploited, a.KEVDueDate, a.Action)
	}
	i := slices.IndexFunc(a.Products, func(p advisory.Product) bool { return p.CPE == "cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*" })
	if i < 0 || a.Products[i].Ranges[0] != (advisory.Range{Scheme: advisory.SchemeCPE, Upper: "116.0.5845.187"}) {
		t.Errorf("chrome: %+v", a.Products)
	}
	if j := slices.IndexFunc(a.Products, func(p advisory.Product) bool { return strings.Contains(p.CPE, ":fedora:") }); j < 0 || !slices.Contains(a.Products[j].Versions, "38") {
		t.Errorf("fedora: %+v", a.Products)
	}
}

func TestNVDPageCounters(t *testing.T) {
	item := `{"cve":{"id":"CVE-2024-0001","descriptions":[{"lang":"en","value":"x"}]}}`
	page := func(per, start, total int, n int) []byte {
		items := make([]string, n)
		for i := range items {
			items[i] = item
		}
		return []byte(`{"format":"NVD_CVE","version":"2.0","resultsPerPage":` + itoa(per) + `,"startIndex":` + itoa(start) +
			`,"totalResults":` + itoa(total) + `,"vulnerabilities":[` + strings.Join(items, ",") + `]}`)
	}
	for _, c := range []struct {
		name                 string
		per, start, total, n int
		ok                   bool
	}{
		{"full page", 2, 0, 5, 2, true},
		{"last short page", 2, 4, 5, 1, true},
		{"empty past the end", 2, 6, 5, 0, true},
		{"more items than total", 2, 0, 1, 2, false},
		{"short page before the end", 3, 0, 10, 2, false},
		{"more items than per page", 1, 0, 5, 2, false},
	} {
		_, _, err := ReadNVD(page(c.per, c.start, c.total, c.n))
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCorpusOSV(t *testing.T) {
	files := corpusFiles(t, "vuln/osv")
	if len(files) < 12 {
		t.Fatalf("only %d OSV records", len(files))
	}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			d := ReadOSV(b)
			if strings.HasPrefix(name, "osv-schema-linter-testdata__nointroduced") {
				if d.Err == nil || !strings.Contains(d.Err.Error(), "no introduced event") {
					t.Fatalf("want rejection, got %v", d.Err)
				}
				return
			}
			if d.Err != nil {
				t.Fatal(d.Err)
			}
			checkAdvisory(t, d.Advisory, advisory.SourceOSV)
		})
	}
	d := ReadOSV(files["osv-schema-linter-testdata__GO-2024-2963.json"])
	p := d.Advisory.Products[0]
	if p.PURL != "pkg:golang/stdlib" || len(p.Ranges) != 2 || p.Ranges[0] != (advisory.Range{Scheme: advisory.SchemeSemver, Upper: "1.21.12"}) ||
		p.Ranges[1].Lower != "1.22.0-0" || !p.Ranges[1].LowerInclusive {
		t.Errorf("GO-2024-2963: %+v", p)
	}
	d = ReadOSV(files["osv-schema-redhat-testdata__RHSA-2024_4546.osv.json"])
	if p := d.Advisory.Products[0]; p.PURL != "pkg:rpm/redhat/git-lfs" || p.Ranges[0] != (advisory.Range{Scheme: advisory.SchemeRPM, Upper: "0:2.13.3-3.el8_6.1"}) {
		t.Errorf("RHSA OSV: %+v", p)
	}
	d = ReadOSV(files["osv-schema-linter-testdata__PYSEC-2023-74.json"])
	if p := d.Advisory.Products[0]; p.PURL != "pkg:pypi/requests" || p.Ranges[0].Scheme != advisory.SchemePEP440 || len(p.Versions) < 60 ||
		!slices.ContainsFunc(d.Problems, func(s string) bool { return strings.Contains(s, "GIT range skipped") }) {
		t.Errorf("PYSEC: %+v %v", p, d.Problems)
	}
	if d := ReadOSV([]byte(`{"id":"X-1","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z"}`)); d.Err == nil {
		t.Error("withdrawn record accepted")
	}
}

func TestCorpusKEV(t *testing.T) {
	b, err := os.ReadFile(corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ReadKEV(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1404 {
		t.Errorf("%d entries", len(docs))
	}
	for _, d := range docs {
		if d.Err != nil {
			t.Fatalf("%s: %v", d.ID, d.Err)
		}
		checkAdvisory(t, d.Advisory, advisory.SourceKEV)
		if !d.Advisory.KnownExploited || d.Advisory.KEVDueDate.IsZero() || d.Advisory.Action == "" {
			t.Fatalf("%s: KEV fields missing", d.ID)
		}
	}
	c, err := os.ReadFile(corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.csv"))
	if err != nil {
		t.Fatal(err)
	}
	cdocs, err := ReadKEVCSV(c)
	if err != nil || len(cdocs) != len(docs) {
		t.Fatalf("CSV: %v, %d entries", err, len(cdocs))
	}
	for i := range docs {
		a, b := docs[i].Advisory, cdocs[i].Advisory
		if a.SourceID != b.SourceID || a.KEVDueDate != b.KEVDueDate || !slices.Equal(productNames(a), productNames(b)) {
			t.Fatalf("JSON and CSV disagree on entry %d: %+v vs %+v", i, a, b)
		}
	}
	// A catalogue that miscounts itself, and bad entries, are reported.
	if _, err := ReadKEV([]byte(`{"catalogVersion":"1","count":2,"vulnerabilities":[]}`)); err == nil {
		t.Error("miscounted catalogue accepted")
	}
	docs, err = ReadKEV([]byte(`{"catalogVersion":"1","count":2,"vulnerabilities":[{"cveID":"CVE-2024-1","dueDate":"2024-01-01"},{"cveID":"CVE-2024-12345","vendorProject":"Acme","product":"Widget Pro","dueDate":"2024-02-01","requiredAction":"Patch."}]}`))
	if err != nil || docs[0].Err == nil || docs[1].Err != nil || docs[1].Advisory.Products[0].CPE != "cpe:2.3:a:acme:widget_pro:*:*:*:*:*:*:*:*" {
		t.Errorf("entries: %v %+v", err, docs)
	}
}

func productNames(a advisory.Advisory) []string {
	var out []string
	for _, p := range a.Products {
		out = append(out, p.CPE+p.PURL)
	}
	return out
}
