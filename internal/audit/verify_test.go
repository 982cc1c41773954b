package audit

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memLog is an audit log held in memory, built the way the store builds it:
// one signed checkpoint after each batch of appends.
type memLog struct {
	entries []Entry
	hashes  []tlog.Hash
	cps     []Checkpoint
}

func (m *memLog) Entries(ctx context.Context, fn func(Entry) error) error {
	for _, e := range m.entries {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *memLog) StoredHashes(context.Context) ([]tlog.Hash, error) {
	return slices.Clone(m.hashes), nil
}

func (m *memLog) Checkpoints(ctx context.Context, fn func(Checkpoint) error) error {
	for _, c := range m.cps {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *memLog) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

// add appends e as the next entry and stores its hashes.
func (m *memLog) add(t testing.TB, e Entry) {
	t.Helper()
	e.Index = int64(len(m.entries))
	hs, err := tlog.StoredHashes(e.Index, e.Record(), m.reader())
	if err != nil {
		t.Fatal(err)
	}
	m.entries = append(m.entries, e)
	m.hashes = append(m.hashes, hs...)
}

// sign stores a signed checkpoint for the current size.
func (m *memLog) sign(t testing.TB, s note.Signer) {
	t.Helper()
	size := int64(len(m.entries))
	root, err := tlog.TreeHash(size, m.reader())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: size, Hash: root}))}, s)
	if err != nil {
		t.Fatal(err)
	}
	m.cps = append(m.cps, Checkpoint{Size: size, RootHash: root.String(), Signed: string(msg),
		Time: time.Unix(1740000000+size, 0).UTC()})
}

// rehash recomputes every stored hash from the entries, as an intruder who
// rewrites audit_hashes after editing an entry would.
func (m *memLog) rehash(t testing.TB) {
	t.Helper()
	entries := m.entries
	m.entries, m.hashes = nil, nil
	for _, e := range entries {
		m.add(t, e)
	}
}

func testEntry(i int) Entry {
	actions := []string{"org.create", "contact.add", "resource.claim", "resource.approve", "user.login"}
	return Entry{
		Time:       time.Date(2025, 3, 1, 8, 0, i, 123456000, time.UTC),
		ActorID:    fmt.Sprintf("user-%d", i%5),
		ActorLabel: fmt.Sprintf("analyst%d@cert.example.vn", i%5),
		TokenID:    []string{"", "tok-1"}[i%2],
		Action:     actions[i%len(actions)],
		TargetType: "organisation",
		TargetID:   fmt.Sprintf("org-%d", i%7),
		OrgID:      fmt.Sprintf("org-%d", i%7),
		Remote:     "203.0.113.7",
		RequestID:  fmt.Sprintf("req-%d", i),
		Before:     Digest(map[string]int{"v": i}),
		After:      Digest(map[string]int{"v": i + 1}),
		Detail:     fmt.Sprintf(`{"n":%d}`, i),
	}
}

// buildLog makes a log of n entries appended in batches of 1..maxBatch.
func buildLog(t testing.TB, rng *rand.Rand, s note.Signer, n, maxBatch int) *memLog {
	t.Helper()
	m := &memLog{}
	for i := 0; i < n; {
		b := min(1+rng.IntN(maxBatch), n-i)
		for range b {
			m.add(t, testEntry(i))
			i++
		}
		m.sign(t, s)
	}
	return m
}

func newKey(t testing.TB, name string) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(crand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func TestVerifyCleanLogs(t *testing.T) {
	s, v := newKey(t, KeyName)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 31, 64, 100} {
		for _, batch := range []int{1, 5} {
			m := buildLog(t, rng, s, n, batch)
			r, err := Verify(t.Context(), m, v)
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || r.FirstBad != -1 || len(r.Problems) != 0 {
				t.Fatalf("n=%d batch=%d: clean log reported %+v", n, batch, r)
			}
			if r.Entries != int64(n) || r.Checkpoints != len(m.cps) {
				t.Errorf("n=%d: Entries=%d Checkpoints=%d, want %d %d", n, r.Entries, r.Checkpoints, n, len(m.cps))
			}
			if n > 0 && r.Root != m.cps[len(m.cps)-1].RootHash {
				t.Errorf("n=%d: Root=%s, want the last checkpoint's %s", n, r.Root, m.cps[len(m.cps)-1].RootHash)
			}
		}
	}
}

func TestVerifyNamesEditedEntry(t *testing.T) {
	s, v := newKey(t, KeyName)
	m := buildLog(t, rand.New(rand.NewPCG(3, 4)), s, 50, 1)
	m.entries[41].Action = "org.delete"
	r, err := Verify(t.Context(), m, v)
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{{Index: 41, Kind: ProblemEntryHash, Detail: "entry 41: recorded hash does not match its contents (row edited?)"}}
	if r.OK || r.FirstBad != 41 || !slices.Equal(r.Problems, want) {
		t.Fatalf("report = %+v\nwant FirstBad 41 and only %+v", r, want)
	}
}

func TestVerifyNeedsVerifier(t *testing.T) {
	if _, err := Verify(t.Context(), &memLog{}, nil); err == nil {
		t.Fatal("Verify with a nil verifier succeeded")
	}
}

type failingSource struct{ memLog }

func (failingSource) Entries(context.Context, func(Entry) error) error {
	return errors.New("disk on fire")
}

func TestVerifyReportsSourceErrors(t *testing.T) {
	_, v := newKey(t, KeyName)
	_, err := Verify(t.Context(), &failingSource{}, v)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v, want the source's error", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s, _ := newKey(t, KeyName)
	m := buildLog(t, rand.New(rand.NewPCG(5, 6)), s, 3, 1)
	if _, err := Verify(ctx, m, v); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestVerifyCannotSeeCleanTruncation pins a documented limit: removing the
// newest entries together with their hashes and heads leaves a smaller but
// consistent log. Only a head kept elsewhere reveals it.
func TestVerifyCannotSeeCleanTruncation(t *testing.T) {
	s, v := newKey(t, KeyName)
	m := buildLog(t, rand.New(rand.NewPCG(7, 8)), s, 20, 1)
	m.entries = m.entries[:15]
	m.hashes = m.hashes[:tlog.StoredHashCount(15)]
	m.cps = m.cps[:15]
	r, err := Verify(t.Context(), m, v)
	if err != nil || !r.OK {
		t.Fatalf("Verify = %+v, %v; want a clean report", r, err)
	}
}

// trial is one log, the key to check it with, and a tamper applied to it.
type trial struct {
	m   *memLog
	v   note.Verifier
	rng *rand.Rand
}

// A tamper changes the log and says what Verify must report: the FirstBad
// index (-1 when no entry is implicated) and a problem kind at that index.
type tamper struct {
	name  string
	minN  int
	apply func(t testing.TB, tr *trial) (first int64, kind string)
}

var tampers = []tamper{
	{"edit field", 1, tamperEditField},
	{"drop entry", 1, tamperDrop},
	{"swap two rows' contents", 2, tamperSwapRows},
	{"reorder two entries", 2, tamperReorder},
	{"duplicate entry", 1, tamperDuplicate},
	{"renumber entry", 1, tamperRenumber},
	{"drop newest entries", 2, tamperDropTail},
	{"edit stored hash", 1, tamperEditHash},
	{"edit checkpoint root", 1, tamperEditRoot},
	{"edit checkpoint note", 1, tamperEditNote},
	{"swap verifier key", 1, tamperSwapKey},
	{"rewrite entry and hashes", 1, tamperRewrite},
	{"append unsigned entries", 0, tamperAppendUnsigned},
}

func tamperEditField(t testing.TB, tr *trial) (int64, string) {
	i := tr.rng.IntN(len(tr.m.entries))
	e := &tr.m.entries[i]
	fields := []*string{&e.ActorID, &e.ActorLabel, &e.TokenID, &e.Action, &e.TargetType, &e.TargetID,
		&e.OrgID, &e.Remote, &e.RequestID, &e.Before, &e.After, &e.Detail}
	if k := tr.rng.IntN(len(fields) + 1); k < len(fields) {
		*fields[k] += "x"
	} else {
		e.Time = e.Time.Add(time.Duration(1 + tr.rng.IntN(1000)))
	}
	return int64(i), ProblemEntryHash
}

func tamperDrop(t testing.TB, tr *trial) (int64, string) {
	n := len(tr.m.entries)
	i := tr.rng.IntN(n)
	tr.m.entries = slices.Delete(tr.m.entries, i, i+1)
	if i == n-1 {
		return int64(i), ProblemMissingEntry
	}
	return int64(i), ProblemIndexGap
}

func twoIndexes(rng *rand.Rand, n int) (int, int) {
	i, j := rng.IntN(n), rng.IntN(n-1)
	if j >= i {
		j++
	}
	return min(i, j), max(i, j)
}

func tamperSwapRows(t testing.TB, tr *trial) (int64, string) {
	i, j := twoIndexes(tr.rng, len(tr.m.entries))
	es := tr.m.entries
	es[i], es[j] = es[j], es[i]
	es[i].Index, es[j].Index = int64(i), int64(j)
	return int64(i), ProblemEntryHash
}

func tamperReorder(t testing.TB, tr *trial) (int64, string) {
	i, j := twoIndexes(tr.rng, len(tr.m.entries))
	es := tr.m.entries
	es[i], es[j] = es[j], es[i]
	return int64(i), ProblemIndexGap
}

func tamperDuplicate(t testing.TB, tr *trial) (int64, string) {
	i := tr.rng.IntN(len(tr.m.entries))
	tr.m.entries = slices.Insert(tr.m.entries, i+1, tr.m.entries[i])
	return int64(i), ProblemIndexGap
}

func tamperRenumber(t testing.TB, tr *trial) (int64, string) {
	n := len(tr.m.entries)
	i := tr.rng.IntN(n)
	e := tr.m.entries[i]
	e.Index = int64(n + 1 + tr.rng.IntN(1000))
	tr.m.entries = append(slices.Delete(tr.m.entries, i, i+1), e)
	if i == n-1 {
		return int64(i), ProblemMissingEntry
	}
	return int64(i), ProblemIndexGap
}

func tamperDropTail(t testing.TB, tr *trial) (int64, string) {
	n := len(tr.m.entries)
	keep := tr.rng.IntN(n)
	tr.m.entries = tr.m.entries[:keep]
	tr.m.hashes = tr.m.hashes[:tlog.StoredHashCount(int64(keep))]
	return int64(keep), ProblemMissingEntry
}

func tamperEditHash(t testing.TB, tr *trial) (int64, string) {
	j := tr.rng.Int64N(int64(len(tr.m.hashes)))
	tr.m.hashes[j][tr.rng.IntN(tlog.HashSize)] ^= byte(1 + tr.rng.IntN(255))
	level, n := tlog.SplitStoredHashIndex(j)
	if level == 0 {
		return n, ProblemEntryHash
	}
	return n << level, ProblemInteriorHash
}

func tamperEditRoot(t testing.TB, tr *trial) (int64, string) {
	c := &tr.m.cps[tr.rng.IntN(len(tr.m.cps))]
	h := tlog.RecordHash([]byte(c.RootHash))
	c.RootHash = h.String()
	return -1, ProblemCheckpointRoot
}

func tamperEditNote(t testing.TB, tr *trial) (int64, string) {
	c := &tr.m.cps[tr.rng.IntN(len(tr.m.cps))]
	lines := strings.Split(c.Signed, "\n")
	b := []byte(lines[2]) // the root hash line of the tree note
	k := tr.rng.IntN(len(b) - 1)
	b[k] = "AB"[b[k]%2]
	if string(b) == lines[2] {
		b[k] = "AB"[1-b[k]%2]
	}
	lines[2] = string(b)
	c.Signed = strings.Join(lines, "\n")
	return -1, ProblemCheckpointSig
}

func tamperSwapKey(t testing.TB, tr *trial) (int64, string) {
	_, tr.v = newKey(t, KeyName)
	return -1, ProblemCheckpointSig
}

func tamperRewrite(t testing.TB, tr *trial) (int64, string) {
	i := tr.rng.IntN(len(tr.m.entries))
	tr.m.entries[i].Detail = `{"n":"forged"}`
	tr.m.rehash(t)
	var from int64 // the last head the entries still reproduce
	for k := range tr.m.cps {
		c := &tr.m.cps[k]
		if c.Size <= int64(i) {
			from = c.Size
			continue
		}
		root, err := tlog.TreeHash(c.Size, tr.m.reader())
		if err != nil {
			t.Fatal(err)
		}
		c.RootHash = root.String() // the intruder cannot re-sign
	}
	return from, ProblemCheckpointRoot
}

func tamperAppendUnsigned(t testing.TB, tr *trial) (int64, string) {
	n := len(tr.m.entries)
	for k := range 1 + tr.rng.IntN(3) {
		tr.m.add(t, testEntry(n+k))
	}
	return int64(n), ProblemSizeMismatch
}

// runTamper applies tp to a fresh log and checks Verify's report.
func runTamper(t *testing.T, tp tamper, s note.Signer, v note.Verifier, rng *rand.Rand, n, batch int) {
	t.Helper()
	tr := &trial{m: buildLog(t, rng, s, n, batch), v: v, rng: rng}
	first, kind := tp.apply(t, tr)
	r, err := Verify(t.Context(), tr.m, tr.v)
	if err != nil {
		t.Fatalf("%s (n=%d): %v", tp.name, n, err)
	}
	found := slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Kind == kind && p.Index == first })
	if r.OK || r.FirstBad != first || !found {
		t.Fatalf("%s (n=%d, batch=%d): FirstBad=%d OK=%v, want FirstBad=%d and a %s problem at %d; problems:\n%s",
			tp.name, n, batch, r.FirstBad, r.OK, first, kind, first, formatProblems(r.Problems))
	}
	for _, p := range r.Problems {
		if p.Detail == "" || (p.Index >= 0 && !strings.Contains(p.Detail, fmt.Sprint(p.Index))) {
			t.Errorf("%s: vague problem %+v", tp.name, p)
		}
	}
}

func formatProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %d %s: %s\n", p.Index, p.Kind, p.Detail)
	}
	return b.String()
}

func TestVerifyDetectsTampering(t *testing.T) {
	s, v := newKey(t, KeyName)
	for _, tp := range tampers {
		t.Run(tp.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(len(tp.name))))
			runTamper(t, tp, s, v, rng, 50, 1)
			runTamper(t, tp, s, v, rng, 50, 4)
		})
	}
}

func TestVerifyRandomTampers(t *testing.T) {
	const trials = 300
	s, v := newKey(t, KeyName)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x6b6869656e))
	for range trials {
		tp := tampers[rng.IntN(len(tampers))]
		n := max(tp.minN, 1+rng.IntN(70))
		runTamper(t, tp, s, v, rng, n, 1+rng.IntN(4))
	}
}
