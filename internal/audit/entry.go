// Package audit is Khiên's append-only, tamper-evident audit trail.
//
// Every change of state, and every read of a record marked sensitive, appends
// one Entry in the same database transaction as the change itself, so a change
// without its entry (or the reverse) cannot be committed. Entries are the
// leaves of a Merkle tree hashed as in RFC 6962 (golang.org/x/mod/sumdb/tlog);
// after each append the store keeps the tree's stored hashes and a tree head
// signed with the platform's Ed25519 key. Verify recomputes every leaf and the
// tree from the rows and names the first entry that no longer matches.
//
// Invariants: entry indexes are dense from 0; an entry is never updated or
// deleted; the leaf hash of entry i is tlog.RecordHash(entry.Record()).
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/khien-cert/khien/internal/auth"
)

// Entry is one audited event.
type Entry struct {
	Index      int64     `json:"index"`
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id"`    // user ID; "" for the system
	ActorLabel string    `json:"actor_label"` // e-mail or "system", as it was then
	TokenID    string    `json:"token_id,omitempty"`
	Action     string    `json:"action"`      // e.g. "org.create", "resource.approve"
	TargetType string    `json:"target_type"` // e.g. "organisation"
	TargetID   string    `json:"target_id"`
	OrgID      string    `json:"org_id,omitempty"` // tenant the target belongs to
	Remote     string    `json:"remote,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	Before     string    `json:"before,omitempty"` // Digest of the record before
	After      string    `json:"after,omitempty"`  // Digest of the record after
	Detail     string    `json:"detail,omitempty"` // short JSON with what changed, no secrets
}

// New starts an entry for an action by p on a target. The store fills Index,
// Time, Before and After when it appends it.
func New(p auth.Principal, action, targetType, targetID, orgID string) Entry {
	return Entry{
		ActorID: p.UserID, ActorLabel: p.Email, TokenID: p.TokenID,
		Action: action, TargetType: targetType, TargetID: targetID, OrgID: orgID,
		Remote: p.Remote, RequestID: p.RequestID,
	}
}

// WithDetail returns e with a JSON detail of v (which must hold no secrets).
func (e Entry) WithDetail(v any) Entry {
	b, err := json.Marshal(v)
	if err == nil {
		e.Detail = string(b)
	}
	return e
}

// MergeDetail returns e with kv added to its JSON detail object (keys in kv
// win). A detail that is not a JSON object is kept under "detail".
func (e Entry) MergeDetail(kv map[string]any) Entry {
	m := map[string]any{}
	if e.Detail != "" && json.Unmarshal([]byte(e.Detail), &m) != nil {
		m = map[string]any{"detail": e.Detail}
	}
	for k, v := range kv {
		m[k] = v
	}
	return e.WithDetail(m)
}

// Record is the canonical byte encoding of e that its leaf hash covers.
// The encoding is JSON with a fixed field order and UTC times at nanosecond
// precision, so it is reproducible from the stored row.
func (e Entry) Record() []byte {
	c := e
	c.Time = c.Time.UTC()
	b, err := json.Marshal(c)
	if err != nil { // cannot happen for this struct of strings and a time
		panic(err)
	}
	return b
}

// Digest is the hex SHA-256 of v's JSON encoding: the before/after fingerprint
// of a record. nil gives "".
func Digest(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
