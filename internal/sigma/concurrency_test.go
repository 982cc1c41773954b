package sigma

import (
	"sync"
	"testing"
)

// TestConcurrentMatch shares one RuleSet between goroutines (run with -race).
func TestConcurrentMatch(t *testing.T) {
	rs := loadCorpusRules(t)
	events := []*struct {
		hit  bool
		want int
	}{{true, 0}, {false, 0}}
	for _, e := range events {
		rs.Match(sysmonProcess(e.hit), func(*Rule, string, string) { e.want++ })
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				e := events[(g+i)%len(events)]
				n := 0
				rs.Match(sysmonProcess(e.hit), func(*Rule, string, string) { n++ })
				if n != e.want {
					t.Errorf("goroutine %d: %d hits, want %d", g, n, e.want)
					return
				}
			}
		})
	}
	wg.Wait()
	if events[0].want != 3 || events[1].want != 0 {
		t.Errorf("hits %d and %d, want 3 and 0", events[0].want, events[1].want)
	}
}
