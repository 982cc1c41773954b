package store

import (
	"context"
	"database/sql"
)

// OutboxCountForTest counts rows of one kind of notice in the outbox.
func (db *DB) OutboxCountForTest(ctx context.Context, kind string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_outbox WHERE kind = $1`, kind).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return n, err
}
