package detect

import (
	"math"
	"time"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// Records are held packed, chunkLen to a chunk: a chunk keeps its records'
// strings in one text and everything else in slices without pointers. A
// million indicators as []intel.Indicator are millions of strings that the
// garbage collector marks on every cycle, and ingest allocates enough to
// run a cycle every few hundred milliseconds: measured in
// BenchmarkPipelineThroughput, that marking cost more CPU per event than
// matching. Packed, a chunk is three objects, two of which hold no pointers.
//
// A chunk is built once (Build and Apply pack the caller's records as they
// classify them) and never changed, so indexes derived by Apply share it.
type chunk struct {
	src    []intel.Indicator // the caller's records until they are packed; then nil
	recs   []packed
	labels []span // every record's labels, in order
	text   string // every record's strings
}

// span is a string of a chunk's text, or a run of its labels.
type span struct{ off, n uint32 }

// packed is one record. Times are Unix seconds and nanoseconds; a
// nanosecond of noTime marks the zero time.
type packed struct {
	value, source, id, desc, ext, labels span
	secs                                 [3]int64  // valid from, valid until, updated
	nsecs                                [3]uint32 // the same
	conf                                 int32
	typ                                  uint8 // 1 + its index in intel.Types; 0 for a type Build left out
	tlp                                  tlp.Level
}

const noTime = math.MaxUint32

// typeCode returns the packed code of t, 0 for a type the index does not know.
func typeCode(t intel.Type) uint8 {
	for i, k := range intel.Types {
		if k == t {
			return uint8(i + 1)
		}
	}
	return 0
}

// packer builds one chunk, storing a string repeated within the chunk
// (sources, descriptions, labels) once.
type packer struct {
	c    chunk
	text []byte
	seen map[string]span
}

// maxShared is the longest string the packer looks for among those it
// stored (longer ones are rarely repeated and costly to hash).
const maxShared = 128

func newPacker(n int) *packer {
	return &packer{c: chunk{recs: make([]packed, 0, n)}, text: make([]byte, 0, 48*n), seen: map[string]span{}}
}

// str appends s to the text (or finds it there) and returns its span.
// Values and IDs are unique, so they skip the look-up (shared false).
func (p *packer) str(s string, shared bool) span {
	if s == "" {
		return span{}
	}
	if shared && len(s) <= maxShared {
		if sp, ok := p.seen[s]; ok {
			return sp
		}
	}
	sp := span{off: uint32(len(p.text)), n: uint32(len(s))}
	p.text = append(p.text, s...)
	if shared && len(s) <= maxShared {
		p.seen[s] = sp
	}
	return sp
}

// add packs r under value (its canonical form, when it has one).
func (p *packer) add(r *intel.Indicator, value string) {
	pr := packed{value: p.str(value, false), source: p.str(r.Source, true), id: p.str(r.ID, false),
		desc: p.str(r.Description, true), ext: p.str(r.ExternalID, false), conf: int32(r.Confidence),
		typ: typeCode(r.Type), tlp: r.TLP}
	pr.labels = span{off: uint32(len(p.c.labels)), n: uint32(len(r.Labels))}
	for _, l := range r.Labels {
		p.c.labels = append(p.c.labels, p.str(l, true))
	}
	for i, t := range [3]time.Time{r.ValidFrom, r.ValidUntil, r.UpdatedAt} {
		if t.IsZero() {
			pr.nsecs[i] = noTime
		} else {
			pr.secs[i], pr.nsecs[i] = t.Unix(), uint32(t.Nanosecond())
		}
	}
	p.c.recs = append(p.c.recs, pr)
}

// done returns the chunk.
func (p *packer) done() chunk {
	p.c.text = string(p.text)
	return p.c
}

func (c *chunk) str(s span) string { return c.text[s.off : s.off+s.n] }

func (pr *packed) time(i int) time.Time {
	if pr.nsecs[i] == noTime {
		return time.Time{}
	}
	return time.Unix(pr.secs[i], int64(pr.nsecs[i])).UTC()
}

func (pr *packed) indType() intel.Type {
	if pr.typ == 0 {
		return ""
	}
	return intel.Types[pr.typ-1]
}

// at returns the chunk and packed record of an id.
func (ix *Index) at(id uint32) (*chunk, *packed) {
	c := &ix.chunks[id>>chunkBits]
	return c, &c.recs[id&(chunkLen-1)]
}

// rec returns the record of an id, its value canonical and its times in UTC.
func (ix *Index) rec(id uint32) intel.Indicator {
	c, pr := ix.at(id)
	r := intel.Indicator{ID: c.str(pr.id), Type: pr.indType(), Value: c.str(pr.value), TLP: pr.tlp, Source: c.str(pr.source),
		Confidence: int(pr.conf), Description: c.str(pr.desc), ExternalID: c.str(pr.ext),
		ValidFrom: pr.time(0), ValidUntil: pr.time(1), UpdatedAt: pr.time(2)}
	if pr.labels.n > 0 {
		r.Labels = make([]string, pr.labels.n)
		for i, l := range c.labels[pr.labels.off : pr.labels.off+pr.labels.n] {
			r.Labels[i] = c.str(l)
		}
	}
	return r
}

// ref returns the Ref of an id's record without building the record.
func (ix *Index) ref(id uint32) Ref {
	c, pr := ix.at(id)
	return Ref{Type: pr.indType(), Value: c.str(pr.value), Source: c.str(pr.source)}
}

// validAt reports whether an id's record is in force at t, as
// intel.Indicator.ValidAt does.
func (ix *Index) validAt(id uint32, t time.Time) bool {
	_, pr := ix.at(id)
	if from := pr.time(0); !from.IsZero() && t.Before(from) {
		return false
	}
	until := pr.time(1)
	return until.IsZero() || t.Before(until)
}
