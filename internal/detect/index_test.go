package detect

import (
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/detect/gen"
	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

const testSeed = 2026

var now = gen.Now

func ind(id string, t intel.Type, v, src string) intel.Indicator {
	return intel.Indicator{ID: id, Type: t, Value: v, Source: src, TLP: tlp.Green, Confidence: 80}
}

// edgeIndicators are the cases a generator makes rarely or never: nested
// prefixes, mapped addresses, values not in canonical form, a value shared by
// two sources, expired, pending and invalid indicators.
func edgeIndicators() []intel.Indicator {
	expired := ind("e-expired", intel.TypeDomain, "expired.example", "s1")
	expired.ValidUntil = now.Add(-time.Hour)
	pending := ind("e-pending", intel.TypeDomain, "future.example", "s1")
	pending.ValidFrom = now.Add(time.Hour)
	return []intel.Indicator{
		ind("e-8", intel.TypeCIDR, "10.0.0.0/8", "s1"),
		ind("e-16", intel.TypeCIDR, "10.1.0.0/16", "s1"),
		ind("e-24", intel.TypeCIDR, "10.1.2.0/24", "s2"),
		ind("e-24b", intel.TypeCIDR, "10.1.2.0/24", "s3"),
		ind("e-32", intel.TypeCIDR, "10.1.2.3/32", "s1"),
		ind("e-ip", intel.TypeIPv4, "10.1.2.3", "s2"),
		ind("e-broad", intel.TypeCIDR, "100.0.0.0/8", "s1"),
		ind("e-bad-broad", intel.TypeCIDR, "0.0.0.0/1", "s1"), // intel refuses prefixes shorter than /8
		ind("e-v6-32", intel.TypeCIDR, "2001:db8::/32", "s1"),
		ind("e-v6-48", intel.TypeCIDR, "2001:DB8:1::/48", "s1"),
		ind("e-v6-ip", intel.TypeIPv6, "2001:db8:1::1", "s1"),
		ind("e-mapped", intel.TypeIPv4, "::ffff:192.0.2.1", "s1"),
		ind("e-mapped-cidr", intel.TypeCIDR, "::ffff:198.51.100.0/120", "s1"),
		ind("e-dom", intel.TypeDomain, "evil.example", "s1"),
		ind("e-dom2", intel.TypeDomain, "evil.example", "s2"),
		ind("e-sub", intel.TypeDomain, "sub.evil.example", "s1"),
		ind("e-case", intel.TypeDomain, "Evil2.EXAMPLE.", "s1"),
		ind("e-wild", intel.TypeDomain, "*.wild.example", "s1"),
		ind("e-idn", intel.TypeDomain, "bộcôngan.vn", "s1"),
		ind("e-url", intel.TypeURL, "HTTP://Evil.Example:80/a/../b", "s1"),
		ind("e-url2", intel.TypeURL, "https://evil.example/x?q=1", "s1"),
		ind("e-md5", intel.TypeMD5, "D41D8CD98F00B204E9800998ECF8427E", "s1"),
		ind("e-mail", intel.TypeEmail, "Bad@Evil.Example", "s1"),
		expired, pending,
		ind("e-bad-hash", intel.TypeSHA256, "abc", "s1"),
		ind("e-bad-dom", intel.TypeDomain, "localhost", "s1"),
		ind("e-bad-ip", intel.TypeIPv4, "300.1.2.3", "s1"),
	}
}

// edgeEvents carry each edge in each form an event may give it.
func edgeEvents() []event.Event {
	a := netip.MustParseAddr
	return []event.Event{
		{SrcIP: a("10.1.2.3"), DstIP: a("::ffff:10.1.2.3")},
		{SrcIP: a("10.1.9.9"), DstIP: a("10.200.0.1")},
		{SrcIP: a("2001:db8:1::1"), DstIP: a("2001:db8:2::1")},
		{SrcIP: a("192.0.2.1"), DstIP: a("::ffff:198.51.100.77")},
		{SrcIP: a("fe80::1%eth0"), DstIP: a("100.1.1.1")},
		{Hosts: []string{"a.b.evil.example", "EVIL.EXAMPLE.", "notevil.example", "evil.example.com"}},
		{Hosts: []string{"sub.evil.example", "x.sub.evil.example", "evil2.example", "a.wild.example", "wild.example"}},
		{Hosts: []string{"10.1.2.3", "[2001:db8:1::1]", "2001:db8::5", "expired.example", "future.example"}},
		{Hosts: []string{"xn--bcngan-m5a9a2f.vn", "www.bộcôngan.vn", "", ".", "a..b", "-", "evil.example:80"}},
		{URLs: []string{"http://evil.example/b", "HTTP://EVIL.EXAMPLE/a/./b", "http://evil.example:80/b#frag", "https://evil.example/x?q=1"}},
		{URLs: []string{"https://evil.example/x?q=2", "http://evil.example", "not a url", "http://evil.example/%62"}},
		{Hashes: []string{"d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E", "d41d8c", "zz1d8cd98f00b204e9800998ecf8427e"}},
		{Emails: []string{"bad@evil.example", "BAD@EVIL.EXAMPLE", "good@evil.example", "bad@evil.example."}},
	}
}

func genEvents(n int, hitRate float64) []event.Event {
	s := gen.Events(n, testSeed, hitRate)
	evs := make([]event.Event, 0, n+len(edgeEvents()))
	for i := range s {
		evs = append(evs, s[i].Event)
	}
	return append(evs, edgeEvents()...)
}

func TestMatchOracle(t *testing.T) {
	n, events := 50_000, 20_000
	if testing.Short() {
		events = 4_000
	}
	inds := append(gen.Indicators(n, testSeed), edgeIndicators()...)
	o := &oracle{now: now}
	o.apply(Delta{Added: inds})
	ix, st := Build(inds, now)
	if st.Invalid != 4 || st.Fixed < 8 || st.Expired == 0 || st.Pending == 0 {
		t.Errorf("stats %+v", st)
	}
	hits := compareOracle(t, ix, o, genEvents(events, 0.3))
	if hits < events/5 {
		t.Errorf("only %d hits: the test set does not exercise the matcher", hits)
	}
	t.Logf("%d hits; %+v", hits, st)
}

func TestMatchNil(t *testing.T) {
	var ix *Index
	ix.Match(&event.Event{SrcIP: netip.MustParseAddr("10.0.0.1")}, func(Hit) { t.Fatal("hit on nil index") })
	empty, _ := Build(nil, now)
	empty.Match(&event.Event{Hosts: []string{"a.b"}}, func(Hit) { t.Fatal("hit on empty index") })
}

func TestMatchNoAllocs(t *testing.T) {
	ix, _ := Build(gen.Indicators(20_000, testSeed), now)
	var evs []event.Event
	for _, s := range gen.Events(2_000, testSeed+1, 0) {
		evs = append(evs, s.Event)
	}
	i, hits := 0, 0
	allocs := testing.AllocsPerRun(1000, func() {
		ix.Match(&evs[i%len(evs)], func(Hit) { hits++ })
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per event on the no-hit path", allocs)
	}
}

// TestApplyOracle applies a run of deltas — additions, removals,
// replacements, withdrawal by an expired version, a clock that moves past
// expiries and ValidFroms — and holds every resulting index, and the old
// ones it was derived from, to the oracle. Small thresholds make the run
// merge the overlay and compact the records too.
func TestApplyOracle(t *testing.T) {
	defer func(m, c int) { mergeMin, compactMin = m, c }(mergeMin, compactMin)
	mergeMin, compactMin = 3_000, 5_000
	all := append(gen.Indicators(30_000, testSeed), edgeIndicators()...)
	evs := genEvents(4_000, 0.3)
	if testing.Short() {
		evs = evs[len(evs)-1_000:]
	}
	ix, _ := Build(all[:10_000], now)
	o := &oracle{inds: append([]intel.Indicator(nil), all[:10_000]...), now: now}
	next := 10_000
	for step := range 8 {
		d := stepDelta(all, &next, o, step)
		prev, prevOracle := ix, &oracle{inds: append([]intel.Indicator(nil), o.inds...), now: o.now}
		o.now = now.Add(time.Duration(step) * 7 * time.Hour)
		o.apply(d)
		ix = ix.Apply(d, o.now)
		s := ix.Stats()
		t.Logf("step %d: +%d -%d: %+v", step, len(d.Added), len(d.Removed), s)
		if hits := compareOracle(t, ix, o, evs); hits == 0 {
			t.Errorf("step %d: no hits", step)
		}
		compareOracle(t, prev, prevOracle, evs[:500]) // the old index is untouched
		if t.Failed() {
			t.FailNow()
		}
	}
}

// stepDelta adds the next slice of indicators, removes some older ones,
// replaces some with a new source-local version (a new expiry, or one
// already past, which withdraws it).
func stepDelta(all []intel.Indicator, next *int, o *oracle, step int) Delta {
	var d Delta
	add := []int{2_000, 500, 6_000, 100, 3_000, 4_000, 0, 20}[step]
	add = min(add, len(all)-*next)
	d.Added = append(d.Added, all[*next:*next+add]...)
	*next += add
	if step == 6 { // withdraw most of what there is, so the records are compacted
		for k := 0; k < len(o.inds)*9/10; k++ {
			d.Removed = append(d.Removed, RefOf(&o.inds[k]))
		}
		return d
	}
	for k := 0; k < len(o.inds); k += 7 + step {
		r := o.inds[k]
		switch k % 3 {
		case 0:
			d.Removed = append(d.Removed, RefOf(&r))
		case 1:
			r.ID += "-v" + strconv.Itoa(step)
			r.ValidUntil = o.now.Add(time.Duration(k%40-10) * time.Hour)
			r.ValidFrom = time.Time{}
			d.Added = append(d.Added, r)
		}
	}
	return d
}

// TestConcurrentMatchAndApply has readers match against the live index
// while a writer derives and swaps in new ones (run it with -race).
func TestConcurrentMatchAndApply(t *testing.T) {
	all := gen.Indicators(20_000, testSeed)
	evs := genEvents(2_000, 0.3)
	var live Live
	ix, _ := Build(all[:5_000], now)
	live.Store(ix)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				live.Load().Match(&evs[i%len(evs)], func(Hit) {})
			}
		})
	}
	for k := 5_000; k < len(all); k += 3_000 {
		d := Delta{Added: all[k:min(k+3_000, len(all))], Removed: []Ref{RefOf(&all[k-5_000])}}
		live.Store(live.Load().Apply(d, now.Add(time.Duration(k)*time.Minute)))
	}
	close(stop)
	wg.Wait()
}
