package api

import (
	"net/http"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
)

// orgInput is the body of POST /orgs.
type orgInput struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	ParentID     string   `json:"parent_id"`
	Kind         org.Kind `json:"kind"`
	Sector       string   `json:"sector"`
	Province     string   `json:"province"`
	Coordinating bool     `json:"coordinating"`
}

// orgPatch is the body of PATCH /orgs/{id}: fields left out stay as they are.
type orgPatch struct {
	Slug         *string   `json:"slug"`
	Name         *string   `json:"name"`
	ParentID     *string   `json:"parent_id"`
	Kind         *org.Kind `json:"kind"`
	Sector       *string   `json:"sector"`
	Province     *string   `json:"province"`
	Coordinating *bool     `json:"coordinating"`
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	kind, err := enumParam(q, "kind", org.Kinds)
	if err != nil {
		return err
	}
	f := org.OrgFilter{Query: q.Get("q"), Kind: kind, Sector: q.Get("sector"), Province: q.Get("province"), ParentID: q.Get("parent")}
	res, err := a.org.ListOrgs(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in orgInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.org.CreateOrg(r.Context(), p, org.Org{Slug: in.Slug, Name: in.Name, ParentID: in.ParentID, Kind: in.Kind,
		Sector: in.Sector, Province: in.Province, Coordinating: in.Coordinating})
	if err != nil {
		return err
	}
	return created(w, o)
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	o, err := a.org.GetOrg(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, o)
}

// updateOrg applies a patch to the current organisation. Fields only
// coordinators may change are silently kept for others by the service.
func (a *API) updateOrg(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in orgPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.org.GetOrg(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	set(&o.Slug, in.Slug)
	set(&o.Name, in.Name)
	set(&o.ParentID, in.ParentID)
	set(&o.Kind, in.Kind)
	set(&o.Sector, in.Sector)
	set(&o.Province, in.Province)
	set(&o.Coordinating, in.Coordinating)
	if o, err = a.org.UpdateOrg(r.Context(), p, o); err != nil {
		return err
	}
	return ok(w, o)
}

// orgID resolves the {org} path parameter (an ID or a slug) to the ID of an
// organisation p may see; others answer 404.
func (a *API) orgID(r *http.Request, p auth.Principal) (string, error) {
	o, err := a.org.GetOrg(r.Context(), p, r.PathValue("org"))
	return o.ID, err
}
