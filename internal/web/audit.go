package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// auditView is the audit trail with a filter, newest first.
type auditView struct {
	Base
	Form      *Form
	Entries   []audit.Entry
	Orgs      Orgs
	Pager     Pager
	CanVerify bool
}

var auditFields = []string{"actor", "action", "target_type", "target", "org", "from", "to"}

// datetimeLocal is the format of an <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// auditFilter reads the filter form; the times are in the display zone.
func auditFilter(f *Form, zone *time.Location) audit.Filter {
	flt := audit.Filter{ActorID: strings.TrimSpace(f.Get("actor")), Action: strings.TrimSpace(f.Get("action")),
		TargetType: strings.TrimSpace(f.Get("target_type")), TargetID: strings.TrimSpace(f.Get("target")),
		OrgID: f.Get("org")}
	at := func(name string) time.Time {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(datetimeLocal, s, zone)
		if err != nil {
			f.Fail(errs.Field(name, "audit.bad_time", "give a date and time"))
			return time.Time{}
		}
		return t.UTC()
	}
	flt.From, flt.To = at("from"), at("to")
	return flt
}

func (w *Web) auditList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	if !p.Can(auth.PermAuditRead) {
		return errs.New(errs.KindForbidden, "audit.forbidden", "you may not read the audit trail")
	}
	f := newForm(auditFields...)
	for _, name := range auditFields {
		f.Set(name, q.Get(name))
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := auditView{Base: w.newBase(rw, r, s, "audit", "audit.title"), Form: f, Orgs: all,
		CanVerify: p.Scope(auth.PermAuditRead).All}
	flt := auditFilter(f, w.views.translator(s.Lang()).zone)
	if len(f.Errors) > 0 {
		return w.views.render(rw, r, f.Status(), "audit", &v)
	}
	res, err := w.audit.List(ctx, p, flt, page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.views.render(rw, r, f.Status(), "audit", &v)
	}
	v.Entries, v.Pager = res.Items, pager("/audit", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "audit", &v)
}

// ActorURL is the audit page filtered to one actor.
func (v *auditView) ActorURL(actorID string) string {
	return "/audit?" + url.Values{"actor": {actorID}}.Encode()
}

// verifyView is the result of recomputing the whole trail.
type verifyView struct {
	Base
	Report audit.Report
}

func (w *Web) auditVerify(rw http.ResponseWriter, r *http.Request, s *session) error {
	rep, err := w.audit.Verify(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := verifyView{Base: w.newBase(rw, r, s, "audit", "verify.title"), Report: rep}
	return w.views.render(rw, r, http.StatusOK, "audit_verify", &v)
}
