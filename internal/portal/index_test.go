package portal

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/portal/canon"
)

var now0 = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

// randomListing makes a listing of one of n keys in a random state.
func randomListing(r *rand.Rand, n int, at time.Time) Listing {
	i := r.IntN(n)
	var kind canon.Kind
	var key string
	switch i % 4 {
	case 0:
		kind, key = canon.KindDomain, fmt.Sprintf("domain:d%d.example", i)
	case 1:
		kind, key = canon.KindBank, fmt.Sprintf("bank:970436:%010d", i/4%50) // account numbers repeat across…
		if i%8 == 1 {
			key = fmt.Sprintf("bank:970422:%010d", i/4%50) // …banks
		}
	case 2:
		kind, key = canon.KindSocial, fmt.Sprintf("social:zalo:+8491%07d", i%30)
	default:
		kind, key = canon.KindPhone, fmt.Sprintf("phone:+8491%07d", i%30)
	}
	l := Listing{Kind: kind, Key: key, Reports: r.IntN(9) + 1, UpdatedAt: at}
	l.State = States[r.IntN(len(States))]
	if l.State == StatePublished {
		l.ExpiresAt = now0.Add(time.Duration(r.IntN(3)-1) * time.Hour) // some expired already
	}
	return l
}

// findAll lists what ix finds under key at now, sorted.
func findAll(ix *Index, key string, at time.Time) []string {
	var out []string
	ix.Find(key, at, func(h Hit) { out = append(out, fmt.Sprintf("%s %s %d", h.Key, h.Status, h.Reports)) })
	sort.Strings(out)
	return out
}

// modelFind is the linear-scan answer the index must give.
func modelFind(model map[string]Listing, key string, at time.Time) []string {
	var out []string
	for _, l := range model {
		if st := l.StatusAt(at); st != StatusUnknown && slices.Contains(canon.IndexKeys(l.Kind, l.Key), key) {
			out = append(out, fmt.Sprintf("%s %s %d", l.Key, st, l.Reports))
		}
	}
	sort.Strings(out)
	return out
}

// TestIndexMatchesLinearScan applies random changes one by one (through
// several compactions) and checks every key against a linear scan; a
// stale listing must not undo a newer one.
func TestIndexMatchesLinearScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const keys = 6000
	model := map[string]Listing{}
	var first []Listing
	for range 3000 {
		l := randomListing(r, keys, now0.Add(-time.Hour))
		model[l.Key] = l
	}
	for _, l := range model {
		first = append(first, l)
	}
	ix := BuildIndex(func(add func(Listing)) {
		for _, l := range first {
			add(l)
		}
	})
	for i := range 9000 {
		l := randomListing(r, keys, now0.Add(time.Duration(i)*time.Microsecond))
		model[l.Key] = l
		ix = ix.With(l)
		if i%7 == 0 { // a stale copy of something older arrives late
			stale := l
			stale.State, stale.UpdatedAt = StatePending, l.UpdatedAt.Add(-time.Second)
			ix = ix.With(stale)
		}
	}
	base, over := ix.Len()
	if base == 0 || over > ix.overlayBound() {
		t.Fatalf("Len = %d, %d", base, over)
	}
	probe := map[string]bool{}
	for _, l := range model {
		for _, k := range canon.IndexKeys(l.Kind, l.Key) {
			probe[k] = true
		}
	}
	probe["domain:never.example"] = true
	n := 0
	for k := range probe {
		if n++; n > 1500 {
			break
		}
		for _, at := range []time.Time{now0.Add(-2 * time.Hour), now0, now0.Add(2 * time.Hour)} {
			if got, want := findAll(ix, k, at), modelFind(model, k, at); !slices.Equal(got, want) {
				t.Fatalf("Find(%s) at %s = %q, want %q", k, at.Format(time.TimeOnly), got, want)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	ix := BuildIndex(func(add func(Listing)) {
		add(Listing{Kind: canon.KindDomain, Key: "domain:evil.example", State: StatePublished, ExpiresAt: now0.Add(time.Hour)})
		add(Listing{Kind: canon.KindURL, Key: "url:sites.example/scam", State: StatePending, Reports: 3})
		add(Listing{Kind: canon.KindBank, Key: "bank:970436:0011001234567", State: StatePublished, ExpiresAt: now0.Add(time.Hour)})
	})
	for _, tc := range []struct {
		in     string
		status Status
		match  string
		exact  bool
	}{
		{"https://login.evil.example/otp?x=1", StatusConfirmed, "domain:evil.example", false},
		{"EVIL.example", StatusConfirmed, "domain:evil.example", true},
		{"notevil.example", StatusUnknown, "", false},
		{"https://sites.example/scam/step2", StatusUnderReview, "url:sites.example/scam", false},
		{"https://sites.example/other", StatusUnknown, "", false},
		{"0011 0012 34567", StatusConfirmed, "bank:970436:0011001234567", false},
		{"VCB 0011001234567", StatusConfirmed, "bank:970436:0011001234567", true},
		{"ACB 0011001234567", StatusUnknown, "", false},
		{"cskh@login.evil.example", StatusConfirmed, "domain:evil.example", false},
	} {
		a, err := ix.Check(tc.in, now0)
		if err != nil || a.Status != tc.status || (a.Match == nil) != (tc.match == "") || a.Match != nil && (a.Match.Key != tc.match || a.Exact != tc.exact) {
			t.Errorf("Check(%q) = %+v %+v, %v", tc.in, a, a.Match, err)
		}
		if len(a.Advice) != 3 {
			t.Errorf("Check(%q): advice %q", tc.in, a.Advice)
		}
	}
	if a, _ := ix.Check("evil.example", now0.Add(time.Hour)); a.Status != StatusUnknown {
		t.Errorf("at expiry: %+v", a)
	}
	if _, err := ix.Check("hello there", now0); err == nil {
		t.Error("an unreadable input got an answer")
	}
}
