package detect

import (
	"hash/maphash"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/khien-cert/khien/internal/intel"
)

// Hit is one indicator matched by one value of an event.
type Hit struct {
	Indicator intel.Indicator
	Field     string // FieldSrcIP, FieldDstIP, FieldHost, FieldURL, FieldHash or FieldEmail
	Value     string // the event's value that matched, as the event gave it
}

// The fields of an event a Hit can name.
const (
	FieldSrcIP = "src_ip"
	FieldDstIP = "dst_ip"
	FieldHost  = "host"
	FieldURL   = "url"
	FieldHash  = "hash"
	FieldEmail = "email"
)

// Records live in chunks of chunkLen (see records.go); id = chunk<<chunkBits
// | offset.
const (
	chunkBits = 10
	chunkLen  = 1 << chunkBits
	maxIDs    = multiBit // ids must leave multiBit free
)

// Index is the compiled, immutable indicator index. Build makes one and
// Apply derives new ones; all methods are safe for concurrent use, and a
// nil *Index matches nothing.
type Index struct {
	seed    maphash.Seed
	chunks  []chunk
	off     bitset   // ids that must not match: expired, invalid, removed, replaced or pending
	pending []uint32 // ids not yet valid; they are off until an Apply finds them due
	base    *layer
	over    *layer    // nil, or the ids added since base was built
	next    time.Time // when an indicator next expires or becomes valid; zero: never
	live    int       // ids that can match
}

// BuildStats says what Build did with its input.
type BuildStats struct {
	Indexed int                // indicators in force at now, which can match
	ByType  map[intel.Type]int // Indexed by type
	Expired int                // past ValidUntil at now: left out
	Pending int                // ValidFrom after now: kept aside until an Apply finds them due
	Invalid int                // no canonical form for their type: left out
	Fixed   int                // not in canonical form: indexed, and reported in Hits, in that form
}

func (s *BuildStats) merge(o *BuildStats) {
	s.Indexed += o.Indexed
	s.Expired += o.Expired
	s.Pending += o.Pending
	s.Invalid += o.Invalid
	s.Fixed += o.Fixed
	for t, n := range o.ByType {
		s.ByType[t] += n
	}
}

// Build compiles the indicators in force at now into an index. The index
// keeps its own packed copy of inds (see chunk), so the caller may drop or
// reuse them. Indicators whose Value is not canonical are indexed, and
// reported in hits, under their canonical value; those without one are
// counted as Invalid.
func Build(inds []intel.Indicator, now time.Time) (*Index, BuildStats) {
	if len(inds) >= maxIDs {
		panic("detect: too many indicators for one index")
	}
	ix := &Index{seed: maphash.MakeSeed()}
	first := ix.appendChunks(inds)
	ix.off = make(bitset, ix.idLimit()/64+1)
	s, st := ix.classify(first, len(inds), now)
	ix.base = buildLayer(s)
	ix.live = st.Indexed
	return ix, st
}

// appendChunks adds inds as new chunks, to be packed by classify, and
// returns the id of inds[0].
func (ix *Index) appendChunks(inds []intel.Indicator) uint32 {
	first := uint32(len(ix.chunks)) << chunkBits
	ix.chunks = slices.Grow(slices.Clip(ix.chunks), (len(inds)+chunkLen-1)/chunkLen)
	for lo := 0; lo < len(inds); lo += chunkLen {
		hi := min(lo+chunkLen, len(inds))
		ix.chunks = append(ix.chunks, chunk{src: inds[lo:hi:hi]})
	}
	return first
}

// chunkSize returns how many records chunk ch holds.
func (ix *Index) chunkSize(ch int) int {
	if c := &ix.chunks[ch]; c.src != nil {
		return len(c.src)
	}
	return len(ix.chunks[ch].recs)
}

// idLimit is one more than the largest id in use.
func (ix *Index) idLimit() uint32 {
	if len(ix.chunks) == 0 {
		return 0
	}
	last := len(ix.chunks) - 1
	return uint32(last)<<chunkBits + uint32(ix.chunkSize(last))
}

// classify packs and checks the n records from id first on (whole chunks
// added by appendChunks) and returns the entries of those in force.
// Invalid, expired and pending ones are marked off, pending ones listed.
// Work is split by whole chunks across CPUs, so no two workers touch the
// same chunk or bitset word.
func (ix *Index) classify(first uint32, n int, now time.Time) (entries, BuildStats) {
	nChunks := (n + chunkLen - 1) / chunkLen
	workers := max(1, min(runtime.GOMAXPROCS(0), nChunks/16))
	parts := make([]classified, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := first+uint32(nChunks*w/workers)<<chunkBits, first+uint32(nChunks*(w+1)/workers)<<chunkBits
		hi = min(hi, first+uint32(n))
		wg.Go(func() { parts[w] = ix.classifyRange(lo, hi, now) })
	}
	wg.Wait()
	out, st := parts[0].entries, parts[0].stats
	for _, p := range parts[1:] {
		out.es = append(out.es, p.es...)
		out.ps = append(out.ps, p.ps...)
		st.merge(&p.stats)
	}
	for _, p := range parts {
		ix.pending = append(ix.pending, p.pending...)
		ix.next = earliest(ix.next, p.next)
	}
	return out, st
}

type classified struct {
	entries
	stats   BuildStats
	pending []uint32
	next    time.Time
}

func (ix *Index) classifyRange(lo, hi uint32, now time.Time) classified {
	c := classified{stats: BuildStats{ByType: map[intel.Type]int{}}}
	c.es = make([]entry, 0, hi-lo)
	for ch := lo >> chunkBits; ch<<chunkBits < hi; ch++ {
		src := ix.chunks[ch].src
		p := newPacker(len(src))
		for off := range src {
			id, r := ch<<chunkBits|uint32(off), &src[off]
			v, ok := canonical(r.Type, r.Value)
			k, kok := keyOf(ix.seed, r.Type, v)
			switch {
			case !ok || !kok:
				c.stats.Invalid++
				ix.off.set(id)
				p.add(r, r.Value)
				continue
			case v != r.Value:
				c.stats.Fixed++
			}
			p.add(r, v)
			switch {
			case !r.ValidAt(now) && r.ValidFrom.After(now) && (r.ValidUntil.IsZero() || r.ValidFrom.Before(r.ValidUntil)):
				c.stats.Pending++
				c.pending = append(c.pending, id)
				c.next = earliest(c.next, r.ValidFrom)
				ix.off.set(id)
			case !r.ValidAt(now):
				c.stats.Expired++
				ix.off.set(id)
			default:
				c.stats.Indexed++
				c.stats.ByType[r.Type]++
				c.add(k, id)
				c.next = earliest(c.next, r.ValidUntil)
			}
		}
		ix.chunks[ch] = p.done()
	}
	return c
}

// earliest returns the earlier of two times, a zero time meaning never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// Stats describes an index.
type Stats struct {
	Live    int       // indicators that can match
	Pending int       // indicators waiting for their ValidFrom
	Records int       // record slots held, including removed and expired ones
	Overlay int       // indicators in the overlay built by Apply since the last full build
	Next    time.Time // when an indicator next expires or becomes valid (call Apply then); zero: never
}

// Stats returns counts that tell the index's owner when to act.
func (ix *Index) Stats() Stats {
	if ix == nil {
		return Stats{}
	}
	s := Stats{Live: ix.live, Pending: len(ix.pending), Records: int(ix.idLimit()), Next: ix.next}
	if ix.over != nil {
		s.Overlay = ix.over.size
	}
	return s
}

// Live holds the current Index. Detection workers Load it for every batch
// and never lock; whoever builds a new index Stores it. The zero Live holds
// nil, which matches nothing.
type Live struct {
	atomic.Pointer[Index]
}

// bitset is a set of ids.
type bitset []uint64

func (b bitset) has(id uint32) bool {
	w := int(id >> 6)
	return w < len(b) && b[w]&(1<<(id&63)) != 0
}

func (b bitset) set(id uint32) { b[id>>6] |= 1 << (id & 63) }

func (b bitset) clear(id uint32) { b[id>>6] &^= 1 << (id & 63) }
