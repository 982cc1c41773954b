package detect

// Benchmarks of the matcher on generated data (package gen): indicator sets
// of 1M and 10M, built once per process and only when a benchmark that
// needs them runs, and 65,536 EVE-like events of which 1% carry an
// indicator's value. Events/s per core is reported for the matcher and for
// parse-only (json.Unmarshal of the raw line into a small struct), the
// ceiling the matcher is compared with; make bench-detect adds grep and rg.
// The 10M set takes about a minute and some GiB to make: run it by name
// (-bench 10M), as make bench-detect does.

import (
	"encoding/json"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/detect/gen"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/telemetry"
)

const (
	benchSeed   = 85 // Decree 85/2016 on information-system security levels
	benchEvents = 1 << 16
	benchHit    = 0.01
)

type benchSet struct {
	inds []intel.Indicator
	ix   *Index
}

func newBenchSet(n int) *benchSet {
	inds := gen.Indicators(n, benchSeed)
	ix, _ := Build(inds, gen.Now)
	runtime.GC()
	return &benchSet{inds: inds, ix: ix}
}

var (
	set1M   = sync.OnceValue(func() *benchSet { return newBenchSet(1_000_000) })
	set10M  = sync.OnceValue(func() *benchSet { return newBenchSet(10_000_000) })
	samples = sync.OnceValue(func() []gen.Sample { return gen.Events(benchEvents, benchSeed, benchHit) })
	decoded = sync.OnceValue(func() []event.Event {
		evs := make([]event.Event, benchEvents)
		for i, s := range samples() {
			evs[i] = s.Event
		}
		return evs
	})
)

// reportRate reports events per second per core from n events.
func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

func benchMatch(b *testing.B, ix *Index, evs []event.Event) {
	b.ReportAllocs()
	mask, i, hits := len(evs)-1, 0, 0
	count := func(Hit) { hits++ }
	for b.Loop() {
		ix.Match(&evs[i&mask], count)
		i++
	}
	reportRate(b, i)
	b.ReportMetric(float64(hits)/float64(i), "hits/event")
}

func BenchmarkMatch1M(b *testing.B)  { benchMatch(b, set1M().ix, decoded()) }
func BenchmarkMatch10M(b *testing.B) { benchMatch(b, set10M().ix, decoded()) }

// BenchmarkMatchParallel1M runs the matcher on every CPU against one
// index; events/s is the total.
func BenchmarkMatchParallel1M(b *testing.B) {
	ix, evs := set1M().ix, decoded()
	start := time.Now()
	var total int64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		i, n := 0, int64(0)
		for pb.Next() {
			ix.Match(&evs[i&(len(evs)-1)], func(Hit) {})
			i, n = i+1, n+1
		}
		mu.Lock()
		total += n
		mu.Unlock()
	})
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkMatchHit1M is the hit path alone: events that all carry an
// indicator's value (some expired or not yet valid, so not every one
// hits), each hit copied into a slice as an alert writer would.
func BenchmarkMatchHit1M(b *testing.B) {
	ix := set1M().ix
	var evs []event.Event
	for _, s := range gen.Events(1<<14, benchSeed, 1) {
		evs = append(evs, s.Event)
	}
	b.ReportAllocs()
	hits := make([]Hit, 0, 16)
	i, n := 0, 0
	for b.Loop() {
		hits = hits[:0]
		ix.Match(&evs[i&(len(evs)-1)], func(h Hit) { hits = append(hits, h) })
		i, n = i+1, n+len(hits)
	}
	reportRate(b, i)
	b.ReportMetric(float64(n)/float64(i), "hits/event")
}

// eveLite is what a minimal EVE reader would take from a line.
type eveLite struct {
	Timestamp string `json:"timestamp"`
	EventType string `json:"event_type"`
	SrcIP     string `json:"src_ip"`
	SrcPort   int    `json:"src_port"`
	DestIP    string `json:"dest_ip"`
	DestPort  int    `json:"dest_port"`
	Proto     string `json:"proto"`
	DNS       *struct {
		RRName string `json:"rrname"`
	} `json:"dns"`
	HTTP *struct {
		Hostname string `json:"hostname"`
		URL      string `json:"url"`
	} `json:"http"`
	TLS *struct {
		SNI string `json:"sni"`
	} `json:"tls"`
	FileInfo *struct {
		MD5    string `json:"md5"`
		SHA256 string `json:"sha256"`
	} `json:"fileinfo"`
}

// BenchmarkParseOnly is the ceiling: decoding the raw line into a small
// struct with encoding/json, nothing else.
func BenchmarkParseOnly(b *testing.B) {
	s := samples()
	b.ReportAllocs()
	i, size := 0, 0
	for b.Loop() {
		var e eveLite
		raw := s[i&(len(s)-1)].Raw
		if err := json.Unmarshal(raw, &e); err != nil {
			b.Fatal(err)
		}
		i, size = i+1, size+len(raw)
	}
	reportRate(b, i)
	b.ReportMetric(float64(size)/float64(i), "B/event")
}

// BenchmarkDecodeEVE is the real decoder's ceiling: telemetry.Decode of
// the raw line into an event.Event, as ingest does.
func BenchmarkDecodeEVE(b *testing.B) {
	s := samples()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := telemetry.Decode(event.FormatEVE, s[i&(len(s)-1)].Raw); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRate(b, i)
}

// heapGrowth returns how many live heap bytes build adds, measured after a
// full collection, keeping its result alive.
func heapGrowth(build func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	runtime.KeepAlive(build) // and its inputs, which the caller still has
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkBuild1M times Build and reports the index's memory per million
// indicators (MiB/M, its packed copy of the records included), the same
// by type, and for comparison the records as the caller holds them
// (records-MiB/M: gen's []intel.Indicator, which Build does not keep).
func BenchmarkBuild1M(b *testing.B) {
	inds := benchBuild(b, set1M())
	for _, g := range []struct {
		unit  string
		types []intel.Type
	}{
		{"B/ip", []intel.Type{intel.TypeIPv4, intel.TypeIPv6}},
		{"B/cidr", []intel.Type{intel.TypeCIDR}},
		{"B/domain", []intel.Type{intel.TypeDomain, intel.TypeEmail}},
		{"B/url", []intel.Type{intel.TypeURL}},
		{"B/hash", []intel.Type{intel.TypeMD5, intel.TypeSHA1, intel.TypeSHA256}},
	} {
		part := ofTypes(inds, g.types...)
		size := heapGrowth(func() any { ix, _ := Build(part, gen.Now); return ix })
		b.ReportMetric(size/float64(len(part)), g.unit)
	}
	recs := heapGrowth(func() any { return gen.Indicators(len(inds), benchSeed) })
	b.ReportMetric(perMillion(recs, len(inds)), "records-MiB/M")
}

func BenchmarkBuild10M(b *testing.B) { benchBuild(b, set10M()) }

func benchBuild(b *testing.B, set *benchSet) []intel.Indicator {
	for b.Loop() {
		Build(set.inds, gen.Now)
	}
	b.StopTimer()
	size := heapGrowth(func() any { ix, _ := Build(set.inds, gen.Now); return ix })
	b.ReportMetric(perMillion(size, len(set.inds)), "MiB/M")
	return set.inds
}

func perMillion(bytes float64, n int) float64 { return bytes / (1 << 20) / (float64(n) / 1e6) }

func ofTypes(inds []intel.Indicator, types ...intel.Type) []intel.Indicator {
	var out []intel.Indicator
	for _, i := range inds {
		for _, t := range types {
			if i.Type == t {
				out = append(out, i)
			}
		}
	}
	return out
}

// delta10k is 9,000 new indicators (the next ones of the stream), 500
// replacements (a later expiry) and 500 removals.
func delta10k(s *benchSet) Delta {
	n := len(s.inds)
	d := Delta{Added: make([]intel.Indicator, 0, 9_500)}
	for i := range 9_000 {
		d.Added = append(d.Added, gen.Indicator(n+i, benchSeed))
	}
	for k := range 1_000 {
		r := s.inds[(k*7919)%n]
		if k%2 == 0 {
			d.Removed = append(d.Removed, RefOf(&r))
			continue
		}
		r.ValidUntil = gen.Now.Add(365 * 24 * time.Hour)
		d.Added = append(d.Added, r)
	}
	return d
}

func benchApply(b *testing.B, s *benchSet) {
	d := delta10k(s)
	b.ReportAllocs()
	for b.Loop() {
		s.ix.Apply(d, gen.Now)
	}
}

func BenchmarkApplyDelta10k(b *testing.B)      { benchApply(b, set1M()) }
func BenchmarkApplyDelta10kAt10M(b *testing.B) { benchApply(b, set10M()) }

// BenchmarkApplySweep1M is an empty delta a day later: the expiry sweep
// over every record.
func BenchmarkApplySweep1M(b *testing.B) {
	ix := set1M().ix
	for b.Loop() {
		ix.Apply(Delta{}, gen.Now.Add(24*time.Hour))
	}
}
