package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

var _ incident.Store = (*DB)(nil)

const incidentCols = `i.id, i.reference, i.org_id, o.name, i.reporter_id, i.reporter_label, i.contact_name, i.contact_email,
	i.contact_phone, i.title, i.description, i.detected_at, i.occurred_at, i.reported_at, i.category, i.impact,
	i.actions_taken, i.personal_data, i.severity, i.proposed_severity, i.severity_reason, i.tlp, i.state, i.owner_id,
	COALESCE(ou.email, ''), i.merged_into, i.rejection_reason, i.clock_profile, i.waiting_since, i.breached, i.triaged_at,
	i.first_response_at, i.contained_at, i.resolved_at, i.closed_at, i.last_update_at, i.created_at, i.updated_at`

const incidentFrom = ` FROM incidents i JOIN organisations o ON o.id = i.org_id LEFT JOIN users ou ON ou.id = i.owner_id`

func scanIncident(row scanner) (incident.Incident, error) {
	var x incident.Incident
	var occurred, waiting, triaged, responded, contained, resolved, closed, updated sql.NullTime
	var owner, merged sql.NullString
	var level, impact, sev, proposed, state string
	err := row.Scan(&x.ID, &x.Reference, &x.OrgID, &x.OrgName, &x.ReporterID, &x.ReporterLabel, &x.ContactName,
		&x.ContactEmail, &x.ContactPhone, &x.Title, &x.Description, &x.DetectedAt, &occurred, &x.ReportedAt,
		&x.Category, &impact, &x.ActionsTaken, &x.PersonalData, &sev, &proposed, &x.SeverityReason, &level, &state,
		&owner, &x.OwnerLabel, &merged, &x.RejectionReason, &x.ClockProfile, &waiting, &x.Breached, &triaged,
		&responded, &contained, &resolved, &closed, &updated, &x.CreatedAt, &x.UpdatedAt)
	x.Impact, x.Severity, x.ProposedSeverity, x.State = incident.Impact(impact), incident.Severity(sev), incident.Severity(proposed), incident.State(state)
	x.TLP, _ = tlp.Parse(level)
	x.OwnerID, x.MergedInto = owner.String, merged.String
	x.OccurredAt, x.WaitingSince, x.TriagedAt, x.FirstResponseAt = timeOf(occurred), timeOf(waiting), timeOf(triaged), timeOf(responded)
	x.ContainedAt, x.ResolvedAt, x.ClosedAt, x.LastUpdateAt = timeOf(contained), timeOf(resolved), timeOf(closed), timeOf(updated)
	x.DetectedAt, x.ReportedAt, x.CreatedAt, x.UpdatedAt = x.DetectedAt.UTC(), x.ReportedAt.UTC(), x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x, err
}

func trunc(t time.Time) time.Time { return t.UTC().Truncate(microsecond) }

func nullT(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return trunc(t)
}

// CreateIncident numbers and inserts an incident, then applies build's change.
func (db *DB) CreateIncident(ctx context.Context, inc incident.Incident, build func(incident.Loaded) (incident.Change, error)) (out incident.Incident, err error) {
	defer errs.Wrap(&err, "store.CreateIncident")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		year := inc.ReportedAt.In(incident.Zone()).Year()
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_sequences (year, last) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING`, year); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `UPDATE incident_sequences SET last = last + 1 WHERE year = $1 RETURNING last`, year).Scan(&n); err != nil {
			return err
		}
		inc.Reference = fmt.Sprintf("KH-%d-%06d", year, n)
		_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, reference, org_id, reporter_id, reporter_label, contact_name,
			contact_email, contact_phone, title, description, detected_at, occurred_at, reported_at, category, impact,
			actions_taken, personal_data, severity, proposed_severity, severity_reason, tlp, state, clock_profile,
			created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25)`,
			inc.ID, inc.Reference, inc.OrgID, inc.ReporterID, inc.ReporterLabel, inc.ContactName, inc.ContactEmail,
			inc.ContactPhone, inc.Title, inc.Description, trunc(inc.DetectedAt), nullT(inc.OccurredAt), trunc(inc.ReportedAt),
			inc.Category, string(inc.Impact), inc.ActionsTaken, inc.PersonalData, string(inc.Severity),
			string(inc.ProposedSeverity), inc.SeverityReason, inc.TLP.String(), string(inc.State), inc.ClockProfile,
			trunc(inc.CreatedAt), trunc(inc.UpdatedAt))
		if db.d.isForeignKey(err) {
			return errs.NotFound("incident.org_not_found")
		}
		if err != nil {
			return err
		}
		for _, s := range inc.Systems {
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_systems (incident_id, system_id, org_id, name, security_level)
				VALUES ($1,$2,$3,$4,$5)`, inc.ID, s.ID, s.OrgID, s.Name, s.Level); err != nil {
				return err
			}
		}
		for k, in := range inc.Indicators {
			in.ID = newID()
			inc.Indicators[k] = in
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_indicators (id, incident_id, type, value, note, created_at)
				VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (incident_id, type, value) DO NOTHING`,
				in.ID, inc.ID, in.Type, in.Value, in.Note, trunc(inc.CreatedAt)); err != nil {
				return err
			}
		}
		l := incident.Loaded{Incident: inc}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), '') FROM organisations WHERE coordinating`).Scan(&l.CoordOrgID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, inc.OrgID).Scan(&l.Incident.OrgName); err != nil {
			return err
		}
		ch, err := build(l)
		if err != nil {
			return err
		}
		ch.Incident = nil
		if err := db.applyIncidentChange(ctx, tx, l, ch, true); err != nil {
			return err
		}
		out, err = loadIncident(ctx, tx, inc.ID)
		return err
	})
	return out, err
}

// MutateIncident loads what v may see, lets fn decide and applies the change.
func (db *DB) MutateIncident(ctx context.Context, v incident.Viewer, id string, fn func(*incident.Loaded) (incident.Change, error)) (out incident.Incident, err error) {
	defer errs.Wrap(&err, "store.MutateIncident(%q)", id)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		l, err := db.loadScoped(ctx, tx, v, "i.id", id)
		if err != nil {
			return err
		}
		ch, err := fn(&l)
		if err != nil {
			return err
		}
		if err := db.applyIncidentChange(ctx, tx, l, ch, ch.Incident != nil || ch.OpenPause != nil || !ch.ClosePause.IsZero()); err != nil {
			return err
		}
		out, err = loadIncident(ctx, tx, id)
		return err
	})
	return out, err
}

// applyIncidentChange writes ch inside tx. The breached flag is never
// written from a loaded copy: only markBreaches sets it.
func (db *DB) applyIncidentChange(ctx context.Context, tx *sql.Tx, l incident.Loaded, ch incident.Change, replan bool) error {
	now := db.Now()
	if !ch.Now.IsZero() {
		now = trunc(ch.Now)
	}
	id := l.Incident.ID
	if n := ch.Incident; n != nil {
		res, err := tx.ExecContext(ctx, `UPDATE incidents SET category = $1, severity = $2, severity_reason = $3, tlp = $4,
			state = $5, owner_id = $6, merged_into = $7, rejection_reason = $8, clock_profile = $9, waiting_since = $10,
			triaged_at = $11, first_response_at = $12, contained_at = $13, resolved_at = $14, closed_at = $15,
			last_update_at = $16, updated_at = $17, personal_data = $20 WHERE id = $18 AND updated_at = $19`,
			n.Category, string(n.Severity), n.SeverityReason, n.TLP.String(), string(n.State), nullStr(n.OwnerID),
			nullStr(n.MergedInto), n.RejectionReason, n.ClockProfile, nullT(n.WaitingSince), nullT(n.TriagedAt),
			nullT(n.FirstResponseAt), nullT(n.ContainedAt), nullT(n.ResolvedAt), nullT(n.ClosedAt), nullT(n.LastUpdateAt),
			trunc(n.UpdatedAt), id, trunc(l.Incident.UpdatedAt), n.PersonalData)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return errs.Conflict("incident.changed", "the incident changed meanwhile; reload and try again")
		}
	}
	if !ch.ClosePause.IsZero() {
		if _, err := tx.ExecContext(ctx, `UPDATE incident_clock_pauses SET ended_at = $1 WHERE incident_id = $2 AND ended_at IS NULL`,
			trunc(ch.ClosePause), id); err != nil {
			return err
		}
	}
	if p := ch.OpenPause; p != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_clock_pauses (incident_id, started_at, reason) VALUES ($1,$2,$3)`,
			id, trunc(p.Start), p.Reason); err != nil {
			return err
		}
	}
	for _, e := range append(ch.Entries, ch.Also...) {
		if e.IncidentID == "" {
			e.IncidentID = id
		}
		if err := insertIncidentEntry(ctx, tx, e); err != nil {
			return err
		}
	}
	for _, t := range ch.Tasks {
		res, err := tx.ExecContext(ctx, `INSERT INTO incident_tasks (id, incident_id, title, description, assignee_id, due_at,
			state, template, created_by, created_at, updated_at, done_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
			ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
			assignee_id = excluded.assignee_id, due_at = excluded.due_at, state = excluded.state,
			updated_at = excluded.updated_at, done_at = excluded.done_at WHERE incident_tasks.incident_id = excluded.incident_id`,
			t.ID, id, t.Title, t.Description, nullStr(t.AssigneeID), nullT(t.DueAt), string(t.State), t.Template,
			t.CreatedBy, trunc(t.CreatedAt), trunc(t.UpdatedAt), nullT(t.DoneAt))
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return errs.NotFound("incident.task_not_found")
		}
	}
	for _, f := range ch.Files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_files (id, incident_id, name, content_type, size, sha256,
			visibility, uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, f.ID, id, f.Name, f.ContentType, f.Size,
			f.SHA256, string(f.Visibility), f.UploadedBy, trunc(f.CreatedAt)); err != nil {
			return err
		}
	}
	for _, aid := range ch.Alerts {
		_, err := tx.ExecContext(ctx, `INSERT INTO incident_alerts (incident_id, alert_id, linked_by, linked_at) VALUES ($1,$2,$3,$4)
			ON CONFLICT (incident_id, alert_id) DO NOTHING`, id, aid, "", now)
		if db.d.isForeignKey(err) {
			return errs.Invalid("incident.invalid", "no such alert", errs.Field("alert_id", "incident.bad_alert", "no such alert"))
		}
		if err != nil {
			return err
		}
	}
	if replan {
		if err := saveClocks(ctx, tx, id, ch.Clocks, now); err != nil {
			return err
		}
		if _, err := db.markBreaches(ctx, tx, now, id, incident.BreachNotices); err != nil {
			return err
		}
	}
	if n := ch.Incident; n != nil && l.Incident.State.Open() && !n.State.Open() {
		// The incident ended: its responders lose access now, with it.
		if err := db.releaseIncidentResponders(ctx, tx, ch.By, id, "incident "+string(n.State), now); err != nil {
			return err
		}
	}
	if err := db.appendAudit(ctx, tx, ch.Audit...); err != nil {
		return err
	}
	return db.enqueueNotices(ctx, tx, now, ch.Notices...)
}

// saveClocks replaces an incident's clocks by plan, keeping when breaches
// were first seen; a breached clock that left the plan stays as a record.
func saveClocks(ctx context.Context, tx *sql.Tx, id string, plan []incident.Clock, now time.Time) error {
	var keep []string
	for _, c := range plan {
		var paused any
		if c.Paused {
			paused = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_clocks (incident_id, clock, started_at, deadline_at, paused_at, met_at)
			VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (incident_id, clock) DO UPDATE SET started_at = excluded.started_at,
			deadline_at = excluded.deadline_at, paused_at = excluded.paused_at, met_at = excluded.met_at`,
			id, c.Name, trunc(c.StartedAt), trunc(c.DeadlineAt), paused, nullT(c.MetAt)); err != nil {
			return err
		}
		keep = append(keep, c.Name)
	}
	var a args
	q := `DELETE FROM incident_clocks WHERE incident_id = ` + a.add(id) + ` AND breached_at IS NULL`
	if len(keep) > 0 {
		q += ` AND clock NOT IN ` + a.in(keep)
	}
	_, err := tx.ExecContext(ctx, q, a...)
	return err
}

// loadIncident reads one incident with its systems, indicators and alerts, unscoped (inside a checked transaction).
func loadIncident(ctx context.Context, q rowQueryer, id string) (incident.Incident, error) {
	x, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+incidentFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errs.NotFound("incident.not_found")
	}
	if err != nil {
		return x, err
	}
	return x, fillIncident(ctx, q, &x)
}

func fillIncident(ctx context.Context, q rowQueryer, x *incident.Incident) error {
	var err error
	x.Systems, err = queryAll(ctx, q, `SELECT system_id, org_id, name, security_level FROM incident_systems WHERE incident_id = $1
		ORDER BY security_level DESC, name`, args{x.ID}, func(s scanner) (incident.System, error) {
		var y incident.System
		return y, s.Scan(&y.ID, &y.OrgID, &y.Name, &y.Level)
	})
	if err != nil {
		return err
	}
	x.Indicators, err = queryAll(ctx, q, `SELECT id, type, value, note FROM incident_indicators WHERE incident_id = $1 ORDER BY created_at, id`,
		args{x.ID}, func(s scanner) (incident.Indicator, error) {
			var y incident.Indicator
			return y, s.Scan(&y.ID, &y.Type, &y.Value, &y.Note)
		})
	if err != nil {
		return err
	}
	x.Alerts, err = queryAll(ctx, q, `SELECT alert_id FROM incident_alerts WHERE incident_id = $1 ORDER BY linked_at, alert_id`,
		args{x.ID}, func(s scanner) (string, error) {
			var y string
			return y, s.Scan(&y)
		})
	if x.Systems == nil {
		x.Systems = []incident.System{}
	}
	if x.Indicators == nil {
		x.Indicators = []incident.Indicator{}
	}
	if x.Alerts == nil {
		x.Alerts = []string{}
	}
	return err
}

// loadScoped reads the incident where col = val that v may see, with
// everything a change looks at.
func (db *DB) loadScoped(ctx context.Context, q rowQueryer, v incident.Viewer, col, val string) (l incident.Loaded, err error) {
	var a args
	cond := incidentScope(&a, v, "i")
	x, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+incidentFrom+` WHERE `+col+` = `+a.add(val)+` AND `+cond, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return l, errs.NotFound("incident.not_found")
	}
	if err != nil {
		return l, err
	}
	if err := fillIncident(ctx, q, &x); err != nil {
		return l, err
	}
	l.Incident = x
	id := x.ID
	l.Pauses, err = queryAll(ctx, q, `SELECT started_at, ended_at, reason FROM incident_clock_pauses WHERE incident_id = $1 ORDER BY started_at`,
		args{id}, func(s scanner) (incident.Pause, error) {
			var p incident.Pause
			var end sql.NullTime
			err := s.Scan(&p.Start, &end, &p.Reason)
			p.Start, p.End = p.Start.UTC(), timeOf(end)
			return p, err
		})
	if err != nil {
		return l, err
	}
	l.Clocks, err = incidentClocks(ctx, q, id)
	if err != nil {
		return l, err
	}
	l.Tasks, err = queryAll(ctx, q, `SELECT t.id, t.incident_id, t.title, t.description, COALESCE(t.assignee_id, ''), COALESCE(u.email, ''),
		t.due_at, t.state, t.template, t.created_by, t.created_at, t.updated_at, t.done_at
		FROM incident_tasks t LEFT JOIN users u ON u.id = t.assignee_id WHERE t.incident_id = $1 ORDER BY t.created_at, t.id`,
		args{id}, scanTask)
	if err != nil {
		return l, err
	}
	l.Members, err = queryAll(ctx, q, `SELECT m.incident_id, m.user_id, u.email, m.role, m.granted_at, m.revoked_at, m.reason, m.revoke_reason
		FROM incident_members m JOIN users u ON u.id = m.user_id WHERE m.incident_id = $1 ORDER BY m.granted_at, m.user_id`,
		args{id}, func(s scanner) (incident.Member, error) {
			var m incident.Member
			var rev sql.NullTime
			err := s.Scan(&m.IncidentID, &m.UserID, &m.Email, &m.Role, &m.GrantedAt, &rev, &m.Reason, &m.RevokeReason)
			m.GrantedAt, m.RevokedAt = m.GrantedAt.UTC(), timeOf(rev)
			return m, err
		})
	if err != nil {
		return l, err
	}
	l.Files, err = queryAll(ctx, q, `SELECT id, incident_id, name, content_type, size, sha256, visibility, uploaded_by, created_at
		FROM incident_files WHERE incident_id = $1 ORDER BY created_at, id`, args{id}, func(s scanner) (incident.File, error) {
		var f incident.File
		var vis string
		err := s.Scan(&f.ID, &f.IncidentID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &vis, &f.UploadedBy, &f.CreatedAt)
		f.Visibility, f.CreatedAt = incident.Visibility(vis), f.CreatedAt.UTC()
		return f, err
	})
	if err != nil {
		return l, err
	}
	for _, m := range l.Members {
		if m.UserID == v.UserID && v.UserID != "" && m.RevokedAt.IsZero() {
			l.Member = true
		}
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), '') FROM organisations WHERE coordinating`).Scan(&l.CoordOrgID)
	return l, err
}

func scanTask(s scanner) (incident.Task, error) {
	var t incident.Task
	var due, done sql.NullTime
	var state string
	err := s.Scan(&t.ID, &t.IncidentID, &t.Title, &t.Description, &t.AssigneeID, &t.AssigneeLabel, &due, &state,
		&t.Template, &t.CreatedBy, &t.CreatedAt, &t.UpdatedAt, &done)
	t.State, t.DueAt, t.DoneAt = incident.TaskState(state), timeOf(due), timeOf(done)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

func incidentClocks(ctx context.Context, q rowQueryer, id string) ([]incident.Clock, error) {
	return queryAll(ctx, q, `SELECT clock, started_at, deadline_at, paused_at, met_at, breached_at FROM incident_clocks
		WHERE incident_id = $1 ORDER BY deadline_at, clock`, args{id}, func(s scanner) (incident.Clock, error) {
		var c incident.Clock
		var paused, met, breached sql.NullTime
		err := s.Scan(&c.Name, &c.StartedAt, &c.DeadlineAt, &paused, &met, &breached)
		c.StartedAt, c.DeadlineAt = c.StartedAt.UTC(), c.DeadlineAt.UTC()
		c.Paused, c.MetAt, c.BreachedAt = paused.Valid, timeOf(met), timeOf(breached)
		return c, err
	})
}

// GetIncident returns an incident v may see, with what a page shows of it.
func (db *DB) GetIncident(ctx context.Context, v incident.Viewer, id string) (l incident.Loaded, err error) {
	defer errs.Wrap(&err, "store.GetIncident(%q)", id)
	return db.loadScoped(ctx, db.r, v, "i.id", id)
}

// IncidentByRef returns an incident by reference number.
func (db *DB) IncidentByRef(ctx context.Context, v incident.Viewer, ref string) (l incident.Loaded, err error) {
	defer errs.Wrap(&err, "store.IncidentByRef(%q)", ref)
	return db.loadScoped(ctx, db.r, v, "i.reference", ref)
}

var incidentSort = map[string]sortCol{
	"reported_at": {"i.reported_at", colTime},
	"updated_at":  {"i.updated_at", colTime},
	"severity":    {"i.severity", colText},
}

// ListIncidents lists the incidents v may see.
func (db *DB) ListIncidents(ctx context.Context, v incident.Viewer, f incident.Filter, pr page.Request) (res page.Result[incident.Incident], err error) {
	defer errs.Wrap(&err, "store.ListIncidents")
	var a args
	where := incidentScope(&a, v, "i")
	if f.State != "" {
		where += " AND i.state = " + a.add(string(f.State))
	}
	if f.Open {
		where += " AND i.state NOT IN ('closed', 'rejected', 'merged')"
	}
	if f.Severity != "" {
		where += " AND i.severity = " + a.add(string(f.Severity))
	}
	if f.Category != "" {
		where += " AND (i.category = " + a.add(f.Category) + " OR i.category LIKE " + a.add(likeEscape(f.Category)+"/%") + " ESCAPE '\\')"
	}
	if f.AlertID != "" {
		where += " AND EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.incident_id = i.id AND ia.alert_id = " + a.add(f.AlertID) + ")"
	}
	if f.OrgID != "" {
		where += " AND i.org_id = " + a.add(f.OrgID)
	}
	if f.Breached {
		where += " AND i.breached"
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + likeEscape(lower(q)) + "%"
		where += " AND (LOWER(i.title) LIKE " + a.add(like) + " ESCAPE '\\' OR LOWER(i.reference) LIKE " + a.add(like) + " ESCAPE '\\')"
	}
	cond, order, err := a.keyset(incidentSort, "i.id", pr)
	if err != nil {
		return res, err
	}
	items, err := queryAll(ctx, db.r, `SELECT `+incidentCols+incidentFrom+` WHERE `+where+` AND `+cond+order+` LIMIT `+a.add(pr.Limit+1), a, scanIncident)
	if err != nil {
		return res, err
	}
	res = finishPage(items, pr.Limit, func(x incident.Incident) (string, string) {
		switch pr.Sort {
		case "severity":
			return string(x.Severity), x.ID
		case "updated_at":
			return timeKey(x.UpdatedAt), x.ID
		}
		return timeKey(x.ReportedAt), x.ID
	})
	return res, nil
}

// IncidentClocks returns the stored clocks of incidents by ID (for lists with
// countdowns); the caller has already listed the incidents within scope.
func (db *DB) IncidentClocks(ctx context.Context, ids []string) (out map[string][]incident.Clock, err error) {
	defer errs.Wrap(&err, "store.IncidentClocks")
	out = map[string][]incident.Clock{}
	if len(ids) == 0 {
		return out, nil
	}
	var a args
	rows, err := queryAll(ctx, db.r, `SELECT incident_id, clock, started_at, deadline_at, paused_at, met_at, breached_at FROM incident_clocks
		WHERE incident_id IN `+a.in(ids)+` ORDER BY deadline_at, clock`, a, func(s scanner) (struct {
		id string
		c  incident.Clock
	}, error) {
		var r struct {
			id string
			c  incident.Clock
		}
		var paused, met, breached sql.NullTime
		err := s.Scan(&r.id, &r.c.Name, &r.c.StartedAt, &r.c.DeadlineAt, &paused, &met, &breached)
		r.c.StartedAt, r.c.DeadlineAt = r.c.StartedAt.UTC(), r.c.DeadlineAt.UTC()
		r.c.Paused, r.c.MetAt, r.c.BreachedAt = paused.Valid, timeOf(met), timeOf(breached)
		return r, err
	})
	for _, r := range rows {
		out[r.id] = append(out[r.id], r.c)
	}
	return out, err
}

// Timeline lists an incident's entries, oldest first.
func (db *DB) Timeline(ctx context.Context, v incident.Viewer, id string, internal bool) (es []incident.Entry, err error) {
	defer errs.Wrap(&err, "store.Timeline(%q)", id)
	var a args
	cond := incidentScope(&a, v, "i")
	q := `SELECT t.id, t.incident_id, t.at, t.actor_id, t.actor_label, t.kind, t.visibility, t.body, t.detail
		FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id WHERE t.incident_id = ` + a.add(id) + ` AND ` + cond
	if !internal {
		q += ` AND t.visibility = 'shared'`
	}
	es, err = queryAll(ctx, db.r, q+` ORDER BY t.at, t.id`, a, func(s scanner) (incident.Entry, error) {
		var e incident.Entry
		var vis string
		err := s.Scan(&e.ID, &e.IncidentID, &e.At, &e.ActorID, &e.Actor, &e.Kind, &vis, &e.Body, &e.Detail)
		e.Visibility, e.At = incident.Visibility(vis), e.At.UTC()
		return e, err
	})
	if es == nil {
		es = []incident.Entry{}
	}
	return es, err
}

// OrgSystems returns information systems by ID, whatever their organisation.
func (db *DB) OrgSystems(ctx context.Context, ids []string) (out []incident.System, err error) {
	defer errs.Wrap(&err, "store.OrgSystems")
	if len(ids) == 0 {
		return []incident.System{}, nil
	}
	var a args
	return queryAll(ctx, db.r, `SELECT id, org_id, name, security_level FROM information_systems WHERE id IN `+a.in(ids)+` ORDER BY security_level DESC, name`,
		a, func(s scanner) (incident.System, error) {
			var y incident.System
			return y, s.Scan(&y.ID, &y.OrgID, &y.Name, &y.Level)
		})
}

// IncidentPerson returns a user as incidents see them.
func (db *DB) IncidentPerson(ctx context.Context, id string) (p incident.Person, err error) {
	defer errs.Wrap(&err, "store.IncidentPerson(%q)", id)
	err = db.r.QueryRowContext(ctx, `SELECT id, email, role, disabled FROM users WHERE id = $1`, id).Scan(&p.ID, &p.Email, &p.Role, &p.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.NotFound("incident.user_not_found")
	}
	if err != nil {
		return p, err
	}
	p.Orgs, err = queryAll(ctx, db.r, `SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY org_id`, args{id},
		func(s scanner) (string, error) {
			var o string
			return o, s.Scan(&o)
		})
	return p, err
}
