package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/incident"
)

// MobilisePanel is the mobilisation panel of an incident's page: the
// requests made on it, the responders asked, and the form to ask for more.
// The incident page fills it with (*Web).mobilisePanel and draws it with
// {{template "mobilise-panel" .Mobilise}} (templates/_mobilise.html).
type MobilisePanel struct {
	IncidentID string
	CanAsk     bool // the incident is still worked: more responders may be asked for
	Requests   []alliance.Request
	Form       *Form
	Skills     []Option
	Now        time.Time
}

var mobiliseFields = []string{"incident_id", "skills", "count", "deadline", "note"}

// mobilisePanel returns the panel of incident incidentID for p, or nil when
// p does not mobilise (no incident:manage) or the alliance is not wired.
func (w *Web) mobilisePanel(ctx context.Context, p auth.Principal, incidentID string) (*MobilisePanel, error) {
	if w.alliance == nil || !p.Can(auth.PermIncidentManage) {
		return nil, nil
	}
	rs, err := w.alliance.Requests(ctx, p, incidentID)
	if err != nil {
		return nil, err
	}
	return &MobilisePanel{IncidentID: incidentID, Requests: rs, Form: newMobiliseForm(incidentID, w.now()),
		Skills: skillOptions(), Now: w.now(), CanAsk: true}, nil
}

// incidentMobilisePanel fills the incident page's mobilisation panel (the
// incident UI's IncidentMobilisation hook).
func (w *Web) incidentMobilisePanel(ctx context.Context, p auth.Principal, v incident.View) (any, error) {
	panel, err := w.mobilisePanel(ctx, p, v.Incident.ID)
	if panel == nil || err != nil {
		return nil, err
	}
	panel.CanAsk = !alliance.Incident{State: string(v.Incident.State)}.Finished()
	return panel, nil
}

// newMobiliseForm proposes two responders and a deadline four hours ahead.
func newMobiliseForm(incidentID string, now time.Time) *Form {
	f := newForm(mobiliseFields...)
	f.Set("incident_id", incidentID)
	f.Set("count", "2")
	f.Set("deadline", now.Add(4*time.Hour).In(alliance.Zone).Format(htmlMinute))
	return f
}

// htmlMinute is the value format of an <input type="datetime-local">.
const htmlMinute = "2006-01-02T15:04"

// mobiliseNewView is the request form on a page of its own (linked from the
// incident page, and shown again with the problems of a refused request).
type mobiliseNewView struct {
	Base
	Panel MobilisePanel
}

func (w *Web) mobiliseNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	id := r.URL.Query().Get("incident")
	panel, err := w.mobilisePanel(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	if panel == nil {
		return errs.NotFound("alliance.not_found")
	}
	return w.renderMobiliseNew(rw, r, s, *panel)
}

func (w *Web) renderMobiliseNew(rw http.ResponseWriter, r *http.Request, s *session, panel MobilisePanel) error {
	v := mobiliseNewView{Base: w.newBase(rw, r, s, "incidents", "alliance.mobilise_title"), Panel: panel}
	return w.views.render(rw, r, panel.Form.Status(), "mobilise_new", &v)
}

func (w *Web) mobiliseCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, mobiliseFields...)
	if err != nil {
		return err
	}
	n := alliance.NewRequest{IncidentID: f.Get("incident_id"), Skills: f.Values["skills"], Note: f.Get("note")}
	n.Count, _ = strconv.Atoi(strings.TrimSpace(f.Get("count")))
	if d := strings.TrimSpace(f.Get("deadline")); d != "" {
		t, err := time.ParseInLocation(htmlMinute, d, alliance.Zone)
		if err != nil {
			f.Fail(errs.Field("deadline", "alliance.bad_deadline", "a date and time"))
		}
		n.Deadline = t
	}
	if len(f.Errors) == 0 {
		req, err := w.alliance.CreateRequest(r.Context(), s.P, n)
		if err == nil {
			return w.redirect(rw, r, "/alliance/mobilisations/"+url.PathEscape(req.ID), "flash.mobilisation_created")
		}
		if !f.Take(err) {
			return err
		}
	}
	panel, err := w.mobilisePanel(r.Context(), s.P, n.IncidentID)
	if err != nil || panel == nil {
		return cmpErr(err, errs.NotFound("alliance.not_found"))
	}
	panel.Form = f
	return w.renderMobiliseNew(rw, r, s, *panel)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// mobilisationView is one request: the responders asked and their answers,
// hours and ratings, and the ranked candidates to ask.
type mobilisationView struct {
	Base
	Ranking alliance.Ranking
	Open    bool // the deadline has not passed and the incident is not finished
	CanRate bool
	Ask     *Form
	Act     *Form // release and rating problems
	ActOn   string
	Now     time.Time
	Weights [5]int
	StateOf map[string]string // ask ID → state now
	Scores  []int             // the rating scale, best first
}

func (w *Web) mobilisationShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderMobilisation(rw, r, s, r.PathValue("id"), newForm("user_ids"), newForm("reason", "score", "comment"), "")
}

func (w *Web) renderMobilisation(rw http.ResponseWriter, r *http.Request, s *session, id string, ask, act *Form, actOn string) error {
	rk, err := w.alliance.Candidates(r.Context(), s.P, id)
	if err != nil {
		return err
	}
	now := w.now()
	v := mobilisationView{Base: w.newBase(rw, r, s, "incidents", "alliance.mobilisation_title"), Ranking: rk,
		Open: now.Before(rk.Request.Deadline) && !rk.Incident.Finished(), CanRate: s.P.Can(auth.PermAllianceManage),
		Ask: ask, Act: act, ActOn: actOn, Now: now, StateOf: map[string]string{}, Scores: []int{5, 4, 3, 2, 1},
		Weights: [5]int{alliance.WeightSkills, alliance.WeightAvailability, alliance.WeightDistance, alliance.WeightLoad, alliance.WeightRating}}
	v.Title = rk.Incident.Reference
	for _, a := range rk.Request.Asks {
		v.StateOf[a.ID] = a.StateAt(now)
	}
	return w.views.render(rw, r, max(ask.Status(), act.Status()), "mobilise", &v)
}

func (w *Web) mobilisationAsk(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "user_ids")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err = w.alliance.Ask(r.Context(), s.P, id, f.Values["user_ids"])
	if err == nil {
		return w.redirect(rw, r, "/alliance/mobilisations/"+url.PathEscape(id), "flash.responders_asked")
	}
	if !f.Take(rootFields(err)) {
		return err
	}
	return w.renderMobilisation(rw, r, s, id, f, newForm("reason", "score", "comment"), "")
}

func (w *Web) askRelease(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "reason", "request")
	if err != nil {
		return err
	}
	a, err := w.alliance.Release(r.Context(), s.P, r.PathValue("id"), f.Get("reason"))
	if err == nil {
		return w.redirect(rw, r, "/alliance/mobilisations/"+url.PathEscape(a.RequestID), "flash.responder_released")
	}
	if !f.Take(err) || f.Get("request") == "" {
		return err
	}
	return w.renderMobilisation(rw, r, s, f.Get("request"), newForm("user_ids"), f, r.PathValue("id"))
}

func (w *Web) askRate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "score", "comment", "request")
	if err != nil {
		return err
	}
	score, _ := strconv.Atoi(f.Get("score"))
	_, err = w.alliance.Rate(r.Context(), s.P, r.PathValue("id"), alliance.NewRating{Score: score, Comment: f.Get("comment")})
	if err == nil {
		return w.redirect(rw, r, "/alliance/mobilisations/"+url.PathEscape(f.Get("request")), "flash.responder_rated")
	}
	if !f.Take(err) || f.Get("request") == "" {
		return err
	}
	return w.renderMobilisation(rw, r, s, f.Get("request"), newForm("user_ids"), f, r.PathValue("id"))
}
