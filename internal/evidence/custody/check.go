package custody

import (
	"fmt"

	"golang.org/x/mod/sumdb/note"
)

// Problem is one way a log fails its invariants. Seq is the 1-based
// position in the log of the event concerned (0 for the log as a whole).
type Problem struct {
	Seq   int64
	Cause string
}

func (p Problem) String() string {
	if p.Seq == 0 {
		return p.Cause
	}
	return fmt.Sprintf("event %d: %s", p.Seq, p.Cause)
}

// Check verifies the complete log of item itemID whose content has SHA-256
// sha256, with the custody key v (nil skips the signatures, for a caller
// that has no key and says so). It reports every problem it finds, in log
// order; none means the log is intact.
func Check(events []Event, itemID, sha256 string, v note.Verifier) []Problem {
	if len(events) == 0 {
		return []Problem{{0, "the custody log is empty"}}
	}
	var out []Problem
	add := func(i int, format string, args ...any) {
		out = append(out, Problem{int64(i + 1), fmt.Sprintf(format, args...)})
	}
	for i, e := range events {
		if want := int64(i + 1); e.Seq != want {
			add(i, "numbered %d where %d belongs (an event was removed, added or moved)", e.Seq, want)
		}
		if e.ItemID != itemID {
			add(i, "belongs to item %q, not %q", e.ItemID, itemID)
		}
		if e.SHA256 != sha256 {
			add(i, "names content %s, but the item's SHA-256 is %s", e.SHA256, sha256)
		}
		if !e.Kind.Valid() {
			add(i, "unknown kind %q", e.Kind)
		} else if (i == 0) != (e.Kind == Collected) {
			add(i, "kind %q out of place: a log starts with %q, and only there", e.Kind, Collected)
		}
		if i > 0 && events[i-1].Kind == Destroyed {
			add(i, "follows the item's destruction")
		}
		if h := e.ComputeHash(); e.Hash != h {
			add(i, "hash %s does not match the event's content (which hashes to %s): the entry was changed", e.Hash, h)
		}
		prev := ""
		if i > 0 {
			prev = events[i-1].Hash
		}
		if e.PrevHash != prev {
			add(i, "prev_hash %s is not the hash of the event before it (%s): an event was changed, removed or reordered", e.PrevHash, orNone(prev))
		}
		if v == nil {
			continue
		}
		if err := VerifySig(e, v); err != nil {
			add(i, "signature: %v", err)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none, as this should be the first event"
	}
	return s
}
