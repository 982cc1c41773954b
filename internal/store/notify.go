package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/notify"
)

// enqueueNotices writes the deliveries of ns into the outbox inside tx, the
// transaction of the change they report: one row per e-mail address and per
// matching webhook. A user who turned a kind of notice off gets a row in state
// suppressed, so the record shows they were not told and why. Recipients are
// resolved now, so a later change to contacts does not redirect an old notice.
func (db *DB) enqueueNotices(ctx context.Context, tx *sql.Tx, now time.Time, ns ...notify.Notice) error {
	for _, n := range ns {
		if err := n.Validate(); err != nil {
			return err
		}
		rcpts, err := noticeRecipients(ctx, tx, n)
		if err != nil {
			return err
		}
		for _, r := range rcpts {
			if err := insertDelivery(ctx, tx, now, n, r); err != nil {
				return err
			}
		}
	}
	db.noteEnqueued(tx)
	return nil
}

// OnNotify registers fn to run after every commit of a transaction that
// enqueued notifications (the dispatcher's wake-up). fn must not block.
// Call before serving.
func (db *DB) OnNotify(fn func()) { db.onNotify = append(db.onNotify, fn) }

// noteEnqueued remembers that tx put deliveries in the outbox.
func (db *DB) noteEnqueued(tx *sql.Tx) { db.notified.Store(tx, true) }

// afterTx runs the notification hooks once tx committed having enqueued.
func (db *DB) afterTx(tx *sql.Tx, committed bool) {
	if _, ok := db.notified.LoadAndDelete(tx); ok && committed {
		for _, fn := range db.onNotify {
			fn()
		}
	}
}

// recipient is one resolved delivery of a notice.
type recipient struct {
	channel, address, lang string
	userID, webhookID      string
	suppressed             bool
}

func noticeRecipients(ctx context.Context, tx *sql.Tx, n notify.Notice) ([]recipient, error) {
	var out []recipient
	seen := map[string]bool{}
	addEmail := func(r recipient) {
		key := strings.ToLower(r.address)
		if r.address == "" || seen[key] {
			return
		}
		seen[key] = true
		r.channel = notify.ChannelEmail
		out = append(out, r)
	}
	for _, uid := range n.Users {
		var email, lang string
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT email, language, disabled FROM users WHERE id = $1`, uid).Scan(&email, &lang, &disabled)
		if err == sql.ErrNoRows || disabled {
			continue
		}
		if err != nil {
			return nil, err
		}
		var on sql.NullBool
		err = tx.QueryRowContext(ctx, `SELECT email FROM notify_preferences WHERE user_id = $1 AND kind = $2`, uid, n.Kind).Scan(&on)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		addEmail(recipient{address: email, lang: lang, userID: uid, suppressed: on.Valid && !on.Bool})
	}
	if len(n.Contacts) > 0 {
		var a args
		q := `SELECT email, language FROM contacts WHERE org_id = ` + a.add(n.OrgID) + ` AND role IN ` + a.in(n.Contacts) + ` ORDER BY role, name`
		cs, err := queryAll(ctx, tx, q, a, func(s scanner) (recipient, error) {
			var r recipient
			return r, s.Scan(&r.address, &r.lang)
		})
		if err != nil {
			return nil, err
		}
		for _, r := range cs {
			addEmail(r)
		}
	}
	for _, e := range n.Emails {
		addEmail(recipient{address: e, lang: "vi"})
	}
	var a args
	cond := "org_id IS NULL"
	if n.OrgID != "" {
		cond = "(org_id IS NULL OR org_id = " + a.add(n.OrgID) + ")"
	}
	hooks, err := queryAll(ctx, tx, `SELECT id, url, kinds FROM notify_webhooks WHERE active AND `+cond+` ORDER BY id`, a,
		func(s scanner) ([3]string, error) {
			var h [3]string
			return h, s.Scan(&h[0], &h[1], &h[2])
		})
	if err != nil {
		return nil, err
	}
	for _, h := range hooks {
		if !webhookWants(h[2], n.Kind) {
			continue
		}
		out = append(out, recipient{channel: notify.ChannelWebhook, address: h[1], webhookID: h[0], lang: "en"})
	}
	return out, nil
}

// webhookWants reports whether a webhook subscribed to kinds (comma-separated
// kinds or prefixes ending in ".*"; empty for every kind) wants kind.
func webhookWants(kinds, kind string) bool {
	if strings.TrimSpace(kinds) == "" {
		return true
	}
	return slices.ContainsFunc(strings.Split(kinds, ","), func(k string) bool {
		k = strings.TrimSpace(k)
		return k == kind || strings.HasSuffix(k, ".*") && strings.HasPrefix(kind, strings.TrimSuffix(k, "*"))
	})
}

func insertDelivery(ctx context.Context, tx *sql.Tx, now time.Time, n notify.Notice, r recipient) error {
	t := n.In(r.lang)
	payload := ""
	if r.channel == notify.ChannelWebhook {
		b, err := json.Marshal(map[string]any{"kind": n.Kind, "ref": n.Ref, "org_id": n.OrgID, "link": n.Link,
			"subject": n.Subject("en"), "data": n.Data, "created_at": now.UTC()})
		if err != nil {
			return err
		}
		payload = string(b)
	}
	state := notify.StatePending
	if r.suppressed {
		state = notify.StateSuppressed
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notify_outbox (id, kind, ref, org_id, channel, user_id, webhook_id, recipient, lang,
		subject, body, link, payload, state, attempts, next_attempt_at, not_after, last_error, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,0,$15,$16,'',$15)`,
		newID(), n.Kind, n.Ref, nullStr(n.OrgID), r.channel, nullStr(r.userID), nullStr(r.webhookID), r.address, r.lang,
		n.Subject(r.lang), t.Body, n.Link, payload, state, now.UTC(), nullTime(n.NotAfter))
	return err
}
