package store

import (
	"context"
	"database/sql"

	"github.com/khien-cert/khien/internal/audit"
)

// AppendAuditForTest appends entries to the audit log in a transaction of
// their own, as a change of state would, for tests outside the package.
func (db *DB) AppendAuditForTest(ctx context.Context, entries ...audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, entries...) })
}

// AuditEntriesForTest returns every audit entry in index order (action,
// target, organisation, digests and detail), for tests of what a change
// appended.
func (db *DB) AuditEntriesForTest(ctx context.Context) ([]audit.Entry, error) {
	return queryAll(ctx, db.r, `SELECT idx, action, actor_id, target_type, target_id, org_id, before_digest,
		after_digest, detail FROM audit_entries ORDER BY idx`, nil, func(s scanner) (audit.Entry, error) {
		var e audit.Entry
		err := s.Scan(&e.Index, &e.Action, &e.ActorID, &e.TargetType, &e.TargetID, &e.OrgID, &e.Before, &e.After, &e.Detail)
		return e, err
	})
}
