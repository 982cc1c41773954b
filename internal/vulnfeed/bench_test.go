package vulnfeed

import (
	"os"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// BenchmarkReadKEV reads the whole KEV catalogue (1,404 entries).
func BenchmarkReadKEV(b *testing.B) {
	data, err := os.ReadFile(corpustest.File(b, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if docs, err := ReadKEV(data); err != nil || len(docs) != 1404 {
			b.Fatal(err)
		}
	}
}
