package store

// This file stores the responder alliance: member companies (organisations
// of kind alliance-member) and responders' profiles with their skills,
// certifications, schedule, unavailable periods and conflicts of interest.
// Mobilisation is in alliance_mobilise.go.

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// keyed is a row with the sort key its page cursor is made of.
type keyed[T any] struct {
	v   T
	key string
}

// finishKeyed is finishPage over keyed rows, returning the rows alone.
func finishKeyed[T any](rows []keyed[T], limit int, idOf func(T) string) page.Result[T] {
	res := finishPage(rows, limit, func(r keyed[T]) (string, string) { return r.key, idOf(r.v) })
	out := page.Result[T]{Items: make([]T, len(res.Items)), Next: res.Next}
	for i, r := range res.Items {
		out.Items[i] = r.v
	}
	return out
}

var allianceMemberSort = map[string]sortCol{"name": {"o.name_fold", colText}}

// AllianceMembers lists a page of the alliance-member organisations in s
// with their responder counts and active mobilisations, by name; pr is
// normalised against alliance.MemberSorts.
func (db *DB) AllianceMembers(ctx context.Context, s auth.Scope, pr page.Request) (res page.Result[alliance.Member], err error) {
	defer errs.Wrap(&err, "store.AllianceMembers")
	var a args
	where := `o.kind = ` + a.add(string(org.KindAllianceMember)) + ` AND ` + a.scope("o.id", s)
	cond, order, err := a.keyset(allianceMemberSort, "o.id", pr)
	if err != nil {
		return res, err
	}
	q := `SELECT o.id, o.slug, o.name, o.province,
		(SELECT COUNT(*) FROM responder_profiles p WHERE p.org_id = o.id),
		(SELECT COUNT(*) FROM mobilisation_asks m WHERE m.org_id = o.id AND m.state = ` + a.add(alliance.AskAccepted) + `), o.name_fold
		FROM organisations o WHERE ` + where + ` AND ` + cond + order + ` LIMIT ` + a.add(pr.Limit+1)
	rows, err := queryAll(ctx, db.r, q, a, func(r scanner) (keyed[alliance.Member], error) {
		var m keyed[alliance.Member]
		return m, r.Scan(&m.v.OrgID, &m.v.Slug, &m.v.Name, &m.v.Province, &m.v.Responders, &m.v.Active, &m.key)
	})
	if err != nil {
		return res, err
	}
	return finishKeyed(rows, pr.Limit, func(m alliance.Member) string { return m.OrgID }), nil
}

const profileCols = `p.user_id, p.org_id, o.name, u.name, u.email, p.clearance, p.languages, p.province, p.capacity,
	p.phone, p.active, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM mobilisation_asks m WHERE m.user_id = p.user_id AND m.state = 'accepted'),
	(SELECT COALESCE(SUM(r.score), 0) FROM mobilisation_ratings r WHERE r.user_id = p.user_id),
	(SELECT COUNT(*) FROM mobilisation_ratings r WHERE r.user_id = p.user_id), u.name_fold`

const profileFrom = ` FROM responder_profiles p JOIN users u ON u.id = p.user_id JOIN organisations o ON o.id = p.org_id`

func scanProfile(r scanner) (keyed[alliance.Profile], error) {
	var k keyed[alliance.Profile]
	p := &k.v
	var clearance, langs string
	var sum int
	err := r.Scan(&p.UserID, &p.OrgID, &p.OrgName, &p.Name, &p.Email, &clearance, &langs, &p.Province, &p.Capacity,
		&p.Phone, &p.Active, &p.CreatedAt, &p.UpdatedAt, &p.Load, &sum, &p.Ratings, &k.key)
	p.Clearance, _ = tlp.Parse(clearance)
	p.Languages = splitList(langs)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.Ratings > 0 {
		p.Rating = float64(sum) / float64(p.Ratings)
	}
	return k, err
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

var responderSort = map[string]sortCol{"name": {"u.name_fold", colText}}

// ResponderProfiles lists a page of the responders' profiles in s matching
// f, by name; pr is normalised against alliance.ResponderSorts.
func (db *DB) ResponderProfiles(ctx context.Context, s auth.Scope, f alliance.Filter, pr page.Request) (res page.Result[alliance.Profile], err error) {
	defer errs.Wrap(&err, "store.ResponderProfiles")
	return listProfiles(ctx, db.r, s, f, "", pr)
}

func listProfiles(ctx context.Context, q rowQueryer, s auth.Scope, f alliance.Filter, userID string, pr page.Request) (res page.Result[alliance.Profile], err error) {
	var a args
	where := []string{a.scope("p.org_id", s), "NOT u.disabled"}
	if userID != "" {
		where = append(where, "p.user_id = "+a.add(userID))
	}
	if f.OrgID != "" {
		where = append(where, "p.org_id = "+a.add(f.OrgID))
	}
	if f.Skill != "" {
		where = append(where, "EXISTS (SELECT 1 FROM responder_skills k WHERE k.user_id = p.user_id AND k.skill = "+a.add(f.Skill)+")")
	}
	if f.Province != "" {
		where = append(where, "p.province = "+a.add(f.Province))
	}
	if f.Active {
		where = append(where, "p.active")
	}
	cond, order, err := a.keyset(responderSort, "p.user_id", pr)
	if err != nil {
		return res, err
	}
	rows, err := queryAll(ctx, q, `SELECT `+profileCols+profileFrom+` WHERE `+strings.Join(where, " AND ")+` AND `+cond+order+
		` LIMIT `+a.add(pr.Limit+1), a, scanProfile)
	if err != nil {
		return res, err
	}
	res = finishKeyed(rows, pr.Limit, func(p alliance.Profile) string { return p.UserID })
	res.Items, err = fillProfiles(ctx, q, res.Items)
	return res, err
}

// fillProfiles loads skills, certifications, schedules and conflicts of ps,
// one query per child table.
func fillProfiles(ctx context.Context, q rowQueryer, ps []alliance.Profile) ([]alliance.Profile, error) {
	if len(ps) == 0 {
		return []alliance.Profile{}, nil
	}
	ids := make([]string, len(ps))
	pos := make(map[string]int, len(ps))
	for i, p := range ps {
		ids[i], pos[p.UserID] = p.UserID, i
		ps[i].Skills, ps[i].Certifications, ps[i].Conflicts = []string{}, []alliance.Certification{}, []string{}
		ps[i].Availability = alliance.Availability{Weekly: []alliance.Slot{}, Unavailable: []alliance.Period{}}
	}
	var a args
	in := a.in(ids)
	err := allianceRows(ctx, q, `SELECT user_id, skill FROM responder_skills WHERE user_id IN `+in+` ORDER BY user_id, skill`, a,
		func(r scanner) error {
			var uid, sk string
			err := r.Scan(&uid, &sk)
			ps[pos[uid]].Skills = append(ps[pos[uid]].Skills, sk)
			return err
		})
	if err == nil {
		err = allianceRows(ctx, q, `SELECT user_id, name, issuer, expires_at FROM responder_certifications WHERE user_id IN `+in+
			` ORDER BY user_id, seq`, a, func(r scanner) error {
			var uid string
			var c alliance.Certification
			var exp sql.NullTime
			err := r.Scan(&uid, &c.Name, &c.Issuer, &exp)
			c.Expires = timeOf(exp)
			ps[pos[uid]].Certifications = append(ps[pos[uid]].Certifications, c)
			return err
		})
	}
	if err == nil {
		err = allianceRows(ctx, q, `SELECT user_id, weekday, start_minute, end_minute FROM responder_slots WHERE user_id IN `+in+
			` ORDER BY user_id, weekday, start_minute`, a, func(r scanner) error {
			var uid string
			var s alliance.Slot
			var day int
			err := r.Scan(&uid, &day, &s.Start, &s.End)
			s.Day = time.Weekday(day)
			p := &ps[pos[uid]]
			p.Availability.Weekly = append(p.Availability.Weekly, s)
			return err
		})
	}
	if err == nil {
		err = allianceRows(ctx, q, `SELECT user_id, from_at, to_at, reason FROM responder_unavailable WHERE user_id IN `+in+
			` ORDER BY user_id, from_at`, a, func(r scanner) error {
			var uid string
			var pe alliance.Period
			err := r.Scan(&uid, &pe.From, &pe.To, &pe.Reason)
			pe.From, pe.To = pe.From.UTC(), pe.To.UTC()
			p := &ps[pos[uid]]
			p.Availability.Unavailable = append(p.Availability.Unavailable, pe)
			return err
		})
	}
	if err == nil {
		err = allianceRows(ctx, q, `SELECT user_id, org_id FROM responder_conflicts WHERE user_id IN `+in+
			` ORDER BY user_id, org_id`, a, func(r scanner) error {
			var uid, o string
			err := r.Scan(&uid, &o)
			ps[pos[uid]].Conflicts = append(ps[pos[uid]].Conflicts, o)
			return err
		})
	}
	return ps, err
}

// allianceRows runs a query and calls fn for each row.
func allianceRows(ctx context.Context, q rowQueryer, query string, a args, fn func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ResponderProfile reads one responder's profile when their member company
// is in s.
func (db *DB) ResponderProfile(ctx context.Context, s auth.Scope, userID string) (p alliance.Profile, err error) {
	defer errs.Wrap(&err, "store.ResponderProfile(%q)", userID)
	return getProfile(ctx, db.r, s, userID)
}

func getProfile(ctx context.Context, q rowQueryer, s auth.Scope, userID string) (alliance.Profile, error) {
	if userID == "" {
		return alliance.Profile{}, errs.NotFound("alliance.responder_not_found")
	}
	res, err := listProfiles(ctx, q, s, alliance.Filter{}, userID, page.Request{Limit: 1, Sort: "name"})
	if err != nil {
		return alliance.Profile{}, err
	}
	if len(res.Items) == 0 {
		return alliance.Profile{}, errs.NotFound("alliance.responder_not_found")
	}
	return res.Items[0], nil
}

// SaveResponderProfile creates or replaces pr (already normalised). The user
// must be an enabled responder and a member of pr.OrgID, an alliance member
// within s; conflicts must name existing organisations. An existing profile
// of a member company outside s answers not found.
func (db *DB) SaveResponderProfile(ctx context.Context, p auth.Principal, s auth.Scope, pr alliance.Profile) (out alliance.Profile, err error) {
	defer errs.Wrap(&err, "store.SaveResponderProfile(%q)", pr.UserID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var orgKind string
		var a args
		err := tx.QueryRowContext(ctx, `SELECT kind FROM organisations WHERE id = `+a.add(pr.OrgID)+` AND `+a.scope("id", s), a...).Scan(&orgKind)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Invalid("alliance.bad_profile", "the input is invalid",
				errs.Field("org_id", "alliance.unknown_org", "no such organisation"))
		}
		if err != nil {
			return err
		}
		if org.Kind(orgKind) != org.KindAllianceMember {
			return errs.Invalid("alliance.bad_profile", "the input is invalid",
				errs.Field("org_id", "alliance.not_a_member_company", "the organisation is not an alliance member"))
		}
		var role string
		var disabled bool
		err = tx.QueryRowContext(ctx, `SELECT role, disabled FROM users WHERE id = $1`, pr.UserID).Scan(&role, &disabled)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (disabled || auth.Role(role) != auth.RoleResponder) {
			return errs.Invalid("alliance.bad_profile", "the input is invalid",
				errs.Field("user_id", "alliance.not_a_responder", "the user is not an active responder"))
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND org_id = $2`,
			pr.UserID, pr.OrgID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.Invalid("alliance.bad_profile", "the input is invalid",
				errs.Field("user_id", "alliance.not_in_org", "the user is not a member of this organisation"))
		}
		if len(pr.Conflicts) > 0 {
			var b args
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id IN `+b.in(pr.Conflicts), b...).Scan(&n); err != nil {
				return err
			}
			if n != len(pr.Conflicts) {
				return errs.Invalid("alliance.bad_profile", "the input is invalid",
					errs.Field("conflicts", "alliance.unknown_org", "a conflict names no organisation"))
			}
		}
		before, err := getProfile(ctx, tx, auth.Scope{All: true}, pr.UserID)
		exists := err == nil
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return err
		}
		if exists && !s.Allows(before.OrgID) {
			return errs.NotFound("alliance.responder_not_found")
		}
		now := db.Now()
		langs := strings.Join(pr.Languages, ",")
		if exists {
			_, err = tx.ExecContext(ctx, `UPDATE responder_profiles SET org_id = $1, clearance = $2, languages = $3, province = $4,
				capacity = $5, phone = $6, active = $7, updated_at = $8 WHERE user_id = $9`,
				pr.OrgID, pr.Clearance.String(), langs, pr.Province, pr.Capacity, pr.Phone, pr.Active, now, pr.UserID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO responder_profiles (user_id, org_id, clearance, languages, province, capacity,
				phone, active, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)`,
				pr.UserID, pr.OrgID, pr.Clearance.String(), langs, pr.Province, pr.Capacity, pr.Phone, pr.Active, now)
		}
		if err != nil {
			return err
		}
		if err := replaceChildren(ctx, tx, pr); err != nil {
			return err
		}
		if err := replaceAvailability(ctx, tx, pr.UserID, pr.Availability); err != nil {
			return err
		}
		out, err = getProfile(ctx, tx, auth.Scope{All: true}, pr.UserID)
		if err != nil {
			return err
		}
		action := "alliance.responder.create"
		var beforeDigest string
		if exists {
			action, beforeDigest = "alliance.responder.update", audit.Digest(before)
		}
		e := audit.New(p, action, "responder", pr.UserID, pr.OrgID).
			WithDetail(map[string]any{"skills": out.Skills, "capacity": out.Capacity, "active": out.Active, "clearance": out.Clearance})
		e.Before, e.After = beforeDigest, audit.Digest(out)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

func replaceChildren(ctx context.Context, tx *sql.Tx, pr alliance.Profile) error {
	for _, t := range []string{"responder_skills", "responder_certifications", "responder_conflicts"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE user_id = $1`, pr.UserID); err != nil {
			return err
		}
	}
	for _, s := range pr.Skills {
		if _, err := tx.ExecContext(ctx, `INSERT INTO responder_skills (user_id, skill) VALUES ($1,$2)`, pr.UserID, s); err != nil {
			return err
		}
	}
	for i, c := range pr.Certifications {
		if _, err := tx.ExecContext(ctx, `INSERT INTO responder_certifications (user_id, seq, name, issuer, expires_at)
			VALUES ($1,$2,$3,$4,$5)`, pr.UserID, i, c.Name, c.Issuer, nullTime(c.Expires)); err != nil {
			return err
		}
	}
	for _, o := range pr.Conflicts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO responder_conflicts (user_id, org_id) VALUES ($1,$2)`, pr.UserID, o); err != nil {
			return err
		}
	}
	return nil
}

func replaceAvailability(ctx context.Context, tx *sql.Tx, userID string, av alliance.Availability) error {
	for _, t := range []string{"responder_slots", "responder_unavailable"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE user_id = $1`, userID); err != nil {
			return err
		}
	}
	for _, s := range av.Weekly {
		if _, err := tx.ExecContext(ctx, `INSERT INTO responder_slots (user_id, weekday, start_minute, end_minute)
			VALUES ($1,$2,$3,$4)`, userID, int(s.Day), s.Start, s.End); err != nil {
			return err
		}
	}
	for _, pe := range av.Unavailable {
		if _, err := tx.ExecContext(ctx, `INSERT INTO responder_unavailable (user_id, from_at, to_at, reason)
			VALUES ($1,$2,$3,$4)`, userID, pe.From.UTC().Truncate(microsecond), pe.To.UTC().Truncate(microsecond), pe.Reason); err != nil {
			return err
		}
	}
	return nil
}

// SetResponderAvailability replaces the schedule of userID, whose member
// company must be in s (the service narrows s to a responder's own).
func (db *DB) SetResponderAvailability(ctx context.Context, p auth.Principal, s auth.Scope, userID string, av alliance.Availability) (out alliance.Profile, err error) {
	defer errs.Wrap(&err, "store.SetResponderAvailability(%q)", userID)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getProfile(ctx, tx, s, userID)
		if err != nil {
			return err
		}
		if err := replaceAvailability(ctx, tx, userID, av); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE responder_profiles SET updated_at = $1 WHERE user_id = $2`, db.Now(), userID); err != nil {
			return err
		}
		if out, err = getProfile(ctx, tx, s, userID); err != nil {
			return err
		}
		e := audit.New(p, "alliance.availability.update", "responder", userID, out.OrgID).
			WithDetail(map[string]any{"slots": len(av.Weekly), "unavailable": len(av.Unavailable)})
		e.Before, e.After = audit.Digest(before.Availability), audit.Digest(out.Availability)
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// UnregisteredResponders lists the users of role responder who are members
// of an alliance member company in s and have no profile yet, with that
// company (one row per membership).
func (db *DB) UnregisteredResponders(ctx context.Context, s auth.Scope) (ps []alliance.Profile, err error) {
	defer errs.Wrap(&err, "store.UnregisteredResponders")
	var a args
	q := `SELECT u.id, o.id, o.name, u.name, u.email FROM users u JOIN memberships m ON m.user_id = u.id
		JOIN organisations o ON o.id = m.org_id
		WHERE u.role = ` + a.add(string(auth.RoleResponder)) + ` AND NOT u.disabled AND o.kind = ` + a.add(string(org.KindAllianceMember)) +
		` AND ` + a.scope("o.id", s) + ` AND NOT EXISTS (SELECT 1 FROM responder_profiles p WHERE p.user_id = u.id)
		ORDER BY o.name_fold, u.email, o.id`
	ps, err = queryAll(ctx, db.r, q, a, func(r scanner) (alliance.Profile, error) {
		var p alliance.Profile
		return p, r.Scan(&p.UserID, &p.OrgID, &p.OrgName, &p.Name, &p.Email)
	})
	if ps == nil {
		ps = []alliance.Profile{}
	}
	return ps, err
}
