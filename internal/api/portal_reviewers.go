package api

// Trusted portal reviewers: coordinators list, designate and revoke the
// alliance members' users who may work the review queue. Designations are
// national, gated by permission (portal:review), not tenant.

import (
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

func (a *API) listPortalReviewers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	all := false
	if s := r.URL.Query().Get("all"); s != "" {
		if all, err = strconv.ParseBool(s); err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("all", "request.bad_parameter", "true or false"))
		}
	}
	ds, err := svc.Reviewers(r.Context(), p, all)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": ds})
}

// designation is the body of a designation.
type designation struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

func (a *API) designatePortalReviewer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	var in designation
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := svc.Designate(r.Context(), p, in.Email, in.Reason)
	if err != nil {
		return err
	}
	return created(w, d)
}

func (a *API) revokePortalReviewer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	d, err := svc.RevokeReviewer(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, d)
}
