package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advimport"
	"github.com/khien-cert/khien/internal/corpustest"
)

func TestAdvisoryImportDryRun(t *testing.T) {
	root := corpustest.Dir(t)
	dataDir := t.TempDir()
	// A valid CSAF document, a CVE record and an OSV record: exit 0, each
	// printed with its id, products and CVEs.
	code, out, stderr := run(t, "", "advisory", "import", "--dry-run", "--data-dir", dataDir,
		filepath.Join(root, "csaf/oasis-csaf20-examples__bsi-2022-0001.json"),
		filepath.Join(root, "vuln/cve-json5/cvelistV5/cves/2021/44xxx/CVE-2021-44228.json"),
		filepath.Join(root, "vuln/osv/osv-schema-linter-testdata__GO-2020-0001.json"))
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"BSI-2022-0001\tok", "product:  cpe:2.3:a:csaf-tools:cvrf-csaf-converter:",
		"CVE-2021-44228\tok", "cves:     CVE-2021-44228", "apache_log4j2",
		"GO-2020-0001\tok", "pkg:golang/github.com/gin-gonic/gin  semver:<1.6.0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "3 documents: 3 advisories read, 0 failed") {
		t.Errorf("stderr: %s", stderr)
	}
	// The OASIS mandatory-test folder: the broken documents fail with their
	// test named, exit 1.
	code, out, _ = run(t, "", "advisory", "import", "--dry-run", filepath.Join(root, "csaf/oasis-validator-mandatory"))
	if code != 1 {
		t.Fatalf("broken documents: code %d", code)
	}
	for _, want := range []string{"6.1.1 Missing Definition of Product ID", "6.1.2 Multiple Definition of Product ID",
		"6.1.3 Circular Definition of Product ID", "6.1.6 Contradicting Product Status", "missing property 'baseSeverity'"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// JSON lines: one result per document.
	code, out, _ = run(t, "", "advisory", "import", "--dry-run", "--json", filepath.Join(root, "vuln/nvd-api-2.0"))
	if code != 1 {
		t.Fatalf("NVD folder (one lying response): code %d", code)
	}
	n, bad := 0, 0
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var r advimport.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		n++
		if r.Failed() {
			bad++
			if !strings.Contains(r.Err, "totalResults lies") {
				t.Errorf("%s: %s", r.Path, r.Err)
			}
		}
	}
	if n != 7 || bad != 1 {
		t.Errorf("%d results, %d failed", n, bad)
	}
	// Nothing was written: no database in the data directory.
	if entries, _ := os.ReadDir(dataDir); len(entries) != 0 {
		t.Errorf("dry run wrote %d entries to the data directory", len(entries))
	}
	if code, _, _ := run(t, "", "advisory", "import", "--dry-run"); code != 2 {
		t.Errorf("no paths: code %d", code)
	}
	if code, _, _ := run(t, "", "advisory", "import", "--dry-run", filepath.Join(dataDir, "missing.json")); code != 1 {
		t.Errorf("missing file: code %d", code)
	}
}

func TestAdvisoryImportStores(t *testing.T) {
	root := corpustest.Dir(t)
	dataDir := t.TempDir()
	code, out, stderr := run(t, "", "advisory", "import", "--data-dir", dataDir,
		filepath.Join(root, "vuln/osv/osv-schema-linter-testdata__GO-2020-0001.json"),
		filepath.Join(root, "vuln/cve-json5/cvelistV5/cves/2021/44xxx/CVE-2021-44228.json"))
	if code != 0 || !strings.Contains(out, "imported: 2 created") {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = run(t, "", "advisory", "import", "--data-dir", dataDir,
		filepath.Join(root, "vuln/osv/osv-schema-linter-testdata__GO-2020-0001.json"))
	if code != 0 || !strings.Contains(out, "1 unchanged") {
		t.Fatalf("re-import: code %d\n%s", code, out)
	}
}

func TestAdvisoryPullDryRun(t *testing.T) {
	kev, err := os.ReadFile(corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(kev) }))
	defer srv.Close()
	code, out, stderr := run(t, "", "advisory", "pull", "--dry-run", "--insecure", "--kind", "kev", srv.URL+"/kev.json")
	if code != 0 || !strings.Contains(stderr, "1404 documents: 1404 advisories read, 0 failed") || !strings.Contains(out, "CVE-2021-44228\tok") {
		t.Fatalf("code %d\n%s", code, stderr)
	}
	if code, _, stderr := run(t, "", "advisory", "pull", "--dry-run", "--kind", "kev", srv.URL+"/kev.json"); code != 1 || !strings.Contains(stderr, "certificate") {
		t.Errorf("untrusted certificate: code %d %s", code, stderr)
	}
	if code, _, _ := run(t, "", "advisory", "pull", "--dry-run", srv.URL); code != 2 {
		t.Errorf("no kind: code %d", code)
	}
}
