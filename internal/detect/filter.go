package detect

// filter is a register-blocked Bloom filter over fingerprints: each key
// sets filterK bits inside one 64-bit word, so a probe reads one word. At
// filterBitsPerKey bits per key its false-positive rate is about 0.3%, and
// it is small enough to stay in cache where the tables behind it do not:
// 2.5 MiB for a million indicators against about 25 MiB of maps.
type filter struct {
	words []uint64
}

const (
	filterBitsPerKey = 20
	filterK          = 5
)

func newFilter(keys int) filter {
	return filter{words: make([]uint64, max(1, keys*filterBitsPerKey/64))}
}

// slot maps the low 32 bits of h onto the words without a division.
func (f filter) slot(h uint64) int {
	return int(uint64(uint32(h)) * uint64(len(f.words)) >> 32)
}

// mask takes filterK bit positions from the high 32 bits of h.
func mask(h uint64) uint64 {
	return 1<<(h>>32&63) | 1<<(h>>38&63) | 1<<(h>>44&63) | 1<<(h>>50&63) | 1<<(h>>56&63)
}

func (f filter) add(h uint64) { f.words[f.slot(h)] |= mask(h) }

// has reports whether h may have been added; false is certain.
func (f filter) has(h uint64) bool {
	if len(f.words) == 0 {
		return false
	}
	m := mask(h)
	return f.words[f.slot(h)]&m == m
}
