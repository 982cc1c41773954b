package api

import (
	"net/http"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
)

// systemInput is the body of POST /orgs/{org}/systems.
type systemInput struct {
	ParentID       string           `json:"parent_id"`
	Name           string           `json:"name"`
	Description    string           `json:"description"`
	Level          int              `json:"security_level"`
	LevelBasis     string           `json:"level_basis"`
	PersonalData   bool             `json:"personal_data"`
	StateSecrets   bool             `json:"state_secrets"`
	NationalDB     bool             `json:"national_database"`
	InternetFacing bool             `json:"internet_facing"`
	Status         org.SystemStatus `json:"status"`
}

// systemPatch is the body of PATCH /systems/{id}.
type systemPatch struct {
	ParentID       *string           `json:"parent_id"`
	Name           *string           `json:"name"`
	Description    *string           `json:"description"`
	Level          *int              `json:"security_level"`
	LevelBasis     *string           `json:"level_basis"`
	PersonalData   *bool             `json:"personal_data"`
	StateSecrets   *bool             `json:"state_secrets"`
	NationalDB     *bool             `json:"national_database"`
	InternetFacing *bool             `json:"internet_facing"`
	Status         *org.SystemStatus `json:"status"`
}

func (pt systemPatch) apply(s *org.System) {
	set(&s.ParentID, pt.ParentID)
	set(&s.Name, pt.Name)
	set(&s.Description, pt.Description)
	set(&s.Level, pt.Level)
	set(&s.LevelBasis, pt.LevelBasis)
	set(&s.PersonalData, pt.PersonalData)
	set(&s.StateSecrets, pt.StateSecrets)
	set(&s.NationalDB, pt.NationalDB)
	set(&s.InternetFacing, pt.InternetFacing)
	set(&s.Status, pt.Status)
}

func (a *API) listSystems(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	level, err := intParam(q, "level")
	if err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	res, err := a.org.ListSystems(r.Context(), p, org.SystemFilter{OrgID: orgID, Level: level, Query: q.Get("q")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) createSystem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in systemInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	s, err := a.org.CreateSystem(r.Context(), p, org.System{OrgID: orgID, ParentID: in.ParentID, Name: in.Name,
		Description: in.Description, Level: in.Level, LevelBasis: in.LevelBasis, PersonalData: in.PersonalData,
		StateSecrets: in.StateSecrets, NationalDB: in.NationalDB, InternetFacing: in.InternetFacing, Status: in.Status})
	if err != nil {
		return err
	}
	return created(w, s)
}

func (a *API) getSystem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, err := a.org.GetSystem(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, s)
}

func (a *API) updateSystem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in systemPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	s, err := a.org.GetSystem(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	in.apply(&s)
	if s, err = a.org.UpdateSystem(r.Context(), p, s); err != nil {
		return err
	}
	return ok(w, s)
}
