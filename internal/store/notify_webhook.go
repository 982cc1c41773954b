package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
)

const webhookCols = `id, org_id, name, url, kinds, active, disabled_reason, created_at, updated_at`

func scanWebhook(row scanner) (notify.Webhook, error) {
	var h notify.Webhook
	var org sql.NullString
	var kinds string
	err := row.Scan(&h.ID, &org, &h.Name, &h.URL, &kinds, &h.Active, &h.DisabledReason, &h.CreatedAt, &h.UpdatedAt)
	h.OrgID, h.Kinds = org.String, []string{}
	if kinds != "" {
		h.Kinds = strings.Split(kinds, ",")
	}
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, err
}

// webhookScope restricts webhooks to those ws manages: the national ones
// (org_id NULL) when ws.National, and those of organisations in ws.Orgs.
func (a *args) webhookScope(ws notify.WebhookScope) string {
	national, orgs := "1=0", "1=0"
	if ws.National {
		national = "org_id IS NULL"
	}
	if !ws.Orgs.Empty() {
		orgs = "(org_id IS NOT NULL AND " + a.scope("org_id", ws.Orgs) + ")"
	}
	return "(" + national + " OR " + orgs + ")"
}

func getWebhook(ctx context.Context, q rowQueryer, ws notify.WebhookScope, id string) (notify.Webhook, error) {
	var a args
	cond := a.webhookScope(ws)
	h, err := scanWebhook(q.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM notify_webhooks WHERE id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return h, errs.NotFound("webhook.not_found")
	}
	return h, err
}

// GetWebhook returns a webhook ws manages.
func (db *DB) GetWebhook(ctx context.Context, ws notify.WebhookScope, id string) (h notify.Webhook, err error) {
	defer errs.Wrap(&err, "store.GetWebhook(%q)", id)
	return getWebhook(ctx, db.r, ws, id)
}

// ListWebhooks lists the webhooks ws manages, national ones first, then by
// name.
func (db *DB) ListWebhooks(ctx context.Context, ws notify.WebhookScope, f notify.WebhookFilter) (out []notify.Webhook, err error) {
	defer errs.Wrap(&err, "store.ListWebhooks")
	var a args
	where := a.webhookScope(ws)
	if f.National {
		where += " AND org_id IS NULL"
	} else if f.OrgID != "" {
		where += " AND org_id = " + a.add(f.OrgID)
	}
	out, err = queryAll(ctx, db.r, `SELECT `+webhookCols+` FROM notify_webhooks WHERE `+where+
		` ORDER BY CASE WHEN org_id IS NULL THEN 0 ELSE 1 END, name, id`, a, scanWebhook)
	if out == nil {
		out = []notify.Webhook{}
	}
	return out, err
}

// CreateWebhook stores a new webhook (the caller checked it may) and audits
// it; the secret is stored for signing and never read back but by the
// dispatcher.
func (db *DB) CreateWebhook(ctx context.Context, h notify.Webhook, e audit.Entry) (out notify.Webhook, err error) {
	defer errs.Wrap(&err, "store.CreateWebhook")
	h.ID, h.CreatedAt = newID(), db.Now()
	h.UpdatedAt = h.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_webhooks (id, org_id, name, url, secret, kinds, active, disabled_reason,
			created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,'',$8,$9)`, h.ID, nullStr(h.OrgID), h.Name, h.URL, h.Secret,
			strings.Join(h.Kinds, ","), h.Active, h.CreatedAt, h.UpdatedAt); err != nil {
			if db.d.isForeignKey(err) {
				return errs.NotFound("org.not_found")
			}
			return err
		}
		e.TargetID, e.OrgID, e.After = h.ID, h.OrgID, audit.Digest(h)
		return db.appendAudit(ctx, tx, e.MergeDetail(map[string]any{"url": h.URL, "kinds": h.Kinds}))
	})
	h.Secret = ""
	return h, err
}

// UpdateWebhook changes a webhook ws manages and audits it. Turning a
// webhook back on clears the reason Khiên turned it off.
func (db *DB) UpdateWebhook(ctx context.Context, ws notify.WebhookScope, h notify.Webhook, e audit.Entry) (out notify.Webhook, err error) {
	defer errs.Wrap(&err, "store.UpdateWebhook(%q)", h.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getWebhook(ctx, tx, ws, h.ID)
		if err != nil {
			return err
		}
		reason := before.DisabledReason
		if h.Active {
			reason = ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_webhooks SET name = $1, url = $2, kinds = $3, active = $4, disabled_reason = $5,
			updated_at = $6 WHERE id = $7`, h.Name, h.URL, strings.Join(h.Kinds, ","), h.Active, reason, db.Now(), h.ID); err != nil {
			return err
		}
		if out, err = getWebhook(ctx, tx, ws, h.ID); err != nil {
			return err
		}
		e.OrgID, e.Before, e.After = before.OrgID, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// DeleteWebhook removes a webhook ws manages. Its deliveries stay in the
// outbox without it; those still pending fail.
func (db *DB) DeleteWebhook(ctx context.Context, ws notify.WebhookScope, id string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.DeleteWebhook(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getWebhook(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notify_outbox SET webhook_id = NULL,
			last_error = CASE WHEN state = 'pending' THEN $1 ELSE last_error END,
			state = CASE WHEN state = 'pending' THEN 'failed' ELSE state END WHERE webhook_id = $2`,
			"the webhook was deleted", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_webhooks WHERE id = $1`, id); err != nil {
			return err
		}
		e.OrgID, e.Before = before.OrgID, audit.Digest(before)
		return db.appendAudit(ctx, tx, e)
	})
}

// LastWebhookDeliveries returns, for each of the webhooks ids that ws
// manages, its newest delivery (webhooks never used are absent).
func (db *DB) LastWebhookDeliveries(ctx context.Context, ws notify.WebhookScope, ids []string) (out map[string]notify.Delivery, err error) {
	defer errs.Wrap(&err, "store.LastWebhookDeliveries")
	out = map[string]notify.Delivery{}
	if len(ids) == 0 {
		return out, nil
	}
	var a args
	q := `SELECT ` + deliveryCols + ` FROM notify_outbox o WHERE o.webhook_id IN ` + a.in(ids) + `
		AND EXISTS (SELECT 1 FROM notify_webhooks w WHERE w.id = o.webhook_id AND ` + a.webhookScope(ws) + `)
		AND o.created_at = (SELECT MAX(i.created_at) FROM notify_outbox i WHERE i.webhook_id = o.webhook_id)
		ORDER BY o.id`
	ds, err := queryAll(ctx, db.r, q, a, scanDelivery)
	for _, d := range ds {
		out[d.WebhookID] = d
	}
	return out, err
}
