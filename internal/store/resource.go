package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

const resourceCols = `r.id, r.org_id, r.type, r.value, r.note, r.status, r.claimed_by, r.claimed_at, r.decided_by, r.decided_at, r.reason`

var resourceSort = map[string]sortCol{
	"claimed_at": {"r.claimed_at", colTime},
	"value":      {"r.value", colText},
	"status":     {"r.status", colText},
}

func scanResource(row scanner) (org.Resource, error) {
	var r org.Resource
	var decided sql.NullTime
	err := row.Scan(&r.ID, &r.OrgID, &r.Type, &r.Value, &r.Note, &r.Status, &r.ClaimedBy, &r.ClaimedAt, &r.DecidedBy, &decided, &r.Reason)
	r.ClaimedAt, r.DecidedAt = r.ClaimedAt.UTC(), timeOf(decided)
	return r, err
}

// ClaimResource records a pending claim. A value claimed (pending or
// approved) by anyone answers a conflict naming the field.
func (db *DB) ClaimResource(ctx context.Context, scope auth.Scope, r org.Resource, e audit.Entry) (out org.Resource, err error) {
	defer errs.Wrap(&err, "store.ClaimResource")
	if !scope.Allows(r.OrgID) {
		return out, errs.NotFound("org.not_found")
	}
	r.ID, r.ClaimedAt = newID(), r.ClaimedAt.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO internet_resources (id, org_id, type, value, note, status, claimed_by, claimed_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, r.ID, r.OrgID, r.Type, r.Value, r.Note, r.Status, r.ClaimedBy, r.ClaimedAt)
		if db.d.isUnique(err) {
			return errs.Conflict("resource.claimed", "this resource is already claimed").OnField("value")
		}
		if err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = r.ID, r.OrgID, audit.Digest(r)
		return db.appendAudit(ctx, tx, e)
	})
	return r, err
}

// DecideResource approves or rejects a pending claim within scope.
func (db *DB) DecideResource(ctx context.Context, scope auth.Scope, id string, d org.Decision, e audit.Entry) (out org.Resource, err error) {
	defer errs.Wrap(&err, "store.DecideResource(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getResource(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if before.Status != org.ClaimPending {
			return errs.Conflict("resource.decided", "this claim has already been decided")
		}
		out = before
		out.Status, out.DecidedBy, out.DecidedAt, out.Reason = org.ClaimRejected, d.By, d.At.UTC().Truncate(microsecond), d.Reason
		if d.Approve {
			out.Status = org.ClaimApproved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE internet_resources SET status=$1, decided_by=$2, decided_at=$3, reason=$4 WHERE id=$5`,
			out.Status, out.DecidedBy, out.DecidedAt, out.Reason, id); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before, e.After = id, out.OrgID, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// DeleteResource removes a claim within scope.
func (db *DB) DeleteResource(ctx context.Context, scope auth.Scope, id string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.DeleteResource(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getResource(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM internet_resources WHERE id = $1`, id); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before = id, before.OrgID, audit.Digest(before)
		return db.appendAudit(ctx, tx, e)
	})
}

func getResource(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (org.Resource, error) {
	var a args
	cond := a.scope("r.org_id", scope)
	r, err := scanResource(q.QueryRowContext(ctx, `SELECT `+resourceCols+` FROM internet_resources r WHERE r.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFound("resource.not_found")
	}
	return r, err
}

// GetResource returns a claim within scope.
func (db *DB) GetResource(ctx context.Context, scope auth.Scope, id string) (r org.Resource, err error) {
	defer errs.Wrap(&err, "store.GetResource(%q)", id)
	return getResource(ctx, db.r, scope, id)
}

// ListResources lists claims within scope.
func (db *DB) ListResources(ctx context.Context, scope auth.Scope, f org.ResourceFilter, pr page.Request) (res page.Result[org.Resource], err error) {
	defer errs.Wrap(&err, "store.ListResources")
	var a args
	where := a.scope("r.org_id", scope)
	if f.OrgID != "" {
		where += " AND r.org_id = " + a.add(f.OrgID)
	}
	if f.Type != "" {
		where += " AND r.type = " + a.add(string(f.Type))
	}
	if f.Status != "" {
		where += " AND r.status = " + a.add(string(f.Status))
	}
	if f.Query != "" {
		where += " AND r.value LIKE " + a.add("%"+likeEscape(lower(f.Query))+"%") + " ESCAPE '\\'"
	}
	cond, order, err := a.keyset(resourceSort, "r.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+resourceCols+` FROM internet_resources r WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanResource)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(r org.Resource) (string, string) {
		switch pr.Sort {
		case "value":
			return r.Value, r.ID
		case "status":
			return string(r.Status), r.ID
		}
		return timeKey(r.ClaimedAt), r.ID
	}), nil
}

// ApprovedResources returns every approved resource, for building the
// ownership index. It is not scoped: the index serves the whole platform and
// answers only organisation IDs.
func (db *DB) ApprovedResources(ctx context.Context) (rs []org.Resource, err error) {
	defer errs.Wrap(&err, "store.ApprovedResources")
	a := args{string(org.ClaimApproved)}
	return queryAll(ctx, db.r, `SELECT `+resourceCols+` FROM internet_resources r WHERE r.status = $1`, a, scanResource)
}
