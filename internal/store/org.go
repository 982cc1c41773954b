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

const orgCols = `o.id, o.slug, o.name, o.parent_id, o.kind, o.sector, o.province, o.coordinating, o.created_at, o.updated_at`

var orgSort = map[string]sortCol{
	"name":       {"o.name_fold", colText},
	"slug":       {"o.slug", colText},
	"created_at": {"o.created_at", colTime},
}

func scanOrg(row scanner) (org.Org, error) {
	var o org.Org
	var parent sql.NullString
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &parent, &o.Kind, &o.Sector, &o.Province, &o.Coordinating, &o.CreatedAt, &o.UpdatedAt)
	o.ParentID, o.CreatedAt, o.UpdatedAt = parent.String, o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

func orgKey(o org.Org, sort string) (string, string) {
	switch sort {
	case "slug":
		return o.Slug, o.ID
	case "created_at":
		return timeKey(o.CreatedAt), o.ID
	}
	return org.Fold(o.Name), o.ID
}

// CreateOrg inserts an organisation.
func (db *DB) CreateOrg(ctx context.Context, o org.Org, e audit.Entry) (out org.Org, err error) {
	defer errs.Wrap(&err, "store.CreateOrg(%q)", o.Slug)
	o.ID = newID()
	o.CreatedAt = db.Now()
	o.UpdatedAt = o.CreatedAt
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, slug, name, name_fold, parent_id, kind, sector, province,
			coordinating, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
			o.ID, o.Slug, o.Name, org.Fold(o.Name), nullStr(o.ParentID), o.Kind, o.Sector, o.Province, o.Coordinating, o.CreatedAt, o.UpdatedAt)
		if db.d.isUnique(err) {
			return errs.Conflict("org.slug_taken", "an organisation with this slug exists").OnField("slug")
		}
		if err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = o.ID, o.ID, audit.Digest(o)
		return db.appendAudit(ctx, tx, e)
	})
	return o, err
}

// UpdateOrg changes an organisation's editable fields.
func (db *DB) UpdateOrg(ctx context.Context, scope auth.Scope, o org.Org, e audit.Entry) (out org.Org, err error) {
	defer errs.Wrap(&err, "store.UpdateOrg(%q)", o.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getOrg(ctx, tx, scope, o.ID)
		if err != nil {
			return err
		}
		o.ID, o.CreatedAt, o.UpdatedAt = before.ID, before.CreatedAt, db.Now()
		_, err = tx.ExecContext(ctx, `UPDATE organisations SET slug=$1, name=$2, name_fold=$3, parent_id=$4, kind=$5,
			sector=$6, province=$7, coordinating=$8, updated_at=$9 WHERE id=$10`,
			o.Slug, o.Name, org.Fold(o.Name), nullStr(o.ParentID), o.Kind, o.Sector, o.Province, o.Coordinating, o.UpdatedAt, o.ID)
		if db.d.isUnique(err) {
			return errs.Conflict("org.slug_taken", "an organisation with this slug exists").OnField("slug")
		}
		if err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before, e.After = o.ID, o.ID, audit.Digest(before), audit.Digest(o)
		out = o
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func getOrg(ctx context.Context, q rowQueryer, scope auth.Scope, idOrSlug string) (org.Org, error) {
	var a args
	cond := a.scope("o.id", scope)
	k1, k2 := a.add(idOrSlug), a.add(idOrSlug)
	o, err := scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organisations o WHERE (o.id = `+k1+` OR o.slug = `+k2+`) AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return org.Org{}, errs.NotFound("org.not_found")
	}
	return o, err
}

// GetOrg returns an organisation by ID or slug, within scope.
func (db *DB) GetOrg(ctx context.Context, scope auth.Scope, idOrSlug string) (o org.Org, err error) {
	defer errs.Wrap(&err, "store.GetOrg(%q)", idOrSlug)
	return getOrg(ctx, db.r, scope, idOrSlug)
}

// ListOrgs lists organisations within scope.
func (db *DB) ListOrgs(ctx context.Context, scope auth.Scope, f org.OrgFilter, pr page.Request) (res page.Result[org.Org], err error) {
	defer errs.Wrap(&err, "store.ListOrgs")
	var a args
	where := a.scope("o.id", scope)
	if f.Query != "" {
		q := "%" + likeEscape(org.Fold(f.Query)) + "%"
		where += " AND (o.name_fold LIKE " + a.add(q) + " ESCAPE '\\' OR o.slug LIKE " + a.add(q) + " ESCAPE '\\')"
	}
	if f.Kind != "" {
		where += " AND o.kind = " + a.add(string(f.Kind))
	}
	if f.Sector != "" {
		where += " AND o.sector = " + a.add(f.Sector)
	}
	if f.Province != "" {
		where += " AND o.province = " + a.add(f.Province)
	}
	if f.ParentID != "" {
		where += " AND o.parent_id = " + a.add(f.ParentID)
	}
	cond, order, err := a.keyset(orgSort, "o.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+orgCols+` FROM organisations o WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanOrg)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(o org.Org) (string, string) { return orgKey(o, pr.Sort) }), nil
}
