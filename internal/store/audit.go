package store

import (
	"context"
	"database/sql"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/khien-cert/khien/internal/audit"
)

// The statements appending to the audit log (prepared with the alert path's).
const (
	qAuditHead  = `UPDATE audit_head SET size = size + 1 WHERE id = 1 RETURNING size`
	qAuditEntry = `INSERT INTO audit_entries (idx, at, actor_id, actor_label, token_id, action,
			target_type, target_id, org_id, remote, request_id, before_digest, after_digest, detail)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`
	qAuditHash       = `INSERT INTO audit_hashes (idx, hash) VALUES ($1, $2)`
	qAuditCheckpoint = `INSERT INTO audit_checkpoints (size, root_hash, signed, created_at) VALUES ($1,$2,$3,$4)`
)

// appendAudit appends entries to the audit log inside tx, extends the Merkle
// tree's stored hashes and stores a signed tree head for the new size. The
// UPDATE of audit_head takes the row lock that serialises appenders on
// PostgreSQL; SQLite has one writer anyway.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, entries ...audit.Entry) error {
	hr := txHashReader{ctx: ctx, tx: tx}
	var size int64
	for _, e := range entries {
		if err := db.queryRowHot(ctx, tx, qAuditHead).Scan(&size); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Index = size - 1
		e.Time = db.Now()
		if _, err := db.execHot(ctx, tx, qAuditEntry,
			e.Index, e.Time, e.ActorID, e.ActorLabel, e.TokenID, e.Action, e.TargetType, e.TargetID,
			e.OrgID, e.Remote, e.RequestID, e.Before, e.After, e.Detail); err != nil {
			return fmt.Errorf("audit entry: %w", err)
		}
		hashes, err := tlog.StoredHashes(e.Index, e.Record(), hr)
		if err != nil {
			return fmt.Errorf("audit hashes: %w", err)
		}
		base := tlog.StoredHashIndex(0, e.Index)
		for i, h := range hashes {
			if _, err := db.execHot(ctx, tx, qAuditHash, base+int64(i), h[:]); err != nil {
				return fmt.Errorf("audit hash: %w", err)
			}
		}
	}
	if len(entries) == 0 {
		return nil
	}
	root, err := tlog.TreeHash(size, hr)
	if err != nil {
		return fmt.Errorf("audit tree: %w", err)
	}
	signed := string(tlog.FormatTree(tlog.Tree{N: size, Hash: root}))
	if db.signer != nil {
		b, err := note.Sign(&note.Note{Text: signed}, db.signer)
		if err != nil {
			return fmt.Errorf("audit sign: %w", err)
		}
		signed = string(b)
	}
	_, err = db.execHot(ctx, tx, qAuditCheckpoint,
		size, root.String(), signed, db.Now())
	return err
}

// txHashReader reads stored hashes inside a transaction.
type txHashReader struct {
	ctx context.Context
	tx  *sql.Tx
}

func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return readHashes(r.ctx, r.tx, indexes)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readHashes(ctx context.Context, q queryer, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		rows, err := q.QueryContext(ctx, `SELECT hash FROM audit_hashes WHERE idx = $1`, idx)
		if err != nil {
			return nil, err
		}
		found := false
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return nil, err
			}
			if len(b) != tlog.HashSize {
				rows.Close()
				return nil, fmt.Errorf("audit hash %d: %d bytes", idx, len(b))
			}
			copy(out[i][:], b)
			found = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("audit hash %d missing", idx)
		}
	}
	return out, nil
}
