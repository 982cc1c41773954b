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
	"github.com/khien-cert/khien/internal/portal"
)

// Awareness bulletins and their pictures' records (the bytes are in the
// portal's blob store). A bulletin belongs to its publisher (org_id): the
// scope of a read or a change is applied to that column, and a bulletin
// outside it is not found.

var _ portal.BulletinStore = (*DB)(nil)

const bulletinCols = `b.id, b.org_id, o.name, b.category, b.title_vi, b.title_en, b.body_vi, b.body_en, b.published_at,
	b.author_id, b.author, b.created_at, b.updated_at, b.version`

const bulletinFrom = ` FROM portal_bulletins b JOIN organisations o ON o.id = b.org_id`

func scanBulletin(row scanner) (portal.Bulletin, error) {
	var b portal.Bulletin
	var pub sql.NullTime
	err := row.Scan(&b.ID, &b.OrgID, &b.Publisher, &b.Category, &b.TitleVI, &b.TitleEN, &b.BodyVI, &b.BodyEN, &pub,
		&b.AuthorID, &b.Author, &b.CreatedAt, &b.UpdatedAt, &b.Version)
	b.PublishedAt, b.CreatedAt, b.UpdatedAt = timeOf(pub), b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, err
}

// CreateBulletin inserts a bulletin and its pictures' records.
func (db *DB) CreateBulletin(ctx context.Context, b portal.Bulletin, e audit.Entry) (out portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.CreateBulletin")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, b.OrgID).Scan(&b.Publisher); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.NotFound("org.not_found")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_bulletins (id, org_id, category, title_vi, title_en, body_vi, body_en,
			published_at, author_id, author, created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
			b.ID, b.OrgID, string(b.Category), b.TitleVI, b.TitleEN, b.BodyVI, b.BodyEN, nullTime(b.PublishedAt), b.AuthorID, b.Author,
			b.CreatedAt.UTC(), b.UpdatedAt.UTC(), b.Version); err != nil {
			return err
		}
		if err := insertBulletinImages(ctx, tx, b); err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = b.ID, b.OrgID, audit.Digest(b)
		out = b
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func insertBulletinImages(ctx context.Context, tx *sql.Tx, b portal.Bulletin) error {
	for i, im := range b.Images {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_bulletin_images (bulletin_id, position, sha256, content_type, width,
			height, size, alt_vi, alt_en) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			b.ID, i, im.SHA256, im.Type, im.Width, im.Height, im.Size, im.AltVI, im.AltEN); err != nil {
			return err
		}
	}
	return nil
}

// UpdateBulletin replaces a bulletin in s whose stored version is
// b.Version-1, pictures included.
func (db *DB) UpdateBulletin(ctx context.Context, s auth.Scope, b portal.Bulletin, e audit.Entry) (out portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.UpdateBulletin(%q)", b.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getBulletin(ctx, tx, s, b.ID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, b.OrgID).Scan(&b.Publisher); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.NotFound("org.not_found")
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE portal_bulletins SET org_id = $1, category = $2, title_vi = $3, title_en = $4,
			body_vi = $5, body_en = $6, published_at = $7, updated_at = $8, version = $9 WHERE id = $10 AND version = $11`,
			b.OrgID, string(b.Category), b.TitleVI, b.TitleEN, b.BodyVI, b.BodyEN, nullTime(b.PublishedAt), b.UpdatedAt.UTC(),
			b.Version, b.ID, b.Version-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errs.Conflict(portal.CodeRace, "someone else changed the bulletin meanwhile; reload it")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_bulletin_images WHERE bulletin_id = $1`, b.ID); err != nil {
			return err
		}
		if err := insertBulletinImages(ctx, tx, b); err != nil {
			return err
		}
		e.TargetID, e.OrgID = b.ID, b.OrgID
		e.Before, e.After = audit.Digest(before), audit.Digest(b)
		out = b
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func getBulletin(ctx context.Context, q rowQueryer, s auth.Scope, id string) (portal.Bulletin, error) {
	var a args
	where := ` WHERE b.id = ` + a.add(id) + ` AND ` + a.scope("b.org_id", s)
	b, err := scanBulletin(q.QueryRowContext(ctx, `SELECT `+bulletinCols+bulletinFrom+where, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return b, errs.NotFound("portal.bulletin_not_found")
	}
	if err != nil {
		return b, err
	}
	bs := []portal.Bulletin{b}
	err = withBulletinImages(ctx, q, bs)
	return bs[0], err
}

// withBulletinImages fills the pictures of bulletins.
func withBulletinImages(ctx context.Context, q rowQueryer, bs []portal.Bulletin) error {
	if len(bs) == 0 {
		return nil
	}
	at := make(map[string]int, len(bs))
	ids := make([]string, len(bs))
	for i, b := range bs {
		at[b.ID], ids[i] = i, b.ID
	}
	var a args
	rows, err := q.QueryContext(ctx, `SELECT bulletin_id, sha256, content_type, width, height, size, alt_vi, alt_en
		FROM portal_bulletin_images WHERE bulletin_id IN `+a.in(ids)+` ORDER BY bulletin_id, position`, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var im portal.BulletinImage
		if err := rows.Scan(&id, &im.SHA256, &im.Type, &im.Width, &im.Height, &im.Size, &im.AltVI, &im.AltEN); err != nil {
			return err
		}
		i := at[id]
		bs[i].Images = append(bs[i].Images, im)
	}
	return rows.Err()
}

// GetBulletin returns a bulletin in s, draft or not.
func (db *DB) GetBulletin(ctx context.Context, s auth.Scope, id string) (b portal.Bulletin, err error) {
	defer errs.Wrap(&err, "store.GetBulletin(%q)", id)
	return getBulletin(ctx, db.r, s, id)
}

var bulletinSort = map[string]sortCol{
	"created_at":   {"b.created_at", colTime},
	"published_at": {"b.published_at", colTime},
}

// ListBulletins lists bulletins a page at a time.
func (db *DB) ListBulletins(ctx context.Context, f portal.BulletinFilter, pr page.Request) (res page.Result[portal.Bulletin], err error) {
	defer errs.Wrap(&err, "store.ListBulletins")
	var a args
	where := a.scope("b.org_id", f.Scope)
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
	items, err := queryAll(ctx, db.r, `SELECT `+bulletinCols+bulletinFrom+` WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanBulletin)
	if err != nil {
		return res, err
	}
	res = finishPage(items, pr.Limit, func(b portal.Bulletin) (string, string) {
		if pr.Sort == "published_at" {
			return timeKey(b.PublishedAt), b.ID
		}
		return timeKey(b.CreatedAt), b.ID
	})
	return res, withBulletinImages(ctx, db.r, res.Items)
}

// Publishers lists the organisations in s of the given kinds, by name.
func (db *DB) Publishers(ctx context.Context, s auth.Scope, kinds []org.Kind) (out []portal.Publisher, err error) {
	defer errs.Wrap(&err, "store.Publishers")
	if len(kinds) == 0 {
		return nil, nil
	}
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	var a args
	return queryAll(ctx, db.r, `SELECT o.id, o.name, o.kind FROM organisations o WHERE o.kind IN `+a.in(ks)+` AND `+
		a.scope("o.id", s)+` ORDER BY o.name_fold, o.id`, a, func(row scanner) (portal.Publisher, error) {
		var p portal.Publisher
		err := row.Scan(&p.ID, &p.Name, &p.Kind)
		return p, err
	})
}

// BulletinImageInUse reports whether any bulletin carries the picture.
func (db *DB) BulletinImageInUse(ctx context.Context, sha256 string) (used bool, err error) {
	defer errs.Wrap(&err, "store.BulletinImageInUse")
	var n int
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM portal_bulletin_images WHERE sha256 = $1`, sha256).Scan(&n)
	return n > 0, err
}
