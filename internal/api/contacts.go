package api

import (
	"net/http"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
)

// contactInput is the body of POST /orgs/{org}/contacts and PUT /contacts/{id}.
type contactInput struct {
	Name           string          `json:"name"`
	Role           org.ContactRole `json:"role"`
	Email          string          `json:"email"`
	Phone          string          `json:"phone"`
	PGPFingerprint string          `json:"pgp_fingerprint"`
	Language       string          `json:"language"`
}

func (in contactInput) contact() org.Contact {
	return org.Contact{Name: in.Name, Role: in.Role, Email: in.Email, Phone: in.Phone,
		PGPFingerprint: in.PGPFingerprint, Language: in.Language}
}

func (a *API) listContacts(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	role, err := enumParam(q, "role", org.ContactRoles)
	if err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	res, err := a.org.ListContacts(r.Context(), p, org.ContactFilter{OrgID: orgID, Role: role}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in contactInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	c := in.contact()
	c.OrgID = orgID
	if c, err = a.org.CreateContact(r.Context(), p, c); err != nil {
		return err
	}
	return created(w, c)
}

// replaceContact replaces a contact's details (PUT, not PATCH: the registry
// service offers no read of one contact to merge a patch into).
func (a *API) replaceContact(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in contactInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c := in.contact()
	c.ID = r.PathValue("id")
	c, err := a.org.UpdateContact(r.Context(), p, c)
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) deleteContact(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.org.DeleteContact(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) confirmContact(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := a.org.ConfirmContact(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, c)
}
