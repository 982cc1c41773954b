package api

import (
	"net/http"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
)

// listAudit lists the audit trail in the caller's audit:read scope, newest
// first.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	f := audit.Filter{ActorID: q.Get("actor"), Action: q.Get("action"), TargetType: q.Get("target_type"),
		TargetID: q.Get("target_id"), OrgID: q.Get("org")}
	if f.From, err = timeParam(q, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(q, "to"); err != nil {
		return err
	}
	res, err := a.audit.List(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// verifyAudit recomputes the whole trail (national roles only) and answers
// the report, whether or not it found problems.
func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rep, err := a.audit.Verify(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, rep)
}
