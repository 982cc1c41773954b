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

// AdvisoryTLPForTest re-marks an advisory's TLP in place, as an import or a
// race with a sweep can leave items open on an advisory above AMBER.
func (db *DB) AdvisoryTLPForTest(ctx context.Context, id, level string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE advisories SET tlp = $1 WHERE id = $2`, level, id)
	return err
}

// OutboxTextForTest returns the subject, body, payload and link of every queued
// notice of one kind.
func (db *DB) OutboxTextForTest(ctx context.Context, kind string) ([]string, error) {
	return queryAll(ctx, db.r, `SELECT subject, body, payload, link FROM notify_outbox WHERE kind = $1`, args{kind},
		func(s scanner) (string, error) {
			var sub, body, payload, link string
			err := s.Scan(&sub, &body, &payload, &link)
			return sub + "\n" + body + "\n" + payload + "\n" + link, err
		})
}
