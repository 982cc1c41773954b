package bundle_test

import (
	"bytes"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/evidence/bundle"
)

func TestValidBundleVerifies(t *testing.T) {
	b := makeBundle(t, mrand.New(mrand.NewPCG(1, 2)), 3)
	rep := bundle.Verify(bytes.NewReader(b), bundle.Options{})
	if !rep.OK() || rep.Items != 3 || rep.Events < 9 || rep.Key == "" {
		t.Fatalf("valid bundle: %+v", rep)
	}
	if rep := bundle.Verify(bytes.NewReader(b), bundle.Options{Key: keys().vkey}); !rep.OK() {
		t.Fatalf("valid bundle with its pinned key: %v", rep.Problems)
	}
	rep = bundle.Verify(bytes.NewReader(b), bundle.Options{Key: keys().other})
	if rep.OK() || !named(rep, bundle.KeyName, "", "pinned") {
		t.Fatalf("valid bundle against another pinned key: %v", rep.Problems)
	}
}

// trial is one kind of tampering: it changes the members and says which
// member (and entry, when not "") the verifier must name.
type trial struct {
	name   string
	tamper func(rng *mrand.Rand, ms []member) (out []member, file, entry string)
}

var trials = []trial{
	{"blob byte", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, "files/")
		flip(rng, ms[i].data, 0, len(ms[i].data))
		return ms, ms[i].name, ""
	}},
	{"manifest byte", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, bundle.ManifestName)
		flip(rng, ms[i].data, 0, len(ms[i].data))
		return ms, bundle.ManifestName, ""
	}},
	{"custody entry byte", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, "custody/")
		lines := bytes.SplitAfter(ms[i].data, []byte("\n"))
		k := rng.IntN(len(lines) - 1)
		start := len(bytes.Join(lines[:k], nil))
		flip(rng, ms[i].data, start, start+len(lines[k])-1)
		return ms, ms[i].name, "entry " + strconv.Itoa(k+1)
	}},
	{"reorder entries", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, "custody/")
		lines := bytes.SplitAfter(ms[i].data, []byte("\n"))
		lines = lines[:len(lines)-1]
		a := rng.IntN(len(lines) - 1)
		b := a + 1 + rng.IntN(len(lines)-a-1)
		lines[a], lines[b] = lines[b], lines[a]
		ms[i].data = bytes.Join(lines, nil)
		return ms, ms[i].name, "entry " + strconv.Itoa(a+1)
	}},
	{"drop entry", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, "custody/")
		lines := bytes.SplitAfter(ms[i].data, []byte("\n"))
		lines = lines[:len(lines)-1]
		k := rng.IntN(len(lines))
		entry := "entry " + strconv.Itoa(k+1)
		if k == len(lines)-1 {
			entry = "" // the last one: only the manifest's count and head notice
		}
		ms[i].data = bytes.Join(slices.Delete(lines, k, k+1), nil)
		return ms, ms[i].name, entry
	}},
	{"swap public key", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := pick(rng, ms, bundle.KeyName)
		ms[i].data = []byte(keys().other + "\n")
		return ms, bundle.KeyName, ""
	}},
	{"drop member", func(rng *mrand.Rand, ms []member) ([]member, string, string) {
		i := rng.IntN(len(ms))
		name := ms[i].name
		return slices.Delete(ms, i, i+1), name, ""
	}},
}

// TestTamperTrials tampers with bundles thousands of times, one change at a
// time, and requires every verification to fail naming the changed member
// (and entry). Bundles are tiny, so a trial costs about a millisecond.
func TestTamperTrials(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := mrand.New(mrand.NewPCG(20260301, uint64(n)))
	pristine := [][]byte{makeBundle(t, rng, 1), makeBundle(t, rng, 2), makeBundle(t, rng, 3)}
	counts := map[string]int{}
	for i := range n {
		tr := trials[i%len(trials)]
		src := pristine[rng.IntN(len(pristine))]
		ms := split(t, src)
		ms, file, entry := tr.tamper(rng, ms)
		rep := bundle.Verify(bytes.NewReader(join(t, ms)), bundle.Options{})
		if rep.OK() {
			t.Fatalf("trial %d (%s): tampered bundle verified", i, tr.name)
		}
		if !named(rep, file, entry, "") {
			t.Fatalf("trial %d (%s): want a problem naming %s %q; got:\n%s", i, tr.name, file, entry, list(rep))
		}
		counts[tr.name]++
	}
	t.Logf("%d tamper trials, all caught and named: %v", n, counts)
}

// pick returns the index of a random member whose name starts with prefix.
func pick(rng *mrand.Rand, ms []member, prefix string) int {
	var idx []int
	for i, m := range ms {
		if strings.HasPrefix(m.name, prefix) {
			idx = append(idx, i)
		}
	}
	return idx[rng.IntN(len(idx))]
}

// flip changes one byte of b[from:to] to a different value.
func flip(rng *mrand.Rand, b []byte, from, to int) {
	i := from + rng.IntN(to-from)
	b[i] ^= byte(1 + rng.IntN(255))
}

// named reports whether rep has a problem about file (and entry, when not
// "") whose cause contains cause.
func named(rep bundle.Report, file, entry, cause string) bool {
	for _, p := range rep.Problems {
		if p.File == file && (entry == "" || p.Entry == entry) && strings.Contains(p.Cause, cause) {
			return true
		}
	}
	return false
}

func list(rep bundle.Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}
