package vuln_test

// Benchmarks of the matcher on generated data (package gen): 300,000
// advisories with 1–3 products of 1–2 ranges each, against 100,000
// inventory items of 500 organisations, drawn from 40,000 identities. The
// data are made once per process. make bench-advisory runs them on one
// core and prints the figures beside the naive baseline.
//
// Besides wall time each benchmark reports the process's CPU time per
// operation (cpu-s/op, cpu-ms/op): with GOMAXPROCS=1 that is the time on
// one core, and unlike wall time it does not grow when other processes
// share the machine's cores.

import (
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/vuln"
	"github.com/khien-cert/khien/internal/vuln/gen"
)

const (
	benchSeed       = 5 // issue 5
	benchIdentities = 40_000
	benchAdvisories = 300_000
	benchItems      = 100_000
	benchOrgs       = 500
	benchUpload     = 1_000
	benchNaiveAdvs  = 300 // the naive baseline's share of the advisories
)

// The universe and the items are made once and kept; the advisories are
// made afresh for each benchmark that needs them and dropped after it, as
// the advisory service builds its index from the store and keeps only the
// index. (Keeping 300k generated advisories, half a GiB, alive through
// every benchmark would charge each operation with marking them.)
var (
	universe = sync.OnceValue(func() *gen.Universe { return gen.New(benchIdentities, benchSeed) })
	items    = sync.OnceValue(func() []vuln.Item { return universe().Items(benchItems, benchOrgs) })
	// extra are advisories beyond the 300k, for "one new advisory".
	extra = sync.OnceValue(func() []advisory.Advisory {
		return slices.Clone(universe().Advisories(benchAdvisories + 1000)[benchAdvisories:])
	})
	advIndex = sync.OnceValue(func() *vuln.AdvisoryIndex {
		ix, _ := vuln.NewAdvisoryIndex(advisories())
		return ix
	})
)

// advisories makes the 300k advisories.
func advisories() []advisory.Advisory {
	advs := universe().Advisories(benchAdvisories)
	runtime.GC()
	return advs
}

// heapMiB measures the live heap after a full collection.
func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures CPU time over a benchmark's loop.
type cpuMeter struct {
	start time.Duration
	b     *testing.B
}

func startCPU(b *testing.B) cpuMeter { return cpuMeter{start: cpuTime(), b: b} }

// report reports CPU time per operation in unit ("cpu-s/op" or
// "cpu-ms/op").
func (m cpuMeter) report(unit string) {
	per := (cpuTime() - m.start).Seconds() / float64(m.b.N)
	if unit == "cpu-ms/op" {
		per *= 1000
	}
	m.b.ReportMetric(per, unit)
}

// BenchmarkFullRecompute builds the advisory index and matches every item.
func BenchmarkFullRecompute(b *testing.B) {
	advs, items := advisories(), items()
	var n int
	cpu := startCPU(b)
	for b.Loop() {
		ix, _ := vuln.NewAdvisoryIndex(advs)
		n = len(ix.Match(items))
	}
	cpu.report("cpu-s/op")
	b.ReportMetric(float64(n), "matches")
}

// BenchmarkBuildAdvisoryIndex builds the advisory index alone and reports
// the memory it holds.
func BenchmarkBuildAdvisoryIndex(b *testing.B) {
	advs := advisories()
	before := heapMiB()
	ix, _ := vuln.NewAdvisoryIndex(advs)
	mem := heapMiB() - before
	runtime.KeepAlive(ix)
	ix = nil
	cpu := startCPU(b)
	for b.Loop() {
		ix, _ = vuln.NewAdvisoryIndex(advs)
	}
	cpu.report("cpu-s/op")
	b.ReportMetric(mem, "index-MiB")
}

// BenchmarkMatchAll matches every item against a built advisory index.
func BenchmarkMatchAll(b *testing.B) {
	items, ix := items(), advIndex()
	cpu := startCPU(b)
	for b.Loop() {
		ix.Match(items)
	}
	cpu.report("cpu-s/op")
}

// BenchmarkUpload1k matches one organisation's upload of 1,000 items.
func BenchmarkUpload1k(b *testing.B) {
	ix := advIndex()
	upload := universe().Items(benchUpload, 1) // one organisation
	var n int
	cpu := startCPU(b)
	for b.Loop() {
		n = len(ix.Match(upload))
	}
	cpu.report("cpu-ms/op")
	b.ReportMetric(float64(n), "matches")
}

// BenchmarkNewAdvisory matches one new advisory against the inventory
// index (built once, memory reported).
func BenchmarkNewAdvisory(b *testing.B) {
	items, extra := items(), extra()
	before := heapMiB()
	ix, _ := vuln.NewInventoryIndex(items)
	mem := heapMiB() - before
	i, n := 0, 0
	cpu := startCPU(b)
	for b.Loop() {
		m, _ := ix.Match(extra[i%len(extra)])
		n += len(m)
		i++
	}
	cpu.report("cpu-ms/op")
	b.ReportMetric(float64(n)/float64(i), "matches")
	b.ReportMetric(mem, "index-MiB")
}

// BenchmarkNaive is the pair scan over benchNaiveAdvs advisories and every
// item; it reports the CPU time it would take for all advisories
// (naive-full-cpu-s), linear in the number of advisories.
func BenchmarkNaive(b *testing.B) {
	advs, items := universe().Advisories(benchNaiveAdvs), items()
	start := cpuTime()
	for b.Loop() {
		vuln.Naive(advs, items)
	}
	per := (cpuTime() - start).Seconds() / float64(b.N)
	b.ReportMetric(per*benchAdvisories/benchNaiveAdvs, "naive-full-cpu-s")
}
