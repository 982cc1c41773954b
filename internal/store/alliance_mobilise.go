package store

// This file stores mobilisation: requests for responders on an incident,
// the responders asked on each, their answers and releases (which grant and
// revoke access to the incident through incident_access.go), the hours they
// log and their ratings. The rules are the alliance package's, applied here
// inside the transaction on the rows read there.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/tlp"
)

// openIncident is the SQL condition that incident alias i is still worked.
const openIncident = `i.state NOT IN ('closed', 'rejected', 'merged')`

// MobilisationIncident reads what mobilisation needs of an incident whose
// organisation is in s.
func (db *DB) MobilisationIncident(ctx context.Context, s auth.Scope, incidentID string) (inc alliance.Incident, err error) {
	defer errs.Wrap(&err, "store.MobilisationIncident(%q)", incidentID)
	return mobilisationIncident(ctx, db.r, s, incidentID)
}

func mobilisationIncident(ctx context.Context, q rowQueryer, s auth.Scope, id string) (alliance.Incident, error) {
	var inc alliance.Incident
	var level string
	var a args
	err := q.QueryRowContext(ctx, `SELECT i.id, i.reference, i.title, i.org_id, o.name, o.province, i.tlp, i.state
		FROM incidents i JOIN organisations o ON o.id = i.org_id WHERE i.id = `+a.add(id)+` AND `+a.scope("i.org_id", s), a...).
		Scan(&inc.ID, &inc.Reference, &inc.Title, &inc.OrgID, &inc.OrgName, &inc.Province, &level, &inc.State)
	if errors.Is(err, sql.ErrNoRows) {
		return inc, errs.NotFound("incident.not_found")
	}
	inc.TLP, _ = tlp.Parse(level)
	return inc, err
}

const requestCols = `q.id, q.incident_id, i.reference, q.org_id, q.skills, q.wanted, q.deadline_at, q.note, q.created_by, q.created_at`

func scanRequest(r scanner) (alliance.Request, error) {
	var q alliance.Request
	var skills string
	err := r.Scan(&q.ID, &q.IncidentID, &q.IncidentRef, &q.OrgID, &skills, &q.Count, &q.Deadline, &q.Note, &q.CreatedBy, &q.CreatedAt)
	q.Skills, q.Deadline, q.CreatedAt = splitList(skills), q.Deadline.UTC(), q.CreatedAt.UTC()
	return q, err
}

const askCols = `m.id, m.request_id, m.incident_id, i.reference, m.user_id, m.org_id, u.name, u.email, m.state, m.score_detail,
	m.deadline_at, m.asked_by, m.asked_at, m.answered_at, m.released_at, m.reason,
	(SELECT COALESCE(SUM(h.minutes), 0) FROM mobilisation_hours h WHERE h.ask_id = m.id),
	COALESCE(r.score, 0), COALESCE(r.comment, ''), q.skills, q.note`

const askFrom = ` FROM mobilisation_asks m JOIN mobilisation_requests q ON q.id = m.request_id
	JOIN incidents i ON i.id = m.incident_id JOIN users u ON u.id = m.user_id
	LEFT JOIN mobilisation_ratings r ON r.ask_id = m.id`

func scanAsk(r scanner) (alliance.Ask, error) {
	var a alliance.Ask
	var detail string
	var answered, released sql.NullTime
	var skills string
	err := r.Scan(&a.ID, &a.RequestID, &a.IncidentID, &a.IncidentRef, &a.UserID, &a.OrgID, &a.Name, &a.Email, &a.State, &detail,
		&a.Deadline, &a.AskedBy, &a.AskedAt, &answered, &released, &a.Reason, &a.Minutes, &a.Rating, &a.RatingNote, &skills, &a.Note)
	a.Skills = splitList(skills)
	if err == nil && detail != "" {
		err = json.Unmarshal([]byte(detail), &a.Score)
	}
	a.Deadline, a.AskedAt, a.AnsweredAt, a.ReleasedAt = a.Deadline.UTC(), a.AskedAt.UTC(), timeOf(answered), timeOf(released)
	return a, err
}

// getAsk reads one ask under the extra condition cond (built on a).
func getAsk(ctx context.Context, q rowQueryer, id, cond string, a args) (alliance.Ask, error) {
	as, err := queryAll(ctx, q, `SELECT `+askCols+askFrom+` WHERE m.id = `+a.add(id)+` AND `+cond, a, scanAsk)
	if err != nil {
		return alliance.Ask{}, err
	}
	if len(as) == 0 {
		return alliance.Ask{}, errs.NotFound("alliance.ask_not_found")
	}
	return as[0], nil
}

// CreateMobilisation stores a new request on inc.
func (db *DB) CreateMobilisation(ctx context.Context, p auth.Principal, inc alliance.Incident, r alliance.Request) (out alliance.Request, err error) {
	defer errs.Wrap(&err, "store.CreateMobilisation(%q)", inc.ID)
	r.ID, r.Asks = newID(), []alliance.Ask{}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mobilisation_requests (id, incident_id, org_id, skills, wanted, deadline_at,
			note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			r.ID, inc.ID, inc.OrgID, strings.Join(r.Skills, ","), r.Count, r.Deadline.UTC(), r.Note, r.CreatedBy,
			r.CreatedAt.UTC().Truncate(microsecond)); err != nil {
			return err
		}
		e := audit.New(p, "mobilisation.create", "mobilisation_request", r.ID, inc.OrgID).
			WithDetail(map[string]any{"incident": inc.Reference, "skills": r.Skills, "count": r.Count, "deadline": r.Deadline})
		return db.appendAudit(ctx, tx, e)
	})
	return r, err
}

// Mobilisation reads a request, with its asks, on an incident in s.
func (db *DB) Mobilisation(ctx context.Context, s auth.Scope, id string) (r alliance.Request, err error) {
	defer errs.Wrap(&err, "store.Mobilisation(%q)", id)
	var a args
	rs, err := listRequests(ctx, db.r, `q.id = `+a.add(id)+` AND `+a.scope("q.org_id", s), a)
	if err != nil {
		return r, err
	}
	if len(rs) == 0 {
		return r, errs.NotFound("alliance.request_not_found")
	}
	return rs[0], nil
}

// Mobilisations lists the requests on incidents in s (of one incident when
// incidentID is set), newest first, with their asks.
func (db *DB) Mobilisations(ctx context.Context, s auth.Scope, incidentID string) (rs []alliance.Request, err error) {
	defer errs.Wrap(&err, "store.Mobilisations(%q)", incidentID)
	var a args
	cond := a.scope("q.org_id", s)
	if incidentID != "" {
		cond += " AND q.incident_id = " + a.add(incidentID)
	}
	return listRequests(ctx, db.r, cond, a)
}

func listRequests(ctx context.Context, q rowQueryer, cond string, a args) ([]alliance.Request, error) {
	rs, err := queryAll(ctx, q, `SELECT `+requestCols+` FROM mobilisation_requests q JOIN incidents i ON i.id = q.incident_id
		WHERE `+cond+` ORDER BY q.created_at DESC, q.id DESC LIMIT 200`, a, scanRequest)
	if err != nil || len(rs) == 0 {
		return []alliance.Request{}, err
	}
	ids := make([]string, len(rs))
	pos := map[string]int{}
	for i, r := range rs {
		ids[i], pos[r.ID] = r.ID, i
		rs[i].Asks = []alliance.Ask{}
	}
	var b args
	as, err := queryAll(ctx, q, `SELECT `+askCols+askFrom+` WHERE m.request_id IN `+b.in(ids)+
		` ORDER BY m.asked_at, m.id`, b, scanAsk)
	for _, x := range as {
		rs[pos[x.RequestID]].Asks = append(rs[pos[x.RequestID]].Asks, x)
	}
	return rs, err
}

// AskResponders asks picks on request requestID (on an incident in s) and
// enqueues a mobilisation.request notice to each, in one transaction.
func (db *DB) AskResponders(ctx context.Context, p auth.Principal, s auth.Scope, requestID string, picks []alliance.Candidate, now time.Time) (out alliance.Request, err error) {
	defer errs.Wrap(&err, "store.AskResponders(%q)", requestID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var a args
		rs, err := listRequests(ctx, tx, `q.id = `+a.add(requestID)+` AND `+a.scope("q.org_id", s), a)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return errs.NotFound("alliance.request_not_found")
		}
		r := rs[0]
		inc, err := mobilisationIncident(ctx, tx, s, r.IncidentID)
		if err != nil {
			return err
		}
		if inc.Finished() {
			return errs.Conflict("alliance.incident_finished", "the incident is finished; no one is mobilised to it any more")
		}
		for _, c := range picks {
			detail, err := json.Marshal(c.Score)
			if err != nil {
				return err
			}
			id := newID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO mobilisation_asks (id, request_id, incident_id, user_id, org_id, state,
				score, score_detail, deadline_at, asked_by, asked_at, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'')`,
				id, r.ID, r.IncidentID, c.Responder.UserID, c.Responder.OrgID, alliance.AskPending, c.Score.Total, string(detail),
				r.Deadline, p.UserID, now); err != nil {
				if errs.Is(db.d.mapError(err), errs.KindConflict) {
					return errs.Conflict("alliance.already_asked", "this responder was already asked on this request")
				}
				return err
			}
			if err := db.enqueueNotices(ctx, tx, now, askNotice(inc, r, c.Responder)); err != nil {
				return err
			}
			e := audit.New(p, "mobilisation.ask", "mobilisation_ask", id, inc.OrgID).
				WithDetail(map[string]any{"incident": inc.Reference, "request": r.ID, "user_id": c.Responder.UserID,
					"member": c.Responder.OrgID, "score": c.Score.Total})
			if err := db.appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		var b args
		rs, err = listRequests(ctx, tx, `q.id = `+b.add(requestID), b)
		if err == nil {
			out = rs[0]
		}
		return err
	})
	return out, err
}

func askNotice(inc alliance.Incident, r alliance.Request, to alliance.Profile) notify.Notice {
	skills := strings.Join(r.Skills, ", ")
	deadline := r.Deadline.In(alliance.Zone).Format("02/01/2006 15:04")
	return notify.Notice{Kind: notify.KindMobilisationRequest, Ref: inc.Reference, OrgID: to.OrgID, Users: []string{to.UserID},
		Link: "/alliance/asks", NotAfter: r.Deadline,
		Data: map[string]any{"request_id": r.ID, "incident_id": inc.ID, "skills": r.Skills, "deadline": r.Deadline},
		Text: map[string]notify.Text{
			"vi": {Subject: "Yêu cầu huy động ứng cứu sự cố " + inc.Reference,
				Body: fmt.Sprintf("Bạn được đề nghị tham gia ứng cứu sự cố %s (kỹ năng: %s). Vui lòng nhận hoặc từ chối trước %s (giờ Việt Nam).", inc.Reference, skills, deadline)},
			"en": {Subject: "Request to respond to incident " + inc.Reference,
				Body: fmt.Sprintf("You are asked to respond to incident %s (skills: %s). Please accept or decline before %s (Vietnam time).", inc.Reference, skills, deadline)},
		}}
}
