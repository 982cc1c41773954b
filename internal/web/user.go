package web

import (
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

func mayManageUsers(p auth.Principal) error {
	if !p.Can(auth.PermUserManage) {
		return errs.New(errs.KindForbidden, "user.forbidden", "you may not manage users")
	}
	return nil
}

// userListView lists users for administrators.
type userListView struct {
	Base
	Query string
	Role  string
	Roles []Option
	Items []auth.User
	Orgs  Orgs
	Pager Pager
}

func (w *Web) userList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	if err := mayManageUsers(p); err != nil {
		return err
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := userListView{Base: w.newBase(rw, r, s, "users", "users.title"), Orgs: all,
		Query: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Roles: enumOptions("role.", auth.Roles)}
	res, err := w.auth.ListUsers(ctx, p, auth.UserFilter{Query: v.Query, Role: auth.Role(v.Role)},
		page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/users", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "users", &v)
}

// userFormView creates a user.
type userFormView struct {
	Base
	Form      *Form
	Roles     []Option
	Orgs      []Option
	Languages []Option
}

var userFields = []string{"email", "name", "role", "orgs", "password", "language"}

func (w *Web) renderUserForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	all, err := w.orgs(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := userFormView{Base: w.newBase(rw, r, s, "users", "user.new_title"), Form: f,
		Roles: enumOptions("role.", auth.Roles), Languages: enumOptions("lang.", Langs),
		Orgs: all.Options(func(id string) bool { return s.P.CanOn(auth.PermUserManage, id) })}
	return w.views.render(rw, r, f.Status(), "user_form", &v)
}

func (w *Web) userNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := mayManageUsers(s.P); err != nil {
		return err
	}
	f := newForm(userFields...)
	f.Set("language", "vi")
	return w.renderUserForm(rw, r, s, f)
}

func (w *Web) userCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, userFields...)
	if err != nil {
		return err
	}
	n := auth.NewUser{Email: f.Get("email"), Name: f.Get("name"), Role: auth.Role(f.Get("role")),
		Password: f.Get("password"), Language: f.Get("language"), Orgs: f.Values["orgs"]}
	if _, err := w.auth.CreateUser(r.Context(), s.P, n); err != nil {
		if !f.Take(err) {
			return err
		}
		f.Set("password", "")
		return w.renderUserForm(rw, r, s, f)
	}
	return w.redirect(rw, r, "/users", "flash.user_created")
}

func (w *Web) setDisabled(rw http.ResponseWriter, r *http.Request, s *session, disabled bool) error {
	if _, err := w.auth.UpdateUser(r.Context(), s.P, r.PathValue("id"), auth.UserUpdate{Disabled: &disabled}); err != nil {
		return err
	}
	key := "flash.user_enabled"
	if disabled {
		key = "flash.user_disabled"
	}
	return w.redirect(rw, r, "/users", key)
}

func (w *Web) userDisable(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.setDisabled(rw, r, s, true)
}

func (w *Web) userEnable(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.setDisabled(rw, r, s, false)
}
