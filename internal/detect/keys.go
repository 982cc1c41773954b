package detect

import (
	"hash/maphash"
	"net/netip"
	"strings"

	"github.com/khien-cert/khien/internal/intel"
)

// class is the table an observable lives in.
type class uint8

const (
	classV4     class = iota // single IPv4 address: v4 map
	classV6                  // single IPv6 address: v6 map
	classCIDR                // prefix: the bart table
	classDomain              // domain: names map, by suffix fingerprint
	classURL                 // names map, by fingerprint
	classHash                // names map, by fingerprint
	classEmail               // names map, by fingerprint
)

// Salts keep the fingerprints of the classes apart, so the same text as a
// URL and as an e-mail address lands in different places. Verification on a
// hit makes them correct anyway; the salts keep collisions from costing.
const (
	saltV4     = 0x243f6a8885a308d3
	saltV6     = 0x13198a2e03707344
	saltDomain = 0xa4093822299f31d0
	saltURL    = 0x082efa98ec4e6c89
	saltHash   = 0x452821e638d01377
	saltEmail  = 0xbe5466cf34e90c6c
)

// fmix64 is MurmurHash3's finaliser: it spreads every input bit over the
// output, so the filter can use the fingerprint's bits directly.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

func fpV4(a uint32) uint64 { return fmix64(uint64(a) ^ saltV4) }

func fpV6(a *[16]byte) uint64 {
	var hi, lo uint64
	for i := range 8 {
		hi, lo = hi<<8|uint64(a[i]), lo<<8|uint64(a[8+i])
	}
	return fmix64(hi ^ fmix64(lo^saltV6))
}

func fpString(seed maphash.Seed, salt uint64, s string) uint64 {
	return fmix64(maphash.String(seed, s) ^ salt)
}

// nextLabel extends the fingerprint of a domain by one label to its left:
// the fingerprint of "b.c" is nextLabel(nextLabel(saltDomain, "c"), "b").
// A look-up of a host walks its labels from the right and probes once per
// label, hashing every byte once.
func nextLabel(seed maphash.Seed, h uint64, label string) uint64 {
	return fmix64(h*0x9e3779b97f4a7c15 ^ maphash.String(seed, label))
}

// fpDomain is the fingerprint of a whole canonical domain name.
func fpDomain(seed maphash.Seed, d string) uint64 {
	h := uint64(saltDomain)
	for end := len(d); ; {
		dot := strings.LastIndexByte(d[:end], '.')
		h = nextLabel(seed, h, d[dot+1:end])
		if dot < 0 {
			return h
		}
		end = dot
	}
}

// key is where an indicator's value lives in a layer.
type key struct {
	class class
	fp    uint64       // the filter's view of every class but CIDR; for classV4 also the map key
	v4    uint32       // classV4
	v6    [16]byte     // classV6
	pfx   netip.Prefix // classCIDR, masked, never a single address
}

// keyOf returns the key of a canonical value of type t. A /32 or /128 CIDR
// is a single address; an IPv4-mapped address or prefix is its IPv4 form.
func keyOf(seed maphash.Seed, t intel.Type, v string) (key, bool) {
	switch t {
	case intel.TypeIPv4, intel.TypeIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return key{}, false
		}
		return addrKey(a.Unmap()), true
	case intel.TypeCIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return key{}, false
		}
		if a := p.Addr(); a.Is4In6() {
			if p.Bits() < 96 {
				return key{}, false
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if p.IsSingleIP() {
			return addrKey(p.Addr()), true
		}
		return key{class: classCIDR, pfx: p}, true
	case intel.TypeDomain:
		return key{class: classDomain, fp: fpDomain(seed, v)}, true
	case intel.TypeURL:
		return key{class: classURL, fp: fpString(seed, saltURL, v)}, true
	case intel.TypeMD5, intel.TypeSHA1, intel.TypeSHA256:
		return key{class: classHash, fp: fpString(seed, saltHash, v)}, true
	case intel.TypeEmail:
		return key{class: classEmail, fp: fpString(seed, saltEmail, v)}, true
	}
	return key{}, false
}

func addrKey(a netip.Addr) key {
	if a.Is4() {
		b := a.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		return key{class: classV4, v4: v, fp: fpV4(v)}
	}
	k := key{class: classV6, v6: a.WithZone("").As16()}
	k.fp = fpV6(&k.v6)
	return k
}

// classOf is the class an indicator type's values can be found in, for
// checking a candidate found by fingerprint.
func classOf(t intel.Type) class {
	switch t {
	case intel.TypeIPv4:
		return classV4
	case intel.TypeIPv6:
		return classV6
	case intel.TypeCIDR:
		return classCIDR
	case intel.TypeDomain:
		return classDomain
	case intel.TypeURL:
		return classURL
	case intel.TypeEmail:
		return classEmail
	}
	return classHash
}

// canonical returns the canonical form of an indicator value, as
// intel.Canonical gives it: the form the store keys on, and the form the
// index matches on. Build does not second-guess it with fast checks of its
// own (they would have to follow intel's rules as they change), and calling
// it costs little next to the rest of a build. When the value is already
// canonical the caller's string is kept, not the new copy.
func canonical(t intel.Type, v string) (string, bool) {
	c, err := intel.Canonical(t, v)
	if err != nil {
		return "", false
	}
	if c == v {
		return v, true
	}
	return c, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
