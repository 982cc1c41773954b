package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// actionDetail is the body of GET /actions/{id}.
type actionDetail struct {
	advisory.ActionItem
	Available   []advisory.Action     `json:"available"` // steps the caller may take now
	Exceptions  []advisory.Exception  `json:"exceptions"`
	Escalations []advisory.Escalation `json:"escalations"`
}

// actionStepInput is the body of POST /actions/{id}/transitions.
type actionStepInput struct {
	Action advisory.Action `json:"action"`
	advisory.ActInput
}

// actionExceptionInput is the body of POST /actions/{id}/exceptions.
type actionExceptionInput struct {
	Reason string `json:"reason"`
	Until  string `json:"until"` // RFC 3339 or YYYY-MM-DD (end of that day, UTC)
}

// actionExceptionDecision is the body of POST /exceptions/{id}/decide.
type actionExceptionDecision struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

func (a *API) listActions(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	state, err := enumParam(q, "state", advisory.States)
	if err != nil {
		return err
	}
	f := advisory.ActionFilter{OrgID: q.Get("org"), SystemID: q.Get("system"), AdvisoryID: q.Get("advisory"), State: state}
	if s := q.Get("overdue"); s != "" {
		if f.Overdue, err = strconv.ParseBool(s); err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("overdue", "request.bad_parameter", "true or false"))
		}
	}
	res, err := a.advisory.ListActions(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) getAction(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ctx := r.Context()
	it, err := a.advisory.GetAction(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := actionDetail{ActionItem: it, Available: []advisory.Action{}}
	if p.CanOn(auth.PermActionWork, it.OrgID) || p.CanOn(auth.PermActionReview, it.OrgID) {
		d.Available = advisory.Available(it.State, p.CanOn(auth.PermActionReview, it.OrgID))
	}
	if d.Exceptions, err = a.advisory.Exceptions(ctx, p, "", it.ID); err != nil {
		return err
	}
	if d.Escalations, err = a.advisory.Escalations(ctx, p, it.ID); err != nil {
		return err
	}
	if d.Exceptions == nil {
		d.Exceptions = []advisory.Exception{}
	}
	if d.Escalations == nil {
		d.Escalations = []advisory.Escalation{}
	}
	return ok(w, d)
}

func (a *API) transitionAction(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in actionStepInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.advisory.Act(r.Context(), p, r.PathValue("id"), in.Action, in.ActInput)
	if err != nil {
		return err
	}
	return ok(w, it)
}

// parseUntil reads an exception's end: RFC 3339, or a day (its end, UTC).
func parseUntil(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	return time.Time{}, errs.Invalid("exception.bad_until", "the date is not valid",
		errs.Field("until", "exception.bad_until", "a date such as 2026-12-31 or an RFC 3339 time"))
}

func (a *API) requestException(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in actionExceptionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := a.advisory.GetAction(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	until, err := parseUntil(in.Until)
	if err != nil {
		return err
	}
	x, err := a.advisory.RequestException(r.Context(), p, r.PathValue("id"), in.Reason, until)
	if err != nil {
		return err
	}
	return created(w, x)
}

func (a *API) listExceptions(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	state, err := enumParam(r.URL.Query(), "state", []string{advisory.ExceptionRequested, advisory.ExceptionApproved,
		advisory.ExceptionRejected, advisory.ExceptionExpired})
	if err != nil {
		return err
	}
	xs, err := a.advisory.Exceptions(r.Context(), p, state, "")
	if err != nil {
		return err
	}
	if xs == nil {
		xs = []advisory.Exception{}
	}
	return ok(w, map[string]any{"items": xs})
}

func (a *API) decideException(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in actionExceptionDecision
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := a.advisory.DecideException(r.Context(), p, r.PathValue("id"), in.Approve, in.Note)
	if err != nil {
		return err
	}
	return ok(w, x)
}

// evidenceRef is the answer of POST /actions/{id}/evidence.
type evidenceRef struct {
	SHA256 string `json:"sha256"`
}

// uploadActionEvidence stores the body as remediation evidence of an item
// and answers its SHA-256, for the remediate step's attachment.
func (a *API) uploadActionEvidence(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if r.ContentLength > advisory.MaxEvidence {
		return tooLarge(advisory.MaxEvidence)
	}
	sum, err := a.advisory.AttachEvidence(r.Context(), p, r.PathValue("id"), http.MaxBytesReader(w, r.Body, advisory.MaxEvidence))
	if _, over := errors.AsType[*http.MaxBytesError](err); over {
		return tooLarge(advisory.MaxEvidence)
	}
	if err != nil {
		return err
	}
	return created(w, evidenceRef{SHA256: sum})
}

// downloadActionEvidence streams an item's remediation evidence.
func (a *API) downloadActionEvidence(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rc, size, err := a.advisory.OpenEvidence(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, err = io.Copy(w, rc)
	return err
}
