package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/tlp"
)

// Alliance routes: member companies, responders and the roster
// (alliance:read), responders' profiles (alliance:manage; a responder sets
// their own availability), and mobilisation (alliance_mobilise.go). A route
// that names an object the caller may not reach answers 404, whatever the
// reason (see hideAlliance).

// hideAlliance turns "you may not do this" into not-found on routes that
// name an object, so its existence is not revealed.
func hideAlliance(err error) error {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Code == "alliance.forbidden" {
		return errs.NotFound("alliance.not_found")
	}
	return err
}

func (a *API) allianceReady() error {
	if a.alliance == nil {
		return errs.New(errs.KindUnavailable, "alliance.unavailable", "the alliance is not available")
	}
	return nil
}

type skillJSON struct {
	ID    string `json:"id"`
	Group string `json:"group"`
}

func (a *API) allianceSkills(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	out := []skillJSON{}
	for _, s := range alliance.Skills() {
		out = append(out, skillJSON{ID: s.ID, Group: s.Group})
	}
	return ok(w, map[string]any{"items": out})
}

func (a *API) allianceMembers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	pr, err := pageRequest(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := a.alliance.Members(r.Context(), p, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func responderFilter(r *http.Request) (alliance.Filter, error) {
	q := r.URL.Query()
	f := alliance.Filter{OrgID: q.Get("org"), Skill: q.Get("skill"), Province: q.Get("province")}
	if s := q.Get("active"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("active", "request.bad_parameter", "true or false"))
		}
		f.Active = b
	}
	return f, nil
}

func (a *API) listResponders(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := responderFilter(r)
	if err != nil {
		return err
	}
	pr, err := pageRequest(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := a.alliance.Responders(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) getResponder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	pr, err := a.alliance.Responder(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, pr)
}

// responderInput is the body of PUT /alliance/responders/{id}.
type responderInput struct {
	OrgID          string                   `json:"org_id"`
	Skills         []string                 `json:"skills"`
	Certifications []alliance.Certification `json:"certifications"`
	Clearance      tlp.Level                `json:"clearance"`
	Languages      []string                 `json:"languages"`
	Province       string                   `json:"province"`
	Capacity       int                      `json:"capacity"`
	Availability   *alliance.Availability   `json:"availability"`
	Conflicts      []string                 `json:"conflicts"`
	Active         *bool                    `json:"active"`
	Phone          string                   `json:"phone"`
}

func (a *API) putResponder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if !p.Can(auth.PermAllianceManage) {
		return errs.NotFound("alliance.responder_not_found")
	}
	var in responderInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	pr := alliance.Profile{UserID: r.PathValue("id"), OrgID: in.OrgID, Skills: in.Skills, Certifications: in.Certifications,
		Clearance: in.Clearance, Languages: in.Languages, Province: in.Province, Capacity: in.Capacity,
		Conflicts: in.Conflicts, Active: in.Active == nil || *in.Active, Phone: in.Phone}
	if in.Availability != nil {
		pr.Availability = *in.Availability
	} else {
		pr.Availability = alliance.Availability{Weekly: alliance.DefaultWeekly()}
	}
	out, err := a.alliance.SaveProfile(r.Context(), p, pr)
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

func (a *API) putAvailability(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in alliance.Availability
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := a.alliance.SetAvailability(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return hideAlliance(err)
	}
	return ok(w, out)
}

func (a *API) roster(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := responderFilter(r)
	if err != nil {
		return err
	}
	onlyNow := true
	if s := r.URL.Query().Get("now"); s != "" {
		if onlyNow, err = strconv.ParseBool(s); err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("now", "request.bad_parameter", "true or false"))
		}
	}
	es, err := a.alliance.Roster(r.Context(), p, f, onlyNow)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": es})
}
