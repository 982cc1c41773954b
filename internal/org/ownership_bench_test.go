package org

// Benchmarks of the ownership index on a national-scale data set: 500,000
// IPv4 prefixes (/8 to /32, mostly /16 to /24), 100,000 IPv6 prefixes (/32
// to /64), 50,000 domains and 20,000 AS numbers, generated deterministically
// (PCG with a fixed seed) once per process. BenchmarkBaselineMapLookup is an
// exact-match Go map over the same addresses, so look-up costs can be read as
// a ratio to it (see the bench-ownership target of the Makefile).

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
)

const (
	benchV4Prefixes = 500_000
	benchV6Prefixes = 100_000
	benchDomains    = 50_000
	benchASNs       = 20_000
	benchOrgs       = 5_000
	benchHot        = 1 << 10 // cache-hot query set
	benchCold       = 1 << 20 // cold query set; a power of two for masking
)

type benchData struct {
	resources []Resource // everything, approved
	ipOnly    []Resource // the prefixes alone, for bytes per prefix
	ix        *Index

	v4Hot, v4Cold, v6 []netip.Addr
	domHot, domCold   []string
	asns              []uint32
	baseHot, baseCold map[netip.Addr]string
}

var benchSet = sync.OnceValue(func() *benchData {
	rng := rand.New(rand.NewPCG(2016, 85)) // Decree 85/2016
	d := &benchData{}
	orgID := func() string { return fmt.Sprintf("org-%05d", rng.IntN(benchOrgs)) }
	genV4Prefixes(rng, benchV4Prefixes, func(p netip.Prefix) {
		d.ipOnly = append(d.ipOnly, approved(orgID(), ResourceCIDR, p.String()))
	})
	v6 := genV6Prefixes(rng, benchV6Prefixes, func(p netip.Prefix) {
		d.ipOnly = append(d.ipOnly, approved(orgID(), ResourceCIDR, p.String()))
	})
	domains := genDomains(rng, benchDomains)
	d.resources = append(d.resources, d.ipOnly...)
	for _, name := range domains {
		d.resources = append(d.resources, approved(orgID(), ResourceDomain, name))
	}
	seenASN := map[uint32]bool{23456: true}
	for len(d.asns) < benchASNs {
		n := 1 + rng.Uint32N(400_000)
		if !seenASN[n] {
			seenASN[n] = true
			d.asns = append(d.asns, n)
			d.resources = append(d.resources, approved(orgID(), ResourceASN, FormatASN(n)))
		}
	}
	ix, err := BuildIndex(d.resources)
	if err != nil {
		panic(err)
	}
	d.ix = ix
	d.v4Cold = make([]netip.Addr, benchCold)
	d.v6 = make([]netip.Addr, benchCold)
	d.domCold = make([]string, benchCold)
	d.baseCold = make(map[netip.Addr]string, benchCold)
	for i := range benchCold {
		d.v4Cold[i] = netip.AddrFrom4(u32Bytes(rng.Uint32()))
		d.baseCold[d.v4Cold[i]] = orgID()
		d.v6[i] = addrIn(rng, v6[rng.IntN(len(v6))])
		d.domCold[i] = domainQuery(rng, domains)
	}
	d.v4Hot, d.domHot = d.v4Cold[:benchHot], d.domCold[:benchHot]
	d.baseHot = make(map[netip.Addr]string, benchHot)
	for _, a := range d.v4Hot {
		d.baseHot[a] = d.baseCold[a]
	}
	return d
})

// genV4Prefixes emits n distinct IPv4 prefixes with a length mix like a
// routing table's: about 55% /24, 30% /17–/23, 8% /16, 5% /25–/32, 2% /8–/15.
func genV4Prefixes(rng *rand.Rand, n int, emit func(netip.Prefix)) {
	seen := make(map[netip.Prefix]struct{}, n)
	for len(seen) < n {
		var bits int
		switch r := rng.IntN(100); {
		case r < 55:
			bits = 24
		case r < 85:
			bits = 17 + rng.IntN(7)
		case r < 93:
			bits = 16
		case r < 98:
			bits = 25 + rng.IntN(8)
		default:
			bits = 8 + rng.IntN(8)
		}
		p := netip.PrefixFrom(netip.AddrFrom4(u32Bytes(rng.Uint32())), bits).Masked()
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			emit(p)
		}
	}
}

// genV6Prefixes emits n distinct prefixes of /32 to /64 inside 2000::/3 and
// returns them.
func genV6Prefixes(rng *rand.Rand, n int, emit func(netip.Prefix)) []netip.Prefix {
	seen := make(map[netip.Prefix]struct{}, n)
	out := make([]netip.Prefix, 0, n)
	for len(out) < n {
		var b [16]byte
		hi := rng.Uint64()&^(7<<61) | 1<<61 // 2000::/3
		for i := range 8 {
			b[i] = byte(hi >> (56 - 8*i))
		}
		p := netip.PrefixFrom(netip.AddrFrom16(b), 32+rng.IntN(33)).Masked()
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
			emit(p)
		}
	}
	return out
}

// genDomains returns n distinct names under Vietnamese and generic
// suffixes; about one in ten is a child of an earlier name.
func genDomains(rng *rand.Rand, n int) []string {
	suffixes := []string{"gov.vn", "com.vn", "edu.vn", "org.vn", "net.vn", "vn", "com"}
	seen := make(map[string]struct{}, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var d string
		if len(out) > 0 && rng.IntN(10) == 0 {
			d = fmt.Sprintf("svc%d.%s", rng.IntN(100), out[rng.IntN(len(out))])
		} else {
			d = fmt.Sprintf("%s%d.%s", []string{"so", "bo", "cty", "dh", "bv"}[rng.IntN(5)], rng.IntN(1_000_000),
				suffixes[rng.IntN(len(suffixes))])
		}
		if _, dup := seen[d]; !dup {
			seen[d] = struct{}{}
			out = append(out, d)
		}
	}
	return out
}

// domainQuery is a host under a claimed domain, or (one in five) a name no
// one claimed.
func domainQuery(rng *rand.Rand, domains []string) string {
	d := domains[rng.IntN(len(domains))]
	switch rng.IntN(5) {
	case 0:
		return fmt.Sprintf("host%d.unclaimed%d.com", rng.IntN(1000), rng.IntN(1_000_000))
	case 1:
		return d
	default:
		return fmt.Sprintf("www%d.api.%s", rng.IntN(100), d)
	}
}

func addrIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	for i := p.Bits() / 8; i < 16; i++ {
		b[i] |= byte(rng.Uint32()) & byte(0xff>>max(0, p.Bits()-8*i))
	}
	return netip.AddrFrom16(b)
}

func u32Bytes(v uint32) [4]byte {
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// heapGrowth returns how many live heap bytes build adds, measured after a
// full collection, keeping its result alive.
func heapGrowth(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

func BenchmarkOwnershipBuild(b *testing.B) {
	d := benchSet()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildIndex(d.resources); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	all := heapGrowth(func() any { ix, _ := BuildIndex(d.resources); return ix })
	ip := heapGrowth(func() any { ix, _ := BuildIndex(d.ipOnly); return ix })
	b.ReportMetric(all/(1<<20), "MiB")
	b.ReportMetric(ip/float64(len(d.ipOnly)), "B/prefix")
}

var sinkOwner Owner

func benchLookupIP(b *testing.B, addrs []netip.Addr) {
	ix, mask := benchSet().ix, len(addrs)-1
	hits := 0
	i := 0
	for b.Loop() {
		o, ok := ix.LookupIP(addrs[i&mask])
		if ok {
			hits++
			sinkOwner = o
		}
		i++
	}
	b.ReportMetric(float64(hits)/float64(max(i, 1)), "hit/op")
}

func BenchmarkLookupIPv4Hot(b *testing.B)  { benchLookupIP(b, benchSet().v4Hot) }
func BenchmarkLookupIPv4Cold(b *testing.B) { benchLookupIP(b, benchSet().v4Cold) }
func BenchmarkLookupIPv6(b *testing.B)     { benchLookupIP(b, benchSet().v6) }

func BenchmarkLookupDomain(b *testing.B) {
	for _, c := range []struct {
		name    string
		queries []string
	}{{"hot", benchSet().domHot}, {"cold", benchSet().domCold}} {
		b.Run(c.name, func(b *testing.B) {
			ix, mask, i, hits := benchSet().ix, len(c.queries)-1, 0, 0
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ix.LookupDomain(c.queries[i&mask]); ok {
					hits++
				}
				i++
			}
			b.ReportMetric(float64(hits)/float64(max(i, 1)), "hit/op")
		})
	}
}

func BenchmarkLookupASN(b *testing.B) {
	d := benchSet()
	i, hits := 0, 0
	for b.Loop() {
		// Every other query is a claimed AS number.
		n := d.asns[i%len(d.asns)] + uint32(i&1)*500_000
		if _, ok := d.ix.LookupASN(n); ok {
			hits++
		}
		i++
	}
	b.ReportMetric(float64(hits)/float64(max(i, 1)), "hit/op")
}

// BenchmarkBaselineMapLookup is the yardstick: an exact-match
// map[netip.Addr]string over the same hot and cold IPv4 addresses.
func BenchmarkBaselineMapLookup(b *testing.B) {
	d := benchSet()
	for _, c := range []struct {
		name  string
		m     map[netip.Addr]string
		addrs []netip.Addr
	}{{"hot", d.baseHot, d.v4Hot}, {"cold", d.baseCold, d.v4Cold}} {
		b.Run(c.name, func(b *testing.B) {
			mask, i, hits := len(c.addrs)-1, 0, 0
			for b.Loop() {
				if _, ok := c.m[c.addrs[i&mask]]; ok {
					hits++
				}
				i++
			}
			b.ReportMetric(float64(hits)/float64(max(i, 1)), "hit/op")
		})
	}
}
