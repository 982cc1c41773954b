package api

import (
	"net/http"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
)

// Mobilisation routes: a coordinator (incident:manage on the incident's
// organisation) opens requests, ranks candidates, asks, releases and rates;
// a responder lists, answers and logs hours on their own asks. Another
// responder's ask answers 404.

func (a *API) createMobilisation(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in alliance.NewRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.CreateRequest(r.Context(), p, in)
	if err != nil {
		return err
	}
	return created(w, out)
}

func (a *API) listMobilisations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rs, err := a.alliance.Requests(r.Context(), p, r.URL.Query().Get("incident"))
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": rs})
}

func (a *API) getMobilisation(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	out, err := a.alliance.Request(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

func (a *API) mobilisationCandidates(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rk, err := a.alliance.Candidates(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hideAlliance(err)
	}
	if rk.Ranked == nil {
		rk.Ranked = []alliance.Candidate{}
	}
	if rk.Excluded == nil {
		rk.Excluded = []alliance.Candidate{}
	}
	return ok(w, rk)
}

// mobiliseAskInput is the body of POST /alliance/mobilisations/{id}/asks.
type mobiliseAskInput struct {
	UserIDs []string `json:"user_ids"`
}

func (a *API) askResponders(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in mobiliseAskInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.Ask(r.Context(), p, r.PathValue("id"), in.UserIDs)
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

func (a *API) myAsks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	as, err := a.alliance.MyAsks(r.Context(), p)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": as})
}

func (a *API) getAsk(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	out, err := a.alliance.MyAsk(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

// askAnswerInput is the body of POST /alliance/asks/{id}/answer.
type askAnswerInput struct {
	Accept bool   `json:"accept"`
	Reason string `json:"reason"`
}

func (a *API) answerAsk(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in askAnswerInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.Answer(r.Context(), p, r.PathValue("id"), in.Accept, in.Reason)
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

// askReleaseInput is the body of POST /alliance/asks/{id}/release.
type askReleaseInput struct {
	Reason string `json:"reason"`
}

func (a *API) releaseAsk(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in askReleaseInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.Release(r.Context(), p, r.PathValue("id"), in.Reason)
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

func (a *API) listHours(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	hs, err := a.alliance.Hours(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, map[string]any{"items": hs})
}

func (a *API) logHours(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in alliance.NewHours
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.LogHours(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return hideAlliance(err)
	}
	return created(w, out)
}

func (a *API) rateAsk(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in alliance.NewRating
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.Rate(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return hideAlliance(err)
	}
	return created(w, out)
}
