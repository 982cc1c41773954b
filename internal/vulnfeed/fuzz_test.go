package vulnfeed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
)

// seedCorpus adds the corpus files matching pattern (when present) as seeds.
func seedCorpus(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join(corpustest.Root(), filepath.FromSlash(pattern)))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
			f.Add(b)
		}
	}
}

// sane fails on an accepted advisory that breaks the model's rules.
func sane(t *testing.T, d Doc) {
	if d.Err != nil {
		if !strings.Contains(d.Err.Error(), "invalid") {
			t.Fatalf("error without the invalid mark: %v", d.Err)
		}
		return
	}
	for _, p := range d.Advisory.Products {
		if (p.CPE == "") == (p.PURL == "") {
			t.Fatalf("product %+v", p)
		}
		for _, r := range p.Ranges {
			if r.Scheme == "" {
				t.Fatalf("range without scheme %+v", r)
			}
		}
	}
	if d.Advisory.SourceID == "" {
		t.Fatal("no source id")
	}
}

func FuzzReadCVE5(f *testing.F) {
	f.Add([]byte(`{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"},"containers":{"cna":{"affected":[{"vendor":"a","product":"b","versions":[{"version":"1","lessThan":"2","status":"affected","changes":[{"at":"1.5","status":"unaffected"}]}]}]}}}`))
	seedCorpus(f, "vuln/cve-json5/misc/*.json")
	f.Fuzz(func(t *testing.T, data []byte) { sane(t, ReadCVE5(data)) })
}

func FuzzReadNVD(f *testing.F) {
	f.Add([]byte(`{"format":"NVD_CVE","resultsPerPage":1,"startIndex":0,"totalResults":1,"vulnerabilities":[{"cve":{"id":"CVE-2024-0001","configurations":[{"nodes":[{"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*","versionEndExcluding":"2"}]}]}]}}]}`))
	seedCorpus(f, "vuln/nvd-api-2.0/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		page, docs, err := ReadNVD(data)
		if err != nil {
			return
		}
		if page.StartIndex+len(docs) > page.TotalResults && len(docs) > 0 {
			t.Fatalf("accepted a page that overruns totalResults: %+v", page)
		}
		for _, d := range docs {
			sane(t, d)
		}
	})
}

func FuzzReadOSV(f *testing.F) {
	f.Add([]byte(`{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}`))
	seedCorpus(f, "vuln/osv/*.json")
	f.Fuzz(func(t *testing.T, data []byte) { sane(t, ReadOSV(data)) })
}

func FuzzReadKEV(f *testing.F) {
	f.Add([]byte(`{"catalogVersion":"1","count":1,"vulnerabilities":[{"cveID":"CVE-2024-12345","vendorProject":"Acme","product":"Widget","dueDate":"2024-02-01"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := ReadKEV(data)
		if err != nil {
			return
		}
		for _, d := range docs {
			sane(t, d)
			if d.Err == nil && (!d.Advisory.KnownExploited || d.Advisory.KEVDueDate.IsZero()) {
				t.Fatalf("KEV entry without KEV fields: %+v", d.Advisory)
			}
		}
		cdocs, _ := ReadKEVCSV(data)
		for _, d := range cdocs {
			sane(t, d)
		}
	})
}

func FuzzParseCPE(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:/a:microsoft:ie:8", "cpe:2.3:a:v:p\\:x:*:*:*:*:*:*:*:*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCPE(s)
		if err != nil {
			return
		}
		again, err := ParseCPE(c.Name)
		if err != nil || again.Name != c.Name || again.Version != "" {
			t.Fatalf("%q → %q does not re-parse to itself: %+v %v", s, c.Name, again, err)
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	for _, s := range []string{"pkg:npm/%40angular/core@16.0.0", "pkg:rpm/redhat/openssl@1.1.1k?epoch=1", "pkg:maven/g/a@1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePURL(s)
		if err != nil {
			return
		}
		again, err := ParsePURL(p.Name)
		if err != nil || again.Name != p.Name || again.Type != p.Type {
			t.Fatalf("%q → %q does not re-parse to itself: %+v %v", s, p.Name, again, err)
		}
		_ = SchemeForPURLType(p.Type)
		_ = advisory.SchemeCPE
	})
}
