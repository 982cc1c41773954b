package csaf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// FuzzReadCSAF feeds arbitrary bytes to the reader: it must never panic,
// and whatever it accepts must convert to products with exactly one of a
// CPE name and a package URL.
func FuzzReadCSAF(f *testing.F) {
	if b, err := Write(sampleAdvisory(), testIssuer, ""); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"document":{}}`))
	f.Add([]byte(`{"document":{"csaf_version":"2.0"}} garbage`))
	if _, err := os.Stat(corpustest.Root()); err == nil {
		files, _ := filepath.Glob(filepath.Join(corpustest.Root(), "csaf", "*.json"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := Read(data)
		if err != nil {
			if len(Problems(err)) == 0 {
				t.Fatalf("rejection without problems: %v", err)
			}
			return
		}
		for _, p := range a.Products {
			if (p.CPE == "") == (p.PURL == "") {
				t.Fatalf("product %+v", p)
			}
		}
	})
}
