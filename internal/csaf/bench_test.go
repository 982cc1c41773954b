package csaf

import (
	"fmt"
	"os"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
)

// BenchmarkRead validates (schema + mandatory tests) and converts the
// largest real document of the corpus.
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(corpustest.File(b, "csaf/redhat/guac-testdata__rhsa-2023_1441-csaf-vex.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Read(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildProvider renders a provider tree of 100 advisories (each
// written, validated, hashed and signed).
func BenchmarkBuildProvider(b *testing.B) {
	var advs []advisory.Advisory
	for i := range 100 {
		a := sampleAdvisory()
		a.SourceID = fmt.Sprintf("KHIEN-2026-%04d", i)
		advs = append(advs, a)
	}
	o := ProviderOptions{BaseURL: "https://cert.example.vn", Issuer: testIssuer, Signer: testSigner(b)}
	for b.Loop() {
		t, err := BuildProvider(advs, o)
		if err != nil || t.Count != 100 {
			b.Fatal(err)
		}
	}
}
