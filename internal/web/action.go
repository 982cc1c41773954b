package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// actionListView lists the action items the viewer may see: a
// constituent's own organisation's, every organisation's for national roles.
type actionListView struct {
	Base
	Items     []advisory.ActionItem
	States    []Option
	State     string
	Overdue   bool
	Orgs      Orgs
	OrgID     string
	Pager     Pager
	Now       time.Time
	CanReview bool
}

func (w *Web) actionList(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if !s.P.Can(auth.PermActionRead) {
		return errs.New(errs.KindForbidden, "action.forbidden", "your role may not see action items")
	}
	ctx, q := r.Context(), r.URL.Query()
	orgs, err := w.orgs(ctx, s.P)
	if err != nil {
		return err
	}
	v := actionListView{Base: w.newBase(rw, r, s, "actions", "actions.title"), States: enumOptions("action_state.", advisory.States),
		State: q.Get("state"), Overdue: q.Get("overdue") == "on", Orgs: orgs, OrgID: q.Get("org"), Now: w.now(),
		CanReview: s.P.Can(auth.PermActionReview)}
	f := advisory.ActionFilter{State: advisory.State(v.State), Overdue: v.Overdue, OrgID: v.OrgID, Active: v.State == ""}
	if v.State != "" && !slices.Contains(advisory.States, f.State) {
		f.State = ""
	}
	res, err := w.advisory.ListActions(ctx, s.P, f, page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: "due_at"})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/actions", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "actions", &v)
}

// actionView is one action item with the workflow's buttons and forms.
type actionView struct {
	Base
	Item        advisory.ActionItem
	Adv         advisory.Record
	Available   map[string]bool // the steps the viewer may take now
	Form        *Form           // the step forms' inputs and problems
	XForm       *Form           // the exception request
	Exceptions  []advisory.Exception
	Escalations []advisory.Escalation
	Now         time.Time
	CanWork     bool
	CanReview   bool
}

var actionFields = []string{"justification", "note", "file", "review_note"}

// readStepForm reads a workflow step's form: urlencoded, or multipart when
// the remediation carries a file of evidence (returned open, or nil).
func readStepForm(rw http.ResponseWriter, r *http.Request) (*Form, multipart.File, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		f, err := readForm(rw, r, actionFields...)
		return f, nil, err
	}
	r.Body = http.MaxBytesReader(rw, r.Body, advisory.MaxEvidence+maxFormBody)
	if err := r.ParseMultipartForm(maxFormBody); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, nil, errs.New(errs.KindTooLarge, "request.too_large", "the file is too large (32 MiB at most)")
		}
		return nil, nil, errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	f := newForm(actionFields...)
	for _, name := range actionFields {
		if v, ok := r.MultipartForm.Value[name]; ok {
			f.Values[name] = v
		}
	}
	file, hdr, err := r.FormFile("file")
	if err != nil || hdr.Size == 0 {
		if file != nil {
			file.Close()
		}
		return f, nil, nil
	}
	return f, file, nil
}

// actionEvidence downloads an item's remediation evidence.
func (w *Web) actionEvidence(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	rc, size, err := w.advisory.OpenEvidence(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	rw.Header().Set("Content-Type", "application/octet-stream")
	rw.Header().Set("Content-Disposition", `attachment; filename="evidence-`+r.PathValue("id")+`"`)
	rw.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, err = io.Copy(rw, rc)
	return err
}

var exceptionFields = []string{"reason", "until"}

func (w *Web) actionShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderAction(rw, r, s, newForm(actionFields...), newForm(exceptionFields...))
}

func (w *Web) renderAction(rw http.ResponseWriter, r *http.Request, s *session, f, xf *Form) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	ctx := r.Context()
	it, err := w.advisory.GetAction(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := actionView{Base: w.newBase(rw, r, s, "actions", "action.title"), Item: it, Form: f, XForm: xf, Now: w.now(),
		CanWork: s.P.CanOn(auth.PermActionWork, it.OrgID), CanReview: s.P.CanOn(auth.PermActionReview, it.OrgID),
		Available: map[string]bool{}}
	if v.CanWork || v.CanReview {
		for _, a := range advisory.Available(it.State, v.CanReview) {
			if v.CanWork || advisory.IsReview(a) {
				v.Available[string(a)] = true
			}
		}
	}
	v.Title = it.AdvisoryTitle
	if s.Lang() == "vi" && it.AdvisoryTitleVI != "" {
		v.Title = it.AdvisoryTitleVI
	}
	if v.Adv, err = w.advisory.Get(ctx, s.P, it.AdvisoryID); err != nil && !errs.Is(err, errs.KindNotFound) {
		return err
	}
	if v.Exceptions, err = w.advisory.Exceptions(ctx, s.P, "", it.ID); err != nil {
		return err
	}
	if v.Escalations, err = w.advisory.Escalations(ctx, s.P, it.ID); err != nil {
		return err
	}
	status := f.Status()
	if xf.Status() != http.StatusOK {
		status = xf.Status()
	}
	return w.views.render(rw, r, status, "action", &v)
}

// actionStep takes one workflow step from the item's page.
func (w *Web) actionStep(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	act := advisory.Action(r.PathValue("step"))
	id := r.PathValue("id")
	f, file, err := readStepForm(rw, r)
	if err != nil {
		return err
	}
	in := advisory.ActInput{Justification: f.Get("justification"), Note: f.Get("note")}
	if file != nil {
		defer file.Close()
		sum, err := w.advisory.AttachEvidence(r.Context(), s.P, id, file)
		if err != nil {
			if errs.Is(err, errs.KindNotFound) || !f.Take(err) {
				return err
			}
			return w.renderAction(rw, r, s, f, newForm(exceptionFields...))
		}
		in.Attachment = sum
	}
	if advisory.IsReview(act) {
		in.Note = f.Get("review_note")
	}
	if _, err := w.advisory.Act(r.Context(), s.P, id, act, in); err != nil {
		if errs.Is(err, errs.KindNotFound) || !f.Take(err) {
			return err
		}
		// A review's note is typed in review_note.
		if advisory.IsReview(act) && f.Invalid("note") {
			f.Errors["review_note"], f.Errors["note"] = f.Errors["note"], nil
			delete(f.Errors, "note")
		}
		return w.renderAction(rw, r, s, f, newForm(exceptionFields...))
	}
	to := "/actions/" + id
	if strings.HasSuffix(r.URL.Query().Get("back"), "review") {
		to = "/actions/review"
	}
	return w.redirect(rw, r, to, "flash.action_"+strings.ReplaceAll(string(act), "-", "_"))
}

// actionException asks for an exception (or, for a coordinator, grants one
// at once) from the item's page.
func (w *Web) actionException(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	xf, err := readForm(rw, r, exceptionFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	until, perr := time.Parse(time.DateOnly, strings.TrimSpace(xf.Get("until")))
	if perr != nil {
		xf.Fail(errs.Field("until", "exception.bad_until", "a date such as 2026-12-31"))
		return w.renderAction(rw, r, s, newForm(actionFields...), xf)
	}
	until = until.Add(24*time.Hour - time.Second)
	if _, err := w.advisory.RequestException(r.Context(), s.P, id, xf.Get("reason"), until); err != nil {
		if errs.Is(err, errs.KindNotFound) || !xf.Take(err) {
			return err
		}
		return w.renderAction(rw, r, s, newForm(actionFields...), xf)
	}
	return w.redirect(rw, r, "/actions/"+id, "flash.exception_requested")
}

// reviewView is the coordinators' queue: not-applicable claims,
// remediations to verify, and requested exceptions.
type reviewView struct {
	Base
	Claims     []advisory.ActionItem
	Remediated []advisory.ActionItem
	Exceptions []advisory.Exception
	Items      map[string]advisory.ActionItem // the exceptions' items
}

func (w *Web) actionReview(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if !s.P.Can(auth.PermActionReview) {
		return errs.New(errs.KindForbidden, "action.forbidden", "only coordinators review action items")
	}
	ctx := r.Context()
	v := reviewView{Base: w.newBase(rw, r, s, "actions", "action_review.title"), Items: map[string]advisory.ActionItem{}}
	for _, x := range []struct {
		state advisory.State
		dst   *[]advisory.ActionItem
	}{{advisory.StateNAClaimed, &v.Claims}, {advisory.StateRemediated, &v.Remediated}} {
		res, err := w.advisory.ListActions(ctx, s.P, advisory.ActionFilter{State: x.state}, page.Request{Limit: 200, Sort: "due_at"})
		if err != nil {
			return err
		}
		*x.dst = res.Items
	}
	xs, err := w.advisory.Exceptions(ctx, s.P, advisory.ExceptionRequested, "")
	if err != nil {
		return err
	}
	v.Exceptions = xs
	for _, x := range xs {
		if it, err := w.advisory.GetAction(ctx, s.P, x.ItemID); err == nil {
			v.Items[x.ItemID] = it
		}
	}
	return w.views.render(rw, r, http.StatusOK, "action_review", &v)
}

// actionDecide approves or rejects a requested exception from the queue.
func (w *Web) actionDecide(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	f, err := readForm(rw, r, "decision", "note")
	if err != nil {
		return err
	}
	if _, err := w.advisory.DecideException(r.Context(), s.P, r.PathValue("id"), f.Get("decision") == "approve", f.Get("note")); err != nil {
		if errs.Is(err, errs.KindConflict) {
			return w.redirect(rw, r, "/actions/review", "flash.exception_already_decided")
		}
		return err
	}
	return w.redirect(rw, r, "/actions/review", "flash.exception_decided")
}

// actionRecompute matches every inventory against every advisory again.
func (w *Web) actionRecompute(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.needAdvisories(); err != nil {
		return err
	}
	if _, err := readForm(rw, r); err != nil {
		return err
	}
	if _, err := w.advisory.Recompute(r.Context(), s.P); err != nil {
		return err
	}
	return w.redirect(rw, r, "/actions/review", "flash.actions_recomputed")
}
