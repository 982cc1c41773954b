package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Evidence pages: a case's evidence list, adding an item (evidence_item.go),
// an item with its custody timeline and the custody acts, and the printable
// custody form. The vault decides who sees what; a page only asks it.

// evidenceNav is the vault's navigation entry for those who work with it.
func evidenceNav(p auth.Principal) []NavItem {
	if p.Can(auth.PermEvidenceRead) || p.Can(auth.PermEvidenceAssign) || p.Can(auth.PermEvidenceShared) {
		return []NavItem{{ID: "evidence", Key: "nav.evidence", Href: "/evidence"}}
	}
	return nil
}

// evidenceHomeView lists the cases the viewer is assigned to, finds a case
// by its ID and, for those who staff cases, opens one.
type evidenceHomeView struct {
	Base
	Open    *Form
	Orgs    []Option
	CanOpen bool
	CanRead bool // the viewer works with evidence: "my cases" is shown
	// Responder: the viewer is a responder, whose cases are those of the
	// incidents it is mobilised to with items shared with it.
	Responder bool
	Cases     []evidence.MyCase // the cases the viewer is assigned to, one page
	Pager     Pager
}

var caseFields = []string{"id", "org_id", "reference", "title"}

func (w *Web) evidenceHome(rw http.ResponseWriter, r *http.Request, s *session) error {
	if id := strings.TrimSpace(r.URL.Query().Get("case")); id != "" {
		http.Redirect(rw, r, "/evidence/cases/"+url.PathEscape(id), http.StatusSeeOther)
		return nil
	}
	return w.renderEvidenceHome(rw, r, s, newForm(caseFields...))
}

func (w *Web) renderEvidenceHome(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	v := evidenceHomeView{Base: w.newBase(rw, r, s, "evidence", "evidence.title"), Open: f,
		CanOpen: s.P.Can(auth.PermEvidenceAssign), CanRead: s.P.Can(auth.PermEvidenceRead) && s.P.UserID != "",
		Responder: !s.P.Can(auth.PermEvidenceRead) && s.P.Can(auth.PermEvidenceShared) && s.P.UserID != ""}
	v.CanRead = v.CanRead || v.Responder
	if v.CanRead {
		q := r.URL.Query()
		res, err := w.evidence.MyCases(r.Context(), s.P, page.Request{Cursor: q.Get("cursor"), Limit: 25})
		if err != nil {
			return err
		}
		v.Cases, v.Pager = res.Items, pager("/evidence", q, res.Next)
	}
	if v.CanOpen {
		all, err := w.orgs(r.Context(), s.P)
		if err != nil {
			return err
		}
		v.Orgs = all.Options(func(id string) bool { return s.P.CanOn(auth.PermEvidenceAssign, id) })
	}
	return w.views.render(rw, r, f.Status(), "evidence", &v)
}

func (w *Web) caseOpen(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, caseFields...)
	if err != nil {
		return err
	}
	c, err := w.evidence.OpenCase(r.Context(), s.P, evidence.Case{ID: strings.TrimSpace(f.Get("id")),
		OrgID: f.Get("org_id"), Reference: f.Get("reference"), Title: f.Get("title")})
	if err != nil {
		if !f.Take(renameField(err, "case_id", "id")) {
			return err
		}
		return w.renderEvidenceHome(rw, r, s, f)
	}
	return w.redirect(rw, r, "/evidence/cases/"+url.PathEscape(c.ID), "flash.case_opened")
}

// renameField moves the problems of one field to another input's name.
func renameField(err error, from, to string) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// caseView is a case's evidence at a glance, who works on it, and the
// forms to assign people and export a bundle.
type caseView struct {
	Base
	Case        evidence.Case
	Items       []evidence.Item
	Assignments []evidence.Assignment
	Seen        bool // the viewer sees the case's evidence (assigned)
	CanAssign   bool
	CanWrite    bool     // adds items and exports (not a responder, who only reads shared items)
	People      []Option // users who can be assigned
	Roles       []Option // case roles
	Ceilings    []Option // TLP ceilings an assignment may carry
	Assign      *Form
	Export      *Form
}

var (
	assignFields = []string{"user_id", "role", "clearance"}
	exportFields = []string{"to", "reason", "location"}
)

func (w *Web) caseShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderCase(rw, r, s, newForm(assignFields...), newForm(exportFields...))
}

func (w *Web) renderCase(rw http.ResponseWriter, r *http.Request, s *session, assign, export *Form) error {
	ctx, p := r.Context(), s.P
	c, err := w.evidence.Case(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := caseView{Base: w.newBase(rw, r, s, "evidence", "evidence.case_title"), Case: c,
		CanAssign: p.CanOn(auth.PermEvidenceAssign, c.OrgID), Assign: assign, Export: export,
		CanWrite: p.CanOn(auth.PermEvidenceWrite, c.OrgID),
		Roles:    enumOptions("case_role.", evidence.CaseRoles)}
	for _, l := range []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict} {
		v.Ceilings = append(v.Ceilings, Option{Value: l.String(), Label: "TLP:" + l.String()})
	}
	v.Title = cmpOr(c.Reference, c.ID)
	if p.Can(auth.PermEvidenceRead) || p.Can(auth.PermEvidenceShared) {
		v.Items, err = w.evidence.List(ctx, p, c.ID)
		v.Seen = err == nil
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return err
		}
	}
	if v.Assignments, err = w.evidence.Assignments(ctx, p, c.ID); err != nil {
		return err
	}
	if v.CanAssign {
		v.People = w.assignable(r, p)
	}
	status := max(assign.Status(), export.Status())
	return w.views.render(rw, r, status, "evidence_case", &v)
}

// assignable lists the active investigators and coordinators p may list;
// nil when p may not list users (the form then takes a user ID).
func (w *Web) assignable(r *http.Request, p auth.Principal) []Option {
	var out []Option
	for _, role := range []auth.Role{auth.RoleInvestigator, auth.RoleCoordinator} {
		res, err := w.auth.ListUsers(r.Context(), p, auth.UserFilter{Role: role}, page.Request{Limit: page.MaxLimit})
		if err != nil {
			return nil
		}
		for _, u := range res.Items {
			out = append(out, Option{Value: u.ID, Label: u.Email})
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (w *Web) caseAssign(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, assignFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var ceiling tlp.Level
	if c := f.Get("clearance"); c != "" {
		if ceiling, err = tlp.Parse(c); err != nil {
			f.Fail(errs.Field("clearance", "evidence.bad_tlp", "choose a TLP level"))
			return w.renderCase(rw, r, s, f, newForm(exportFields...))
		}
	}
	if _, err := w.evidence.AssignCleared(r.Context(), s.P, id, strings.TrimSpace(f.Get("user_id")), evidence.CaseRole(f.Get("role")), ceiling); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderCase(rw, r, s, f, newForm(exportFields...))
	}
	return w.redirect(rw, r, "/evidence/cases/"+url.PathEscape(id), "flash.case_assigned")
}

// caseExport streams the sealed bundle of every live item of the case. A
// refusal before the first byte renders the case page with the problem.
func (w *Web) caseExport(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, exportFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	_ = http.NewResponseController(rw).SetWriteDeadline(time.Time{})
	tw := &tarWriter{rw: rw, name: "evidence-" + id + ".tar"}
	_, err = w.evidence.Export(r.Context(), s.P, id, nil, evidence.Note{To: f.Get("to"), Reason: f.Get("reason"),
		Location: f.Get("location")}, tw)
	switch {
	case err == nil:
		return nil
	case tw.started:
		w.log.ErrorContext(r.Context(), "web: evidence export broke off", "case", id, "err", err)
		return nil
	case f.Take(err):
		return w.renderCase(rw, r, s, newForm(assignFields...), f)
	}
	return err
}

// tarWriter sends the bundle's headers with its first byte.
type tarWriter struct {
	rw      http.ResponseWriter
	name    string
	started bool
}

func (t *tarWriter) Write(p []byte) (int, error) {
	if !t.started {
		t.started = true
		h := t.rw.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", `attachment; filename="`+t.name+`"`)
		h.Set("Cache-Control", "no-store")
		t.rw.WriteHeader(http.StatusOK)
	}
	return t.rw.Write(p)
}
