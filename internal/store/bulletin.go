package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

var _ portal.BulletinStore = (*DB)(nil)

const bulletinCols = `b.id, b.category, b.title_vi, b.title_en, b.body_vi, b.body_en, b.published_at, b.author_id, b.author,
	b.created_at, b.updated_at, b.version`

func scanBulletin(row scanner) (portal.Bulletin, error) {
	var b portal.Bulletin
	var pub sql.NullTime
	err := row.Scan(&b.ID, &b.Category, &b.TitleVI, &b.TitleEN, &b.BodyVI, &b.BodyEN, &pub, &b.AuthorID, &b.Author,
		&b.CreatedAt, &b.UpdatedAt, &b.Version)
	b.PublishedAt, b.CreatedAt, b.UpdatedAt = timeOf(pub), b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

// CreateBulletin inserts a bulletin.
func (db *DB) CreateBulletin(ctx context.Context, b portal.Bulletin, e audit.Entry) (out portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.CreateBulletin")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_bulletins (id, category, title_vi, title_en, body_vi, body_en,
			published_at, author_id, author, created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
			b.ID, string(b.Category), b.TitleVI, b.TitleEN, b.BodyVI, b.BodyEN, nullTime(b.PublishedAt), b.AuthorID, b.Author,
			b.CreatedAt.UTC(), b.UpdatedAt.UTC(), b.Version); err != nil {
			return err
		}
		e.After = audit.Digest(b)
		out = b
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// UpdateBulletin replaces a bulletin whose stored version is b.Version-1.
func (db *DB) UpdateBulletin(ctx context.Context, b portal.Bulletin, e audit.Entry) (out portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.UpdateBulletin(%q)", b.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getBulletin(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE portal_bulletins SET category = $1, title_vi = $2, title_en = $3, body_vi = $4,
			body_en = $5, published_at = $6, updated_at = $7, version = $8 WHERE id = $9 AND version = $10`,
			string(b.Category), b.TitleVI, b.TitleEN, b.BodyVI, b.BodyEN, nullTime(b.PublishedAt), b.UpdatedAt.UTC(), b.Version,
			b.ID, b.Version-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.Conflict(portal.CodeRace, "someone else changed the bulletin meanwhile; reload it")
		}
		e.Before, e.After = audit.Digest(before), audit.Digest(b)
		out = b
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func getBulletin(ctx context.Context, q rowQueryer, id string) (portal.Bulletin, error) {
	b, err := scanBulletin(q.QueryRowContext(ctx, `SELECT `+bulletinCols+` FROM portal_bulletins b WHERE b.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, errs.NotFound("portal.bulletin_not_found")
	}
	return b, err
}

// GetBulletin returns a bulletin, draft or not.
func (db *DB) GetBulletin(ctx context.Context, id string) (b portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.GetBulletin(%q)", id)
	return getBulletin(ctx, db.r, id)
}

var bulletinSort = map[string]sortCol{
	"created_at":   {"b.created_at", colTime},
	"published_at": {"b.published_at", colTime},
}

// ListBulletins lists bulletins a page at a time.
func (db *DB) ListBulletins(ctx context.Context, f portal.BulletinFilter, pr page.Request) (res page.Result[portal.Bulletin], err error) {
	defer errs.Wrap(&err, "store.ListBulletins")
	var a args
	where := "1=1"
	if !f.PublishedBy.IsZero() {
		where += " AND b.published_at IS NOT NULL AND b.published_at <= " + a.add(f.PublishedBy.UTC())
	} else if pr.Sort == "published_at" {
		where += " AND b.published_at IS NOT NULL"
	}
	if f.Category != "" {
		where += " AND b.category = " + a.add(string(f.Category))
	}
	cond, order, err := a.keyset(bulletinSort, "b.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+bulletinCols+` FROM portal_bulletins b WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanBulletin)
	if err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(b portal.Bulletin) (string, string) {
		if pr.Sort == "published_at" {
			return timeKey(b.PublishedAt), b.ID
		}
		return timeKey(b.CreatedAt), b.ID
	}), nil
}
