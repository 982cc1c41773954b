package api

import (
	"net/http"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/page"
)

// tokenInput is the body of POST /tokens.
type tokenInput struct {
	UserID      string            `json:"user_id"` // "" for the caller
	Name        string            `json:"name"`
	OrgID       string            `json:"org_id"`
	Permissions []auth.Permission `json:"permissions"` // empty for all of the user's role's
	ExpiresAt   time.Time         `json:"expires_at"`
}

// newToken is the body answering POST /tokens: the only time the secret is
// shown.
type newToken struct {
	Token  auth.Token `json:"token"`
	Secret string     `json:"secret"`
}

// listTokens lists the caller's tokens, or with ?user= another user's
// (token:manage). Tokens are few per user, so the list is not paged; it
// keeps the {"items": [...]} shape of every list.
func (a *API) listTokens(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	user := r.URL.Query().Get("user")
	if user == "" {
		user = p.UserID
	}
	ts, err := a.auth.ListTokens(r.Context(), p, user)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []auth.Token{}
	}
	return ok(w, page.Result[auth.Token]{Items: ts})
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in tokenInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	t, secret, err := a.auth.CreateToken(r.Context(), p, auth.NewToken{UserID: in.UserID, Name: in.Name,
		OrgID: in.OrgID, Permissions: in.Permissions, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return err
	}
	return created(w, newToken{Token: t, Secret: secret})
}

// revokeToken revokes a token; it stays listed with its revoked_at time.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.auth.RevokeToken(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
