package detect

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"

	"github.com/gaissmai/bart"
)

// multiBit marks a table value that names a list of record ids (several
// indicators share the value) rather than one id.
const multiBit = 1 << 31

// refTable maps a key to the ids of the records holding it: one id inline
// in the map value, or an index into multi when there are several.
type refTable[K comparable] struct {
	m     map[K]uint32
	multi [][]uint32
}

func newRefTable[K comparable](n int) refTable[K] {
	return refTable[K]{m: make(map[K]uint32, n)}
}

func (t *refTable[K]) add(k K, id uint32) {
	v, ok := t.m[k]
	switch {
	case !ok:
		t.m[k] = id
	case v&multiBit == 0:
		t.multi = append(t.multi, []uint32{v, id})
		t.m[k] = multiBit | uint32(len(t.multi)-1)
	default:
		t.multi[v&^multiBit] = append(t.multi[v&^multiBit], id)
	}
}

// refs returns the ids behind a map value; a single id is returned in one.
func refs(multi [][]uint32, v uint32, one *[1]uint32) []uint32 {
	if v&multiBit == 0 {
		one[0] = v
		return one[:]
	}
	return multi[v&^multiBit]
}

// cidrVal is the payload of a prefix in the bart table: the ids holding
// the prefix, its length (to ask for the next shorter covering prefix), and
// whether any shorter stored prefix covers it at all.
type cidrVal struct {
	ref    uint32
	bits   uint8
	nested bool
}

// layer is one set of compiled tables over some of an Index's records. It is
// built whole by buildLayer and never written afterwards.
type layer struct {
	v4     refTable[uint32]
	v6     refTable[[16]byte]
	names  refTable[uint64] // domains, URLs, hashes, e-mail: fingerprint → ids
	cidrs  *bart.Table[cidrVal]
	cmulti [][]uint32 // id lists of prefixes held by several records
	filter filter     // over the fingerprints of v4, v6 and names keys
	ids    []uint32   // the ids indexed, kept for an overlay only (Apply rebuilds it)
	size   int        // how many ids are indexed
}

// entry is one indicator's key (all but a prefix) and record id, collected
// before the tables are made so that each table is allocated once at its
// final size.
type entry struct {
	fp    uint64
	v6    [16]byte
	v4    uint32
	id    uint32
	class class
}

// pentry is a prefix and its record id.
type pentry struct {
	pfx netip.Prefix
	id  uint32
}

// entries are what a layer is built from.
type entries struct {
	es []entry
	ps []pentry
}

func (s *entries) add(k key, id uint32) {
	if k.class == classCIDR {
		s.ps = append(s.ps, pentry{pfx: k.pfx, id: id})
		return
	}
	s.es = append(s.es, entry{fp: k.fp, v6: k.v6, v4: k.v4, id: id, class: k.class})
}

func (s *entries) len() int { return len(s.es) + len(s.ps) }

// buildLayer makes a layer over the given entries. The exact maps and the
// prefix table are filled concurrently; the filter follows. It sorts s.ps.
func buildLayer(s entries) *layer {
	es := s.es
	var n4, n6, nn int
	for i := range es {
		switch es[i].class {
		case classV4:
			n4++
		case classV6:
			n6++
		default:
			nn++
		}
	}
	l := &layer{size: s.len()}
	var wg sync.WaitGroup
	wg.Go(func() {
		l.names = newRefTable[uint64](nn)
		for i := range es {
			if e := &es[i]; e.class >= classDomain {
				l.names.add(e.fp, e.id)
			}
		}
	})
	wg.Go(func() {
		l.v4, l.v6 = newRefTable[uint32](n4), newRefTable[[16]byte](n6)
		for i := range es {
			switch e := &es[i]; e.class {
			case classV4:
				l.v4.add(e.v4, e.id)
			case classV6:
				l.v6.add(e.v6, e.id)
			}
		}
		if len(s.ps) > 0 {
			l.buildCIDRs(s.ps)
		}
	})
	wg.Wait()
	l.filter = newFilter(n4 + n6 + nn)
	for i := range es {
		l.filter.add(es[i].fp)
	}
	return l
}

// buildCIDRs inserts the prefixes shortest first, so that when a prefix
// goes in, every prefix that covers it is already there to be found.
func (l *layer) buildCIDRs(ps []pentry) {
	slices.SortFunc(ps, func(a, b pentry) int { return cmp.Compare(a.pfx.Bits(), b.pfx.Bits()) })
	l.cidrs = new(bart.Table[cidrVal])
	for i := range ps {
		p, id := ps[i].pfx, ps[i].id
		if v, ok := l.cidrs.Get(p); ok {
			l.cidrs.Insert(p, l.addCIDRRef(v, id))
			continue
		}
		nested := false
		if p.Bits() > 0 {
			_, nested = l.cidrs.LookupPrefix(netip.PrefixFrom(p.Addr(), p.Bits()-1))
		}
		l.cidrs.Insert(p, cidrVal{ref: id, bits: uint8(p.Bits()), nested: nested})
	}
}

// addCIDRRef adds an id to a prefix already held.
func (l *layer) addCIDRRef(v cidrVal, id uint32) cidrVal {
	if v.ref&multiBit == 0 {
		l.cmulti = append(l.cmulti, []uint32{v.ref, id})
		v.ref = multiBit | uint32(len(l.cmulti)-1)
	} else {
		l.cmulti[v.ref&^multiBit] = append(l.cmulti[v.ref&^multiBit], id)
	}
	return v
}
