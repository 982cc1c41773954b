package portal

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/portal/canon"
)

// TestGeneratorIsCanonical checks that the generator's keys are what the
// normalisers make of its typed forms, so the benchmark's hits are hits.
func TestGeneratorIsCanonical(t *testing.T) {
	for i := range 400 {
		kind, key, typed := genEntry(i)
		s, err := canon.Normalize(kind, typed)
		if err != nil || s.Key != key {
			t.Fatalf("entry %d: %s %q gives %+v, %v; the generator says %s", i, kind, typed, s, err, key)
		}
	}
	ix := BuildIndex(genListings(1000, now0.Add(time.Hour)))
	hits := 0
	for _, q := range genQueries(1000, 200) {
		a, err := ix.Check(q, now0)
		if err != nil {
			t.Fatalf("Check(%q): %v", q, err)
		}
		if a.Status == StatusConfirmed {
			hits++
		}
	}
	if hits < 95 || hits > 110 {
		t.Errorf("%d of 200 queries hit; want about half", hits)
	}
}

// benchIndex is built once per process: a million published entries. Its
// heap size is measured as it is built.
var benchIndex = func() func() (*Index, float64) {
	var ix *Index
	var mib float64
	return func() (*Index, float64) {
		if ix == nil {
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			ix = BuildIndex(genListings(1_000_000, now0.Add(24*time.Hour)))
			runtime.GC()
			runtime.ReadMemStats(&m1)
			mib = float64(m1.HeapAlloc-m0.HeapAlloc) / (1 << 20)
		}
		return ix, mib
	}
}()

// BenchmarkLookup answers look-ups against 1M published entries, one at a
// time, reporting look-ups per second and the latency quantiles of single
// look-ups (from every operation's own timing).
func BenchmarkLookup(b *testing.B) {
	ix, mib := benchIndex()
	qs := genQueries(1_000_000, 1<<16)
	lat := make([]time.Duration, 0, 1<<20)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := qs[i&(len(qs)-1)]
		t0 := time.Now()
		if _, err := ix.Check(q, now0); err != nil {
			b.Fatal(err)
		}
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*50/100].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(mib, "index-MiB")
}

// BenchmarkLookupParallel is BenchmarkLookup on every core at once.
func BenchmarkLookupParallel(b *testing.B) {
	ix, _ := benchIndex()
	qs := genQueries(1_000_000, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := ix.Check(qs[i&(len(qs)-1)], now0); err != nil {
				b.Error(err)
				return
			}
			i += 7
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkBuildIndex builds the 1M-entry index from listings, as
// RebuildIndex does after reading them.
func BenchmarkBuildIndex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		BuildIndex(genListings(1_000_000, now0))
	}
}

// BenchmarkIndexWith applies one change to the 1M-entry index (the cost
// a report or a review adds, compactions included on average).
func BenchmarkIndexWith(b *testing.B) {
	ix, _ := benchIndex()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		kind, key, _ := genEntry(2_000_000 + i)
		ix = ix.With(Listing{Kind: kind, Key: key, State: StatePending, Reports: 1})
		i++
	}
}
