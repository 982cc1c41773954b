package store

// This file stores the answers to mobilisation asks, releases (and the
// release of everyone when an incident closes), hours and ratings.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/tlp"
)

// ResponderAsks lists the asks addressed to userID, newest first.
func (db *DB) ResponderAsks(ctx context.Context, userID string) (as []alliance.Ask, err error) {
	defer errs.Wrap(&err, "store.ResponderAsks")
	as, err = queryAll(ctx, db.r, `SELECT `+askCols+askFrom+` WHERE m.user_id = $1 ORDER BY m.asked_at DESC, m.id DESC LIMIT 200`,
		args{userID}, scanAsk)
	if as == nil {
		as = []alliance.Ask{}
	}
	return as, err
}

// ResponderAsk reads one ask addressed to userID; anyone else's is not found.
func (db *DB) ResponderAsk(ctx context.Context, userID, askID string) (alliance.Ask, error) {
	a := args{userID}
	return getAsk(ctx, db.r, askID, "m.user_id = $1", a)
}

// activeLoad counts userID's accepted asks on incidents still worked.
func activeLoad(ctx context.Context, q rowQueryer, userID string) (n int, capacity int, err error) {
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM mobilisation_asks m JOIN incidents i ON i.id = m.incident_id
		WHERE m.user_id = $1 AND m.state = 'accepted' AND `+openIncident, userID).Scan(&n)
	if err != nil {
		return 0, 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT capacity FROM responder_profiles WHERE user_id = $1`, userID).Scan(&capacity)
	if err == sql.ErrNoRows {
		err = nil
	}
	return n, capacity, err
}

// AnswerAsk records p's answer to their own ask at now. Accepting grants
// access to the incident; the coordinator who opened the request is told.
func (db *DB) AnswerAsk(ctx context.Context, p auth.Principal, askID string, accept bool, reason string, now time.Time) (out alliance.Ask, err error) {
	defer errs.Wrap(&err, "store.AnswerAsk(%q)", askID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		a, err := getAsk(ctx, tx, askID, "m.user_id = $1", args{p.UserID})
		if err != nil {
			return err
		}
		inc, err := mobilisationIncident(ctx, tx, auth.Scope{All: true}, a.IncidentID)
		if err != nil {
			return err
		}
		if accept && inc.Finished() && a.StateAt(now) == alliance.AskPending {
			return errs.Conflict("alliance.incident_finished", "the incident is finished; no one is mobilised to it any more")
		}
		if accept && a.StateAt(now) == alliance.AskPending && inc.TLP.Valid() {
			// Clearance was checked when the responder was asked; the
			// incident's marking or the responder's clearance may have
			// changed since, and accepting grants access to the incident.
			var level string
			err := tx.QueryRowContext(ctx, `SELECT clearance FROM responder_profiles WHERE user_id = $1`, p.UserID).Scan(&level)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if c, _ := tlp.Parse(level); !c.Allows(inc.TLP) {
				return errs.Conflict("alliance.not_cleared", "the incident is now marked above your clearance; ask the coordinator")
			}
		}
		load, capacity, err := activeLoad(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if err := a.Answer(accept, reason, load, capacity, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE mobilisation_asks SET state = $1, answered_at = $2, reason = $3
			WHERE id = $4 AND state = 'pending'`, a.State, now, a.Reason, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.Conflict("alliance.already_answered", "this request was already answered")
		}
		if accept {
			if err := db.grantIncidentAccess(ctx, tx, a.IncidentID, a.UserID, "mobilised from the alliance", now); err != nil {
				return err
			}
		}
		var creator string
		if err := tx.QueryRowContext(ctx, `SELECT created_by FROM mobilisation_requests WHERE id = $1`, a.RequestID).Scan(&creator); err != nil {
			return err
		}
		if creator != "" {
			if err := db.enqueueNotices(ctx, tx, now, answerNotice(inc, a, creator)); err != nil {
				return err
			}
		}
		e := audit.New(p, "mobilisation."+map[bool]string{true: "accept", false: "decline"}[accept], "mobilisation_ask", a.ID, inc.OrgID).
			WithDetail(map[string]any{"incident": inc.Reference, "reason": a.Reason})
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		out, err = getAsk(ctx, tx, askID, "1=1", nil)
		return err
	})
	return out, err
}

func answerNotice(inc alliance.Incident, a alliance.Ask, to string) notify.Notice {
	vi, en := "từ chối", "declined"
	if a.State == alliance.AskAccepted {
		vi, en = "nhận", "accepted"
	}
	return notify.Notice{Kind: notify.KindMobilisationAnswer, Ref: inc.Reference, Users: []string{to},
		Link: "/incidents/" + inc.ID, Data: map[string]any{"ask_id": a.ID, "user_id": a.UserID, "state": a.State},
		Text: map[string]notify.Text{
			"vi": {Subject: fmt.Sprintf("%s đã %s yêu cầu huy động", a.Email, vi), Body: fmt.Sprintf("%s đã %s yêu cầu ứng cứu sự cố %s. %s", a.Email, vi, inc.Reference, a.Reason)},
			"en": {Subject: fmt.Sprintf("%s %s the mobilisation request", a.Email, en), Body: fmt.Sprintf("%s %s the request to respond to incident %s. %s", a.Email, en, inc.Reference, a.Reason)},
		}}
}

func releaseNotice(inc alliance.Incident, a alliance.Ask) notify.Notice {
	return notify.Notice{Kind: notify.KindMobilisationRelease, Ref: inc.Reference, Users: []string{a.UserID}, OrgID: a.OrgID,
		Link: "/alliance/asks", Data: map[string]any{"ask_id": a.ID, "incident_id": inc.ID},
		Text: map[string]notify.Text{
			"vi": {Subject: "Kết thúc huy động ứng cứu sự cố " + inc.Reference, Body: "Bạn đã được cho rời khỏi sự cố " + inc.Reference + ". " + a.Reason},
			"en": {Subject: "Released from incident " + inc.Reference, Body: "You have been released from incident " + inc.Reference + ". " + a.Reason},
		}}
}

// ReleaseAsk ends an accepted ask on an incident in s and revokes the
// responder's access to the incident.
func (db *DB) ReleaseAsk(ctx context.Context, p auth.Principal, s auth.Scope, askID, reason string, now time.Time) (out alliance.Ask, err error) {
	defer errs.Wrap(&err, "store.ReleaseAsk(%q)", askID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var a args
		ask, err := getAsk(ctx, tx, askID, a.scope("q.org_id", s), a)
		if err != nil {
			return err
		}
		if err := db.release(ctx, tx, p, ask, reason, now); err != nil {
			return err
		}
		out, err = getAsk(ctx, tx, askID, "1=1", nil)
		return err
	})
	return out, err
}

func (db *DB) release(ctx context.Context, tx *sql.Tx, p auth.Principal, a alliance.Ask, reason string, now time.Time) error {
	if err := a.Release(reason, now); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE mobilisation_asks SET state = $1, released_at = $2, reason = $3
		WHERE id = $4 AND state = 'accepted'`, a.State, now, a.Reason, a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.Conflict("alliance.not_accepted", "only a responder who accepted can be released")
	}
	// The grant may already be gone (revoked with the incident's members).
	if err := db.revokeIncidentAccess(ctx, tx, a.IncidentID, a.UserID, a.Reason, now); err != nil && !errs.Is(err, errs.KindNotFound) {
		return err
	}
	inc, err := mobilisationIncident(ctx, tx, auth.Scope{All: true}, a.IncidentID)
	if err != nil {
		return err
	}
	if err := db.enqueueNotices(ctx, tx, now, releaseNotice(inc, a)); err != nil {
		return err
	}
	e := audit.New(p, "mobilisation.release", "mobilisation_ask", a.ID, inc.OrgID).
		WithDetail(map[string]any{"incident": inc.Reference, "user_id": a.UserID, "reason": a.Reason})
	return db.appendAudit(ctx, tx, e)
}

// releaseIncidentResponders releases every responder who accepted an ask on
// incidentID and expires the asks still pending, inside tx: the incident
// store calls it when an incident closes.
func (db *DB) releaseIncidentResponders(ctx context.Context, tx *sql.Tx, p auth.Principal, incidentID, reason string, now time.Time) error {
	as, err := queryAll(ctx, tx, `SELECT `+askCols+askFrom+` WHERE m.incident_id = $1 AND m.state = 'accepted' ORDER BY m.id`,
		args{incidentID}, scanAsk)
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := db.release(ctx, tx, p, a, reason, now); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE mobilisation_asks SET state = 'expired' WHERE incident_id = $1 AND state = 'pending'`, incidentID)
	return err
}

// LogHours records hours on p's own ask.
func (db *DB) LogHours(ctx context.Context, p auth.Principal, askID string, in alliance.NewHours, now time.Time) (h alliance.Hours, err error) {
	defer errs.Wrap(&err, "store.LogHours(%q)", askID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		a, err := getAsk(ctx, tx, askID, "m.user_id = $1", args{p.UserID})
		if err != nil {
			return err
		}
		if h, err = in.Check(a, now); err != nil {
			return err
		}
		h.ID = newID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO mobilisation_hours (id, ask_id, incident_id, user_id, work_day, minutes, note,
			created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, h.ID, h.AskID, h.IncidentID, h.UserID, h.Date, h.Minutes, h.Note, now); err != nil {
			return err
		}
		orgID, _, err := incidentOrgRef(ctx, tx, a.IncidentID)
		if err != nil {
			return err
		}
		e := audit.New(p, "mobilisation.hours", "mobilisation_ask", a.ID, orgID).
			WithDetail(map[string]any{"incident": a.IncidentRef, "date": h.Date, "minutes": h.Minutes})
		return db.appendAudit(ctx, tx, e)
	})
	return h, err
}

// AskHours lists the hours of an ask that is p's own or on an incident in s.
func (db *DB) AskHours(ctx context.Context, p auth.Principal, s auth.Scope, askID string) (hs []alliance.Hours, err error) {
	defer errs.Wrap(&err, "store.AskHours(%q)", askID)
	var a args
	cond := "(m.user_id = " + a.add(p.UserID) + " OR " + a.scope("q.org_id", s) + ")"
	if p.UserID == "" {
		cond = a.scope("q.org_id", s)
	}
	if _, err := getAsk(ctx, db.r, askID, cond, a); err != nil {
		return nil, err
	}
	hs, err = queryAll(ctx, db.r, `SELECT id, ask_id, incident_id, user_id, work_day, minutes, note, created_at
		FROM mobilisation_hours WHERE ask_id = $1 ORDER BY work_day, created_at, id`, args{askID}, func(r scanner) (alliance.Hours, error) {
		var h alliance.Hours
		err := r.Scan(&h.ID, &h.AskID, &h.IncidentID, &h.UserID, &h.Date, &h.Minutes, &h.Note, &h.CreatedAt)
		h.CreatedAt = h.CreatedAt.UTC()
		return h, err
	})
	if hs == nil {
		hs = []alliance.Hours{}
	}
	return hs, err
}

// RateAsk records the rating of an ask on an incident in s.
func (db *DB) RateAsk(ctx context.Context, p auth.Principal, s auth.Scope, askID string, in alliance.NewRating, now time.Time) (r alliance.Rating, err error) {
	defer errs.Wrap(&err, "store.RateAsk(%q)", askID)
	now = now.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var a args
		ask, err := getAsk(ctx, tx, askID, a.scope("q.org_id", s), a)
		if err != nil {
			return err
		}
		inc, err := mobilisationIncident(ctx, tx, s, ask.IncidentID)
		if err != nil {
			return err
		}
		if r, err = in.Check(ask, inc, p.UserID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mobilisation_ratings (ask_id, incident_id, user_id, score, comment, rated_by, rated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7)`, r.AskID, r.IncidentID, r.UserID, r.Score, r.Comment, r.RatedBy, now); err != nil {
			if errs.Is(db.d.mapError(err), errs.KindConflict) {
				return errs.Conflict("alliance.already_rated", "this responder was already rated for this incident")
			}
			return err
		}
		e := audit.New(p, "mobilisation.rate", "mobilisation_ask", ask.ID, inc.OrgID).
			WithDetail(map[string]any{"incident": inc.Reference, "user_id": ask.UserID, "score": r.Score})
		return db.appendAudit(ctx, tx, e)
	})
	return r, err
}

// ReleaseFinishedMobilisations releases the responders still mobilised to
// incidents that are closed, rejected or merged, and expires the asks still
// pending on them, one incident per transaction; it returns how many
// incidents it settled. The alliance's sweeper calls it, so that access ends
// with the incident even where closing did not release anyone itself.
func (db *DB) ReleaseFinishedMobilisations(ctx context.Context, now time.Time) (n int, err error) {
	defer errs.Wrap(&err, "store.ReleaseFinishedMobilisations")
	ids, err := queryAll(ctx, db.r, `SELECT DISTINCT m.incident_id FROM mobilisation_asks m JOIN incidents i ON i.id = m.incident_id
		WHERE m.state IN ('accepted', 'pending') AND NOT (`+openIncident+`) ORDER BY m.incident_id`, nil,
		func(r scanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
	if err != nil {
		return 0, err
	}
	now = now.UTC().Truncate(microsecond)
	for _, id := range ids {
		if err := db.tx(ctx, func(tx *sql.Tx) error {
			return db.releaseIncidentResponders(ctx, tx, auth.System(), id, "incident closed", now)
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
