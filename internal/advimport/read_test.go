package advimport

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// wantFormat gives the format every corpus file must be detected as.
func wantFormat(rel string) string {
	switch {
	case strings.HasPrefix(rel, "vuln/cve-json5/"):
		return FormatCVE5
	case strings.HasPrefix(rel, "vuln/nvd-api-2.0/"):
		return FormatNVD
	case strings.HasPrefix(rel, "vuln/osv/"):
		return FormatOSV
	case strings.HasSuffix(rel, "known_exploited_vulnerabilities.json"):
		return FormatKEV
	case strings.HasSuffix(rel, "known_exploited_vulnerabilities.csv"):
		return FormatKEVCSV
	case strings.HasSuffix(rel, "_schema.json"):
		return FormatUnknown
	case strings.HasSuffix(rel, "changes.csv"):
		return FormatUnknown // a CSAF directory's list of changes, not a document
	case strings.HasSuffix(rel, "provider-metadata.json"):
		return FormatProviderMetadata
	case strings.HasSuffix(rel, "aggregator.json"):
		return FormatAggregator
	case strings.HasSuffix(rel, "white-feed.json"):
		return FormatUnknown // a Go template, not JSON
	case strings.Contains(rel, "feed-tlp-white"):
		return FormatROLIE
	case strings.HasSuffix(rel, "service.json"):
		return FormatROLIEService
	case strings.HasPrefix(rel, "csaf/"):
		return FormatCSAF
	}
	return "?"
}

func TestDetectCorpus(t *testing.T) {
	root := corpustest.Dir(t)
	n := 0
	for _, top := range []string{"csaf", "vuln"} {
		filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".csv")) {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			n++
			if got, want := Detect(p, b), wantFormat(rel); got != want {
				t.Errorf("%s: detected %s, want %s", rel, got, want)
			}
			return nil
		})
	}
	if n < 70 {
		t.Errorf("only %d corpus files", n)
	}
}

func TestReadPathCorpus(t *testing.T) {
	root := corpustest.Dir(t)
	rs, err := ReadPath(filepath.Join(root, "vuln"))
	if err != nil {
		t.Fatal(err)
	}
	read, failed := 0, map[string]string{}
	for _, r := range rs {
		if r.Failed() {
			failed[filepath.Base(strings.Split(r.Path, "#")[0])] = r.Err
			continue
		}
		if r.Advisory == nil || r.ID == "" {
			t.Errorf("%s: read but no advisory", r.Path)
		}
		read++
	}
	// KEV twice (JSON and CSV), 14 CVE records, 6 NVD responses, 11 OSV.
	if read < 2*1404+14+6+11 {
		t.Errorf("read %d advisories", read)
	}
	for name, why := range failed {
		switch {
		case name == "osv.dev-testdata__nvd-api-2.0-multi-13.json" && strings.Contains(why, "totalResults lies"):
		case strings.HasPrefix(name, "osv-schema-linter-testdata__nointroduced") && strings.Contains(why, "introduced"):
		case name == "cisa-kev__known_exploited_vulnerabilities_schema.json" && strings.Contains(why, "known format"):
		default:
			t.Errorf("%s failed: %s", name, why)
		}
	}
	if len(failed) != 3 {
		t.Errorf("failures: %v", failed)
	}
	// The CSAF folder: the broken documents fail with their reasons, the
	// provider metadata and feeds are recognised, and the rest is read.
	rs, err = ReadPath(filepath.Join(root, "csaf"))
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range rs {
		if r.Failed() && len(r.Problems) == 0 && r.Format == FormatCSAF {
			t.Errorf("%s failed without problems: %s", r.Path, r.Err)
		}
		if r.Advisory != nil {
			ok++
		}
	}
	if ok < 16 {
		t.Errorf("only %d CSAF advisories read", ok)
	}
	// Provider metadata, aggregator and ROLIE examples of OASIS pass their
	// schemas; gocsaf's templates (URLs "{{.URL}}/…") do not.
	for _, r := range rs {
		base := filepath.Base(r.Path)
		switch {
		case strings.HasPrefix(base, "oasis-csaf20__"):
			if r.Failed() || r.Advisory != nil {
				t.Errorf("%s: %+v", base, r)
			}
		case strings.Contains(r.Path, "gocsaf-testdata") && base == "provider-metadata.json":
			if !r.Failed() || !strings.Contains(r.Err, "schema") {
				t.Errorf("%s: %+v", r.Path, r)
			}
		}
	}
}

func TestReadBytesUnknown(t *testing.T) {
	for _, in := range []string{"", "hello", "{}", `{"a":1}`, "[1,2]"} {
		rs := ReadBytes("x", []byte(in))
		if len(rs) != 1 || !rs[0].Failed() || rs[0].Format != FormatUnknown {
			t.Errorf("%q: %+v", in, rs)
		}
	}
}
