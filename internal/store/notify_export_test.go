package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/notify"
)

// EnqueueForTest enqueues notices in a transaction of their own, as a change
// of state would; with fail set, the transaction is rolled back.
func (db *DB) EnqueueForTest(ctx context.Context, now time.Time, fail bool, ns ...notify.Notice) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.enqueueNotices(ctx, tx, now, ns...); err != nil {
			return err
		}
		if fail {
			return errors.New("rolled back")
		}
		return nil
	})
}
