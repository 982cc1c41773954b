package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// Reviewers' pages of the public scam portal: the queue of reported
// values, an entry with its reports, screenshots and history and the review
// steps, and the appeals queue (portal_appeal.go). The portal.Service
// decides who may do what and enforces the two-reviewer rule; a page only
// asks it. The citizens' side is internal/publicweb, on its own mux.

// portalNav is the review queue's navigation entry for reviewers.
func portalNav(p auth.Principal) []NavItem {
	var nav []NavItem
	if p.Can(auth.PermPortalReview) {
		nav = append(nav, NavItem{ID: "portal", Key: "nav.portal", Href: "/portal-review"})
	}
	if p.Can(auth.PermPortalAppeal) {
		nav = append(nav, NavItem{ID: "portal-appeals", Key: "nav.portal_appeals", Href: "/portal-review/appeals"})
	}
	if portal.MayDesignate(p) {
		nav = append(nav, NavItem{ID: "portal-reviewers", Key: "nav.portal_reviewers", Href: "/portal-review/reviewers"})
	}
	return append(nav, bulletinNav(p)...)
}

// portalQueueView lists entries of one state.
type portalQueueView struct {
	Base
	Entries []portal.Entry
	States  []Option
	Kinds   []Option
	State   string
	Kind    string
	Query   string
	Pager   Pager
}

func (w *Web) portalQueue(rw http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	f := portal.EntryFilter{State: portal.State(q.Get("state")), Kind: canon.Kind(q.Get("kind")), Query: q.Get("q")}
	if f.State == "" && !q.Has("state") {
		f.State = portal.StatePending
	}
	res, err := w.portal.Queue(r.Context(), s.P, f, page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: q.Get("sort")})
	if err != nil {
		return err
	}
	v := portalQueueView{Base: w.newBase(rw, r, s, "portal", "portal_review.title"), Entries: res.Items,
		States: enumOptions("portal_state.", portal.States), Kinds: enumOptions("portal_kind.", canon.Kinds),
		State: string(f.State), Kind: string(f.Kind), Query: f.Query, Pager: pager("/portal-review", q, res.Next)}
	return w.views.render(rw, r, http.StatusOK, "portal_queue", &v)
}

// portalEntryView is one entry with everything reviewers weigh.
type portalEntryView struct {
	Base
	Entry      portal.Entry
	History    []portal.Review
	Reports    []portal.Report
	Categories []Option
	Confirm    *Form
	Reject     *Form
	Renew      *Form
	Reopen     *Form
	// ContactsWithheld is set for a trusted alliance reviewer, who is not
	// shown the reporters' contacts.
	ContactsWithheld bool
}

// entryForms are the step forms of an entry page; failed replaces one.
type entryForms map[string]*Form

func (w *Web) portalEntry(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderPortalEntry(rw, r, s, nil)
}

func (w *Web) renderPortalEntry(rw http.ResponseWriter, r *http.Request, s *session, failed entryForms) error {
	ctx, id := r.Context(), r.PathValue("id")
	e, hist, err := w.portal.Entry(ctx, s.P, id)
	if err != nil {
		return err
	}
	reports, err := w.portal.Reports(ctx, s.P, id)
	if err != nil {
		return err
	}
	forms := entryForms{"confirm": newForm("category", "note"), "reject": newForm("reason"), "renew": newForm("note"),
		"reopen": newForm("note")}
	forms["confirm"].Set("category", string(e.Category))
	status := http.StatusOK
	for k, f := range failed {
		forms[k], status = f, f.Status()
	}
	v := portalEntryView{Base: w.newBase(rw, r, s, "portal", "portal_entry.title"), Entry: e, History: hist, Reports: reports,
		Categories: enumOptions("portal_category.", portal.Categories), Confirm: forms["confirm"], Reject: forms["reject"],
		Renew: forms["renew"], Reopen: forms["reopen"], ContactsWithheld: !s.P.Can(auth.PermPortalReview)}
	v.Title = e.Value
	return w.views.render(rw, r, status, "portal_entry", &v)
}

// portalStep runs one review step from its form and returns to the entry.
func (w *Web) portalStep(step string) pageFunc {
	fields := map[string][]string{"confirm": {"category", "note"}, "reject": {"reason"}, "renew": {"note"}, "reopen": {"note"}}[step]
	return func(rw http.ResponseWriter, r *http.Request, s *session) error {
		f, err := readForm(rw, r, fields...)
		if err != nil {
			return err
		}
		ctx, id := r.Context(), r.PathValue("id")
		switch step {
		case "confirm":
			_, err = w.portal.Confirm(ctx, s.P, id, portal.Category(f.Get("category")), f.Get("note"))
		case "reject":
			_, err = w.portal.Reject(ctx, s.P, id, f.Get("reason"))
		case "renew":
			_, err = w.portal.Renew(ctx, s.P, id, f.Get("note"))
		case "reopen":
			_, err = w.portal.Reopen(ctx, s.P, id, f.Get("note"))
		}
		if err != nil {
			if !f.Take(err) {
				return err
			}
			return w.renderPortalEntry(rw, r, s, entryForms{step: f})
		}
		return w.redirect(rw, r, "/portal-review/entries/"+url.PathEscape(id), "flash.portal_"+step)
	}
}

// portalScreenshot serves one cleaned screenshot to a reviewer (the read
// is audited by the portal). It is never cached.
func (w *Web) portalScreenshot(rw http.ResponseWriter, r *http.Request, s *session) error {
	shot, err := w.portal.Screenshot(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	if shot.Type != "image/png" && shot.Type != "image/jpeg" {
		return errs.NotFound("portal.screenshot_not_found")
	}
	rw.Header().Set("Content-Type", shot.Type)
	rw.Header().Set("Content-Length", strconv.Itoa(len(shot.Data)))
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("Content-Disposition", "inline")
	_, err = rw.Write(shot.Data)
	return err
}
