package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

const actionCols = `i.id, i.org_id, o.name, i.system_id, s.name, i.advisory_id, a.title, a.title_vi, a.tlp, i.items, i.severity,
	i.security_level, a.known_exploited, i.due_at, i.state, i.justification, i.note, i.attachment, i.reviewer, i.review_note,
	i.escalation_level, i.escalated_at, i.exception_until, i.closed_at, i.created_at, i.updated_at`

const actionFrom = ` FROM action_items i JOIN organisations o ON o.id = i.org_id JOIN information_systems s ON s.id = i.system_id
	JOIN advisories a ON a.id = i.advisory_id`

var actionSort = map[string]sortCol{
	"due_at":     {"i.due_at", colTime},
	"created_at": {"i.created_at", colTime},
	"severity":   {severityRank("i.severity"), colInt},
}

func scanAction(row scanner) (advisory.ActionItem, error) {
	var it advisory.ActionItem
	var items, level string
	var esc, exc, closed sql.NullTime
	err := row.Scan(&it.ID, &it.OrgID, &it.OrgName, &it.SystemID, &it.SystemName, &it.AdvisoryID, &it.AdvisoryTitle, &it.AdvisoryTitleVI,
		&level, &items, &it.Severity, &it.SecurityLevel, &it.KnownExploited, &it.DueAt, &it.State, &it.Justification, &it.Note, &it.Attachment,
		&it.Reviewer, &it.ReviewNote, &it.EscalationLevel, &esc, &exc, &closed, &it.CreatedAt, &it.UpdatedAt)
	if err != nil {
		return it, err
	}
	it.AdvisoryTLP, _ = tlp.Parse(level) // unknown: zero, which no notice puts a title under
	_ = json.Unmarshal([]byte(items), &it.Items)
	if it.Items == nil {
		it.Items = []string{}
	}
	it.EscalatedAt, it.ExceptionUntil, it.ClosedAt = timeOf(esc), timeOf(exc), timeOf(closed)
	it.DueAt, it.CreatedAt, it.UpdatedAt = it.DueAt.UTC(), it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, nil
}

func getAction(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (advisory.ActionItem, error) {
	var a args
	cond := a.scope("i.org_id", scope)
	it, err := scanAction(q.QueryRowContext(ctx, `SELECT `+actionCols+actionFrom+` WHERE i.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return it, errs.NotFound("action.not_found")
	}
	return it, err
}

// GetActionItem returns an action item within scope.
func (db *DB) GetActionItem(ctx context.Context, scope auth.Scope, id string) (it advisory.ActionItem, err error) {
	defer errs.Wrap(&err, "store.GetActionItem(%q)", id)
	return getAction(ctx, db.r, scope, id)
}

// ListActionItems lists action items within scope.
func (db *DB) ListActionItems(ctx context.Context, scope auth.Scope, f advisory.ActionFilter, pr page.Request) (res page.Result[advisory.ActionItem], err error) {
	defer errs.Wrap(&err, "store.ListActionItems")
	var a args
	where := a.scope("i.org_id", scope)
	if f.OrgID != "" {
		where += " AND i.org_id = " + a.add(f.OrgID)
	}
	if f.SystemID != "" {
		where += " AND i.system_id = " + a.add(f.SystemID)
	}
	if f.AdvisoryID != "" {
		where += " AND i.advisory_id = " + a.add(f.AdvisoryID)
	}
	if f.State != "" {
		where += " AND i.state = " + a.add(string(f.State))
	}
	if f.Active || f.Overdue {
		where += " AND i.state IN " + a.in(stateStrings(advisory.ActiveStates))
	}
	if f.Overdue {
		now := f.Now.UTC()
		where += " AND i.due_at < " + a.add(now) + " AND (i.exception_until IS NULL OR i.exception_until <= " + a.add(now) + ")"
	}
	cond, order, err := a.keyset(actionSort, "i.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+actionCols+actionFrom+` WHERE `+where+` AND `+cond+order+` LIMIT `+a.add(pr.Limit+1), a, scanAction)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(it advisory.ActionItem) (string, string) {
		switch pr.Sort {
		case "created_at":
			return timeKey(it.CreatedAt), it.ID
		case "severity":
			return intKey(sevRank(it.Severity)), it.ID
		}
		return timeKey(it.DueAt), it.ID
	}), nil
}

func stateStrings(ss []advisory.State) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// MoveActionItem applies a workflow step to an item still in c.From.
func (db *DB) MoveActionItem(ctx context.Context, scope auth.Scope, id string, c advisory.Change, e audit.Entry) (out advisory.ActionItem, err error) {
	defer errs.Wrap(&err, "store.MoveActionItem(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getAction(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if before.State != c.From {
			return errs.Conflict("action.changed", "the item changed meanwhile; reload it")
		}
		if c.Attachment != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM action_attachments WHERE item_id = $1 AND sha256 = $2`,
				id, c.Attachment).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.Invalid("action.invalid", "the evidence was not uploaded for this item",
					errs.Field("attachment", "action.unknown_attachment", "upload the file for this item first"))
			}
		}
		set := `state = $2, updated_at = $3`
		a := args{id, string(c.To), c.At}
		if c.Justification != "" {
			set += ", justification = " + a.add(c.Justification)
		}
		if c.Note != "" || c.Attachment != "" {
			set += ", note = " + a.add(c.Note) + ", attachment = " + a.add(c.Attachment)
		}
		if c.Reviewer != "" {
			set += ", reviewer = " + a.add(c.Reviewer) + ", review_note = " + a.add(c.ReviewNote)
		}
		if c.To.Active() {
			set += ", closed_at = NULL"
		} else {
			set += ", closed_at = " + a.add(c.At)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE action_items SET `+set+` WHERE id = $1`, a...); err != nil {
			return err
		}
		if out, err = getAction(ctx, tx, auth.Scope{All: true}, id); err != nil {
			return err
		}
		e.Before, e.After = audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// InventoryForMatching returns software items with their systems' security levels.
func (db *DB) InventoryForMatching(ctx context.Context, orgID string) (out []advisory.InventoryItem, err error) {
	defer errs.Wrap(&err, "store.InventoryForMatching")
	var a args
	where := "1=1"
	if orgID != "" {
		where = "w.org_id = " + a.add(orgID)
	}
	return queryAll(ctx, db.r, `SELECT w.id, w.org_id, w.system_id, w.cpe, w.purl, w.version, s.security_level
		FROM software_items w JOIN information_systems s ON s.id = w.system_id WHERE `+where+` ORDER BY w.id`, a,
		func(s scanner) (advisory.InventoryItem, error) {
			var it advisory.InventoryItem
			return it, s.Scan(&it.ID, &it.OrgID, &it.SystemID, &it.CPE, &it.PURL, &it.Version, &it.Level)
		})
}

// SyncActionItems applies one matching run in one transaction: opens the
// wanted items that do not exist, reopens those closed as no longer
// affected, refreshes the inventory items of the rest, closes the active
// items within reach that the run no longer wants, queues one digest per
// organisation for what it opened, and audits per organisation.
func (db *DB) SyncActionItems(ctx context.Context, run advisory.SyncRun, e audit.Entry) (res advisory.SyncResult, err error) {
	defer errs.Wrap(&err, "store.SyncActionItems")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var a args
		where := "1=1"
		switch {
		case run.All:
		case run.OrgID != "":
			where = "i.org_id = " + a.add(run.OrgID)
		case len(run.AdvisoryIDs) > 0:
			where = "i.advisory_id IN " + a.in(run.AdvisoryIDs)
		default:
			return nil
		}
		type cur struct {
			id, state, items string
		}
		existing := map[[3]string]cur{}
		rows, err := queryAll(ctx, tx, `SELECT i.id, i.org_id, i.system_id, i.advisory_id, i.state, i.items FROM action_items i WHERE `+where, a,
			func(s scanner) ([6]string, error) {
				var v [6]string
				return v, s.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
			})
		if err != nil {
			return err
		}
		for _, r := range rows {
			existing[[3]string{r[1], r[2], r[3]}] = cur{r[0], r[4], r[5]}
		}
		now := run.Now
		opened := map[string][]string{} // org → item IDs opened or reopened
		perOrg := map[string]*advisory.SyncResult{}
		count := func(org string) *advisory.SyncResult {
			if perOrg[org] == nil {
				perOrg[org] = &advisory.SyncResult{}
			}
			return perOrg[org]
		}
		wanted := map[[3]string]bool{}
		for _, w := range run.Want {
			k := [3]string{w.OrgID, w.SystemID, w.AdvisoryID}
			wanted[k] = true
			items := jsonText(w.Items)
			c, ok := existing[k]
			switch {
			case !ok:
				id := newID()
				if _, err := tx.ExecContext(ctx, `INSERT INTO action_items (id, org_id, system_id, advisory_id, items, severity,
					security_level, due_at, state, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
					id, w.OrgID, w.SystemID, w.AdvisoryID, items, w.Severity, max(w.Level, 1), w.DueAt, string(advisory.StateOpen), now, now); err != nil {
					return err
				}
				opened[w.OrgID] = append(opened[w.OrgID], id)
				res.Opened++
				count(w.OrgID).Opened++
			case c.state == string(advisory.StateNoLongerAffected):
				if _, err := tx.ExecContext(ctx, `UPDATE action_items SET state = $2, items = $3, due_at = $4, severity = $5,
					escalation_level = 0, escalated_at = NULL, closed_at = NULL, updated_at = $6 WHERE id = $1`,
					c.id, string(advisory.StateOpen), items, w.DueAt, w.Severity, now); err != nil {
					return err
				}
				opened[w.OrgID] = append(opened[w.OrgID], c.id)
				res.Reopened++
				count(w.OrgID).Reopened++
			case c.items != items:
				if _, err := tx.ExecContext(ctx, `UPDATE action_items SET items = $2, severity = $3, updated_at = $4 WHERE id = $1`,
					c.id, items, w.Severity, now); err != nil {
					return err
				}
				res.Updated++
				count(w.OrgID).Updated++
			}
		}
		active := stateStrings(advisory.ActiveStates)
		for k, c := range existing {
			if wanted[k] || !slices.Contains(active, c.state) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE action_items SET state = $2, closed_at = $3, updated_at = $3 WHERE id = $1`,
				c.id, string(advisory.StateNoLongerAffected), now); err != nil {
				return err
			}
			res.Closed++
			count(k[0]).Closed++
		}
		orgs := make([]string, 0, len(perOrg))
		for o := range perOrg {
			orgs = append(orgs, o)
		}
		slices.Sort(orgs)
		for _, o := range orgs {
			if ids := opened[o]; len(ids) > 0 && run.Digest != nil {
				var b args
				its, err := queryAll(ctx, tx, `SELECT `+actionCols+actionFrom+` WHERE i.id IN `+b.in(ids)+` ORDER BY i.due_at, i.id`, b, scanAction)
				if err != nil {
					return err
				}
				if err := db.enqueueNotices(ctx, tx, now, run.Digest(o, its)); err != nil {
					return err
				}
				res.Orgs++
			}
			oe := e
			oe.OrgID = o
			if err := db.appendAudit(ctx, tx, oe.WithDetail(perOrg[o])); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

const exceptionCols = `x.id, x.item_id, x.org_id, x.state, x.reason, x.until_at, x.requested_by, x.approver, x.decided_at, x.decision, x.created_at`

func scanException(row scanner) (advisory.Exception, error) {
	var x advisory.Exception
	var decided sql.NullTime
	err := row.Scan(&x.ID, &x.ItemID, &x.OrgID, &x.State, &x.Reason, &x.Until, &x.RequestedBy, &x.Approver, &decided, &x.Decision, &x.CreatedAt)
	x.DecidedAt, x.Until, x.CreatedAt = timeOf(decided), x.Until.UTC(), x.CreatedAt.UTC()
	return x, err
}

// RequestActionException records a requested exception for an item within scope.
func (db *DB) RequestActionException(ctx context.Context, scope auth.Scope, x advisory.Exception, e audit.Entry) (_ advisory.Exception, err error) {
	defer errs.Wrap(&err, "store.RequestActionException")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getAction(ctx, tx, scope, x.ItemID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM action_exceptions WHERE item_id = $1 AND state = $2`,
			x.ItemID, advisory.ExceptionRequested).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Conflict("exception.pending", "an exception for this item is already waiting for a decision")
		}
		x.ID = newID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO action_exceptions (id, item_id, org_id, state, reason, until_at, requested_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, x.ID, x.ItemID, x.OrgID, x.State, x.Reason, x.Until, x.RequestedBy, x.CreatedAt); err != nil {
			return err
		}
		e.After = audit.Digest(x)
		return db.appendAudit(ctx, tx, e)
	})
	return x, err
}

// DecideActionException approves or rejects a requested exception within scope;
// an approval sets the item's exception_until.
func (db *DB) DecideActionException(ctx context.Context, scope auth.Scope, id string, approve bool, approver, note string, at time.Time, e audit.Entry) (x advisory.Exception, err error) {
	defer errs.Wrap(&err, "store.DecideActionException(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var a args
		x, err = scanException(tx.QueryRowContext(ctx, `SELECT `+exceptionCols+` FROM action_exceptions x WHERE x.id = `+a.add(id)+
			` AND `+a.scope("x.org_id", scope), a...))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFound("exception.not_found")
		}
		if err != nil {
			return err
		}
		if x.State != advisory.ExceptionRequested {
			return errs.Conflict("exception.decided", "the exception was already decided")
		}
		before := x
		x.State, x.Approver, x.Decision, x.DecidedAt = advisory.ExceptionRejected, approver, note, at
		if approve {
			x.State = advisory.ExceptionApproved
			if !x.Until.After(at) {
				return errs.Conflict("exception.past", "the exception's date has passed; ask again")
			}
			if _, err := tx.ExecContext(ctx, `UPDATE action_items SET exception_until = $2, updated_at = $3 WHERE id = $1`, x.ItemID, x.Until, at); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE action_exceptions SET state = $2, approver = $3, decision = $4, decided_at = $5 WHERE id = $1`,
			id, x.State, approver, note, at); err != nil {
			return err
		}
		e.OrgID, e.Before, e.After = x.OrgID, audit.Digest(before), audit.Digest(x)
		return db.appendAudit(ctx, tx, e)
	})
	return x, err
}

// GetActionException returns an exception within scope.
func (db *DB) GetActionException(ctx context.Context, scope auth.Scope, id string) (x advisory.Exception, err error) {
	defer errs.Wrap(&err, "store.GetActionException(%q)", id)
	var a args
	x, err = scanException(db.r.QueryRowContext(ctx, `SELECT `+exceptionCols+` FROM action_exceptions x WHERE x.id = `+a.add(id)+
		` AND `+a.scope("x.org_id", scope), a...))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.NotFound("exception.not_found")
	}
	return x, err
}

// ListActionExceptions lists exceptions within scope.
func (db *DB) ListActionExceptions(ctx context.Context, scope auth.Scope, state, itemID string) (out []advisory.Exception, err error) {
	defer errs.Wrap(&err, "store.ListActionExceptions")
	var a args
	where := a.scope("x.org_id", scope)
	if state != "" {
		where += " AND x.state = " + a.add(state)
	}
	if itemID != "" {
		where += " AND x.item_id = " + a.add(itemID)
	}
	return queryAll(ctx, db.r, `SELECT `+exceptionCols+` FROM action_exceptions x WHERE `+where+` ORDER BY x.created_at DESC, x.id LIMIT 500`, a, scanException)
}

// ExpireActionExceptions ends approved exceptions whose date passed, clearing
// their items' exception_until, each with its audit entry.
func (db *DB) ExpireActionExceptions(ctx context.Context, now time.Time) (n int, err error) {
	defer errs.Wrap(&err, "store.ExpireActionExceptions")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		xs, err := queryAll(ctx, tx, `SELECT `+exceptionCols+` FROM action_exceptions x WHERE x.state = $1 AND x.until_at <= $2`,
			args{advisory.ExceptionApproved, now}, scanException)
		if err != nil {
			return err
		}
		for _, x := range xs {
			if _, err := tx.ExecContext(ctx, `UPDATE action_exceptions SET state = $2 WHERE id = $1`, x.ID, advisory.ExceptionExpired); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE action_items SET exception_until = NULL, updated_at = $2 WHERE id = $1 AND exception_until <= $2`,
				x.ItemID, now); err != nil {
				return err
			}
			e := audit.New(auth.System(), "exception.expire", "exception", x.ID, x.OrgID)
			e.Before = audit.Digest(x)
			if err := db.appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		n = len(xs)
		return nil
	})
	return n, err
}

// OverdueActionItems returns every active item past due at now that no exception
// covers and that has not reached the top of the ladder.
func (db *DB) OverdueActionItems(ctx context.Context, now time.Time) (out []advisory.ActionItem, err error) {
	defer errs.Wrap(&err, "store.OverdueActionItems")
	var a args
	where := "i.state IN " + a.in(stateStrings(advisory.ActiveStates)) + " AND i.due_at < " + a.add(now) +
		" AND (i.exception_until IS NULL OR i.exception_until <= " + a.add(now) + ") AND i.escalation_level < " + a.add(len(advisory.Rungs))
	return queryAll(ctx, db.r, `SELECT `+actionCols+actionFrom+` WHERE `+where+` ORDER BY i.due_at, i.id`, a, scanAction)
}

// EscalateActionItem raises an item to step s.Level, logs the step, notifies the rung
// and audits it, in one transaction. The rung's organisation: the item's own
// (level 1), its parent (level 2; the coordinating body when it has none),
// the coordinating body (level 3).
func (db *DB) EscalateActionItem(ctx context.Context, s advisory.Step, now time.Time, notice func(advisory.ActionItem, string) notify.Notice) (err error) {
	defer errs.Wrap(&err, "store.EscalateActionItem(%q)", s.ItemID)
	return db.tx(ctx, func(tx *sql.Tx) error {
		it, err := getAction(ctx, tx, auth.Scope{All: true}, s.ItemID)
		if err != nil {
			return err
		}
		if it.EscalationLevel >= s.Level || !it.State.Active() {
			return nil // another process got there first
		}
		target := it.OrgID
		if s.Level >= 2 {
			var parent sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM organisations WHERE id = $1`, it.OrgID).Scan(&parent); err != nil {
				return err
			}
			target = parent.String
			if s.Level == 3 || target == "" {
				err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE coordinating = $1 ORDER BY created_at, id LIMIT 1`, true).Scan(&target)
				if errors.Is(err, sql.ErrNoRows) {
					target = ""
				} else if err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE action_items SET escalation_level = $2, escalated_at = $3, updated_at = $3 WHERE id = $1`,
			it.ID, s.Level, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO action_escalations (id, item_id, org_id, level, target, target_org, at)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, newID(), it.ID, it.OrgID, s.Level, s.Rung, target, now); err != nil {
			return err
		}
		it.EscalationLevel, it.EscalatedAt = s.Level, now
		if target != "" {
			if err := db.enqueueNotices(ctx, tx, now, notice(it, target)); err != nil {
				return err
			}
		}
		e := audit.New(auth.System(), "action.escalate", "action_item", it.ID, it.OrgID).
			WithDetail(map[string]any{"level": s.Level, "rung": s.Rung, "target_org": target})
		return db.appendAudit(ctx, tx, e)
	})
}

// ActionEscalations lists an item's escalation steps within scope.
func (db *DB) ActionEscalations(ctx context.Context, scope auth.Scope, itemID string) (out []advisory.Escalation, err error) {
	defer errs.Wrap(&err, "store.ActionEscalations(%q)", itemID)
	var a args
	return queryAll(ctx, db.r, `SELECT e.id, e.item_id, e.org_id, e.level, e.target, e.target_org, e.at FROM action_escalations e
		WHERE e.item_id = `+a.add(itemID)+` AND `+a.scope("e.org_id", scope)+` ORDER BY e.level`, a,
		func(s scanner) (advisory.Escalation, error) {
			var x advisory.Escalation
			err := s.Scan(&x.ID, &x.ItemID, &x.OrgID, &x.Level, &x.Target, &x.TargetOrg, &x.At)
			x.At = x.At.UTC()
			return x, err
		})
}

// RecordActionAttachment binds an uploaded file to the item it was uploaded
// for (again is a no-op) and audits the upload.
func (db *DB) RecordActionAttachment(ctx context.Context, itemID, sha256 string, size int64, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.RecordActionAttachment(%q)", itemID)
	now := db.Now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO action_attachments (item_id, sha256, size, uploaded_by, created_at)
			VALUES ($1,$2,$3,$4,$5) ON CONFLICT (item_id, sha256) DO NOTHING`, itemID, sha256, size, e.ActorID, now); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, e)
	})
}
