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
