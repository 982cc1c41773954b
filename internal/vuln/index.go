package vuln

import (
	"cmp"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
)

// AdvisoryIndex holds every advisory's products keyed by identity, with
// versions parsed once. It serves a full recompute and the re-matching of
// one organisation's inventory. It is never changed after
// NewAdvisoryIndex: any number of goroutines may call Match.
type AdvisoryIndex struct {
	c   *compiled // rules name advisories by rank
	ids []string  // advisory ids by rank: (ID, input order)
}

// NewAdvisoryIndex compiles advisories. Products or ranges that do not
// parse are left out and reported; the rest of the advisory is indexed.
func NewAdvisoryIndex(advs []advisory.Advisory) (*AdvisoryIndex, []Problem) {
	rank := ranks(len(advs), func(i, j int) int { return strings.Compare(advs[i].ID, advs[j].ID) })
	ix := &AdvisoryIndex{ids: make([]string, len(advs))}
	b := newBuilder()
	b.rules = make([]prule, 0, 3*len(advs))
	for i := range advs {
		ix.ids[rank[i]] = advs[i].ID
		b.add(int32(rank[i]), &advs[i])
	}
	ix.c = b.compile()
	return ix, sortProblems(b.probs)
}

func invert(rank []uint32) []int32 {
	by := make([]int32, len(rank))
	for i, r := range rank {
		by[r] = int32(i)
	}
	return by
}

// Len returns the number of rules (ranges, exact versions, "every
// version") indexed.
func (ix *AdvisoryIndex) Len() int { return len(ix.c.rules) }

// Match returns every (advisory, item) match, sorted by advisory id, item
// id, organisation and system.
func (ix *AdvisoryIndex) Match(items []Item) []Match {
	m, _ := ix.MatchProblems(items)
	return m
}

// MatchProblems is Match that also returns the items' problems: names that
// do not parse and versions a candidate advisory's scheme cannot compare.
func (ix *AdvisoryIndex) MatchProblems(items []Item) ([]Match, []Problem) {
	var probs []Problem
	ip := newItemParser()
	occs := make([]occ, 0, len(items))
	for i := range items {
		occs = ip.occs(occs, &items[i], int32(i), &probs)
	}
	itemRank := ranks(len(items), itemLess(items))
	iv := itemVersions{memo: map[verKey]Version{}}
	hits := make([]hit, 0, 4*len(items))
	for oi := range occs {
		o := &occs[oi]
		e, ok := ix.c.byKey[o.key]
		if !ok {
			continue
		}
		iv.reset(o)
		hits = ix.c.match(hits, e, &iv, uint64(itemRank[o.item]))
		probs = iv.problems(items[o.item].ID, probs)
	}
	itemByRank := invert(itemRank)
	return finish(hits,
			func(r uint32) string { return ix.ids[r] },
			func(r uint32) *Item { return &items[itemByRank[r]] }),
		sortProblems(probs)
}

// InventoryIndex holds inventory items keyed by identity, with versions
// parsed ahead in their identity's scheme. It serves the matching of one
// advisory that is new or changed. Match may run in any number of
// goroutines at once; Add and Remove must not run beside anything else.
type InventoryIndex struct {
	items []Item
	live  []bool
	occs  []occ
	byKey map[string][]int32 // key → occurrence indices
	byID  map[string][]int32 // item id → item indices
}

// NewInventoryIndex indexes items; items whose names do not parse are
// reported and left out.
func NewInventoryIndex(items []Item) (*InventoryIndex, []Problem) {
	ix := &InventoryIndex{byKey: map[string][]int32{}, byID: map[string][]int32{}}
	return ix, ix.Add(items...)
}

// Add indexes more items and returns their problems.
func (ix *InventoryIndex) Add(items ...Item) []Problem {
	var probs []Problem
	ip := newItemParser()
	for _, it := range items {
		i := int32(len(ix.items))
		ix.items = append(ix.items, it)
		ix.live = append(ix.live, true)
		ix.byID[it.ID] = append(ix.byID[it.ID], i)
		start := len(ix.occs)
		ix.occs = ip.occs(ix.occs, &ix.items[i], i, &probs)
		for oi := start; oi < len(ix.occs); oi++ {
			o := &ix.occs[oi]
			if o.ver != "" {
				o.def, _ = parseIn(int(o.scheme), o.ver)
			}
			ix.byKey[o.key] = append(ix.byKey[o.key], int32(oi))
		}
	}
	return sortProblems(probs)
}

// Remove takes every item with one of ids out of the index.
func (ix *InventoryIndex) Remove(ids ...string) {
	for _, id := range ids {
		for _, i := range ix.byID[id] {
			ix.live[i] = false
		}
		delete(ix.byID, id)
	}
}

// Len returns the number of items in the index.
func (ix *InventoryIndex) Len() int {
	n := 0
	for _, l := range ix.live {
		if l {
			n++
		}
	}
	return n
}

// Match returns the items advisory a concerns, sorted by item id,
// organisation and system, with the problems of the advisory and of the
// candidate items' versions.
func (ix *InventoryIndex) Match(a advisory.Advisory) ([]Match, []Problem) {
	b := newBuilder()
	b.add(0, &a)
	c := b.compile()
	probs := b.probs
	iv := itemVersions{memo: map[verKey]Version{}}
	var hits []hit // advisory 0: the key is the item's index
	for key, e := range c.byKey {
		for _, oi := range ix.byKey[key] {
			o := &ix.occs[oi]
			if !ix.live[o.item] {
				continue
			}
			iv.reset(o)
			hits = c.match(hits, e, &iv, uint64(o.item))
			probs = iv.problems(ix.items[o.item].ID, probs)
		}
	}
	less := itemLess(ix.items)
	slices.SortFunc(hits, func(x, y hit) int {
		return cmp.Or(less(int(x.key), int(y.key)), cmp.Compare(x.key, y.key), cmp.Compare(x.prod, y.prod))
	})
	out := make([]Match, 0, len(hits))
	for i, h := range hits {
		if i > 0 && hits[i-1].key == h.key {
			continue
		}
		it := &ix.items[h.key]
		out = append(out, Match{AdvisoryID: a.ID, ItemID: it.ID, OrgID: it.OrgID, SystemID: it.SystemID, Product: int(h.prod)})
	}
	return out, sortProblems(probs)
}
