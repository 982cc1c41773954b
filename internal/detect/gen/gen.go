// Package gen makes deterministic test data for the detection benchmarks
// and tests: threat-intel indicator sets of any size, a national
// constituency of IP prefixes, and Suricata EVE-like events (raw NDJSON and
// the event.Event a decoder would make of it) of which a chosen share
// carries an indicator's value.
//
// Invariants: the same arguments always give the same data, on every
// machine; indicator i of a seed does not depend on how many are asked
// for, so Indicators(1_000, s) is a prefix of Indicators(10_000_000, s), and
// Events(n, s, rate) draws its hits from Indicators(HitPool, s). Every
// value is made from a small counter-based generator (splitmix64), never a
// shared random source, so any element can be computed on its own and big
// sets are made in parallel.
package gen

import (
	"encoding/hex"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// Now is the reference time of all generated data: indicators expire
// relative to it and events happen just after it.
var Now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// HitPool is how many indicators at the head of a seed's stream the events
// draw their hits from: an index must hold at least that many of the same
// seed for every hit to be a real one.
const HitPool = 50_000

// Streams separate the uses of one seed.
const (
	streamIndicator = iota + 1
	streamDup
	streamEvent
	streamPrefix
)

// rnd is splitmix64: tiny, a value type, and good enough for test data.
type rnd struct{ s uint64 }

func newRnd(seed uint64, stream, i int) rnd {
	return rnd{s: mix64(seed ^ mix64(uint64(stream)<<56^uint64(i)))}
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rnd) u64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// n returns a number in [0, k) for 0 < k < 2^32.
func (r *rnd) n(k int) int { return int((r.u64() >> 32) * uint64(k) >> 32) }

// pct reports true with probability p/100.
func (r *rnd) pct(p int) bool { return r.n(100) < p }

// typeSlots lays out a block of 200 consecutive indicators: 40% IP
// addresses and CIDRs, 30% domains (one in thirty of them an e-mail
// address), 15% URLs, 15% hashes. The type of indicator i is
// typeSlots[i%200], so an earlier indicator of a given type is found without
// a search (see earlier).
var typeSlots = func() [blockLen]intel.Type {
	var s [blockLen]intel.Type
	mix := []struct {
		t intel.Type
		n int
	}{
		{intel.TypeIPv4, 56}, {intel.TypeDomain, 58}, {intel.TypeURL, 30}, {intel.TypeSHA256, 14},
		{intel.TypeCIDR, 16}, {intel.TypeIPv6, 8}, {intel.TypeMD5, 10}, {intel.TypeSHA1, 6}, {intel.TypeEmail, 2},
	}
	// Deal the types round-robin so each is spread over the block.
	i := 0
	for left := blockLen; left > 0; {
		for k := range mix {
			if mix[k].n > 0 {
				s[i] = mix[k].t
				mix[k].n--
				i++
				left--
			}
		}
	}
	return s
}()

const blockLen = 200

var sources = []string{"misp-circle", "abuse-ch", "otx", "vncert-feed", "isac-finance", "taxii-partner", "manual", "phishtank"}

var words = []string{"login", "secure", "update", "cdn", "mail", "portal", "bank", "pay", "shop", "cloud",
	"api", "static", "news", "vpn", "auth", "account", "verify", "support", "files", "img"}

var tlds = []string{"com", "net", "org", "info", "xyz", "top", "ru", "cn", "vn", "com.vn", "online", "site"}

// Indicators returns the first n indicators of seed's stream: the mix of
// typeSlots, about 4% sharing an earlier indicator's value from another
// source, 2% expired at Now and 0.5% not yet valid. Big sets are made on
// every CPU.
func Indicators(n int, seed uint64) []intel.Indicator {
	out := make([]intel.Indicator, n)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/10_000))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				out[i] = Indicator(i, seed)
			}
		})
	}
	wg.Wait()
	return out
}

// Indicator returns indicator i of seed's stream.
func Indicator(i int, seed uint64) intel.Indicator {
	t, v := baseValue(i, seed)
	src := sourceOf(i, seed)
	d := newRnd(seed, streamDup, i)
	if i >= blockLen && d.pct(4) {
		j := earlier(i, &d)
		t, v = baseValue(j, seed)
		src = sources[(indexOf(sourceOf(j, seed))+1+d.n(len(sources)-1))%len(sources)]
	}
	ind := intel.Indicator{
		ID:         "gen-" + strconv.Itoa(i),
		Type:       t,
		Value:      v,
		TLP:        []tlp.Level{tlp.Clear, tlp.Green, tlp.Green, tlp.Amber}[d.n(4)],
		Source:     src,
		Confidence: 50 + d.n(51),
	}
	switch r := d.n(1000); {
	case r < 20: // expired
		ind.ValidUntil = Now.Add(-time.Duration(1+d.n(30*24)) * time.Hour)
	case r < 25: // not yet valid
		ind.ValidFrom = Now.Add(time.Duration(1+d.n(10*24)) * time.Hour)
	case r < 700:
		ind.ValidUntil = Now.Add(time.Duration(1+d.n(90*24)) * time.Hour)
	}
	return ind
}

func sourceOf(i int, seed uint64) string {
	return sources[mix64(seed^uint64(i)*0x9e3779b97f4a7c15)%uint64(len(sources))]
}

func indexOf(src string) int {
	for k, s := range sources {
		if s == src {
			return k
		}
	}
	return 0
}

// earlier returns an index before i in an earlier block with the same slot,
// so with the same type. i must be at least blockLen.
func earlier(i int, r *rnd) int {
	return i - blockLen*(1+r.n(i/blockLen))
}

// domainSlots are the slots of a block that hold domains.
var domainSlots = func() (s []int) {
	for k, t := range typeSlots {
		if t == intel.TypeDomain {
			s = append(s, k)
		}
	}
	return s
}()

// earlierDomain returns the index of a domain indicator in a block before
// i's. i must be at least blockLen.
func earlierDomain(i int, r *rnd) int {
	return (i/blockLen-1-r.n(i/blockLen))*blockLen + domainSlots[r.n(len(domainSlots))]
}

// baseValue is indicator i's own type and value, before any sharing.
func baseValue(i int, seed uint64) (intel.Type, string) {
	t := typeSlots[i%blockLen]
	r := newRnd(seed, streamIndicator, i)
	switch t {
	case intel.TypeIPv4:
		return t, netip.AddrFrom4(u32Bytes(scramble32(uint32(i), seed))).String()
	case intel.TypeIPv6:
		return t, randomV6(&r).String()
	case intel.TypeCIDR:
		return t, cidrValue(i, seed).String()
	case intel.TypeDomain:
		return t, domainValue(i, seed)
	case intel.TypeURL:
		return t, urlValue(i, seed, &r)
	case intel.TypeEmail:
		return t, words[r.n(len(words))] + strconv.Itoa(r.n(1000)) + "@" + domainValue(i, seed)
	default:
		b := make([]byte, map[intel.Type]int{intel.TypeMD5: 16, intel.TypeSHA1: 20, intel.TypeSHA256: 32}[t])
		for k := range b {
			b[k] = byte(r.u64())
		}
		return t, hex.EncodeToString(b)
	}
}

// cidrValue is a prefix: one in four lies inside an earlier CIDR indicator
// (nested), one in eight is IPv6, the rest are IPv4 with a length mix of
// threat feeds: half /24, most of the rest longer, a few /20 to /23.
func cidrValue(i int, seed uint64) netip.Prefix {
	r := newRnd(seed, streamIndicator, i)
	if i >= blockLen && r.pct(25) {
		parent := cidrValue(earlier(i, &r), seed)
		bits := min(parent.Addr().BitLen(), parent.Bits()+1+r.n(8))
		return netip.PrefixFrom(addrIn(&r, parent), bits).Masked()
	}
	if r.pct(12) {
		return netip.PrefixFrom(randomV6(&r), 32+r.n(33)).Masked()
	}
	var bits int
	switch k := r.n(100); {
	case k < 5:
		bits = 20 + r.n(4)
	case k < 55:
		bits = 24
	default:
		bits = 25 + r.n(6)
	}
	return netip.PrefixFrom(netip.AddrFrom4(u32Bytes(uint32(r.u64()))), bits).Masked()
}

// domainValue is a registered-looking name, or (one in five) a subdomain of
// an earlier domain indicator.
func domainValue(i int, seed uint64) string {
	r := newRnd(seed, streamIndicator, i^1<<40)
	if i >= blockLen && r.pct(20) {
		return words[r.n(len(words))] + strconv.FormatUint(uint64(i), 36) + "." + domainValue(earlierDomain(i, &r), seed)
	}
	return words[r.n(len(words))] + "-" + strconv.FormatUint(uint64(scramble32(uint32(i), seed)), 36) +
		"." + tlds[r.n(len(tlds))]
}

// urlValue is an http(s) URL on a domain indicator's name or a fresh one,
// with a path unique to i.
func urlValue(i int, seed uint64, r *rnd) string {
	host := "files-" + strconv.FormatUint(uint64(scramble32(uint32(i)^0x5a5a, seed)), 36) + "." + tlds[r.n(len(tlds))]
	if i >= blockLen && r.pct(50) {
		host = domainValue(earlierDomain(i, r), seed)
	}
	scheme := "http://"
	if r.pct(40) {
		scheme = "https://"
	}
	u := scheme + host + "/" + words[r.n(len(words))] + "/" + strconv.FormatUint(uint64(i), 36)
	switch r.n(4) {
	case 0:
		return u + ".php?id=" + strconv.Itoa(r.n(100_000))
	case 1:
		return u + "/payload.exe"
	default:
		return u + ".html"
	}
}

// scramble32 is a bijection on uint32 keyed by seed, so distinct i give
// distinct values.
func scramble32(x uint32, seed uint64) uint32 {
	k := uint32(seed) | 1
	x ^= 0x9e3779b9
	for range 3 {
		x ^= x >> 16
		x *= 0x7feb352d
		x ^= x >> 15
		x *= 0x846ca68b | k
		x += uint32(seed >> 32)
	}
	return x
}

func randomV6(r *rnd) netip.Addr {
	var b [16]byte
	hi, lo := r.u64()&^(7<<61)|1<<61, r.u64() // inside 2000::/3
	for k := range 8 {
		b[k], b[8+k] = byte(hi>>(56-8*k)), byte(lo>>(56-8*k))
	}
	return netip.AddrFrom16(b)
}

// addrIn returns a random address inside p.
func addrIn(r *rnd, p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 12
	}
	for k := off + p.Bits()/8; k < 16; k++ {
		keep := max(0, p.Bits()-8*(k-off))
		b[k] |= byte(r.u64()) & byte(0xff>>min(8, keep))
	}
	if p.Addr().Is4() {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}

func u32Bytes(v uint32) [4]byte {
	return [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}
