package api

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// The caller's case list and the end of an item's life: legal hold,
// retention and destruction. The vault checks the permissions
// (evidence:dispose to release, set retention or destroy) and the
// safeguards; a caller who may not see the item gets 404.

func (a *API) listMyCases(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	pr, err := pageRequest(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := a.evidence.MyCases(r.Context(), p, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// holdInput is the body of POST /evidence/items/{id}/hold.
type holdInput struct {
	Hold *bool `json:"hold"` // true places the legal hold, false releases it
	noteInput
}

func (a *API) setHold(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in holdInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Hold == nil {
		return errs.Invalid("evidence.invalid", "say whether the hold is placed or released",
			errs.Field("hold", "evidence.required", "true to place the legal hold, false to release it"))
	}
	it, err := a.evidence.SetHold(r.Context(), p, r.PathValue("id"), *in.Hold, in.note())
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}

// retentionInput is the body of POST /evidence/items/{id}/retention.
type retentionInput struct {
	RetainUntil time.Time `json:"retain_until"`
	noteInput
}

func (a *API) setRetention(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in retentionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.evidence.SetRetention(r.Context(), p, r.PathValue("id"), in.RetainUntil, in.note())
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}

// destroyInput is the body of POST /evidence/items/{id}/destroy.
type destroyInput struct {
	// Confirm is the start (at least 12 hex digits) of the item's SHA-256.
	Confirm string `json:"confirm"`
	noteInput
}

func (a *API) destroyItem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in destroyInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.evidence.DestroyConfirmed(r.Context(), p, r.PathValue("id"), in.Confirm, in.note())
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}

// shareInput is the body of POST /evidence/items/{id}/share.
type shareInput struct {
	Shared *bool `json:"shared"`
	noteInput
}

// shareItem shares an item with the responders mobilised to its case's
// incident, or withdraws it: the holder's or a case coordinator's act, a
// custody event. Responders then read it through the item endpoints.
func (a *API) shareItem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in shareInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Shared == nil {
		return errs.Invalid("evidence.invalid", "say whether the item is shared or not",
			errs.Field("shared", "evidence.required", "true to share the item with the responders, false to withdraw it"))
	}
	it, err := a.evidence.Share(r.Context(), p, r.PathValue("id"), *in.Shared, in.note())
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}
