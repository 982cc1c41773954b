package api

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

var alertKinds = []alert.Kind{alert.KindIndicator, alert.KindRule, alert.KindSensorSilent, alert.KindSensorRecovered}

// alertWithHistory is the body of GET /alerts/{id}.
type alertWithHistory struct {
	alert.Alert
	History []alert.Change `json:"history"`
}

// closeInput is the optional body of POST /alerts/{id}/close.
type closeInput struct {
	Note string `json:"note"`
}

// falsePositiveInput is the body of POST /alerts/{id}/false-positive.
type falsePositiveInput struct {
	Reason        string `json:"reason"`
	SuppressUntil string `json:"suppress_until"` // RFC 3339; empty: no suppression
}

// escalation is the answer of POST /alerts/{id}/escalate.
type escalation struct {
	Alert    alert.Alert `json:"alert"`
	Incident string      `json:"incident"` // the incident's reference
}

// listAlerts is the feed SOC tools pull: the alerts of the caller's
// organisations (every alert for national roles), newest first unless sort
// says otherwise, as each viewer may see them (TLP).
func (a *API) listAlerts(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	if pr.Sort == "" {
		// Explicit, so that every page of the list keeps the same order.
		pr.Sort = "-last_seen"
	}
	state, err := enumParam(q, "state", alert.States)
	if err != nil {
		return err
	}
	kind, err := enumParam(q, "kind", alertKinds)
	if err != nil {
		return err
	}
	res, err := a.alerts.List(r.Context(), p, alert.Filter{State: state, Kind: kind, OrgID: q.Get("org"), Query: q.Get("q")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) getAlert(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	al, hist, err := a.alerts.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if hist == nil {
		hist = []alert.Change{}
	}
	return ok(w, alertWithHistory{Alert: al, History: hist})
}

// visibleAlert resolves the path's alert through the caller's scope, so that
// any triage step on another tenant's alert is 404 before anything else.
func (a *API) visibleAlert(r *http.Request, p auth.Principal) (string, error) {
	al, _, err := a.alerts.Get(r.Context(), p, r.PathValue("id"))
	return al.ID, err
}

func (a *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := a.visibleAlert(r, p)
	if err != nil {
		return err
	}
	al, err := a.alerts.Acknowledge(r.Context(), p, id)
	if err != nil {
		return err
	}
	return ok(w, al)
}

func (a *API) closeAlert(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in closeInput
	if err := decodeOptional(w, r, &in); err != nil {
		return err
	}
	id, err := a.visibleAlert(r, p)
	if err != nil {
		return err
	}
	al, err := a.alerts.Close(r.Context(), p, id, in.Note)
	if err != nil {
		return err
	}
	return ok(w, al)
}

func (a *API) falsePositive(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in falsePositiveInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	id, err := a.visibleAlert(r, p)
	if err != nil {
		return err
	}
	var until time.Time
	if in.SuppressUntil != "" {
		if until, err = time.Parse(time.RFC3339, in.SuppressUntil); err != nil {
			return errs.Invalid("alert.bad_expiry", "the suppression end is not a time",
				errs.Field("suppress_until", "alert.bad_expiry", "an RFC 3339 time such as 2026-01-02T15:04:05Z"))
		}
	}
	al, err := a.alerts.FalsePositive(r.Context(), p, id, in.Reason, until)
	if err != nil {
		return err
	}
	return ok(w, al)
}

// escalateAlert hands an alert to incident coordination; until that exists
// the service answers 409 alert.escalation_unavailable.
func (a *API) escalateAlert(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := a.visibleAlert(r, p)
	if err != nil {
		return err
	}
	al, ref, err := a.alerts.Escalate(r.Context(), p, id)
	if err != nil {
		return err
	}
	return ok(w, escalation{Alert: al, Incident: ref})
}

// decodeOptional reads a JSON body into v when there is one; an absent body
// leaves v as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return httpx.DecodeJSON(w, r, v)
}
