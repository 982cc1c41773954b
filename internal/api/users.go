package api

import (
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// userInput is the body of POST /users.
type userInput struct {
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Password string    `json:"password"`
	Language string    `json:"language"`
	Orgs     []string  `json:"orgs"`
}

// userPatch is the body of PATCH /users/{id}; fields left out stay.
type userPatch struct {
	Name     *string    `json:"name"`
	Role     *auth.Role `json:"role"`
	Language *string    `json:"language"`
	Disabled *bool      `json:"disabled"`
	Orgs     []string   `json:"orgs"`
}

// membershipInput is the body of POST /users/{id}/memberships.
type membershipInput struct {
	OrgID string `json:"org_id"`
}

// meAnswer is the body of GET /me.
type meAnswer struct {
	User        auth.User         `json:"user"`
	TokenID     string            `json:"token_id"`
	TokenOrgID  string            `json:"token_org_id,omitempty"`
	Permissions []auth.Permission `json:"permissions"` // what this token may do somewhere
}

func (a *API) me(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	u, err := a.auth.GetUser(r.Context(), p, p.UserID)
	if err != nil {
		return err
	}
	perms := []auth.Permission{}
	for _, perm := range auth.AllPermissions {
		if p.Can(perm) {
			perms = append(perms, perm)
		}
	}
	return ok(w, meAnswer{User: u, TokenID: p.TokenID, TokenOrgID: p.TokenOrg, Permissions: perms})
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	f := auth.UserFilter{Query: q.Get("q"), Role: auth.Role(q.Get("role")), OrgID: q.Get("org")}
	res, err := a.auth.ListUsers(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in userInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := a.auth.CreateUser(r.Context(), p, auth.NewUser{Email: in.Email, Name: in.Name, Role: in.Role,
		Password: in.Password, Language: in.Language, Orgs: in.Orgs})
	if err != nil {
		return err
	}
	return created(w, u)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	u, err := a.auth.GetUser(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, u)
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in userPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := a.auth.UpdateUser(r.Context(), p, r.PathValue("id"),
		auth.UserUpdate{Name: in.Name, Role: in.Role, Language: in.Language, Disabled: in.Disabled, Orgs: in.Orgs})
	if err != nil {
		return err
	}
	return ok(w, u)
}

// addMembership answers the user with the new membership.
func (a *API) addMembership(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in membershipInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.OrgID) == "" {
		return errs.Invalid("membership.invalid", "say which organisation",
			errs.Field("org_id", "membership.org_required", "an organisation ID"))
	}
	id := r.PathValue("id")
	if err := a.auth.AddMembership(r.Context(), p, id, in.OrgID); err != nil {
		return err
	}
	u, err := a.auth.GetUser(r.Context(), p, id)
	if err != nil {
		return err
	}
	return ok(w, u)
}

func (a *API) removeMembership(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.auth.RemoveMembership(r.Context(), p, r.PathValue("id"), r.PathValue("org")); err != nil {
		return err
	}
	return noContent(w)
}
