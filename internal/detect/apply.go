package detect

import (
	"iter"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/intel"
)

// Ref names an indicator the way a feed does: by type, value and source.
// The same observable from two sources is two indicators.
type Ref struct {
	Type   intel.Type
	Value  string
	Source string
}

// RefOf returns the Ref of an indicator.
func RefOf(ind *intel.Indicator) Ref {
	return Ref{Type: ind.Type, Value: ind.Value, Source: ind.Source}
}

// Delta is a change to the indicator set. Removed is applied first; then
// each added indicator replaces any indexed or pending one with the same
// Ref (a new expiry, TLP or confidence) or is simply added. As with Build,
// the index packs its own copy of Added.
type Delta struct {
	Added   []intel.Indicator
	Removed []Ref
}

// Overlay and compaction policy: the overlay is rebuilt whole by every
// Apply, so it is kept small next to the base; records that can never
// match again are dropped by a full rebuild once they are the majority.
// They are variables only so that tests reach both on small sets.
var (
	mergeMin   = 1 << 16 // an overlay up to this size never forces a merge
	compactMin = 1 << 16 // below this many records, waste is not worth a rebuild
)

const mergeDivisor = 8 // an overlay up to base/mergeDivisor never forces a merge

// Apply returns a new index: ix with d applied and with every indicator
// that expired or came into force by now taken out or put in. ix itself is
// not changed and stays valid for its readers. The work is proportional to
// the delta plus the overlay of earlier deltas, not to the whole index:
// the base tables, the records and the seed are shared, and only the
// overlay tables and the off-set are new. When the overlay outgrows an
// eighth of the base it is merged (the base is rebuilt), and when most
// records are dead the index is rebuilt from a compact copy of the rest.
func (ix *Index) Apply(d Delta, now time.Time) *Index {
	if ix == nil {
		nx, _ := Build(d.Added, now)
		return nx
	}
	if int(ix.idLimit())+len(d.Added)+chunkLen >= maxIDs {
		ix = ix.compact(now)
	}
	nx := *ix
	nx.chunks = slices.Clip(ix.chunks)
	nx.pending = slices.Clone(ix.pending)
	first := nx.appendChunks(d.Added)
	nx.off = make(bitset, nx.idLimit()/64+1)
	copy(nx.off, ix.off)
	gone := make(map[Ref]struct{}, len(d.Removed)+len(d.Added))
	for i := range d.Removed {
		nx.kill(d.Removed[i], gone)
	}
	added, st := nx.classify(first, len(d.Added), now)
	nx.live += st.Indexed
	for id := first; id < nx.idLimit(); id++ {
		// Every new indicator with a valid value, even one already expired
		// (a withdrawal) or not yet valid, replaces the older ones; the new
		// ones are in no layer yet, so kill finds only older ones.
		if ref := nx.ref(id); !nx.off.has(id) || hasCanonicalValue(ref) {
			nx.kill(ref, gone)
		}
	}
	nx.pending = slices.DeleteFunc(nx.pending, func(id uint32) bool {
		_, ok := gone[nx.ref(id)]
		return ok && id < first
	})
	if !ix.next.IsZero() && !now.Before(ix.next) {
		due := nx.sweep(now)
		added.es, added.ps = append(added.es, due.es...), append(added.ps, due.ps...)
	}
	if waste := int(nx.idLimit()) - nx.live - len(nx.pending); waste > int(nx.idLimit())/2 && int(nx.idLimit()) > compactMin {
		return nx.compact(now)
	}
	nx.rebuildOverlay(added)
	return &nx
}

// hasCanonicalValue reports an indicator whose value is canonical: after
// classify, one that was not left out as invalid.
func hasCanonicalValue(r Ref) bool {
	c, ok := canonical(r.Type, r.Value)
	return ok && c == r.Value
}

// rebuildOverlay makes a new overlay from the old one's ids still on and
// added, or merges everything into a new base when the overlay would be too
// big.
func (ix *Index) rebuildOverlay(added entries) {
	over := ix.overlayEntries(added)
	switch {
	case over.len() > max(mergeMin, ix.base.size/mergeDivisor):
		ix.base, ix.over = buildLayer(ix.entriesRange()), nil
	case over.len() > 0:
		ids := idsOf(over)
		ix.over = buildLayer(over)
		ix.over.ids = ids
	default:
		ix.over = nil
	}
}

// kill turns off every live indicator in a layer with the given Ref, and
// adds the Ref, its value canonical, to gone (for the pending ones).
func (ix *Index) kill(ref Ref, gone map[Ref]struct{}) {
	v, ok := canonical(ref.Type, ref.Value)
	if !ok {
		return
	}
	k, ok := keyOf(ix.seed, ref.Type, v)
	if !ok {
		return
	}
	gone[Ref{Type: ref.Type, Value: v, Source: ref.Source}] = struct{}{}
	var one [1]uint32
	for _, l := range ix.layers() {
		if l == nil {
			continue
		}
		for _, id := range l.lookup(k, &one) {
			if r := ix.ref(id); !ix.off.has(id) && r.Type == ref.Type && r.Value == v && r.Source == ref.Source {
				ix.off.set(id)
				ix.live--
			}
		}
	}
}

// lookup returns the ids a layer holds under k, as candidates.
func (l *layer) lookup(k key, one *[1]uint32) []uint32 {
	switch k.class {
	case classV4:
		if v, ok := l.v4.m[k.v4]; ok {
			return refs(l.v4.multi, v, one)
		}
	case classV6:
		if v, ok := l.v6.m[k.v6]; ok {
			return refs(l.v6.multi, v, one)
		}
	case classCIDR:
		if l.cidrs != nil {
			if v, ok := l.cidrs.Get(k.pfx); ok {
				return refs(l.cmulti, v.ref, one)
			}
		}
	default:
		if v, ok := l.names.m[k.fp]; ok {
			return refs(l.names.multi, v, one)
		}
	}
	return nil
}

// sweep turns off the live indicators that expired by now and returns the
// entries of the pending ones that came into force, which it turns on;
// pending ones that expired unseen are dropped. It recomputes next.
func (ix *Index) sweep(now time.Time) entries {
	var due entries
	ix.next = time.Time{}
	ix.pending = slices.DeleteFunc(ix.pending, func(id uint32) bool {
		r := ix.rec(id)
		switch {
		case r.ValidAt(now):
			if k, ok := keyOf(ix.seed, r.Type, r.Value); ok {
				due.add(k, id)
				ix.off.clear(id)
				ix.live++
				ix.next = earliest(ix.next, r.ValidUntil)
			}
			return true
		case r.ValidFrom.After(now):
			ix.next = earliest(ix.next, r.ValidFrom)
			return false
		}
		return true
	})
	for id := range ix.ids() {
		if ix.off.has(id) {
			continue
		}
		if !ix.validAt(id, now) {
			ix.off.set(id)
			ix.live--
		} else {
			_, pr := ix.at(id)
			ix.next = earliest(ix.next, pr.time(1))
		}
	}
	return due
}

// overlayEntries returns the entries of the overlay's ids still on, plus
// added.
func (ix *Index) overlayEntries(added entries) entries {
	if ix.over == nil {
		return added
	}
	var s entries
	for _, id := range ix.over.ids {
		if !ix.off.has(id) {
			r := ix.ref(id)
			if k, ok := keyOf(ix.seed, r.Type, r.Value); ok {
				s.add(k, id)
			}
		}
	}
	s.es, s.ps = append(s.es, added.es...), append(s.ps, added.ps...)
	return s
}

// entriesRange returns the entries of every id that is on, computed by
// chunk ranges on every CPU.
func (ix *Index) entriesRange() entries {
	n := len(ix.chunks)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/16))
	parts := make([]entries, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			p := &parts[w]
			for ch := n * w / workers; ch < n*(w+1)/workers; ch++ {
				for off := range ix.chunkSize(ch) {
					id := uint32(ch)<<chunkBits | uint32(off)
					if ix.off.has(id) {
						continue
					}
					r := ix.ref(id)
					if k, ok := keyOf(ix.seed, r.Type, r.Value); ok {
						p.add(k, id)
					}
				}
			}
		})
	}
	wg.Wait()
	out := parts[0]
	for _, p := range parts[1:] {
		out.es, out.ps = append(out.es, p.es...), append(out.ps, p.ps...)
	}
	return out
}

// compact rebuilds the index from a copy of its live and pending records,
// dropping the rest.
func (ix *Index) compact(now time.Time) *Index {
	keep := make([]intel.Indicator, 0, ix.live+len(ix.pending))
	for id := range ix.ids() {
		if !ix.off.has(id) {
			keep = append(keep, ix.rec(id))
		}
	}
	for _, id := range ix.pending {
		keep = append(keep, ix.rec(id))
	}
	nx, _ := Build(keep, now)
	return nx
}

// ids yields every record id in use, skipping the gaps after short chunks.
func (ix *Index) ids() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for ch := range ix.chunks {
			for off := range ix.chunkSize(ch) {
				if !yield(uint32(ch)<<chunkBits | uint32(off)) {
					return
				}
			}
		}
	}
}

func idsOf(s entries) []uint32 {
	ids := make([]uint32, 0, s.len())
	for i := range s.es {
		ids = append(ids, s.es[i].id)
	}
	for i := range s.ps {
		ids = append(ids, s.ps[i].id)
	}
	return ids
}
