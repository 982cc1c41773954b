package detect

// Benchmarks behind the design choices in the package doc: how to hold the
// IP indicators (an exact map with a filter in front of a bart table of the
// CIDRs, or everything in one bart table of each kind), and what the filter
// in front of the tables buys the whole matcher.

import (
	"net/netip"
	"testing"

	"github.com/gaissmai/bart"

	"github.com/khien-cert/khien/internal/intel"
)

// ipParts returns the IP indicators of a set as prefixes, and the
// addresses of the benchmark events.
func ipParts(set *benchSet) (pfxs []netip.Prefix, addrs []netip.Addr) {
	for _, i := range set.inds {
		if t := i.Type; t == intel.TypeIPv4 || t == intel.TypeIPv6 || t == intel.TypeCIDR {
			k, ok := keyOf(set.ix.seed, t, i.Value)
			switch {
			case !ok:
			case k.class == classCIDR:
				pfxs = append(pfxs, k.pfx)
			case k.class == classV4:
				pfxs = append(pfxs, netip.PrefixFrom(netip.AddrFrom4(u32Bytes(k.v4)), 32))
			default:
				pfxs = append(pfxs, netip.PrefixFrom(netip.AddrFrom16(k.v6), 128))
			}
		}
	}
	for _, ev := range decoded() {
		addrs = append(addrs, ev.SrcIP.Unmap(), ev.DstIP.Unmap())
	}
	return pfxs, addrs
}

type lookupTable interface {
	Insert(netip.Prefix, uint32)
	Lookup(netip.Addr) (uint32, bool)
}

func BenchmarkDesignIP1M(b *testing.B)  { benchDesignIP(b, set1M()) }
func BenchmarkDesignIP10M(b *testing.B) { benchDesignIP(b, set10M()) }

func benchDesignIP(b *testing.B, set *benchSet) {
	pfxs, addrs := ipParts(set)
	ours := func() any {
		var s entries
		for i, p := range pfxs {
			if p.IsSingleIP() {
				s.add(addrKey(p.Addr()), uint32(i))
			} else {
				s.add(key{class: classCIDR, pfx: p}, uint32(i))
			}
		}
		return buildLayer(s)
	}
	bartAll := func(newTable func() lookupTable, cidrsOnly bool) func() any {
		return func() any {
			t := newTable()
			for i, p := range pfxs {
				if !cidrsOnly || !p.IsSingleIP() {
					t.Insert(p, uint32(i))
				}
			}
			return t
		}
	}
	for _, c := range []struct {
		name  string
		build func() any
	}{
		{"map+filter+bart.Table", ours},
		{"bart.Table-all", bartAll(newTable, false)},
		{"bart.Fast-all", bartAll(newFast, false)},
		{"bart.Table-cidrs-only", bartAll(newTable, true)},
		{"bart.Fast-cidrs-only", bartAll(newFast, true)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var v any
			size := heapGrowth(func() any { v = c.build(); return v })
			n, hits := 0, 0
			for b.Loop() {
				if lookupOne(v, addrs[n&(len(addrs)-1)]) {
					hits++
				}
				n++
			}
			b.ReportMetric(size/float64(len(pfxs)), "B/indicator")
			b.ReportMetric(float64(hits)/float64(n), "hit/op")
		})
	}
}

func newTable() lookupTable { return new(bart.Table[uint32]) }
func newFast() lookupTable  { return new(bart.Fast[uint32]) }

func lookupOne(v any, a netip.Addr) bool {
	switch t := v.(type) {
	case *layer:
		k, hit := addrKey(a), false
		if t.filter.has(k.fp) {
			if k.class == classV4 {
				_, hit = t.v4.m[k.v4]
			} else {
				_, hit = t.v6.m[k.v6]
			}
		}
		_, inCIDR := t.cidrs.Lookup(a)
		return hit || inCIDR
	case lookupTable:
		_, ok := t.Lookup(a)
		return ok
	}
	panic("unknown table")
}

// withoutFilter returns a copy of ix whose filters pass everything, so
// every probe goes to the maps.
func withoutFilter(ix *Index) *Index {
	nx := *ix
	open := func(l *layer) *layer {
		if l == nil {
			return nil
		}
		c := *l
		c.filter = filter{words: make([]uint64, 1)}
		c.filter.words[0] = ^uint64(0)
		return &c
	}
	nx.base, nx.over = open(ix.base), open(ix.over)
	return &nx
}

func BenchmarkDesignFilter1M(b *testing.B) {
	b.Run("with", func(b *testing.B) { benchMatch(b, set1M().ix, decoded()) })
	b.Run("without", func(b *testing.B) { benchMatch(b, withoutFilter(set1M().ix), decoded()) })
}

func BenchmarkDesignFilter10M(b *testing.B) {
	b.Run("with", func(b *testing.B) { benchMatch(b, set10M().ix, decoded()) })
	b.Run("without", func(b *testing.B) { benchMatch(b, withoutFilter(set10M().ix), decoded()) })
}

// BenchmarkDesignHashKeys compares the memory of the two ways to key
// SHA-256 hashes: a 64-bit fingerprint (checked on a hit against the
// record) and the 32 bytes themselves.
func BenchmarkDesignHashKeys(b *testing.B) {
	var hashes []string
	for _, i := range set1M().inds {
		if i.Type == intel.TypeSHA256 {
			hashes = append(hashes, i.Value)
		}
	}
	seed := set1M().ix.seed
	for _, c := range []struct {
		name  string
		build func() any
	}{
		{"fingerprint", func() any {
			m := make(map[uint64]uint32, len(hashes))
			for i, h := range hashes {
				m[fpString(seed, saltHash, h)] = uint32(i)
			}
			return m
		}},
		{"bytes32", func() any {
			m := make(map[[32]byte]uint32, len(hashes))
			for i, h := range hashes {
				var k [32]byte
				for j := range k {
					k[j] = unhex(h[2*j])<<4 | unhex(h[2*j+1])
				}
				m[k] = uint32(i)
			}
			return m
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(heapGrowth(c.build)/float64(len(hashes)), "B/hash")
		})
	}
}

func u32Bytes(v uint32) [4]byte {
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}
