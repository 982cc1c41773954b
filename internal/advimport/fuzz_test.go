package advimport

import "testing"

// FuzzReadBytes: detection and reading of any input never panics, and a
// result is either an advisory or a reason.
func FuzzReadBytes(f *testing.F) {
	for _, s := range []string{`{"document":{"csaf_version":"2.0"}}`, `{"dataType":"CVE_RECORD"}`, `{"format":"NVD_CVE","vulnerabilities":[]}`,
		`{"id":"X","modified":"2024-01-01T00:00:00Z"}`, `{"catalogVersion":"1","count":0,"vulnerabilities":[]}`, "cveID,vendorProject\n", `{"feed":{}}`, `{"canonical_url":"x","role":"y"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range ReadBytes("fuzz", data) {
			if r.Advisory == nil && r.Err == "" && len(r.Problems) == 0 {
				t.Fatalf("result with neither advisory nor reason: %+v", r)
			}
			if r.Advisory != nil && r.Err != "" {
				t.Fatalf("failed result with an advisory: %+v", r)
			}
		}
	})
}
