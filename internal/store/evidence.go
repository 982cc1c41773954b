package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/tlp"
)

var _ evidence.Store = (*DB)(nil)

// maxEvidenceList bounds one case's item list until lists are paged.
const maxEvidenceList = 5000

// evidenceScope is the SQL condition under which viewer v sees the item row
// of table alias t: the organisation scope, the item's TLP within v's
// clearance, and an assignment of v to the item's case in a viewing role.
//
// For a Responder viewer the assignment is replaced by the one condition of
// responders' access: the item is live and shared with the responders, and
// v holds an un-revoked incident_members row of the incident whose ID is the
// item's case (evidence cases of incidents are opened with the incident's
// ID). Releasing the responder (revoked_at set) or unsharing the item ends
// it at once.
func evidenceScope(a *args, v evidence.Viewer, t string) string {
	if v.System {
		return "1=1"
	}
	levels := tlpAtMost(v.Clearance)
	if len(levels) == 0 || v.UserID == "" {
		return "1=0"
	}
	if v.Responder {
		return a.scope(t+".org_id", v.Orgs) + " AND " + t + ".tlp IN " + a.in(levels) + " AND " + t + ".shared = " +
			a.add(true) + " AND " + t + ".state = " + a.add(string(evidence.StateHeld)) +
			" AND EXISTS (SELECT 1 FROM incident_members im WHERE im.incident_id = " + t + ".case_id AND im.user_id = " +
			a.add(v.UserID) + " AND im.revoked_at IS NULL)"
	}
	roles := make([]string, len(evidence.CaseRoles))
	for i, r := range evidence.CaseRoles {
		roles[i] = string(r)
	}
	return a.scope(t+".org_id", v.Orgs) + " AND " + t + ".tlp IN " + a.in(levels) +
		" AND EXISTS (SELECT 1 FROM case_assignments ca WHERE ca.case_id = " + t + ".case_id AND ca.user_id = " +
		a.add(v.UserID) + " AND ca.role IN " + a.in(roles) + " AND " + withinCeiling(a, "ca.clearance", t+".tlp") + ")"
}

// withinCeiling is the SQL condition that the TLP in column level is within
// the assignment ceiling in column ceiling (” for none): one clause per
// level, so that no TLP ordering is needed in SQL.
func withinCeiling(a *args, ceiling, level string) string {
	cond := "(" + ceiling + " = ''"
	for l := tlp.Clear; l <= tlp.Red; l++ {
		cond += " OR (" + ceiling + " = " + a.add(l.String()) + " AND " + level + " IN " + a.in(tlpAtMost(l)) + ")"
	}
	return cond + ")"
}

const caseCols = `c.id, c.org_id, c.reference, c.title, c.created_by, c.created_at`

func scanCase(row scanner) (evidence.Case, error) {
	var c evidence.Case
	err := row.Scan(&c.ID, &c.OrgID, &c.Reference, &c.Title, &c.CreatedBy, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// OpenCase inserts a case, or returns the existing one of the same
// organisation (without an audit entry: nothing changed).
func (db *DB) OpenCase(ctx context.Context, c evidence.Case, e audit.Entry) (out evidence.Case, err error) {
	defer errs.Wrap(&err, "store.OpenCase(%q)", c.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanCase(tx.QueryRowContext(ctx, `SELECT `+caseCols+` FROM evidence_cases c WHERE c.id = $1`, c.ID))
		if err == nil {
			if cur.OrgID != c.OrgID {
				return errs.Conflict("evidence.case_other_org", "a case with this ID belongs to another organisation")
			}
			out = cur
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		c.CreatedAt = c.CreatedAt.UTC().Truncate(microsecond)
		_, err = tx.ExecContext(ctx, `INSERT INTO evidence_cases (id, org_id, reference, title, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6)`, c.ID, c.OrgID, c.Reference, c.Title, c.CreatedBy, c.CreatedAt)
		if db.d.isForeignKey(err) {
			return errs.Invalid("evidence.bad_org", "no such organisation", errs.Field("org_id", "evidence.bad_org", "no such organisation"))
		}
		if err != nil {
			return err
		}
		e.TargetID, e.OrgID, e.After = c.ID, c.OrgID, audit.Digest(c)
		out = c
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// GetCase returns a case within scope.
func (db *DB) GetCase(ctx context.Context, scope auth.Scope, id string) (c evidence.Case, err error) {
	defer errs.Wrap(&err, "store.GetCase(%q)", id)
	var a args
	cond := a.scope("c.org_id", scope)
	c, err = scanCase(db.r.QueryRowContext(ctx, `SELECT `+caseCols+` FROM evidence_cases c WHERE c.id = `+a.add(id)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFound("evidence.case_not_found")
	}
	return c, err
}

const assignCols = `ca.case_id, ca.user_id, u.email, ca.role, ca.clearance, ca.assigned_by, ca.assigned_at`

func scanAssignment(row scanner) (evidence.Assignment, error) {
	var a evidence.Assignment
	var ceiling string
	err := row.Scan(&a.CaseID, &a.UserID, &a.Email, &a.Role, &ceiling, &a.AssignedBy, &a.AssignedAt)
	a.AssignedAt = a.AssignedAt.UTC()
	if ceiling != "" {
		a.Clearance, _ = tlp.Parse(ceiling)
	}
	return a, err
}

// ceilingText is how an assignment ceiling is stored (” for none).
func ceilingText(l tlp.Level) string {
	if !l.Valid() {
		return ""
	}
	return l.String()
}

// AssignCase puts a user on a case, or changes their case role.
func (db *DB) AssignCase(ctx context.Context, as evidence.Assignment, e audit.Entry) (out evidence.Assignment, err error) {
	defer errs.Wrap(&err, "store.AssignCase(%q, %q)", as.CaseID, as.UserID)
	as.AssignedAt = as.AssignedAt.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_assignments (case_id, user_id, role, clearance, assigned_by, assigned_at)
			VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (case_id, user_id) DO UPDATE SET role = excluded.role,
			clearance = excluded.clearance, assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at`,
			as.CaseID, as.UserID, string(as.Role), ceilingText(as.Clearance), as.AssignedBy, as.AssignedAt); err != nil {
			return err
		}
		e.After = audit.Digest(as)
		out = as
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// UnassignCase takes a user off a case.
func (db *DB) UnassignCase(ctx context.Context, caseID, userID string, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.UnassignCase(%q, %q)", caseID, userID)
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM case_assignments WHERE case_id = $1 AND user_id = $2`, caseID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errs.NotFound("evidence.assignment_not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// CaseAssignment returns one user's assignment to a case.
func (db *DB) CaseAssignment(ctx context.Context, caseID, userID string) (a evidence.Assignment, err error) {
	defer errs.Wrap(&err, "store.CaseAssignment(%q, %q)", caseID, userID)
	a, err = scanAssignment(db.r.QueryRowContext(ctx, `SELECT `+assignCols+` FROM case_assignments ca
		JOIN users u ON u.id = ca.user_id WHERE ca.case_id = $1 AND ca.user_id = $2`, caseID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.NotFound("evidence.assignment_not_found")
	}
	return a, err
}

// CaseAssignments lists who is on a case, in the order they were assigned.
func (db *DB) CaseAssignments(ctx context.Context, caseID string) (as []evidence.Assignment, err error) {
	defer errs.Wrap(&err, "store.CaseAssignments(%q)", caseID)
	as, err = queryAll(ctx, db.r, `SELECT `+assignCols+` FROM case_assignments ca JOIN users u ON u.id = ca.user_id
		WHERE ca.case_id = $1 ORDER BY ca.assigned_at, ca.user_id`, args{caseID}, scanAssignment)
	if as == nil {
		as = []evidence.Assignment{}
	}
	return as, err
}

// CountHeld counts the live items of a case a user holds.
func (db *DB) CountHeld(ctx context.Context, caseID, userID string) (n int, err error) {
	defer errs.Wrap(&err, "store.CountHeld")
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM evidence_items WHERE case_id = $1 AND holder_id = $2 AND state = $3`,
		caseID, userID, string(evidence.StateHeld)).Scan(&n)
	return n, err
}

// CountEvidence counts the live items of a case v may see.
func (db *DB) CountEvidence(ctx context.Context, v evidence.Viewer, caseID string) (n int, err error) {
	defer errs.Wrap(&err, "store.CountEvidence(%q)", caseID)
	var a args
	q := `SELECT COUNT(*) FROM evidence_items i WHERE i.case_id = ` + a.add(caseID) + ` AND i.state = ` +
		a.add(string(evidence.StateHeld)) + ` AND ` + evidenceScope(&a, v, "i")
	err = db.r.QueryRowContext(ctx, q, a...).Scan(&n)
	return n, err
}

// EvidencePerson returns what the vault needs to know of a user.
func (db *DB) EvidencePerson(ctx context.Context, userID string) (p evidence.Person, err error) {
	defer errs.Wrap(&err, "store.EvidencePerson(%q)", userID)
	err = db.r.QueryRowContext(ctx, `SELECT id, email, role, disabled FROM users WHERE id = $1`, userID).
		Scan(&p.ID, &p.Email, &p.Role, &p.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.NotFound("evidence.user_not_found")
	}
	return p, err
}

const itemCols = `i.id, i.case_id, i.org_id, i.upload_id, i.name, i.size, i.sha256, i.sha512, i.tlp, i.description,
	i.source_device, i.source_system, i.source_location, i.collected_by, i.collected_at, i.method, i.tool,
	i.tool_version, i.legal_basis, i.seal_number, i.supplied_hash, i.legal_hold, i.retain_until, i.sealed, i.seal,
	i.holder_id, i.holder, i.state, i.last_seq, i.last_hash, i.created_by, i.created_at, i.updated_at, i.shared`

func scanItem(row scanner) (evidence.Item, error) {
	var it evidence.Item
	var upload sql.NullString
	var level string
	var retain sql.NullTime
	err := row.Scan(&it.ID, &it.CaseID, &it.OrgID, &upload, &it.Name, &it.Size, &it.SHA256, &it.SHA512, &level,
		&it.Description, &it.SourceDevice, &it.SourceSystem, &it.SourceLocation, &it.CollectedBy, &it.CollectedAt,
		&it.Method, &it.Tool, &it.ToolVersion, &it.LegalBasis, &it.SealNumber, &it.SuppliedHash, &it.LegalHold, &retain,
		&it.Sealed, &it.Seal, &it.HolderID, &it.Holder, &it.State, &it.LastSeq, &it.LastHash, &it.CreatedBy,
		&it.CreatedAt, &it.UpdatedAt, &it.Shared)
	it.UploadID, it.RetainUntil = upload.String, timeOf(retain)
	it.TLP, _ = tlp.Parse(level)
	it.CollectedAt, it.CreatedAt, it.UpdatedAt = it.CollectedAt.UTC(), it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, err
}

// AddEvidence inserts an item with its first custody events.
func (db *DB) AddEvidence(ctx context.Context, it evidence.Item, evs []custody.Event, es []audit.Entry) (out evidence.Item, err error) {
	defer errs.Wrap(&err, "store.AddEvidence(%q)", it.ID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO evidence_items (id, case_id, org_id, upload_id, name, size, sha256, sha512,
			tlp, description, source_device, source_system, source_location, collected_by, collected_at, method, tool,
			tool_version, legal_basis, seal_number, supplied_hash, legal_hold, retain_until, sealed, seal, holder_id, holder,
			state, last_seq, last_hash, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,
			$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33)`,
			it.ID, it.CaseID, it.OrgID, nullStr(it.UploadID), it.Name, it.Size, it.SHA256, it.SHA512, it.TLP.String(),
			it.Description, it.SourceDevice, it.SourceSystem, it.SourceLocation, it.CollectedBy, it.CollectedAt.UTC(),
			it.Method, it.Tool, it.ToolVersion, it.LegalBasis, it.SealNumber, it.SuppliedHash, it.LegalHold,
			nullTime(it.RetainUntil), it.Sealed, it.Seal, it.HolderID, it.Holder, string(it.State), it.LastSeq, it.LastHash,
			it.CreatedBy, it.CreatedAt.UTC(), it.UpdatedAt.UTC())
		if db.d.isUnique(err) {
			return errs.Conflict("evidence.upload_recorded", "this upload is already recorded as an item")
		}
		if err != nil {
			return err
		}
		if err := insertEvents(ctx, tx, evs); err != nil {
			return err
		}
		for i := range es {
			es[i].After = audit.Digest(it)
		}
		out = it
		return db.appendAudit(ctx, tx, es...)
	})
	return out, err
}

func getEvidence(ctx context.Context, q rowQueryer, v evidence.Viewer, col, val string) (evidence.Item, error) {
	var a args
	cond := evidenceScope(&a, v, "i")
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM evidence_items i WHERE i.`+col+` = `+a.add(val)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return it, errs.NotFound("evidence.not_found")
	}
	return it, err
}

// GetEvidence returns an item v may see.
func (db *DB) GetEvidence(ctx context.Context, v evidence.Viewer, id string) (it evidence.Item, err error) {
	defer errs.Wrap(&err, "store.GetEvidence(%q)", id)
	return getEvidence(ctx, db.r, v, "id", id)
}

// EvidenceByUpload returns the item recorded from an upload session.
func (db *DB) EvidenceByUpload(ctx context.Context, v evidence.Viewer, uploadID string) (it evidence.Item, err error) {
	defer errs.Wrap(&err, "store.EvidenceByUpload(%q)", uploadID)
	return getEvidence(ctx, db.r, v, "upload_id", uploadID)
}

// ListEvidence lists a case's items v may see, oldest first, and audits the read.
func (db *DB) ListEvidence(ctx context.Context, v evidence.Viewer, caseID string, e audit.Entry) (items []evidence.Item, err error) {
	defer errs.Wrap(&err, "store.ListEvidence(%q)", caseID)
	var a args
	cond := evidenceScope(&a, v, "i")
	items, err = queryAll(ctx, db.r, `SELECT `+itemCols+` FROM evidence_items i WHERE i.case_id = `+a.add(caseID)+
		` AND `+cond+` ORDER BY i.created_at, i.id LIMIT `+a.add(maxEvidenceList), a, scanItem)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []evidence.Item{}
	}
	e.Detail = audit.Entry{}.WithDetail(map[string]any{"items": len(items)}).Detail
	return items, db.AuditEvidence(ctx, e)
}

// AllEvidence lists every item, for the platform's re-verification.
func (db *DB) AllEvidence(ctx context.Context) (items []evidence.Item, err error) {
	defer errs.Wrap(&err, "store.AllEvidence")
	return queryAll(ctx, db.r, `SELECT `+itemCols+` FROM evidence_items i ORDER BY i.created_at, i.id`, nil, scanItem)
}

// BlobInUse reports whether a live item has content with this SHA-256.
func (db *DB) BlobInUse(ctx context.Context, sha256 string) (used bool, err error) {
	defer errs.Wrap(&err, "store.BlobInUse")
	var n int
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM evidence_items WHERE sha256 = $1 AND state = $2`,
		sha256, string(evidence.StateHeld)).Scan(&n)
	return n > 0, err
}

// AuditEvidence appends an audit entry on its own (audited reads, re-verification).
func (db *DB) AuditEvidence(ctx context.Context, e audit.Entry) (err error) {
	defer errs.Wrap(&err, "store.AuditEvidence(%q)", e.Action)
	return db.tx(ctx, func(tx *sql.Tx) error { return db.appendAudit(ctx, tx, e) })
}
