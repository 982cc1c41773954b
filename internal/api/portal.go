package api

// The scam portal's review queue for reviewers (coordinators): entries,
// their reports and screenshots, the review steps, reports filed by staff
// and appeals. The public side (reporting, look-ups, lists) is on the
// portal's own mux, internal/publicweb; the portal's data is national, so
// these routes are gated by permission, not tenant.

import (
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// portalService answers 503 when the API runs without the portal.
func (a *API) portalService() (*portal.Service, error) {
	if a.portal == nil {
		return nil, errs.New(errs.KindUnavailable, "portal.off", "this process does not run the scam portal")
	}
	return a.portal, nil
}

func (a *API) listPortalEntries(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	state, err := enumParam(q, "state", portal.States)
	if err != nil {
		return err
	}
	kind, err := enumParam(q, "kind", canon.Kinds)
	if err != nil {
		return err
	}
	res, err := svc.Queue(r.Context(), p, portal.EntryFilter{State: state, Kind: kind, Query: q.Get("q")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// portalEntryJSON is an entry with its review history.
type portalEntryJSON struct {
	portal.Entry
	History []portal.Review `json:"history"`
}

func (a *API) getPortalEntry(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	e, hist, err := svc.Entry(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, portalEntryJSON{Entry: e, History: hist})
}

func (a *API) listPortalReports(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	rs, err := svc.Reports(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": rs})
}

// reviewInput is the body of the review steps; each uses its fields.
type reviewInput struct {
	Category portal.Category `json:"category"`
	Note     string          `json:"note"`
	Reason   string          `json:"reason"`
}

// portalStep adapts one review step to a route.
func (a *API) portalStep(step string) handler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		svc, err := a.portalService()
		if err != nil {
			return err
		}
		var in reviewInput
		if err := decodeOptional(w, r, &in); err != nil {
			return err
		}
		ctx, id := r.Context(), r.PathValue("id")
		var e portal.Entry
		switch step {
		case "confirm":
			e, err = svc.Confirm(ctx, p, id, in.Category, in.Note)
		case "reject":
			e, err = svc.Reject(ctx, p, id, in.Reason)
		case "renew":
			e, err = svc.Renew(ctx, p, id, in.Note)
		default:
			e, err = svc.Reopen(ctx, p, id, in.Note)
		}
		if err != nil {
			return err
		}
		return ok(w, e)
	}
}

func (a *API) getPortalScreenshot(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	s, err := svc.Screenshot(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", s.Type)
	w.Header().Set("Content-Length", strconv.Itoa(len(s.Data)))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(s.Data)
	return err
}

// fileReport files a report on someone's behalf (a hotline call): the
// reviewer who files it may not confirm the entry.
func (a *API) fileReport(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	var in portal.ReportInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	sent, err := svc.FileReport(r.Context(), p, in)
	if err != nil {
		return err
	}
	return created(w, sent)
}

func (a *API) listPortalAppeals(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	state, err := enumParam(q, "state", []portal.AppealState{portal.AppealOpen, portal.AppealUpheld, portal.AppealRejected})
	if err != nil {
		return err
	}
	res, err := svc.Appeals(r.Context(), p, portal.AppealFilter{State: state, EntryID: q.Get("entry")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// appealDecision is the body of an appeal's decision.
type appealDecision struct {
	Uphold bool   `json:"uphold"`
	Reason string `json:"reason"`
}

func (a *API) decidePortalAppeal(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	svc, err := a.portalService()
	if err != nil {
		return err
	}
	var in appealDecision
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	ap, err := svc.DecideAppeal(r.Context(), p, r.PathValue("id"), in.Uphold, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, ap)
}
