package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// newBase fills the layout fields for a logged-in page.
func (w *Web) newBase(rw http.ResponseWriter, r *http.Request, s *session, section, titleKey string) Base {
	p := s.P
	return Base{
		Lang: s.Lang(), TitleKey: titleKey, Section: section, User: &p,
		Nav: w.withTrustedReviewerNav(r.Context(), p, navFor(p)), Flash: w.takeFlash(rw, r), RequestID: httpx.RequestID(r.Context()),
	}
}

// publicBase fills the layout fields for a page shown before log-in; the
// language is picked from the request, and the other one offered.
func (w *Web) publicBase(rw http.ResponseWriter, r *http.Request, titleKey string) Base {
	lang := pickLang(r)
	other := Langs[1]
	if lang == Langs[1] {
		other = Langs[0]
	}
	q := r.URL.Query()
	q.Set("lang", other)
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	return Base{
		Lang: lang, TitleKey: titleKey, Flash: w.takeFlash(rw, r),
		RequestID: httpx.RequestID(r.Context()), OtherLang: other, OtherLangURL: u.String(),
	}
}

// navFor lists the navigation a principal sees: what it may use now, then
// the capabilities still to come.
func navFor(p auth.Principal) []NavItem {
	nav := []NavItem{{ID: "dashboard", Key: "nav.dashboard", Href: "/"}}
	if p.Can(auth.PermOrgRead) {
		nav = append(nav,
			NavItem{ID: "orgs", Key: "nav.orgs", Href: "/orgs"},
			NavItem{ID: "systems", Key: "nav.systems", Href: "/systems"},
			NavItem{ID: "resources", Key: "nav.resources", Href: "/resources"})
	}
	if p.Can(auth.PermResourceApprove) {
		nav = append(nav, NavItem{ID: "queue", Key: "nav.queue", Href: "/resources/queue"})
	}
	nav = append(nav, monitoringNav(p)...)
	nav = append(nav, incidentNav(p)...)
	nav = append(nav, evidenceNav(p)...)
	nav = append(nav, portalNav(p)...)
	nav = append(nav, advisoryNav(p)...)
	nav = append(nav, allianceNav(p)...)
	if p.Can(auth.PermUserManage) {
		nav = append(nav, NavItem{ID: "users", Key: "nav.users", Href: "/users"})
	}
	if p.Can(auth.PermAuditRead) {
		nav = append(nav, NavItem{ID: "audit", Key: "nav.audit", Href: "/audit"})
	}
	nav = append(nav, notifyNav(p)...)
	nav = append(nav, NavItem{ID: "account", Key: "nav.account", Href: "/account"})
	return append(nav, comingNav...)
}

// monitoringNav lists the monitoring pages p may use: alerts, sensors (read
// with the registry) and threat intel.
func monitoringNav(p auth.Principal) []NavItem {
	var nav []NavItem
	if p.Can(auth.PermAlertRead) {
		nav = append(nav, NavItem{ID: "alerts", Key: "nav.alerts", Href: "/alerts"})
	}
	if p.Can(auth.PermOrgRead) {
		nav = append(nav, NavItem{ID: "sensors", Key: "nav.sensors", Href: "/sensors"})
	}
	if p.Can(auth.PermIntelRead) {
		nav = append(nav, NavItem{ID: "intel", Key: "nav.intel", Href: "/intel"})
	}
	return nav
}

// comingNav are the capabilities of the platform not built yet.
var comingNav = []NavItem{
	{ID: "assessments", Key: "nav.assessments", Coming: true},
}

// errorView is the error page.
type errorView struct {
	Base
	Status  int
	Heading string // catalogue key
	Code    string
	Message string // English fallback for Code
}

// errorPage is the HTML ErrorWriter: a page naming what went wrong, and for
// internal errors a generic message with the request ID (the cause is only
// logged).
func (w *Web) errorPage(rw http.ResponseWriter, r *http.Request, err error) {
	prob := httpx.ProblemOf(w.log, r, err)
	v := errorView{Status: prob.Status, Code: prob.Code, Message: prob.Message}
	if s := sessionOf(r.Context()); s != nil && s.Stage == auth.StageDone {
		v.Base = w.newBase(rw, r, s, "", "error.title")
	} else {
		v.Base = w.publicBase(rw, r, "error.title")
	}
	switch prob.Status {
	case http.StatusNotFound:
		v.Heading, v.TitleKey = "error.not_found", "error.not_found"
	case http.StatusForbidden:
		v.Heading = "error.forbidden"
	case http.StatusInternalServerError:
		v.Heading, v.Code, v.Message = "error.internal", "", ""
	default:
		v.Heading = "error.request"
	}
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Kind == errs.KindInvalid && len(e.Fields) > 0 {
		v.Code, v.Message = e.Fields[0].Code, e.Fields[0].Message
	}
	if rerr := w.views.render(rw, r, prob.Status, "error", &v); rerr != nil {
		w.log.ErrorContext(r.Context(), "web: error page", "err", rerr)
		http.Error(rw, http.StatusText(prob.Status), prob.Status)
	}
}

// notFound answers every path no route claims, in the user's language
// when a session is present.
func (w *Web) notFound(rw http.ResponseWriter, r *http.Request) {
	if s, err := w.authenticate(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
	}
	w.errorPage(rw, r, errs.NotFound("page.not_found"))
}

// crossOrigin answers a state-changing request that came from another site.
func (w *Web) crossOrigin(rw http.ResponseWriter, r *http.Request) {
	w.errorPage(rw, r, errs.New(errs.KindForbidden, "request.cross_origin",
		"the form was sent from another site; open Khiên and try again"))
}
