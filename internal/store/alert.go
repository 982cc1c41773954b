package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

const alertCols = `a.id, a.dedupe_key, a.kind, a.severity, a.title, a.rule_id, a.indicator, a.matched_field, a.matched_value,
	a.sensor_id, a.tlp, a.state, a.count, a.first_seen, a.last_seen, a.excerpt, a.sources, a.created_at, a.updated_at`

var alertSort = map[string]sortCol{
	"last_seen":  {"a.last_seen", colTime},
	"first_seen": {"a.first_seen", colTime},
	"severity":   {"a.severity", colInt},
}

func scanAlert(row scanner) (alert.Alert, error) {
	var a alert.Alert
	var level, sources string
	err := row.Scan(&a.ID, &a.DedupeKey, &a.Kind, &a.Severity, &a.Title, &a.RuleID, &a.Indicator, &a.Field, &a.Value,
		&a.SensorID, &level, &a.State, &a.Count, &a.FirstSeen, &a.LastSeen, &a.Excerpt, &sources, &a.CreatedAt, &a.UpdatedAt)
	a.TLP, _ = tlp.Parse(level)
	if sources != "" {
		a.Sources = strings.Split(sources, "\n")
	}
	a.FirstSeen, a.LastSeen, a.CreatedAt, a.UpdatedAt = a.FirstSeen.UTC(), a.LastSeen.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// alertScope restricts alerts to those involving an organisation in scope.
func (a *args) alertScope(s auth.Scope) string {
	if s.All {
		return "1=1"
	}
	return "EXISTS (SELECT 1 FROM alert_orgs ao WHERE ao.alert_id = a.id AND " + a.scope("ao.org_id", s) + ")"
}

// RecordHits folds hits into alerts in one transaction: a hit whose sensor
// owner suppressed its rule or indicator is dropped; other suppressing
// organisations are left out; an event already counted is not counted again.
// It returns the alerts created or grown. Two processes racing to create the
// same alert are resolved by the partial unique index and a retry.
func (db *DB) RecordHits(ctx context.Context, hits []alert.Hit, now time.Time) (out []alert.Alert, err error) {
	defer errs.Wrap(&err, "store.RecordHits")
	now = now.UTC().Truncate(microsecond)
	db.prepareHot(ctx, hitQueries...)
	for attempt := 0; ; attempt++ {
		var ids []string
		err = db.tx(ctx, func(tx *sql.Tx) error {
			ids = ids[:0]
			// The new alerts' audit entries go in together at the end: one
			// tree head and checkpoint signature for the batch, not one each.
			var created []audit.Entry
			for _, h := range hits {
				id, grown, err := db.recordHit(ctx, tx, h, now, &created)
				if err != nil {
					return err
				}
				if grown && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return db.appendAudit(ctx, tx, created...)
		})
		if errs.Is(err, errs.KindConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return alertsByID(ctx, db.r, ids)
	}
}

// The statements recording a hit runs, prepared once (see hotStmts).
const (
	qSuppressed  = `SELECT org_id FROM suppressions WHERE match_key = $1 AND expires_at > $2`
	qOpenAlert   = `SELECT id FROM alerts WHERE dedupe_key = $1 AND state IN ('new', 'acknowledged')`
	qInsertAlert = `INSERT INTO alerts (id, dedupe_key, kind, severity, title, rule_id, indicator, matched_field,
		matched_value, sensor_id, tlp, state, count, first_seen, last_seen, excerpt, sources, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,0,$13,$14,$15,$16,$17,$18)`
	qAlertEvent = `INSERT INTO alert_events (alert_id, event_id, at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`
	qCountAlert = `UPDATE alerts SET count = count + 1,
		last_seen = CASE WHEN last_seen < $1 THEN $2 ELSE last_seen END,
		first_seen = CASE WHEN first_seen > $3 THEN $4 ELSE first_seen END, updated_at = $5 WHERE id = $6`
	qAlertOrg = `INSERT INTO alert_orgs (alert_id, org_id, reason) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`
	qSighting = `INSERT INTO sightings (indicator_key, org_id, count, first_seen, last_seen) VALUES ($1,$2,1,$3,$4)
		ON CONFLICT (indicator_key, org_id) DO UPDATE SET count = sightings.count + 1, last_seen = excluded.last_seen`
)

var hitQueries = []string{qSuppressed, qOpenAlert, qInsertAlert, qAlertEvent, qCountAlert, qAlertOrg, qSighting,
	qAuditHead, qAuditEntry, qAuditHash, qAuditCheckpoint}

func matchKey(h alert.Hit) string {
	if h.Kind == alert.KindRule {
		return "rule|" + h.RuleID
	}
	return h.Indicator
}

// recordHit folds one hit; it reports the alert and whether it was created
// or grew, and adds a created alert's audit entry to created.
func (db *DB) recordHit(ctx context.Context, tx *sql.Tx, h alert.Hit, now time.Time, created *[]audit.Entry) (string, bool, error) {
	orgs, err := db.unsuppressed(ctx, tx, h, now)
	if err != nil || orgs == nil {
		return "", false, err
	}
	key := h.DedupeKey()
	var id string
	err = db.queryRowHot(ctx, tx, qOpenAlert, key).Scan(&id)
	isNew := errors.Is(err, sql.ErrNoRows)
	if isNew {
		var e audit.Entry
		if id, e, err = db.insertAlert(ctx, tx, h, key, now); err != nil {
			return "", false, err
		}
		*created = append(*created, e)
	} else if err != nil {
		return "", false, err
	}
	res, err := db.execHot(ctx, tx, qAlertEvent, id, h.EventID, now)
	if err != nil {
		return "", false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return id, isNew, nil // a re-delivered event: already counted
	}
	seen := h.EventTime.UTC().Truncate(microsecond)
	if _, err := db.execHot(ctx, tx, qCountAlert, seen, seen, seen, seen, now, id); err != nil {
		return "", false, err
	}
	for _, o := range orgs {
		if _, err := db.execHot(ctx, tx, qAlertOrg, id, o.OrgID, o.Reason); err != nil {
			return "", false, err
		}
		if h.Indicator != "" {
			if _, err := db.execHot(ctx, tx, qSighting, h.Indicator, o.OrgID, seen, seen); err != nil {
				return "", false, err
			}
		}
	}
	return id, true, nil
}

// unsuppressed returns the hit's organisations that did not suppress it, or
// nil when its sensor's owner did (the whole hit is dropped).
func (db *DB) unsuppressed(ctx context.Context, tx *sql.Tx, h alert.Hit, now time.Time) ([]alert.Involved, error) {
	rows, err := db.queryHot(ctx, tx, qSuppressed, matchKey(h), now)
	if err != nil {
		return nil, err
	}
	muted := map[string]bool{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return nil, err
		}
		muted[o] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []alert.Involved{}
	for _, o := range h.Orgs {
		if muted[o.OrgID] {
			if o.Reason == alert.ReasonSensorOwner {
				return nil, nil
			}
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// insertAlert adds a new alert and returns its ID and its audit entry.
func (db *DB) insertAlert(ctx context.Context, tx *sql.Tx, h alert.Hit, key string, now time.Time) (string, audit.Entry, error) {
	id := newID()
	seen := h.EventTime.UTC().Truncate(microsecond)
	_, err := db.execHot(ctx, tx, qInsertAlert, id, key, h.Kind, h.Severity, h.Title, h.RuleID, h.Indicator, h.Field, h.Value, h.SensorID, h.TLP.String(),
		alert.StateNew, seen, seen, h.Excerpt, strings.Join(h.Sources, "\n"), now, now)
	if db.d.isUnique(err) {
		return "", audit.Entry{}, errs.Conflict("alert.race", "another process created this alert")
	}
	if err != nil {
		return "", audit.Entry{}, err
	}
	org := ""
	if len(h.Orgs) > 0 {
		org = h.Orgs[0].OrgID
	}
	e := audit.New(auth.System(), "alert.create", "alert", id, org).WithDetail(map[string]string{"kind": string(h.Kind), "title": h.Title})
	return id, e, nil
}
