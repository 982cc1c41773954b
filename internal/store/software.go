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

const softwareCols = `w.id, w.org_id, w.system_id, w.cpe, w.purl, w.vendor, w.product, w.version, w.created_at, w.updated_at`

var softwareSort = map[string]sortCol{
	"product":    {"w.product", colText},
	"vendor":     {"w.vendor", colText},
	"created_at": {"w.created_at", colTime},
}

func scanSoftware(row scanner) (org.Software, error) {
	var w org.Software
	err := row.Scan(&w.ID, &w.OrgID, &w.SystemID, &w.CPE, &w.PURL, &w.Vendor, &w.Product, &w.Version, &w.CreatedAt, &w.UpdatedAt)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, err
}

// AddSoftware inserts inventory items in one transaction with one audit
// entry; every item's system must be in scope and belong to the item's
// organisation.
func (db *DB) AddSoftware(ctx context.Context, scope auth.Scope, items []org.Software, e audit.Entry) (out []org.Software, err error) {
	defer errs.Wrap(&err, "store.AddSoftware")
	now := db.Now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		for i := range items {
			w := &items[i]
			sys, err := getSystem(ctx, tx, scope, w.SystemID)
			if err != nil || sys.OrgID != w.OrgID {
				return errs.NotFound("system.not_found")
			}
			w.ID, w.CreatedAt, w.UpdatedAt = newID(), now, now
			if _, err := tx.ExecContext(ctx, `INSERT INTO software_items (id, org_id, system_id, cpe, purl, vendor, product, version,
				created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
				w.ID, w.OrgID, w.SystemID, w.CPE, w.PURL, w.Vendor, w.Product, w.Version, w.CreatedAt, w.UpdatedAt); err != nil {
				return err
			}
		}
		if len(items) == 1 {
			e.TargetID, e.After = items[0].ID, audit.Digest(items[0])
		} else {
			e.After = audit.Digest(items)
		}
		if len(items) > 0 {
			e.OrgID = items[0].OrgID
		}
		return db.appendAudit(ctx, tx, e)
	})
	return items, err
}

// DeleteSoftware removes an inventory item within scope.
func (db *DB) DeleteSoftware(ctx context.Context, scope auth.Scope, id string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.DeleteSoftware(%q)", id)
	return db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getSoftware(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM software_items WHERE id = $1`, id); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.Before = id, before.OrgID, audit.Digest(before)
		return db.appendAudit(ctx, tx, e)
	})
}

func getSoftware(ctx context.Context, q rowQueryer, scope auth.Scope, id string) (org.Software, error) {
	var a args
	cond := a.scope("w.org_id", scope)
	w, err := scanSoftware(q.QueryRowContext(ctx, `SELECT `+softwareCols+` FROM software_items w WHERE w.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return w, errs.NotFound("software.not_found")
	}
	return w, err
}

// GetSoftware returns an inventory item within scope.
func (db *DB) GetSoftware(ctx context.Context, scope auth.Scope, id string) (w org.Software, err error) {
	defer errs.Wrap(&err, "store.GetSoftware(%q)", id)
	return getSoftware(ctx, db.r, scope, id)
}

// ListSoftware lists inventory within scope.
func (db *DB) ListSoftware(ctx context.Context, scope auth.Scope, f org.SoftwareFilter, pr page.Request) (res page.Result[org.Software], err error) {
	defer errs.Wrap(&err, "store.ListSoftware")
	var a args
	where := a.scope("w.org_id", scope)
	if f.OrgID != "" {
		where += " AND w.org_id = " + a.add(f.OrgID)
	}
	if f.SystemID != "" {
		where += " AND w.system_id = " + a.add(f.SystemID)
	}
	if f.Query != "" {
		q := "%" + likeEscape(lower(f.Query)) + "%"
		where += " AND (LOWER(w.product) LIKE " + a.add(q) + " ESCAPE '\\' OR LOWER(w.vendor) LIKE " + a.add(q) + " ESCAPE '\\')"
	}
	cond, order, err := a.keyset(softwareSort, "w.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+softwareCols+` FROM software_items w WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanSoftware)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(w org.Software) (string, string) {
		switch pr.Sort {
		case "vendor":
			return w.Vendor, w.ID
		case "created_at":
			return timeKey(w.CreatedAt), w.ID
		}
		return w.Product, w.ID
	}), nil
}
