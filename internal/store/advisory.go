package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

var _ advisory.Store = (*DB)(nil)

const advisoryCols = `a.id, a.source, a.source_id, a.publisher, a.revision, a.status, a.title, a.title_vi, a.summary,
	a.summary_vi, a.action, a.action_vi, a.severity, a.tlp, a.scores, a.refs, a.known_exploited, a.kev_due_date,
	a.due_profile, a.feed_id, a.published, a.updated, a.published_by, a.created_at, a.updated_at`

// severityRank orders severities for sorting (col is a severity column).
func severityRank(col string) string {
	return "(CASE " + col + " WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)"
}

func sevRank(s string) int64 {
	switch s {
	case advisory.SeverityCritical:
		return 4
	case advisory.SeverityHigh:
		return 3
	case advisory.SeverityMedium:
		return 2
	case advisory.SeverityLow:
		return 1
	}
	return 0
}

var advisorySort = map[string]sortCol{
	"updated_at": {"a.updated_at", colTime},
	"title":      {"a.title_fold", colText},
	"severity":   {severityRank("a.severity"), colInt},
}

func scanAdvisory(row scanner) (advisory.Record, error) {
	var r advisory.Record
	var level, scores, refs string
	var kev, pub, upd sql.NullTime
	err := row.Scan(&r.ID, &r.Source, &r.SourceID, &r.Publisher, &r.Revision, &r.Status, &r.Title, &r.TitleVI, &r.Summary,
		&r.SummaryVI, &r.Action, &r.ActionVI, &r.Severity, &level, &scores, &refs, &r.KnownExploited, &kev,
		&r.DueProfile, &r.FeedID, &pub, &upd, &r.PublishedBy, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.TLP, _ = tlp.Parse(level)
	_ = json.Unmarshal([]byte(scores), &r.Scores)
	_ = json.Unmarshal([]byte(refs), &r.References)
	r.KEVDueDate, r.Published, r.Updated = timeOf(kev), timeOf(pub), timeOf(upd)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// ownSourceID names the platform's own advisories: KHIEN-YYYY-XXXXXX.
func ownSourceID(id string, now time.Time) string {
	return "KHIEN-" + strconv.Itoa(now.Year()) + "-" + strings.ToUpper(strings.ReplaceAll(id, "-", "")[20:26])
}

// CreateAdvisory stores a new advisory with its products and CVEs.
func (db *DB) CreateAdvisory(ctx context.Context, r advisory.Record, e audit.Entry) (out advisory.Record, err error) {
	defer errs.Wrap(&err, "store.CreateAdvisory")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = insertAdvisory(ctx, tx, db.Now(), r)
		if err != nil {
			return err
		}
		e.TargetID, e.After = out.ID, audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func insertAdvisory(ctx context.Context, tx *sql.Tx, now time.Time, r advisory.Record) (advisory.Record, error) {
	r.ID, r.CreatedAt, r.UpdatedAt = newID(), now, now
	if r.SourceID == "" {
		r.SourceID = ownSourceID(r.ID, now)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO advisories (id, source, source_id, publisher, revision, status, title, title_vi,
		summary, summary_vi, action, action_vi, severity, tlp, scores, refs, known_exploited, kev_due_date, due_profile, feed_id,
		title_fold, published, updated, published_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)`,
		r.ID, r.Source, r.SourceID, r.Publisher, r.Revision, r.Status, r.Title, r.TitleVI, r.Summary, r.SummaryVI, r.Action, r.ActionVI,
		r.Severity, r.TLP.String(), jsonText(r.Scores), jsonText(r.References), r.KnownExploited, nullTime(r.KEVDueDate),
		r.DueProfile, r.FeedID, titleFold(r.Advisory), nullTime(r.Published), nullTime(r.Updated), r.PublishedBy, now, now)
	if err != nil {
		return r, err
	}
	return r, writeAdvisoryParts(ctx, tx, r)
}

// titleFold is what title searches and sorts compare: both titles, folded.
func titleFold(a advisory.Advisory) string {
	t := a.Title
	if t == "" {
		t = a.TitleVI
	}
	return org.Fold(t + " | " + a.TitleVI)
}

// writeAdvisoryParts replaces an advisory's product and CVE rows.
func writeAdvisoryParts(ctx context.Context, tx *sql.Tx, r advisory.Record) error {
	for _, q := range []string{`DELETE FROM advisory_products WHERE advisory_id = $1`, `DELETE FROM advisory_cves WHERE advisory_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, r.ID); err != nil {
			return err
		}
	}
	for i, p := range r.Products {
		if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_products (advisory_id, idx, cpe, purl, name, ranges, versions, fixed)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, r.ID, i, p.CPE, p.PURL, p.Name, jsonText(p.Ranges), jsonText(p.Versions), jsonText(p.Fixed)); err != nil {
			return err
		}
	}
	for _, c := range r.CVEs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO advisory_cves (advisory_id, cve) VALUES ($1,$2)`, r.ID, c); err != nil {
			return err
		}
	}
	return nil
}

// UpdateAdvisory replaces a stored advisory's fields, products and CVEs.
func (db *DB) UpdateAdvisory(ctx context.Context, r advisory.Record, e audit.Entry) (out advisory.Record, err error) {
	defer errs.Wrap(&err, "store.UpdateAdvisory(%q)", r.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getAdvisory(ctx, tx, tlp.Red, r.ID)
		if err != nil {
			return err
		}
		if out, err = updateAdvisory(ctx, tx, db.Now(), r); err != nil {
			return err
		}
		e.TargetID, e.Before, e.After = r.ID, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func updateAdvisory(ctx context.Context, tx *sql.Tx, now time.Time, r advisory.Record) (advisory.Record, error) {
	r.UpdatedAt = now
	_, err := tx.ExecContext(ctx, `UPDATE advisories SET publisher=$2, revision=$3, status=$4, title=$5, title_vi=$6, summary=$7,
		summary_vi=$8, action=$9, action_vi=$10, severity=$11, tlp=$12, scores=$13, refs=$14, known_exploited=$15, kev_due_date=$16,
		due_profile=$17, feed_id=$18, title_fold=$19, published=$20, updated=$21, published_by=$22, updated_at=$23 WHERE id=$1`,
		r.ID, r.Publisher, r.Revision, r.Status, r.Title, r.TitleVI, r.Summary, r.SummaryVI, r.Action, r.ActionVI, r.Severity,
		r.TLP.String(), jsonText(r.Scores), jsonText(r.References), r.KnownExploited, nullTime(r.KEVDueDate), r.DueProfile, r.FeedID,
		titleFold(r.Advisory), nullTime(r.Published), nullTime(r.Updated), r.PublishedBy, now)
	if err != nil {
		return r, err
	}
	return r, writeAdvisoryParts(ctx, tx, r)
}

func getAdvisory(ctx context.Context, q rowQueryer, clearance tlp.Level, id string) (advisory.Record, error) {
	var a args
	levels := tlpAtMost(clearance)
	if len(levels) == 0 {
		return advisory.Record{}, errs.NotFound("advisory.not_found")
	}
	r, err := scanAdvisory(q.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories a WHERE a.id = `+a.add(id)+
		` AND a.tlp IN `+a.in(levels), a...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFound("advisory.not_found")
	}
	if err != nil {
		return r, err
	}
	rs := []advisory.Record{r}
	if err := loadAdvisoryParts(ctx, q, rs); err != nil {
		return r, err
	}
	return rs[0], nil
}

// loadAdvisoryParts fills the products and CVEs of rs (in chunks of ids).
func loadAdvisoryParts(ctx context.Context, q rowQueryer, rs []advisory.Record) error {
	at := make(map[string]int, len(rs))
	for i, r := range rs {
		at[r.ID] = i
	}
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		var a args
		in := a.in(chunk)
		type prow struct {
			id string
			p  advisory.Product
		}
		ps, err := queryAll(ctx, q, `SELECT advisory_id, cpe, purl, name, ranges, versions, fixed FROM advisory_products
			WHERE advisory_id IN `+in+` ORDER BY advisory_id, idx`, a, func(s scanner) (prow, error) {
			var r prow
			var ranges, versions, fixed string
			err := s.Scan(&r.id, &r.p.CPE, &r.p.PURL, &r.p.Name, &ranges, &versions, &fixed)
			_ = json.Unmarshal([]byte(ranges), &r.p.Ranges)
			_ = json.Unmarshal([]byte(versions), &r.p.Versions)
			_ = json.Unmarshal([]byte(fixed), &r.p.Fixed)
			if len(r.p.Ranges) == 0 {
				r.p.Ranges = nil
			}
			if len(r.p.Versions) == 0 {
				r.p.Versions = nil
			}
			if len(r.p.Fixed) == 0 {
				r.p.Fixed = nil
			}
			return r, err
		})
		if err != nil {
			return err
		}
		for _, p := range ps {
			r := &rs[at[p.id]]
			r.Products = append(r.Products, p.p)
		}
		cs, err := queryAll(ctx, q, `SELECT advisory_id, cve FROM advisory_cves WHERE advisory_id IN `+in+` ORDER BY advisory_id, cve`,
			a, func(s scanner) ([2]string, error) {
				var v [2]string
				return v, s.Scan(&v[0], &v[1])
			})
		if err != nil {
			return err
		}
		for _, c := range cs {
			r := &rs[at[c[0]]]
			r.CVEs = append(r.CVEs, c[1])
		}
	}
	return nil
}

// GetAdvisory returns an advisory whose TLP the clearance allows.
func (db *DB) GetAdvisory(ctx context.Context, clearance tlp.Level, id string) (r advisory.Record, err error) {
	defer errs.Wrap(&err, "store.GetAdvisory(%q)", id)
	return getAdvisory(ctx, db.r, clearance, id)
}

// ListAdvisories lists advisories within the filter's clearance.
func (db *DB) ListAdvisories(ctx context.Context, f advisory.Filter, pr page.Request) (res page.Result[advisory.Record], err error) {
	defer errs.Wrap(&err, "store.ListAdvisories")
	var a args
	levels := tlpAtMost(f.Clearance)
	if len(levels) == 0 {
		return page.Result[advisory.Record]{Items: []advisory.Record{}}, nil
	}
	where := "a.tlp IN " + a.in(levels)
	if f.Source != "" {
		where += " AND a.source = " + a.add(f.Source)
	}
	if f.Severity != "" {
		where += " AND a.severity = " + a.add(f.Severity)
	}
	if s, ok := strings.CutPrefix(f.Status, "!"); ok {
		where += " AND a.status <> " + a.add(s)
	} else if f.Status != "" {
		where += " AND a.status = " + a.add(f.Status)
	}
	if f.KEV {
		where += " AND a.known_exploited = " + a.add(true)
	}
	if f.CVE != "" {
		where += " AND EXISTS (SELECT 1 FROM advisory_cves c WHERE c.advisory_id = a.id AND c.cve = " + a.add(strings.ToUpper(f.CVE)) + ")"
	}
	if f.Query != "" {
		where += " AND (a.title_fold LIKE " + a.add("%"+likeEscape(org.Fold(f.Query))+"%") + " ESCAPE '\\' OR a.source_id = " + a.add(f.Query) + ")"
	}
	cond, order, err := a.keyset(advisorySort, "a.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+advisoryCols+` FROM advisories a WHERE `+where+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanAdvisory)
	if err != nil {
		return res, err
	}
	if err := loadAdvisoryParts(ctx, db.r, items); err != nil {
		return res, err
	}
	return finishPage(items, pr.Limit, func(r advisory.Record) (string, string) {
		switch pr.Sort {
		case "title":
			return titleFold(r.Advisory), r.ID
		case "severity":
			return intKey(sevRank(r.Severity)), r.ID
		}
		return timeKey(r.UpdatedAt), r.ID
	}), nil
}

// ImportAdvisory stores an imported advisory in its own transaction.
func (db *DB) ImportAdvisory(ctx context.Context, r advisory.Record, newer func(advisory.Advisory) bool, e audit.Entry) (id, outcome string, err error) {
	defer errs.Wrap(&err, "store.ImportAdvisory(%q)", r.SourceID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT id FROM advisories WHERE source = $1 AND source_id = $2`, r.Source, r.SourceID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			out, err := insertAdvisory(ctx, tx, db.Now(), r)
			if err != nil {
				return err
			}
			id, outcome = out.ID, advisory.OutcomeCreated
			e.TargetID, e.After = id, audit.Digest(out)
			return db.appendAudit(ctx, tx, e)
		}
		if err != nil {
			return err
		}
		before, err := getAdvisory(ctx, tx, tlp.Red, cur)
		if err != nil {
			return err
		}
		id = cur
		if !newer(before.Advisory) {
			outcome = advisory.OutcomeUnchanged
			return nil
		}
		r.ID, r.CreatedAt = cur, before.CreatedAt
		out, err := updateAdvisory(ctx, tx, db.Now(), r)
		if err != nil {
			return err
		}
		outcome = advisory.OutcomeUpdated
		e.TargetID, e.Before, e.After = id, audit.Digest(before), audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return id, outcome, err
}

// MatchableAdvisories returns the advisories that produce action items.
func (db *DB) MatchableAdvisories(ctx context.Context, ids []string) (out []advisory.Record, err error) {
	defer errs.Wrap(&err, "store.MatchableAdvisories")
	var a args
	where := "a.status <> " + a.add(advisory.StatusDraft) + " AND a.tlp IN " + a.in(tlpAtMost(tlp.Amber))
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		where += " AND a.id IN " + a.in(ids)
	}
	out, err = queryAll(ctx, db.r, `SELECT `+advisoryCols+` FROM advisories a WHERE `+where+` ORDER BY a.id`, a, scanAdvisory)
	if err != nil {
		return nil, err
	}
	return out, loadAdvisoryParts(ctx, db.r, out)
}

// PublishedAdvisories are the platform's own published TLP:CLEAR advisories,
// what the CSAF provider serves (csaf.Source).
func (db *DB) PublishedAdvisories(ctx context.Context) (out []advisory.Advisory, err error) {
	defer errs.Wrap(&err, "store.PublishedAdvisories")
	rs, err := queryAll(ctx, db.r, `SELECT `+advisoryCols+` FROM advisories a WHERE a.source = $1 AND a.status = $2 AND a.tlp = $3
		ORDER BY a.published, a.id`, args{advisory.SourceKhien, advisory.StatusPublished, tlp.Clear.String()}, scanAdvisory)
	if err != nil {
		return nil, err
	}
	if err := loadAdvisoryParts(ctx, db.r, rs); err != nil {
		return nil, err
	}
	for _, r := range rs {
		out = append(out, r.Advisory)
	}
	return out, nil
}
