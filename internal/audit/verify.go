package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Source is a stored audit log as Verify reads it. The three methods must
// describe one state of the log: a Source over a live database fixes the tree
// size on first use, so that entries appended meanwhile do not look like damage.
type Source interface {
	// Entries calls fn for every entry in index order.
	Entries(ctx context.Context, fn func(Entry) error) error
	// StoredHashes returns all stored hashes in storage-index order (index i
	// at position i). A hash that is missing in the middle is the zero Hash.
	StoredHashes(ctx context.Context) ([]tlog.Hash, error)
	// Checkpoints calls fn for every stored checkpoint, ordered by size.
	Checkpoints(ctx context.Context, fn func(Checkpoint) error) error
}

// Checkpoint is one stored tree head.
type Checkpoint struct {
	Size     int64     // number of entries the head covers
	RootHash string    // tlog.Hash.String() of that tree, stored beside the note
	Signed   string    // the signed note holding tlog.FormatTree of the tree
	Time     time.Time // when it was stored
}

// Report is what Verify found.
type Report struct {
	Entries     int64     `json:"entries"`     // entries read
	Checkpoints int       `json:"checkpoints"` // checkpoints read
	Root        string    `json:"root"`        // tree hash rebuilt from the entries; "" for an empty log
	OK          bool      `json:"ok"`
	FirstBad    int64     `json:"first_bad"` // lowest entry index any problem implicates; -1 if none
	Problems    []Problem `json:"problems"`  // ordered by Index; problems with Index -1 last
	Omitted     int       `json:"omitted,omitempty"`
}

// MaxProblems bounds Report.Problems; further problems are only counted in
// Report.Omitted (FirstBad still accounts for them).
const MaxProblems = 1000

// Problem is one thing that does not match.
type Problem struct {
	// Index is the lowest entry index the problem implicates: an entry whose
	// contents changed, the first entry under a damaged tree node, the first
	// entry a signed head no longer vouches for. It is -1 when no entry is
	// implicated (a checkpoint row alone was changed, a signature is bad).
	Index  int64  `json:"index"`
	Kind   string `json:"kind"` // one of the Problem… constants
	Detail string `json:"detail"`
}

// Problem kinds.
const (
	ProblemEntryHash      = "entry_hash"           // an entry no longer matches its leaf hash
	ProblemMissingEntry   = "missing_entry"        // the tree or a signed head covers entries that are gone
	ProblemIndexGap       = "index_gap"            // indexes are not dense 0..n-1
	ProblemInteriorHash   = "interior_hash"        // a stored interior hash does not match its subtree
	ProblemCheckpointRoot = "checkpoint_root"      // a checkpoint's root does not match the entries
	ProblemCheckpointSig  = "checkpoint_signature" // a checkpoint's note is not validly signed
	ProblemSizeMismatch   = "size_mismatch"        // sizes disagree (hashes, notes, unsigned entries)
)

// Verify recomputes the whole log from src and compares it with what is
// stored: every leaf hash against its entry, indexes for density, every stored
// hash against the tree rebuilt in memory, and every checkpoint against the
// rebuilt tree and its note signed by the key v. Damage is reported in the
// Report; the error is for failures to read src. Verify cannot see an honest-
// looking truncation of the newest entries (with their hashes and heads); only
// a tree head kept elsewhere can show that.
func Verify(ctx context.Context, src Source, v note.Verifier) (Report, error) {
	if v == nil {
		return Report{FirstBad: -1}, errors.New("audit: Verify needs the verifier key")
	}
	stored, err := src.StoredHashes(ctx)
	if err != nil {
		return Report{FirstBad: -1}, fmt.Errorf("audit: verify: stored hashes: %w", err)
	}
	c := &check{ctx: ctx, v: v, stored: stored, leaves: leavesCovered(int64(len(stored))), firstBad: -1}
	if err := src.Entries(ctx, c.entry); err != nil {
		return Report{FirstBad: -1}, fmt.Errorf("audit: verify: entries: %w", err)
	}
	c.checkSizes()
	c.checkInterior()
	if err := src.Checkpoints(ctx, c.checkpoint); err != nil {
		return Report{FirstBad: -1}, fmt.Errorf("audit: verify: checkpoints: %w", err)
	}
	c.checkCoverage()
	return c.report()
}

// check is the state of one verification. built is the tree rebuilt from the
// entries, in the same storage layout as stored.
type check struct {
	ctx      context.Context
	v        note.Verifier
	stored   []tlog.Hash
	leaves   int64 // entries the stored hashes cover
	built    []tlog.Hash
	n        int64 // leaves in built: the next expected entry index
	read     int64 // entries read
	cps      int   // checkpoints read
	maxSize  int64 // largest checkpoint size
	lastGood int64 // size of the last checkpoint whose signed root the entries reproduce
	missing  bool  // a missing_entry problem was reported
	firstBad int64
	problems []Problem
	omitted  int
}

func (c *check) add(index int64, kind, format string, a ...any) {
	if index >= 0 && (c.firstBad < 0 || index < c.firstBad) {
		c.firstBad = index
	}
	if len(c.problems) >= MaxProblems {
		c.omitted++
		return
	}
	c.problems = append(c.problems, Problem{Index: index, Kind: kind, Detail: fmt.Sprintf(format, a...)})
}

// explained reports whether damage already found lies inside the first size
// entries, so that a tree of that size is expected not to match.
func (c *check) explained(size int64) bool { return c.firstBad >= 0 && c.firstBad < size }

func (c *check) builtReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(c.built)) {
				return nil, fmt.Errorf("audit: rebuilt tree has no hash %d", x)
			}
			out[i] = c.built[x]
		}
		return out, nil
	})
}

// storedAt returns stored hash j and whether it exists.
func (c *check) storedAt(j int64) (tlog.Hash, bool) {
	if j < 0 || j >= int64(len(c.stored)) {
		return tlog.Hash{}, false
	}
	return c.stored[j], true
}

// push adds the next leaf to the rebuilt tree.
func (c *check) push(leaf tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(c.n, leaf, c.builtReader())
	if err != nil {
		return err
	}
	c.built = append(c.built, hs...)
	c.n++
	return nil
}

// leavesCovered is the largest number of entries whose stored hashes fit in
// count hashes.
func leavesCovered(count int64) int64 {
	lo, hi := int64(0), count // StoredHashCount(m) >= m, so the answer is <= count
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if tlog.StoredHashCount(mid) <= count {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

func (c *check) report() (Report, error) {
	r := Report{Entries: c.read, Checkpoints: c.cps, FirstBad: c.firstBad,
		Problems: c.problems, Omitted: c.omitted}
	if r.Problems == nil {
		r.Problems = []Problem{} // "problems": [] in JSON
	}
	r.OK = len(c.problems) == 0 && c.omitted == 0
	if c.n > 0 {
		root, err := tlog.TreeHash(c.n, c.builtReader())
		if err != nil {
			return r, fmt.Errorf("audit: verify: root: %w", err)
		}
		r.Root = root.String()
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int {
		return cmp.Compare(uint64(a.Index), uint64(b.Index)) // -1 sorts last
	})
	return r, nil
}

// entry checks one entry read from the source and adds its leaf to the
// rebuilt tree.
func (c *check) entry(e Entry) error {
	if c.read%1024 == 0 {
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
	c.read++
	switch {
	case e.Index == c.n-1:
		c.add(e.Index, ProblemIndexGap, "entry %d appears twice (row duplicated?)", e.Index)
		return nil
	case e.Index < c.n:
		c.add(e.Index, ProblemIndexGap, "entry %d appears after entry %d: entries are out of order or duplicated", e.Index, c.n-1)
		return nil
	case e.Index > c.n && e.Index > c.leaves:
		c.add(e.Index, ProblemIndexGap, "entry %d lies beyond the end of the tree (%d entries): its index was changed, or it was added outside Khiên", e.Index, c.leaves)
		return nil
	case e.Index > c.n:
		if err := c.gap(e.Index); err != nil {
			return err
		}
	}
	leaf := tlog.RecordHash(e.Record())
	if s, ok := c.storedAt(tlog.StoredHashIndex(0, e.Index)); ok && s != leaf {
		c.add(e.Index, ProblemEntryHash, "%s", c.leafDetail(e.Index, leaf))
	}
	return c.push(leaf)
}

// gap reports entries c.n..to-1 as missing and fills their places in the
// rebuilt tree with their stored leaf hashes, so that the entries after the
// gap are still checked one by one.
func (c *check) gap(to int64) error {
	from := c.n
	switch {
	case from == 0:
		c.add(from, ProblemIndexGap, "%s missing: the log starts at entry %d (deleted?)", span(from, to-1), to)
	default:
		c.add(from, ProblemIndexGap, "%s missing: entries jump from %d to %d (deleted?)", span(from, to-1), from-1, to)
	}
	for i := from; i < to; i++ {
		leaf, _ := c.storedAt(tlog.StoredHashIndex(0, i))
		if err := c.push(leaf); err != nil {
			return err
		}
	}
	return nil
}

// leafDetail explains a leaf mismatch, using the stored parent to tell an
// edited entry from an edited leaf hash where the leaf has a sibling.
func (c *check) leafDetail(i int64, leaf tlog.Hash) string {
	parent, ok := c.storedAt(tlog.StoredHashIndex(1, i>>1))
	if !ok {
		return fmt.Sprintf("entry %d: recorded hash does not match its contents (row or its hash edited?)", i)
	}
	l, _ := c.storedAt(tlog.StoredHashIndex(0, i&^1))
	r, _ := c.storedAt(tlog.StoredHashIndex(0, i|1))
	if tlog.NodeHash(l, r) == parent {
		return fmt.Sprintf("entry %d: recorded hash does not match its contents (row edited?)", i)
	}
	if i&1 == 0 {
		l = leaf
	} else {
		r = leaf
	}
	if tlog.NodeHash(l, r) == parent {
		return fmt.Sprintf("entry %d: its stored leaf hash (audit_hashes row %d) was changed or deleted; the entry itself still fits the tree", i, tlog.StoredHashIndex(0, i))
	}
	return fmt.Sprintf("entry %d: neither its contents nor its stored leaf hash fit the tree above it (row and hash edited?)", i)
}

// checkSizes compares the number of stored hashes with the entries read.
func (c *check) checkSizes() {
	have, want := int64(len(c.stored)), tlog.StoredHashCount(c.n)
	switch {
	case have == want:
	case c.leaves > c.n:
		c.missing = true
		c.add(c.n, ProblemMissingEntry, "the stored hashes cover %d entries but only %d exist: %s missing (deleted?)",
			c.leaves, c.n, span(c.n, c.leaves-1))
	case have > want:
		c.add(c.n, ProblemSizeMismatch, "audit_hashes holds %d hashes, %d more than a tree of %d entries has (rows added?)", have, have-want, c.n)
	default:
		c.add(c.leaves, ProblemSizeMismatch, "audit_hashes holds hashes for only %d of %d entries: the hashes of %s missing (deleted?)",
			c.leaves, c.n, span(c.leaves, c.n-1))
	}
}

// checkInterior compares every stored interior hash with the rebuilt one.
// A mismatch is reported only where both children match, that is where the
// damage starts; the nodes above a damaged leaf or node are not repeated.
func (c *check) checkInterior() {
	limit := min(int64(len(c.built)), int64(len(c.stored)))
	for j := range limit {
		level, n := tlog.SplitStoredHashIndex(j)
		if level == 0 || c.built[j] == c.stored[j] {
			continue
		}
		l, r := tlog.StoredHashIndex(level-1, 2*n), tlog.StoredHashIndex(level-1, 2*n+1)
		if c.built[l] != c.stored[l] || c.built[r] != c.stored[r] {
			continue
		}
		first := n << level
		c.add(first, ProblemInteriorHash, "stored hash %d (level %d, over entries %d..%d) does not match the tree rebuilt from those entries (audit_hashes row edited?)",
			j, level, first, first+1<<level-1)
	}
}

// checkpoint checks one stored tree head against its signature and the
// rebuilt tree.
func (c *check) checkpoint(cp Checkpoint) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.cps++
	c.maxSize = max(c.maxSize, cp.Size)
	if cp.Size < 1 {
		c.add(-1, ProblemSizeMismatch, "a checkpoint has size %d; sizes start at 1 (row edited?)", cp.Size)
		return nil
	}
	signed, sigOK := c.openSigned(cp)
	if cp.Size > c.n {
		if !c.missing {
			c.missing = true
			c.add(c.n, ProblemMissingEntry, "the tree head of size %d covers %s missing (deleted?)", cp.Size, span(c.n, cp.Size-1))
		}
		return nil
	}
	root, err := tlog.TreeHash(cp.Size, c.builtReader())
	if err != nil {
		return err
	}
	c.compareRoot(cp, root, signed, sigOK)
	return nil
}

// openSigned verifies cp's note and returns the tree it signs.
func (c *check) openSigned(cp Checkpoint) (tlog.Tree, bool) {
	n, err := note.Open([]byte(cp.Signed), note.VerifierList(c.v))
	if err != nil {
		c.add(-1, ProblemCheckpointSig, "%s", c.sigDetail(cp.Size, err))
		return tlog.Tree{}, false
	}
	t, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		c.add(-1, ProblemCheckpointSig, "checkpoint of size %d: the signed note is not a tree head (%v)", cp.Size, err)
		return tlog.Tree{}, false
	}
	if t.N != cp.Size {
		c.add(-1, ProblemSizeMismatch, "checkpoint of size %d: its signed note is for a tree of %d entries (row edited?)", cp.Size, t.N)
		return tlog.Tree{}, false
	}
	return t, true
}

func (c *check) sigDetail(size int64, err error) string {
	key := fmt.Sprintf("%s+%08x", c.v.Name(), c.v.KeyHash())
	if _, ok := errors.AsType[*note.UnverifiedNoteError](err); ok {
		return fmt.Sprintf("checkpoint of size %d carries no signature by key %s (signed with another key, or the verifier key is wrong)", size, key)
	}
	if _, ok := errors.AsType[*note.InvalidSignatureError](err); ok {
		return fmt.Sprintf("checkpoint of size %d: the signature by key %s does not verify (note edited?)", size, key)
	}
	return fmt.Sprintf("checkpoint of size %d: the signed note is malformed (%v)", size, err)
}

// compareRoot compares the rebuilt root of cp's size with the signed root and
// with the root_hash column. When the entries and stored hashes agree with
// each other but not with a signed root, the log was rewritten after signing:
// the damage lies between the last head the entries still reproduce and cp.
func (c *check) compareRoot(cp Checkpoint, root tlog.Hash, signed tlog.Tree, sigOK bool) {
	switch {
	case sigOK && signed.Hash == root:
		c.lastGood = cp.Size
		if cp.RootHash != root.String() {
			c.add(-1, ProblemCheckpointRoot, "checkpoint of size %d: its root_hash column %s differs from its signed root %s, which the entries reproduce (row edited?)",
				cp.Size, cp.RootHash, root)
		}
	case c.explained(cp.Size):
		// The damage already reported changes this tree too.
	case sigOK:
		c.add(c.lastGood, ProblemCheckpointRoot, "checkpoint of size %d: the entries no longer produce its signed root, though the stored hashes agree with them: %s was rewritten after signing, hashes and all",
			cp.Size, oneOf(c.lastGood, cp.Size-1))
	case cp.RootHash != root.String():
		c.add(-1, ProblemCheckpointRoot, "checkpoint of size %d: its root_hash column %s does not match the tree rebuilt from the entries (%s), and its signature cannot vouch for either",
			cp.Size, cp.RootHash, root)
	}
}

// checkCoverage reports entries that no checkpoint covers: every append
// stores a head in the same transaction, so such entries were not appended by
// Khiên (or their heads were deleted).
func (c *check) checkCoverage() {
	if c.n <= c.maxSize {
		return
	}
	if c.cps == 0 {
		c.add(0, ProblemSizeMismatch, "%s not covered by any tree head, as there is none (added outside Khiên, or checkpoint rows deleted?)", span(0, c.n-1))
		return
	}
	c.add(c.maxSize, ProblemSizeMismatch, "%s not covered by any tree head (added outside Khiên, or checkpoint rows deleted?)", span(c.maxSize, c.n-1))
}

// span names the entries from..last with their verb: "entry 7 is",
// "entries 7..9 are".
func span(from, last int64) string {
	if from == last {
		return fmt.Sprintf("entry %d is", from)
	}
	return fmt.Sprintf("entries %d..%d are", from, last)
}

// oneOf names one entry of from..last: "entry 7", "one of entries 7..9".
func oneOf(from, last int64) string {
	if from == last {
		return fmt.Sprintf("entry %d", from)
	}
	return fmt.Sprintf("one of entries %d..%d", from, last)
}
