package detect

import (
	"testing"
)

func TestFilter(t *testing.T) {
	const n = 1 << 20
	f := newFilter(n)
	key := func(i uint64) uint64 { return fmix64(i*0x9e3779b97f4a7c15 + 1) }
	for i := range uint64(n) {
		f.add(key(i))
	}
	for i := range uint64(n) {
		if !f.has(key(i)) {
			t.Fatalf("key %d added but not found", i)
		}
	}
	fp := 0
	for i := uint64(n); i < 2*n; i++ {
		if f.has(key(i)) {
			fp++
		}
	}
	rate := float64(fp) / n
	t.Logf("false-positive rate %.3f%% at %d bits per key, %d KiB for %d keys", 100*rate, filterBitsPerKey, len(f.words)*8>>10, n)
	if rate > 0.01 {
		t.Errorf("false-positive rate %.3f%%", 100*rate)
	}
	if (filter{}).has(1) {
		t.Error("the empty filter has a key")
	}
}
