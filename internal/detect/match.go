package detect

import (
	"net/netip"
	"strings"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
)

// Match calls fn once for every (indicator, event value) pair that
// matches: SrcIP and DstIP against addresses and every covering CIDR;
// every host against domains (the name itself and each parent on a label
// boundary) and, when the host is an IP literal, against addresses and
// CIDRs; every URL, hash and e-mail address exactly. Event values are
// canonicalised as indicators are (intel.CanonicalHost, intel.CanonicalURL,
// intel.Canonical), after a fast check that skips the work for values that
// already are canonical. When they are, and nothing matches, Match does not
// allocate.
func (ix *Index) Match(ev *event.Event, fn func(Hit)) {
	if ix == nil || ix.live == 0 {
		return
	}
	if ev.SrcIP.IsValid() {
		ix.matchAddr(ev.SrcIP, FieldSrcIP, "", fn)
	}
	if ev.DstIP.IsValid() {
		ix.matchAddr(ev.DstIP, FieldDstIP, "", fn)
	}
	for _, h := range ev.Hosts {
		ix.matchHost(h, fn)
	}
	for _, u := range ev.URLs {
		if c, ok := eventURL(u); ok {
			ix.matchName(fpString(ix.seed, saltURL, c), classURL, c, FieldURL, u, fn)
		}
	}
	for _, h := range ev.Hashes {
		if c, ok := eventHash(h); ok {
			ix.matchName(fpString(ix.seed, saltHash, c), classHash, c, FieldHash, h, fn)
		}
	}
	for _, e := range ev.Emails {
		if c, ok := eventEmail(e); ok {
			ix.matchName(fpString(ix.seed, saltEmail, c), classEmail, c, FieldEmail, e, fn)
		}
	}
}

// layers returns the index's layers; the overlay may be nil.
func (ix *Index) layers() [2]*layer { return [2]*layer{ix.base, ix.over} }

// matchAddr matches an address against single addresses and prefixes.
// text is the event's value when it is not the address itself (a host).
func (ix *Index) matchAddr(orig netip.Addr, field, text string, fn func(Hit)) {
	a := orig.Unmap()
	k := addrKey(a)
	for _, l := range ix.layers() {
		if l == nil {
			continue
		}
		if l.filter.has(k.fp) {
			if k.class == classV4 {
				if v, ok := l.v4.m[k.v4]; ok {
					ix.emitAddr(l.v4.multi, v, orig, field, text, fn)
				}
			} else if v, ok := l.v6.m[k.v6]; ok {
				ix.emitAddr(l.v6.multi, v, orig, field, text, fn)
			}
		}
		if l.cidrs == nil {
			continue
		}
		// The longest covering prefix first, then each shorter one while
		// the last one found says it is covered itself.
		v, ok := l.cidrs.Lookup(a)
		for ok {
			ix.emitAddr(l.cmulti, v.ref, orig, field, text, fn)
			if !v.nested || v.bits == 0 {
				break
			}
			v, ok = l.cidrs.LookupPrefix(netip.PrefixFrom(a, int(v.bits)-1))
		}
	}
}

func (ix *Index) emitAddr(multi [][]uint32, v uint32, a netip.Addr, field, text string, fn func(Hit)) {
	if text == "" {
		text = a.String()
	}
	ix.emit(multi, v, classV4, "", field, text, fn)
}

// matchHost matches a host name against domains, or an IP literal against
// addresses and prefixes.
func (ix *Index) matchHost(host string, fn func(Hit)) {
	c, ok := eventHost(host)
	if !ok {
		return
	}
	if last := c[len(c)-1]; '0' <= last && last <= '9' || strings.IndexByte(c, ':') >= 0 {
		if a, err := netip.ParseAddr(c); err == nil {
			ix.matchAddr(a, FieldHost, host, fn)
			return
		}
	}
	// Walk the labels from the right, extending the fingerprint by one label
	// and probing once per label. A domain indicator has two labels at
	// least, so the last label alone is not probed.
	h := uint64(saltDomain)
	for end, labels := len(c), 0; ; labels++ {
		dot := strings.LastIndexByte(c[:end], '.')
		h = nextLabel(ix.seed, h, c[dot+1:end])
		if labels > 0 {
			ix.matchName(h, classDomain, c[dot+1:], FieldHost, host, fn)
		}
		if dot < 0 {
			return
		}
		end = dot
	}
}

// matchName probes the names tables with a fingerprint; canon is the
// canonical value the candidates must hold.
func (ix *Index) matchName(fp uint64, cl class, canon, field, text string, fn func(Hit)) {
	for _, l := range ix.layers() {
		if l != nil && l.filter.has(fp) {
			if v, ok := l.names.m[fp]; ok {
				ix.emit(l.names.multi, v, cl, canon, field, text, fn)
			}
		}
	}
}

// emit reports the records behind a table value that are on and, for a
// class found by fingerprint, really hold canon.
func (ix *Index) emit(multi [][]uint32, v uint32, cl class, canon, field, text string, fn func(Hit)) {
	var one [1]uint32
	for _, id := range refs(multi, v, &one) {
		if ix.off.has(id) {
			continue
		}
		if cl >= classDomain {
			if c, pr := ix.at(id); c.str(pr.value) != canon || classOf(pr.indType()) != cl {
				continue
			}
		}
		fn(Hit{Indicator: ix.rec(id), Field: field, Value: text})
	}
}

// eventHash returns the canonical form of a hash seen in an event; only
// MD5, SHA-1 and SHA-256 lengths can match.
func eventHash(h string) (string, bool) {
	switch len(h) {
	case 32, 40, 64:
	default:
		return "", false
	}
	if isLowerHex(h) {
		return h, true
	}
	t := map[int]intel.Type{32: intel.TypeMD5, 40: intel.TypeSHA1, 64: intel.TypeSHA256}[len(h)]
	return canonical(t, h)
}

// eventEmail returns the canonical form of an e-mail address seen in an
// event.
func eventEmail(e string) (string, bool) {
	if isCanonicalEmail(e) {
		return e, true
	}
	return canonical(intel.TypeEmail, e)
}
