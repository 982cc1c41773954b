package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
)

// deliveryCols are the outbox columns a Delivery is read from (unqualified:
// they are also the RETURNING list of the claim).
const deliveryCols = `id, kind, ref, org_id, channel, user_id, webhook_id, recipient, lang, subject, body, link, payload,
	state, attempts, next_attempt_at, not_after, last_error, created_at, sent_at, claim`

func scanDelivery(row scanner) (notify.Delivery, error) {
	var d notify.Delivery
	var org, user, hook sql.NullString
	var notAfter, sent sql.NullTime
	err := row.Scan(&d.ID, &d.Kind, &d.Ref, &org, &d.Channel, &user, &hook, &d.Recipient, &d.Lang, &d.Subject, &d.Body,
		&d.Link, &d.Payload, &d.State, &d.Attempts, &d.NextAttempt, &notAfter, &d.LastError, &d.CreatedAt, &sent, &d.Claim)
	d.OrgID, d.UserID, d.WebhookID = org.String, user.String, hook.String
	d.NotAfter, d.SentAt = timeOf(notAfter), timeOf(sent)
	d.NextAttempt, d.CreatedAt = d.NextAttempt.UTC(), d.CreatedAt.UTC()
	return d, err
}

// ClaimDeliveries takes up to limit due pending deliveries of channels for
// lease, in one conditional UPDATE: a row another dispatcher claimed first
// no longer matches "next_attempt_at <= now" when the UPDATE re-reads it
// (PostgreSQL re-checks the condition after waiting for the row lock;
// SQLite has one writer), so no delivery is handed to two dispatchers.
// Webhook deliveries come with their webhook's secret; those whose webhook
// was turned off meanwhile fail here.
func (db *DB) ClaimDeliveries(ctx context.Context, now time.Time, channels []string, limit int, lease time.Duration) (out []notify.Delivery, err error) {
	defer errs.Wrap(&err, "store.ClaimDeliveries")
	if len(channels) == 0 || limit <= 0 {
		return nil, nil
	}
	now = now.UTC().Truncate(microsecond)
	token := newID()
	var a args
	tok, until, n1 := a.add(token), a.add(now.Add(lease)), a.add(now)
	q := `UPDATE notify_outbox SET claim = ` + tok + `, attempts = attempts + 1, next_attempt_at = ` + until + `
		WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_attempt_at <= ` + n1 + `
			AND channel IN ` + a.in(channels) + ` ORDER BY next_attempt_at, id LIMIT ` + a.add(limit) + `)
		AND state = 'pending' AND next_attempt_at <= ` + a.add(now) + ` RETURNING ` + deliveryCols
	claimed, err := queryAll(ctx, db.w, q, a, scanDelivery)
	if err != nil {
		return nil, db.d.mapError(err)
	}
	for _, d := range claimed {
		if d.Channel == notify.ChannelWebhook {
			var active bool
			var org sql.NullString
			err := db.w.QueryRowContext(ctx, `SELECT secret, active, org_id FROM notify_webhooks WHERE id = $1`, d.WebhookID).Scan(&d.Secret, &active, &org)
			d.Restricted = org.Valid
			if err == sql.ErrNoRows || err == nil && !active {
				if err := db.MarkFailed(ctx, d.ID, d.Claim, "the webhook is turned off or gone"); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// settle updates a claimed delivery when the claim is still its own.
func (db *DB) settle(ctx context.Context, op, set string, id, claim string, vals ...any) (err error) {
	defer errs.Wrap(&err, "store.%s(%q)", op, id)
	a := args(vals)
	_, err = db.w.ExecContext(ctx, `UPDATE notify_outbox SET `+set+`, claim = '' WHERE id = `+a.add(id)+
		` AND claim = `+a.add(claim)+` AND state = 'pending'`, a...)
	return db.d.mapError(err)
}

// MarkSent records that a claimed delivery was accepted.
func (db *DB) MarkSent(ctx context.Context, id, claim string, now time.Time) error {
	return db.settle(ctx, "MarkSent", `state = 'sent', sent_at = $1, last_error = ''`, id, claim, now.UTC().Truncate(microsecond))
}

// MarkRetry schedules a claimed delivery's next attempt.
func (db *DB) MarkRetry(ctx context.Context, id, claim string, next time.Time, lastErr string) error {
	return db.settle(ctx, "MarkRetry", `next_attempt_at = $1, last_error = $2`, id, claim, next.UTC().Truncate(microsecond), lastErr)
}

// MarkFailed gives up on a claimed delivery.
func (db *DB) MarkFailed(ctx context.Context, id, claim string, lastErr string) error {
	return db.settle(ctx, "MarkFailed", `state = 'failed', last_error = $1`, id, claim, lastErr)
}

// DisableWebhook turns off a webhook whose receiver is gone, fails its
// waiting deliveries and audits it as the system's doing.
func (db *DB) DisableWebhook(ctx context.Context, id string, now time.Time) (err error) {
	defer errs.Wrap(&err, "store.DisableWebhook(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		var org sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM notify_webhooks WHERE id = $1`, id).Scan(&org)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE notify_webhooks SET active = $1, disabled_reason = $2, updated_at = $3 WHERE id = $4 AND active = $5`,
			false, "the receiver answered 410 Gone", now.UTC().Truncate(microsecond), id, true)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_outbox SET state = 'failed', last_error = $1
			WHERE webhook_id = $2 AND state = 'pending' AND claim = ''`, "the webhook was turned off", id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit.New(auth.System(), "webhook.disable", "webhook", id, org.String).
			WithDetail(map[string]string{"reason": "410 Gone"}))
	})
}
