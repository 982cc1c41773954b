package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// auditColumns lists audit_entries in the order scanAuditEntry reads them.
const auditColumns = `idx, at, actor_id, actor_label, token_id, action, target_type, target_id,
	org_id, remote, request_id, before_digest, after_digest, detail`

func scanAuditEntry(s scanner) (audit.Entry, error) {
	var e audit.Entry
	err := s.Scan(&e.Index, &e.Time, &e.ActorID, &e.ActorLabel, &e.TokenID, &e.Action, &e.TargetType,
		&e.TargetID, &e.OrgID, &e.Remote, &e.RequestID, &e.Before, &e.After, &e.Detail)
	e.Time = e.Time.UTC()
	return e, err
}

// auditHeadSize is the committed size of the log. audit_head, the entries,
// their hashes and the checkpoint of a batch change in one transaction, so
// reading below this size never sees half an append.
const auditHeadSize = `(SELECT size FROM audit_head WHERE id = 1)`

// ListAudit returns one page of the entries in scope that match f, newest
// first. Entries whose organisation is "" (platform-wide actions) are seen
// only by a scope of All. The order is fixed; pr.Sort must be one of
// audit.Sorts. Rows above the committed head are never listed.
func (db *DB) ListAudit(ctx context.Context, scope auth.Scope, f audit.Filter, pr page.Request) (res page.Result[audit.Entry], err error) {
	defer errs.Wrap(&err, "store.ListAudit")
	if pr, err = pr.Normalize(audit.Sorts); err != nil {
		return res, err
	}
	if err := f.Validate(); err != nil {
		return res, err
	}
	var a args
	where := []string{a.scope("org_id", scope), "idx < " + auditHeadSize}
	where = append(where, auditFilter(&a, f)...)
	if pr.Cursor != "" {
		after, err := auditCursor(pr.Cursor)
		if err != nil {
			return res, err
		}
		where = append(where, "idx < "+a.add(after))
	}
	q := `SELECT ` + auditColumns + ` FROM audit_entries WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY idx DESC LIMIT ` + a.add(pr.Limit+1)
	items, err := queryAll(ctx, db.r, q, a, scanAuditEntry)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(e audit.Entry) (string, string) {
		k := intKey(e.Index)
		return k, k
	}), nil
}

// auditFilter returns the conditions for the fields of f that are set.
// Times are passed in UTC: SQLite compares them as the driver's text
// ("2006-01-02 15:04:05.999999999+00:00"), which sorts correctly only when
// every value has the same offset; PostgreSQL compares TIMESTAMPTZ values.
func auditFilter(a *args, f audit.Filter) []string {
	var w []string
	for _, c := range []struct{ col, v string }{
		{"actor_id", f.ActorID}, {"action", f.Action}, {"target_type", f.TargetType},
		{"target_id", f.TargetID}, {"org_id", f.OrgID},
	} {
		if c.v != "" {
			w = append(w, c.col+" = "+a.add(c.v))
		}
	}
	if !f.From.IsZero() {
		w = append(w, "at >= "+a.add(f.From.UTC()))
	}
	if !f.To.IsZero() {
		w = append(w, "at < "+a.add(f.To.UTC()))
	}
	return w
}

// auditCursor reads the index a page of the trail starts below.
func auditCursor(s string) (int64, error) {
	c, err := page.DecodeCursor(s)
	if err != nil {
		return 0, err
	}
	idx, err := strconv.ParseInt(c.Key, 10, 64)
	if err != nil || idx < 0 {
		return 0, errs.Invalid("page.bad_cursor", "the cursor is not valid",
			errs.Field("cursor", "page.bad_cursor", "the cursor does not fit this list"))
	}
	return idx, nil
}

// AuditHead returns the size of the audit log and the root hash of its
// newest tree head; root is "" for an empty log.
func (db *DB) AuditHead(ctx context.Context) (size int64, root string, err error) {
	defer errs.Wrap(&err, "store.AuditHead")
	var r sql.NullString
	err = db.r.QueryRowContext(ctx, `SELECT h.size, c.root_hash FROM audit_head h
		LEFT JOIN audit_checkpoints c ON c.size = h.size WHERE h.id = 1`).Scan(&size, &r)
	if err != nil {
		return 0, "", err
	}
	if size > 0 && !r.Valid {
		return 0, "", fmt.Errorf("audit head at size %d has no checkpoint", size)
	}
	return size, r.String, nil
}

// AuditSource returns the audit log as audit.Verify reads it, over the
// reader pool. The source fixes the log's size when it is first used and
// shows the log as of that size, so a verification running beside appends
// sees one consistent state; take a fresh source for each verification. It
// is not safe for concurrent use. Entries are streamed; the stored hashes
// (64 bytes per entry) are loaded at once.
func (db *DB) AuditSource() audit.Source { return &auditSource{db: db} }

type auditSource struct {
	db     *DB
	size   int64
	pinned bool
}

func (s *auditSource) pin(ctx context.Context) (int64, error) {
	if !s.pinned {
		if err := s.db.r.QueryRowContext(ctx, `SELECT size FROM audit_head WHERE id = 1`).Scan(&s.size); err != nil {
			return 0, fmt.Errorf("audit head: %w", err)
		}
		s.pinned = true
	}
	return s.size, nil
}

// Entries streams the entries below the pinned size in index order.
func (s *auditSource) Entries(ctx context.Context, fn func(audit.Entry) error) (err error) {
	defer errs.Wrap(&err, "store.AuditSource.Entries")
	size, err := s.pin(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_entries WHERE idx < $1 ORDER BY idx`, size)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// StoredHashes loads the stored hashes of the tree of the pinned size. A
// missing row in the middle, or one of the wrong length, reads as the zero
// hash, which matches nothing, so that Verify names its place.
func (s *auditSource) StoredHashes(ctx context.Context) (_ []tlog.Hash, err error) {
	defer errs.Wrap(&err, "store.AuditSource.StoredHashes")
	size, err := s.pin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx >= 0 AND idx < $1 ORDER BY idx`,
		tlog.StoredHashCount(size))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tlog.Hash
	for rows.Next() {
		var idx int64
		var b []byte
		if err := rows.Scan(&idx, &b); err != nil {
			return nil, err
		}
		for int64(len(out)) < idx {
			out = append(out, tlog.Hash{})
		}
		var h tlog.Hash
		if len(b) == tlog.HashSize {
			copy(h[:], b)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Checkpoints streams the tree heads up to the pinned size, by size.
func (s *auditSource) Checkpoints(ctx context.Context, fn func(audit.Checkpoint) error) (err error) {
	defer errs.Wrap(&err, "store.AuditSource.Checkpoints")
	size, err := s.pin(ctx)
	if err != nil {
		return err
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT size, root_hash, signed, created_at FROM audit_checkpoints
		WHERE size <= $1 ORDER BY size`, size)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c audit.Checkpoint
		if err := rows.Scan(&c.Size, &c.RootHash, &c.Signed, &c.Time); err != nil {
			return err
		}
		c.Time = c.Time.UTC()
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}
