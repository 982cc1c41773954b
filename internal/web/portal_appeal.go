package web

import (
	"net/http"

	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

// appealItem is one appeal of the queue with its decision form.
type appealItem struct {
	portal.Appeal
	Form *Form
}

type portalAppealsView struct {
	Base
	Appeals []appealItem
	State   string
	States  []Option
	Pager   Pager
}

func (w *Web) portalAppeals(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderPortalAppeals(rw, r, s, "", nil)
}

// renderPortalAppeals lists appeals; failed is the decision form of
// appeal failedID when it was refused.
func (w *Web) renderPortalAppeals(rw http.ResponseWriter, r *http.Request, s *session, failedID string, failed *Form) error {
	q := r.URL.Query()
	st := portal.AppealState(q.Get("state"))
	if st == "" && !q.Has("state") {
		st = portal.AppealOpen
	}
	res, err := w.portal.Appeals(r.Context(), s.P, portal.AppealFilter{State: st},
		page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v := portalAppealsView{Base: w.newBase(rw, r, s, "portal-appeals", "portal_appeals.title"), State: string(st),
		States: enumOptions("portal_appeal_state.", []portal.AppealState{portal.AppealOpen, portal.AppealUpheld, portal.AppealRejected}),
		Pager:  pager("/portal-review/appeals", q, res.Next)}
	status := http.StatusOK
	for _, ap := range res.Items {
		f := newForm("decision", "reason")
		if ap.ID == failedID && failed != nil {
			f, status = failed, failed.Status()
		}
		v.Appeals = append(v.Appeals, appealItem{Appeal: ap, Form: f})
	}
	return w.views.render(rw, r, status, "portal_appeals", &v)
}

func (w *Web) portalDecide(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "decision", "reason")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	uphold := f.Get("decision") == "uphold"
	if _, err := w.portal.DecideAppeal(r.Context(), s.P, id, uphold, f.Get("reason")); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderPortalAppeals(rw, r, s, id, f)
	}
	flash := "flash.portal_appeal_rejected"
	if uphold {
		flash = "flash.portal_appeal_upheld"
	}
	return w.redirect(rw, r, "/portal-review/appeals", flash)
}
