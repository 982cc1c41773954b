package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

func getAlert(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (alert.Alert, error) {
	var a args
	cond := a.alertScope(scope)
	al, err := scanAlert(q.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts a WHERE a.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return al, errs.NotFound("alert.not_found")
	}
	if err != nil {
		return al, err
	}
	list := []alert.Alert{al}
	err = attachOrgs(ctx, q, list)
	return list[0], err
}

// alertsByID returns the alerts with the given IDs, in that order, read in
// groups of 500 (an alert that is not found is left out).
func alertsByID(ctx context.Context, q rowQueryer, ids []string) ([]alert.Alert, error) {
	byID := make(map[string]alert.Alert, len(ids))
	for lo := 0; lo < len(ids); lo += 500 {
		var a args
		part := ids[lo:min(lo+500, len(ids))]
		list, err := queryAll(ctx, q, `SELECT `+alertCols+` FROM alerts a WHERE a.id IN `+a.in(part), a, scanAlert)
		if err != nil {
			return nil, err
		}
		if err := attachOrgs(ctx, q, list); err != nil {
			return nil, err
		}
		for _, al := range list {
			byID[al.ID] = al
		}
	}
	out := make([]alert.Alert, 0, len(ids))
	for _, id := range ids {
		if al, ok := byID[id]; ok {
			out = append(out, al)
		}
	}
	return out, nil
}

// GetAlert returns an alert involving an organisation in scope.
func (db *DB) GetAlert(ctx context.Context, scope auth.Scope, id string) (a alert.Alert, err error) {
	defer errs.Wrap(&err, "store.GetAlert(%q)", id)
	return getAlert(ctx, db.r, scope, id)
}

// attachOrgs loads the involved organisations of alerts.
func attachOrgs(ctx context.Context, q rowQueryer, list []alert.Alert) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]string, len(list))
	at := map[string]int{}
	for i, a := range list {
		ids[i], at[a.ID] = a.ID, i
		list[i].Orgs = []alert.Involved{}
	}
	var a args
	rows, err := q.QueryContext(ctx, `SELECT alert_id, org_id, reason FROM alert_orgs WHERE alert_id IN `+a.in(ids)+` ORDER BY org_id`, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var o alert.Involved
		if err := rows.Scan(&id, &o.OrgID, &o.Reason); err != nil {
			return err
		}
		list[at[id]].Orgs = append(list[at[id]].Orgs, o)
	}
	return rows.Err()
}

// ListAlerts lists alerts involving an organisation in scope.
func (db *DB) ListAlerts(ctx context.Context, scope auth.Scope, f alert.Filter, pr page.Request) (res page.Result[alert.Alert], err error) {
	defer errs.Wrap(&err, "store.ListAlerts")
	var a args
	where := a.alertScope(scope)
	if f.State != "" {
		where += " AND a.state = " + a.add(string(f.State))
	}
	if f.Kind != "" {
		where += " AND a.kind = " + a.add(string(f.Kind))
	}
	if f.OrgID != "" {
		where += " AND EXISTS (SELECT 1 FROM alert_orgs fo WHERE fo.alert_id = a.id AND fo.org_id = " + a.add(f.OrgID) + ")"
	}
	if f.Query != "" {
		// Only alerts whose details the viewer may see are searchable: a
		// search must not reveal that a restricted value matched.
		q := "%" + likeEscape(lower(f.Query)) + "%"
		levels := tlpAtMost(f.Clearance)
		if len(levels) == 0 {
			levels = []string{""} // a viewer without clearance finds nothing
		}
		where += " AND a.tlp IN " + a.in(levels) + " AND (LOWER(a.title) LIKE " + a.add(q) +
			" ESCAPE '\\' OR a.matched_value LIKE " + a.add(q) + " ESCAPE '\\')"
	}
	cond, order, err := a.keyset(alertSort, "a.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+alertCols+` FROM alerts a WHERE `+where+` AND `+cond+order+` LIMIT `+a.add(pr.Limit+1), a, scanAlert)
	if err != nil {
		return res, err
	}
	res = finishPage(items, pr.Limit, func(x alert.Alert) (string, string) {
		switch pr.Sort {
		case "severity":
			return intKey(int64(x.Severity)), x.ID
		case "first_seen":
			return timeKey(x.FirstSeen), x.ID
		}
		return timeKey(x.LastSeen), x.ID
	})
	return res, attachOrgs(ctx, db.r, res.Items)
}

// AlertHistory returns an alert's triage steps, oldest first.
func (db *DB) AlertHistory(ctx context.Context, id string) (cs []alert.Change, err error) {
	defer errs.Wrap(&err, "store.AlertHistory(%q)", id)
	return queryAll(ctx, db.r, `SELECT at, actor, action, note FROM alert_history WHERE alert_id = $1 ORDER BY at, id`, args{id},
		func(r scanner) (alert.Change, error) {
			var c alert.Change
			err := r.Scan(&c.At, &c.Actor, &c.Action, &c.Note)
			c.At = c.At.UTC()
			return c, err
		})
}

// SetAlertState moves an alert within scope, records the step and audits it.
func (db *DB) SetAlertState(ctx context.Context, scope auth.Scope, id string, to alert.State, c alert.Change, e audit.Entry) (out alert.Alert, err error) {
	defer errs.Wrap(&err, "store.SetAlertState(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getAlert(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET state = $1, updated_at = $2 WHERE id = $3`, to, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_history (id, alert_id, at, actor, action, note) VALUES ($1,$2,$3,$4,$5,$6)`,
			newID(), id, c.At.UTC().Truncate(microsecond), c.Actor, c.Action, c.Note); err != nil {
			return err
		}
		if out, err = getAlert(ctx, tx, scope, id); err != nil {
			return err
		}
		e.Before, e.After = audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// AddSuppression stores a suppression and audits it.
func (db *DB) AddSuppression(ctx context.Context, s alert.Suppression, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.AddSuppression")
	s.ID = newID()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO suppressions (id, org_id, match_key, reason, expires_at, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, s.ID, s.OrgID, s.MatchKey, s.Reason, s.ExpiresAt.UTC().Truncate(microsecond), s.CreatedBy,
			s.CreatedAt.UTC().Truncate(microsecond)); err != nil {
			return err
		}
		e.TargetID, e.After = s.ID, audit.Digest(s)
		return db.appendAudit(ctx, tx, e)
	})
}

// ActiveSuppressions lists suppressions in force at now.
func (db *DB) ActiveSuppressions(ctx context.Context, now time.Time) (ss []alert.Suppression, err error) {
	defer errs.Wrap(&err, "store.ActiveSuppressions")
	return queryAll(ctx, db.r, `SELECT id, org_id, match_key, reason, expires_at, created_by, created_at FROM suppressions
		WHERE expires_at > $1 ORDER BY expires_at`, args{now.UTC()}, func(r scanner) (alert.Suppression, error) {
		var s alert.Suppression
		err := r.Scan(&s.ID, &s.OrgID, &s.MatchKey, &s.Reason, &s.ExpiresAt, &s.CreatedBy, &s.CreatedAt)
		s.ExpiresAt, s.CreatedAt = s.ExpiresAt.UTC(), s.CreatedAt.UTC()
		return s, err
	})
}
