package sigma

// The per-event field cache. Most rules read the same few fields (Image,
// CommandLine, OriginalFileName …); a RuleSet numbers the distinct fields of
// all its rules once, and Match looks each one up in the event at most once,
// however many rules read it. The cache lives in an evalCtx taken from a
// sync.Pool, and entries are invalidated by a generation counter rather than
// cleared, so a Match costs no allocation and no clearing.

import (
	"sync"

	"github.com/khien-cert/khien/internal/event"
)

// evalCtx is the state of one evaluation.
type evalCtx struct {
	ev    *event.Event
	xlate []int // the current rule's slots → set-wide slots
	cache []cacheEntry
	gen   uint32
}

type cacheEntry struct {
	gen     uint32
	present bool
	vals    []string
	one     [1]string // storage for a single value
	many    []string  // storage for array elements, reused
}

// get returns a field's values through the cache.
func (c *evalCtx) get(r *fieldRef) ([]string, bool) {
	e := &c.cache[c.xlate[r.slot]]
	if e.gen != c.gen {
		e.gen = c.gen
		e.vals, e.present = r.lookup(c.ev, e)
	}
	return e.vals, e.present
}

// start prepares the context for a new event.
func (c *evalCtx) start(ev *event.Event) {
	c.ev = ev
	c.gen++
	if c.gen == 0 { // wrapped: forget everything once every 4 billion events
		clear(c.cache)
		c.gen = 1
	}
}

// slotTable assigns set-wide slots to the fields of many rules.
type slotTable struct {
	bySlot []*fieldRef
	byKey  map[string]int
}

// translate returns the rule's local → set-wide slot mapping.
func (t *slotTable) translate(r *Rule) []int {
	x := make([]int, len(r.fields))
	for i := range r.fields {
		k := r.fields[i].key()
		slot, ok := t.byKey[k]
		if !ok {
			slot = len(t.bySlot)
			t.byKey[k] = slot
			t.bySlot = append(t.bySlot, &r.fields[i])
		}
		x[i] = slot
	}
	return x
}

// ctxPool hands out contexts sized for one slot table.
type ctxPool struct {
	pool  sync.Pool
	slots int
}

func (p *ctxPool) get() *evalCtx {
	if c, ok := p.pool.Get().(*evalCtx); ok {
		return c
	}
	return &evalCtx{cache: make([]cacheEntry, p.slots)}
}

// put returns a context. Its cache may still point at the last event's
// values until they are overwritten or the pool is emptied by the garbage
// collector; clearing it here would cost as much as a Match of a cheap event.
func (p *ctxPool) put(c *evalCtx) {
	c.ev, c.xlate = nil, nil
	p.pool.Put(c)
}
