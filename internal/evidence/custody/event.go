// Package custody is the chain of custody of one evidence item as data:
// events, their canonical encoding, hashes, signatures and the check of a
// whole log. It does no I/O, so the server that writes events and the
// offline verifier of an export bundle run the very same code.
//
// Invariants of a valid log of item I with content hash C:
//
//   - events are numbered 1, 2, 3 … without gap, and the first is
//     "collected";
//   - every event names I and C (an event cannot be moved to other content);
//   - Hash is the hex SHA-256 of the event's Record — its canonical JSON with
//     hash and sig empty — and PrevHash is the Hash of the event before it
//     ("" for the first), so changing, dropping or reordering an event
//     breaks the chain at a named place;
//   - Sig is one Ed25519 signature (golang.org/x/mod/sumdb/note) by the
//     platform's custody key over SignedText, which names I, the event's
//     number and its Hash;
//   - a log line is the canonical JSON of the whole event and nothing else:
//     a line that parses to the same event from different bytes is refused,
//     so no byte of a log can change unnoticed.
package custody

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Kind names what happened to an item.
type Kind string

// The kinds of custody event.
const (
	Collected          Kind = "collected"   // seized or acquired at the source
	Received           Kind = "received"    // entered into the vault
	Transferred        Kind = "transferred" // handed from one custodian to another, both confirming
	Accessed           Kind = "accessed"    // its record was opened
	Downloaded         Kind = "downloaded"  // its content was read
	Analysed           Kind = "analysed"
	Sealed             Kind = "sealed"
	Unsealed           Kind = "unsealed"
	Copied             Kind = "copied" // a working copy was made
	Exported           Kind = "exported"
	Returned           Kind = "returned" // given back to its owner or the authority
	Destroyed          Kind = "destroyed"
	HoldPlaced         Kind = "hold_placed"
	HoldReleased       Kind = "hold_released"
	RetentionSet       Kind = "retention_set"
	VerificationFailed Kind = "verification_failed" // re-hashing found other content
	Shared             Kind = "shared"              // made visible to the responders mobilised to the case's incident
	Unshared           Kind = "unshared"            // no longer visible to them
)

// Kinds lists every kind.
var Kinds = []Kind{Collected, Received, Transferred, Accessed, Downloaded, Analysed, Sealed, Unsealed,
	Copied, Exported, Returned, Destroyed, HoldPlaced, HoldReleased, RetentionSet, VerificationFailed,
	Shared, Unshared}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Event is one entry of an item's custody log. Field order is part of the
// format: it fixes the canonical JSON.
type Event struct {
	ItemID   string    `json:"item_id"`
	Seq      int64     `json:"seq"` // 1, 2, 3 …
	Kind     Kind      `json:"kind"`
	At       time.Time `json:"at"`       // when it happened (UTC)
	Recorded time.Time `json:"recorded"` // when Khiên recorded it (UTC)
	ActorID  string    `json:"actor_id"` // user ID; "" for the platform itself
	Actor    string    `json:"actor"`    // e-mail or "system", as it was then
	Location string    `json:"location"` // where, free text
	Reason   string    `json:"reason"`   // why, free text
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Seal     string    `json:"seal,omitempty"`   // seal number, for sealed and unsealed
	Detail   string    `json:"detail,omitempty"` // what else the kind needs (tool, bundle ID …)
	SHA256   string    `json:"sha256"`           // the item's content
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
	Sig      string    `json:"sig"`
}

// Record is the canonical encoding the event's hash covers: its JSON with
// Hash and Sig empty and times in UTC.
func (e Event) Record() []byte {
	e.Hash, e.Sig = "", ""
	return e.Line()
}

// ComputeHash returns the hex SHA-256 of e's Record.
func (e Event) ComputeHash() string {
	sum := sha256.Sum256(e.Record())
	return hex.EncodeToString(sum[:])
}

// Line is e's canonical JSON, as one line of a log (without the newline).
func (e Event) Line() []byte {
	e.At, e.Recorded = e.At.UTC(), e.Recorded.UTC()
	b, err := json.Marshal(e)
	if err != nil { // only for a time outside years 0–9999, which the service never records
		panic(fmt.Sprintf("custody: encode event: %v", err))
	}
	return b
}

// ParseLine reads one log line and insists it is canonical: the exact bytes
// Line produces for the event it holds.
func ParseLine(b []byte) (Event, error) {
	var e Event
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		return Event{}, fmt.Errorf("not a custody event: %v", err)
	}
	if d.More() {
		return Event{}, fmt.Errorf("text after the event")
	}
	if e.At.Year() < 1 || e.At.Year() > 9999 || e.Recorded.Year() < 1 || e.Recorded.Year() > 9999 {
		return Event{}, fmt.Errorf("a time is out of range")
	}
	if !bytes.Equal(e.Line(), b) {
		return Event{}, fmt.Errorf("not in canonical form (the line was edited)")
	}
	return e, nil
}

// Log is the encoding of a whole log: one canonical line per event, each
// ending in a newline.
func Log(events []Event) []byte {
	var b bytes.Buffer
	for _, e := range events {
		b.Write(e.Line())
		b.WriteByte('\n')
	}
	return b.Bytes()
}
