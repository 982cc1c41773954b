package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
)

var deliverySort = map[string]sortCol{
	"created_at":      {"created_at", colTime},
	"next_attempt_at": {"next_attempt_at", colTime},
}

func getDelivery(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (notify.Delivery, error) {
	var a args
	cond := a.scope("org_id", scope)
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM notify_outbox WHERE id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errs.NotFound("notification.not_found")
	}
	return d, err
}

// GetDelivery returns one delivery of the outbox within scope.
func (db *DB) GetDelivery(ctx context.Context, scope auth.Scope, id string) (d notify.Delivery, err error) {
	defer errs.Wrap(&err, "store.GetDelivery(%q)", id)
	return getDelivery(ctx, db.r, scope, id)
}

// ListDeliveries lists the outbox within scope (deliveries of no
// organisation only for a scope of every organisation).
func (db *DB) ListDeliveries(ctx context.Context, scope auth.Scope, f notify.Filter, pr page.Request) (res page.Result[notify.Delivery], err error) {
	defer errs.Wrap(&err, "store.ListDeliveries")
	var a args
	where := a.scope("org_id", scope)
	for col, v := range map[string]string{"state": f.State, "kind": f.Kind, "ref": f.Ref, "channel": f.Channel, "org_id": f.OrgID} {
		if v != "" {
			where += " AND " + col + " = " + a.add(v)
		}
	}
	cond, order, err := a.keyset(deliverySort, "id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+deliveryCols+` FROM notify_outbox WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanDelivery)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(d notify.Delivery) (string, string) {
		if pr.Sort == "next_attempt_at" {
			return timeKey(d.NextAttempt), d.ID
		}
		return timeKey(d.CreatedAt), d.ID
	}), nil
}

// PendingCounts counts the pending deliveries within scope, by channel.
func (db *DB) PendingCounts(ctx context.Context, scope auth.Scope) (out map[string]int, err error) {
	defer errs.Wrap(&err, "store.PendingCounts")
	var a args
	rows, err := queryAll(ctx, db.r, `SELECT channel, COUNT(*) FROM notify_outbox WHERE state = 'pending' AND `+
		a.scope("org_id", scope)+` GROUP BY channel`, a, func(s scanner) (struct {
		c string
		n int
	}, error) {
		var r struct {
			c string
			n int
		}
		return r, s.Scan(&r.c, &r.n)
	})
	out = map[string]int{}
	for _, r := range rows {
		out[r.c] = r.n
	}
	return out, err
}

// RetryDelivery puts a failed delivery within scope back in the queue, due
// at now with a fresh count of attempts, and audits it.
func (db *DB) RetryDelivery(ctx context.Context, scope auth.Scope, id string, now time.Time, e audit.Entry) (out notify.Delivery, err error) {
	defer errs.Wrap(&err, "store.RetryDelivery(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getDelivery(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if before.State != notify.StateFailed {
			return errs.Conflict("notification.not_failed", "only a failed delivery can be retried")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_outbox SET state = 'pending', attempts = 0, next_attempt_at = $1,
			not_after = NULL, claim = '' WHERE id = $2`, now.UTC().Truncate(microsecond), id); err != nil {
			return err
		}
		if out, err = getDelivery(ctx, tx, scope, id); err != nil {
			return err
		}
		e.OrgID, e.Before, e.After = before.OrgID, audit.Digest(before), audit.Digest(out)
		e = e.MergeDetail(map[string]any{"kind": out.Kind, "ref": out.Ref, "channel": out.Channel})
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		db.noteEnqueued(tx)
		return nil
	})
	return out, err
}

// NotifyPreferences returns the kinds of notice a user set explicitly.
func (db *DB) NotifyPreferences(ctx context.Context, userID string) (out map[string]bool, err error) {
	defer errs.Wrap(&err, "store.NotifyPreferences(%q)", userID)
	rows, err := queryAll(ctx, db.r, `SELECT kind, email FROM notify_preferences WHERE user_id = $1`, args{userID},
		func(s scanner) (notify.Preference, error) {
			var p notify.Preference
			return p, s.Scan(&p.Kind.Name, &p.Email)
		})
	out = map[string]bool{}
	for _, p := range rows {
		out[p.Kind.Name] = p.Email
	}
	return out, err
}

// SetNotifyPreferences records a user's choices per kind and audits them.
func (db *DB) SetNotifyPreferences(ctx context.Context, userID string, prefs map[string]bool, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.SetNotifyPreferences(%q)", userID)
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFound("user.not_found")
		}
		now := db.Now()
		for k, on := range prefs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notify_preferences (user_id, kind, email, updated_at) VALUES ($1,$2,$3,$4)
				ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at`,
				userID, k, on, now); err != nil {
				return err
			}
		}
		e.After = audit.Digest(prefs)
		return db.appendAudit(ctx, tx, e)
	})
}
