package vuln

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/khien-cert/khien/internal/advisory"
)

// Compiled advisories. Every product identity becomes rules under its key;
// a rule is an interval of version ranks, so matching an item is one
// binary search per scheme in its key's version table and then integer
// comparisons, with no pointer chased per rule.
//
// Ranks. Per key and scheme, the distinct versions the rules name are
// sorted into a table; the i-th has rank 2i+1. An item's version ranks
// 2i+1 when it equals the i-th and 2i when it falls between the (i-1)-th
// and the i-th, so "v in [lo, hi)" becomes rank comparisons: an exclusive
// bound of rank b is the inclusive bound b+1 (lower) or b-1 (upper).

// rule is one range, one exact version or "every version" of a product.
type rule struct {
	lo, hi uint32 // inclusive ranks
	adv    int32  // the advisory's rank (AdvisoryIndex) or index
	prod   int32
	attrs  int32 // index in compiled.attrs, -1 when no attribute constrains
	scheme int8  // -1: every version, no version needed
}

type span struct{ off, n int32 }

func (s span) end() int32 { return s.off + s.n }

// tab is a key's sorted version table in one scheme.
type tab struct {
	scheme int8
	vers   span // in compiled.tvers
}

type keyEntry struct {
	rules span // in compiled.rules
	tabs  span // in compiled.tabs
}

type compiled struct {
	rules []rule
	tabs  []tab
	tvers []parsed
	attrs []cpeAttrs
	byKey map[string]keyEntry
}

type verKey struct {
	scheme int8
	raw    string
}

// builder compiles advisories; it is dropped once the compiled form is
// done.
type builder struct {
	vers  []Version // interned
	verID [nSchemes]map[string]int32
	keyID map[string]int32
	keys  []string
	names map[string]nameInfo // product CPEs and purls seen
	rules []prule
	attrs []cpeAttrs
	probs []Problem
}

// prule is a rule before ranking: bounds are ids in builder.vers, -1 open.
type prule struct {
	key          int32
	lo, hi       int32
	loInc, hiInc bool
	adv, prod    int32
	attrs        int32
	scheme       int8 // -1 every version
}

func newBuilder() *builder {
	b := &builder{keyID: map[string]int32{}, names: map[string]nameInfo{}}
	for i := range b.verID {
		b.verID[i] = map[string]int32{}
	}
	return b
}

func (b *builder) version(s int8, raw string) (int32, error) {
	m := b.verID[s]
	if id, ok := m[raw]; ok {
		if id < 0 {
			_, err := parseIn(int(s), raw)
			return -1, err
		}
		return id, nil
	}
	v, err := parseIn(int(s), raw)
	if err != nil {
		m[raw] = -1
		return -1, err
	}
	id := int32(len(b.vers))
	b.vers = append(b.vers, v)
	m[raw] = id
	return id, nil
}

func (b *builder) key(k string) int32 {
	id, ok := b.keyID[k]
	if !ok {
		id = int32(len(b.keys))
		b.keys = append(b.keys, k)
		b.keyID[k] = id
	}
	return id
}

// nameInfo is what a product's CPE or purl contributes.
type nameInfo struct {
	key       int32
	scheme    int8
	attrs     int32
	idVersion string
	err       error
}

// name parses a product's CPE (cpe true) or purl, once per distinct string.
func (b *builder) name(s string, cpe bool) nameInfo {
	if ni, ok := b.names[s]; ok {
		return ni
	}
	ni := nameInfo{attrs: -1}
	if cpe {
		n, err := parseCPE(s)
		switch {
		case err != nil:
			ni.err = err
		default:
			if n.version != "*" && n.version != "-" {
				ni.idVersion = n.version
			}
			if n.attrs.concrete() {
				ni.attrs = int32(len(b.attrs))
				b.attrs = append(b.attrs, n.attrs)
			}
			ni.key, ni.scheme = b.key(n.key), sCPE
		}
	} else {
		n, err := parsePURL(s)
		switch {
		case err != nil:
			ni.err = err
		default:
			ni.key, ni.scheme, ni.idVersion = b.key(n.key), int8(schemeIndex(SchemeForPURL(n.typ))), n.version
		}
	}
	b.names[s] = ni
	return ni
}

// add compiles advisory ai's products.
func (b *builder) add(ai int32, a *advisory.Advisory) {
	prob := func(field, reason string) {
		b.probs = append(b.probs, Problem{AdvisoryID: a.ID, Field: field, Reason: reason})
	}
	for pi := range a.Products {
		pr := &a.Products[pi]
		if pr.CPE == "" && pr.PURL == "" {
			prob(fmt.Sprintf("products[%d]", pi), "names neither a CPE nor a package URL")
			continue
		}
		for _, name := range [2]struct {
			s     string
			cpe   bool
			field string
		}{{pr.CPE, true, "cpe"}, {pr.PURL, false, "purl"}} {
			if name.s == "" {
				continue
			}
			ni := b.name(name.s, name.cpe)
			if ni.err != nil {
				prob(fmt.Sprintf("products[%d].%s", pi, name.field), ni.err.Error())
				continue
			}
			b.product(ni.key, ni.scheme, ni.attrs, ni.idVersion, ai, int32(pi), pr, prob)
		}
	}
}

// product compiles one identity of a product: its ranges, its exact
// versions (and the version its name carries), or every version when it
// has none of these.
func (b *builder) product(key int32, scheme int8, attrs int32, idVersion string,
	ai, pi int32, pr *advisory.Product, prob func(string, string)) {
	base := prule{key: key, lo: -1, hi: -1, adv: ai, prod: pi, attrs: attrs}
	if len(pr.Ranges) == 0 && len(pr.Versions) == 0 && idVersion == "" {
		r := base
		r.scheme = -1
		b.rules = append(b.rules, r)
		return
	}
	for ri, rg := range pr.Ranges {
		s := scheme
		if rg.Scheme != "" {
			i := schemeIndex(rg.Scheme)
			if i < 0 {
				prob(fmt.Sprintf("products[%d].ranges[%d].scheme", pi, ri), fmt.Sprintf("unknown version scheme %q", rg.Scheme))
				continue
			}
			s = int8(i)
		}
		r := base
		r.scheme, r.loInc, r.hiInc = s, rg.LowerInclusive, rg.UpperInclusive
		var err error
		if !openLower(rg) {
			if r.lo, err = b.version(s, rg.Lower); err != nil {
				prob(fmt.Sprintf("products[%d].ranges[%d].lower", pi, ri), err.Error())
				continue
			}
		}
		if rg.Upper != "" {
			if r.hi, err = b.version(s, rg.Upper); err != nil {
				prob(fmt.Sprintf("products[%d].ranges[%d].upper", pi, ri), err.Error())
				continue
			}
		}
		if r.lo < 0 && r.hi < 0 {
			r.scheme = -1 // an unbounded range: every version
		}
		b.rules = append(b.rules, r)
	}
	exact := func(raw, field string) {
		id, err := b.version(scheme, raw)
		if err != nil {
			prob(field, err.Error())
			return
		}
		r := base
		r.scheme, r.lo, r.hi, r.loInc, r.hiInc = scheme, id, id, true, true
		b.rules = append(b.rules, r)
	}
	for vi, v := range pr.Versions {
		exact(v, fmt.Sprintf("products[%d].versions[%d]", pi, vi))
	}
	if idVersion != "" {
		exact(idVersion, fmt.Sprintf("products[%d] version", pi))
	}
}

// compile ranks the rules key by key and lays them out.
func (b *builder) compile() *compiled {
	c := &compiled{attrs: b.attrs, byKey: make(map[string]keyEntry, len(b.keys))}
	// Group rules by key, keeping their order (advisory, product) in a key.
	start := make([]int32, len(b.keys)+1)
	for i := range b.rules {
		start[b.rules[i].key+1]++
	}
	for k := range b.keys {
		start[k+1] += start[k]
	}
	grouped := make([]prule, len(b.rules))
	next := slices.Clone(start[:len(b.keys)])
	for _, r := range b.rules {
		grouped[next[r.key]] = r
		next[r.key]++
	}
	b.rules = nil
	c.rules = make([]rule, len(grouped))
	rank := make([]uint32, len(b.vers)) // scratch: version id → rank in its key's table
	seen := make([]int32, len(b.vers))  // scratch: version id → 1 + the last key that listed it
	var ids []int32
	for k, key := range b.keys {
		rs := grouped[start[k]:start[k+1]]
		e := keyEntry{rules: span{start[k], int32(len(rs))}, tabs: span{off: int32(len(c.tabs))}}
		for s := range int8(nSchemes) {
			ids = ids[:0]
			for i := range rs {
				if rs[i].scheme == s {
					for _, id := range [2]int32{rs[i].lo, rs[i].hi} {
						if id >= 0 && seen[id] != int32(k)+1 {
							seen[id] = int32(k) + 1
							ids = append(ids, id)
						}
					}
				}
			}
			if len(ids) == 0 {
				continue
			}
			slices.SortFunc(ids, func(x, y int32) int { return cmp.Or(b.vers[x].p.cmp(b.vers[y].p), cmp.Compare(x, y)) })
			t := tab{scheme: s, vers: span{off: int32(len(c.tvers))}}
			for i, id := range ids {
				if i > 0 && b.vers[id].p.cmp(b.vers[ids[i-1]].p) == 0 {
					rank[id] = rank[ids[i-1]]
					continue
				}
				c.tvers = append(c.tvers, b.vers[id].p)
				t.vers.n++
				rank[id] = uint32(2*t.vers.n - 1)
			}
			c.tabs = append(c.tabs, t)
			e.tabs.n++
		}
		for i, r := range rs {
			out := rule{lo: 0, hi: math.MaxUint32, adv: r.adv, prod: r.prod, attrs: r.attrs, scheme: r.scheme}
			if r.lo >= 0 {
				out.lo = rank[r.lo]
				if !r.loInc {
					out.lo++
				}
			}
			if r.hi >= 0 {
				out.hi = rank[r.hi]
				if !r.hiInc {
					out.hi--
				}
			}
			c.rules[int(start[k])+i] = out
		}
		c.byKey[key] = e
	}
	return c
}

// openLower reports whether a range has no lower bound: none given, or an
// inclusive "0", which OSV and NVD use for "from the first version" and
// which must also take in pre-releases of 0 (Go's v0.0.0-… pseudo-versions).
func openLower(r advisory.Range) bool {
	return r.Lower == "" || r.Lower == "0" && r.LowerInclusive
}

// rankIn returns the rank of v in table t.
func (c *compiled) rankIn(t tab, v parsed) uint32 {
	vs := c.tvers[t.vers.off:t.vers.end()]
	lo, hi := 0, len(vs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if vs[m].cmp(v) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(vs) && vs[lo].cmp(v) == 0 {
		return uint32(2*lo + 1)
	}
	return uint32(2 * lo)
}

// match appends a hit for every rule of key entry e that covers the
// occurrence in iv: key rule.adv<<32 | item.
func (c *compiled) match(hits []hit, e keyEntry, iv *itemVersions, item uint64) []hit {
	var (
		rank  [nSchemes]uint32
		state [nSchemes]uint8 // 0 not yet, 1 ranked, 2 no version in that scheme
	)
	for i := e.rules.off; i < e.rules.end(); i++ {
		r := &c.rules[i]
		if r.attrs >= 0 && iv.o.cpe && !c.attrs[r.attrs].agree(&iv.o.attrs) {
			continue
		}
		if r.scheme >= 0 {
			switch state[r.scheme] {
			case 0:
				v, ok := iv.get(r.scheme)
				if !ok {
					state[r.scheme] = 2
					continue
				}
				for _, t := range c.tabs[e.tabs.off:e.tabs.end()] {
					if t.scheme == r.scheme {
						rank[r.scheme] = c.rankIn(t, v.p)
					}
				}
				state[r.scheme] = 1
			case 2:
				continue
			}
			if x := rank[r.scheme]; x < r.lo || x > r.hi {
				continue
			}
		}
		hits = append(hits, hit{key: uint64(r.adv)<<32 | item, prod: r.prod})
	}
	return hits
}
