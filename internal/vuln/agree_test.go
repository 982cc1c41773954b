package vuln_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/vuln"
	"github.com/khien-cert/khien/internal/vuln/gen"
)

// agree checks that the advisory index, the inventory index (one advisory
// at a time) and Naive give the same matches.
func agree(t *testing.T, advs []advisory.Advisory, items []vuln.Item) []vuln.Match {
	t.Helper()
	want := vuln.Naive(advs, items)
	ai, _ := vuln.NewAdvisoryIndex(advs)
	if got := ai.Match(items); !slices.Equal(got, want) {
		t.Errorf("AdvisoryIndex.Match: %s", diff(got, want))
	}
	ii, _ := vuln.NewInventoryIndex(items)
	var got []vuln.Match
	for _, a := range advs {
		m, _ := ii.Match(a)
		got = append(got, m...)
	}
	slices.SortStableFunc(got, func(a, b vuln.Match) int { return cmpID(a.AdvisoryID, b.AdvisoryID) })
	if !slices.Equal(got, want) {
		t.Errorf("InventoryIndex.Match: %s", diff(got, want))
	}
	return want
}

func cmpID(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func diff(got, want []vuln.Match) string {
	in := func(m vuln.Match, s []vuln.Match) bool { return slices.Contains(s, m) }
	var extra, missing []vuln.Match
	for _, m := range got {
		if !in(m, want) {
			extra = append(extra, m)
		}
	}
	for _, m := range want {
		if !in(m, got) {
			missing = append(missing, m)
		}
	}
	return fmt.Sprintf("%d matches, want %d; extra %v; missing %v", len(got), len(want), head(extra), head(missing))
}

func head(ms []vuln.Match) []vuln.Match { return ms[:min(len(ms), 5)] }

func TestAgreeGenerated(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		u := gen.New(400, seed)
		advs := u.Advisories(1500)
		items := u.Items(3000, 40)
		got := agree(t, advs, items)
		if len(got) < 100 {
			t.Errorf("seed %d: only %d matches: the generated set does not exercise matching", seed, len(got))
		}
		t.Logf("seed %d: %d matches", seed, len(got))
	}
}

// TestAgreeIncremental checks the two incremental paths: one
// organisation's inventory against the advisory index, and an inventory
// index changed by Add and Remove against one advisory at a time.
func TestAgreeIncremental(t *testing.T) {
	u := gen.New(300, 9)
	advs := u.Advisories(800)
	items := u.Items(2000, 10)
	all := vuln.Naive(advs, items)
	ai, _ := vuln.NewAdvisoryIndex(advs)

	var org []vuln.Item
	for _, it := range items {
		if it.OrgID == items[0].OrgID {
			org = append(org, it)
		}
	}
	var want []vuln.Match
	for _, m := range all {
		if m.OrgID == items[0].OrgID {
			want = append(want, m)
		}
	}
	if got := ai.Match(org); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("one organisation: %s", diff(got, want))
	}

	ii, _ := vuln.NewInventoryIndex(items[:1000])
	ii.Add(items[1000:]...)
	removed := map[string]bool{}
	var ids []string
	for i := 0; i < len(items); i += 3 {
		removed[items[i].ID] = true
		ids = append(ids, items[i].ID)
	}
	ii.Remove(ids...)
	if ii.Len() != len(items)-len(ids) {
		t.Errorf("Len after Remove = %d, want %d", ii.Len(), len(items)-len(ids))
	}
	var kept []vuln.Item
	for _, it := range items {
		if !removed[it.ID] {
			kept = append(kept, it)
		}
	}
	want = vuln.Naive(advs, kept)
	var got []vuln.Match
	for _, a := range advs {
		m, _ := ii.Match(a)
		got = append(got, m...)
	}
	slices.SortStableFunc(got, func(a, b vuln.Match) int { return cmpID(a.AdvisoryID, b.AdvisoryID) })
	if !slices.Equal(got, want) {
		t.Errorf("after Add and Remove: %s", diff(got, want))
	}
}

// TestDeterministic checks that the same input gives the same output, in
// sorted order, whatever order the items come in.
func TestDeterministic(t *testing.T) {
	u := gen.New(200, 4)
	advs := u.Advisories(500)
	items := u.Items(1000, 5)
	ai, _ := vuln.NewAdvisoryIndex(advs)
	first := ai.Match(items)
	rev := slices.Clone(items)
	slices.Reverse(rev)
	if again := ai.Match(rev); !slices.Equal(first, again) {
		t.Errorf("reversed items: %s", diff(again, first))
	}
	if !slices.IsSortedFunc(first, func(a, b vuln.Match) int {
		if c := cmpID(a.AdvisoryID, b.AdvisoryID); c != 0 {
			return c
		}
		return cmpID(a.ItemID, b.ItemID)
	}) {
		t.Error("matches are not sorted by advisory and item")
	}
	if g1, g2 := gen.New(200, 4).Advisories(500), advs; !slices.EqualFunc(g1, g2, func(a, b advisory.Advisory) bool {
		return a.ID == b.ID && len(a.Products) == len(b.Products) && a.Products[0].PURL == b.Products[0].PURL && a.Products[0].CPE == b.Products[0].CPE
	}) {
		t.Error("the generator is not deterministic")
	}
}

// TestConcurrentMatch runs both indexes' Match from several goroutines at
// once (run it with -race).
func TestConcurrentMatch(t *testing.T) {
	u := gen.New(100, 7)
	advs := u.Advisories(300)
	items := u.Items(500, 5)
	ai, _ := vuln.NewAdvisoryIndex(advs)
	ii, _ := vuln.NewInventoryIndex(items)
	want := ai.Match(items)
	wantOne, _ := ii.Match(advs[0])
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := ai.Match(items); !slices.Equal(got, want) {
				t.Errorf("concurrent AdvisoryIndex.Match: %s", diff(got, want))
			}
			if got, _ := ii.Match(advs[0]); !slices.Equal(got, wantOne) {
				t.Errorf("concurrent InventoryIndex.Match: %s", diff(got, wantOne))
			}
		})
	}
	wg.Wait()
}
