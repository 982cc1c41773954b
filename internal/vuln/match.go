package vuln

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Item is one piece of software in an organisation's inventory
// (org.Software): a CPE 2.3 name or a package URL, and its version when
// the name does not carry one.
type Item struct {
	ID, OrgID, SystemID string
	CPE                 string // CPE 2.3 formatted string (or a 2.2 URI)
	PURL                string // package URL; its version, if any, wins over Version
	Version             string
}

// Match says an advisory concerns an inventory item. Product is the index
// in the advisory's Products of the first product that matched.
type Match struct {
	AdvisoryID, ItemID, OrgID, SystemID string
	Product                             int
}

// Problem is input the matcher had to skip: a CPE or package URL that
// does not parse, a version a scheme cannot compare. Field names the part
// ("products[0].ranges[1].upper", "cpe", "version"); AdvisoryID or ItemID
// is empty when the problem is on the other side.
type Problem struct {
	AdvisoryID, ItemID, Field, Reason string
}

func (p Problem) String() string {
	who := p.AdvisoryID
	if p.ItemID != "" {
		who = "item " + p.ItemID
	}
	return fmt.Sprintf("%s: %s: %s", who, p.Field, p.Reason)
}

func sortProblems(ps []Problem) []Problem {
	slices.SortFunc(ps, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.AdvisoryID, b.AdvisoryID), strings.Compare(a.ItemID, b.ItemID),
			strings.Compare(a.Field, b.Field), strings.Compare(a.Reason, b.Reason))
	})
	return slices.Compact(ps)
}

// occ is one identity of an inventory item: its CPE or its package URL.
type occ struct {
	item   int32
	scheme int8 // the identity's default scheme
	cpe    bool
	key    string
	attrs  cpeAttrs // CPE only
	ver    string   // "" when the item has no version
	def    Version  // ver parsed in scheme, when an index parsed it ahead
}

// itemParser parses items' names, remembering names seen before (an
// upload repeats them often).
type itemParser struct {
	cpes  map[string]cpeResult
	purls map[string]purlResult
}

type cpeResult struct {
	n   cpeName
	err error
}

type purlResult struct {
	n   purlName
	err error
}

func newItemParser() *itemParser {
	return &itemParser{cpes: map[string]cpeResult{}, purls: map[string]purlResult{}}
}

// cpe parses a CPE name; names that differ only in a plain version share
// one parse of the name with version ANY.
func (ip *itemParser) cpe(s string) (cpeName, error) {
	name, version, plain := splitVersion(s)
	if !plain {
		name = s
	}
	r, ok := ip.cpes[name]
	if !ok {
		r.n, r.err = parseCPE(name)
		ip.cpes[name] = r
	}
	switch {
	case plain && r.err == nil:
		r.n.version = version
	case plain:
		return parseCPE(s) // for an error naming the name as given
	}
	return r.n, r.err
}

func (ip *itemParser) purl(s string) (purlName, error) {
	r, ok := ip.purls[s]
	if !ok {
		r.n, r.err = parsePURL(s)
		ip.purls[s] = r
	}
	return r.n, r.err
}

// occs appends the identities of item i to out and the problems with it to
// probs.
func (ip *itemParser) occs(out []occ, it *Item, i int32, probs *[]Problem) []occ {
	ver := strings.TrimSpace(it.Version)
	if it.CPE != "" {
		n, err := ip.cpe(it.CPE)
		if err != nil {
			*probs = append(*probs, Problem{ItemID: it.ID, Field: "cpe", Reason: err.Error()})
		} else {
			v := ver
			if n.version != "*" && n.version != "-" {
				v = n.version
			}
			out = append(out, occ{item: i, scheme: sCPE, cpe: true, key: n.key, attrs: n.attrs, ver: v})
		}
	}
	if it.PURL != "" {
		n, err := ip.purl(it.PURL)
		if err != nil {
			*probs = append(*probs, Problem{ItemID: it.ID, Field: "purl", Reason: err.Error()})
		} else {
			v := ver
			if n.version != "" {
				v = n.version
			}
			out = append(out, occ{item: i, scheme: int8(schemeIndex(SchemeForPURL(n.typ))), key: n.key, ver: v})
		}
	}
	if it.CPE == "" && it.PURL == "" {
		*probs = append(*probs, Problem{ItemID: it.ID, Field: "cpe", Reason: "names neither a CPE nor a package URL: not matched"})
	}
	return out
}

// itemVersions resolves one occurrence's version in each scheme it is
// asked for, once.
type itemVersions struct {
	o     *occ
	vs    [nSchemes]Version
	state [nSchemes]uint8 // 0 not yet, 1 parsed, 2 failed
	memo  map[verKey]Version
	fails []int8 // schemes that failed, for problems
}

func (iv *itemVersions) reset(o *occ) {
	iv.o = o
	iv.state = [nSchemes]uint8{}
	iv.fails = iv.fails[:0]
	if o.def.Valid() {
		iv.vs[o.scheme], iv.state[o.scheme] = o.def, 1
	}
}

func (iv *itemVersions) get(s int8) (Version, bool) {
	switch iv.state[s] {
	case 1:
		return iv.vs[s], true
	case 2:
		return Version{}, false
	}
	k := verKey{s, iv.o.ver}
	v, ok := iv.memo[k]
	if !ok && iv.o.ver != "" {
		v, _ = parseIn(int(s), iv.o.ver)
		iv.memo[k] = v
	}
	if !v.Valid() {
		iv.state[s] = 2
		iv.fails = append(iv.fails, s)
		return v, false
	}
	iv.vs[s], iv.state[s] = v, 1
	return v, true
}

// problems returns the item's version problems found so far.
func (iv *itemVersions) problems(itemID string, probs []Problem) []Problem {
	for _, s := range iv.fails {
		if iv.o.ver == "" {
			probs = append(probs, Problem{ItemID: itemID, Field: "version", Reason: "no version: an advisory's ranges cannot be checked"})
			continue
		}
		_, err := parseIn(int(s), iv.o.ver)
		probs = append(probs, Problem{ItemID: itemID, Field: "version", Reason: err.Error()})
	}
	return probs
}

// hit is a match by indices, before ids are filled in.
type hit struct {
	key  uint64 // advisory rank << 32 | item rank
	prod int32
}

// ranks returns, for n things, each one's place in the order less gives,
// ties broken by index.
func ranks(n int, less func(i, j int) int) []uint32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Or(less(int(a), int(b)), cmp.Compare(a, b)) })
	r := make([]uint32, n)
	for place, i := range order {
		r[i] = uint32(place)
	}
	return r
}

func itemLess(items []Item) func(i, j int) int {
	return func(i, j int) int {
		a, b := &items[i], &items[j]
		return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.OrgID, b.OrgID), strings.Compare(a.SystemID, b.SystemID))
	}
}

// finish sorts hits, keeps the first product of each (advisory, item) and
// fills in the ids.
func finish(hits []hit, advOf func(rank uint32) string, itemOf func(rank uint32) *Item) []Match {
	sortHits(hits)
	out := make([]Match, 0, len(hits))
	for i, h := range hits {
		if i > 0 && hits[i-1].key == h.key {
			continue
		}
		it := itemOf(uint32(h.key))
		out = append(out, Match{AdvisoryID: advOf(uint32(h.key >> 32)), ItemID: it.ID, OrgID: it.OrgID, SystemID: it.SystemID, Product: int(h.prod)})
	}
	return out
}

// sortHits sorts by key, then product. When ranks and products are small
// enough (below 2^24 advisories and items, 2^16 products) it sorts one
// packed integer per hit, three times faster than the pairs.
func sortHits(hits []hit) {
	packable := true
	for _, h := range hits {
		if h.key>>32 >= 1<<24 || uint32(h.key) >= 1<<24 || h.prod >= 1<<16 {
			packable = false
			break
		}
	}
	if !packable {
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.prod, b.prod)) })
		return
	}
	packed := make([]uint64, len(hits))
	for i, h := range hits {
		packed[i] = h.key>>32<<40 | uint64(uint32(h.key))<<16 | uint64(h.prod)
	}
	slices.Sort(packed)
	for i, p := range packed {
		hits[i] = hit{key: p>>40<<32 | p>>16&(1<<24-1), prod: int32(p & (1<<16 - 1))}
	}
}
