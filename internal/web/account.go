package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// accountView is the user's own profile: language and password.
type accountView struct {
	Base
	Me        auth.User
	OrgNames  []string
	LangForm  *Form
	PassForm  *Form
	Languages []Option
}

var passwordFields = []string{"old_password", "password", "password_confirm"}

func (w *Web) account(rw http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm("language")
	f.Set("language", s.Lang())
	return w.renderAccount(rw, r, s, f, newForm(passwordFields...))
}

func (w *Web) renderAccount(rw http.ResponseWriter, r *http.Request, s *session, lang, pass *Form) error {
	ctx := r.Context()
	me, err := w.auth.GetUser(ctx, s.P, s.P.UserID)
	if err != nil {
		return err
	}
	v := accountView{Base: w.newBase(rw, r, s, "account", "account.title"), Me: me,
		LangForm: lang, PassForm: pass, Languages: enumOptions("lang.", Langs)}
	for _, id := range me.Orgs {
		if o, err := w.org.GetOrg(ctx, s.P, id); err == nil {
			v.OrgNames = append(v.OrgNames, o.Name)
		}
	}
	return w.views.render(rw, r, max(lang.Status(), pass.Status()), "account", &v)
}

func (w *Web) setLanguage(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "language")
	if err != nil {
		return err
	}
	if err := w.auth.SetLanguage(r.Context(), s.P, f.Get("language")); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderAccount(rw, r, s, f, newForm(passwordFields...))
	}
	return w.redirect(rw, r, "/account", "flash.language_saved")
}

// changePassword changes the password; every session ends, so the user logs
// in again.
func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, passwordFields...)
	if err != nil {
		return err
	}
	lang := newForm("language")
	lang.Set("language", s.Lang())
	if f.Get("password") != f.Get("password_confirm") {
		f.Fail(errs.Field("password_confirm", "password.mismatch", "the two new passwords differ"))
	} else if err := w.auth.ChangePassword(r.Context(), s.P, f.Get("old_password"), f.Get("password")); err != nil {
		if !f.Take(err) {
			return err
		}
	} else {
		w.clearCookie(rw, sessionCookie)
		return w.redirect(rw, r, "/login", "flash.password_changed")
	}
	for _, name := range passwordFields {
		f.Set(name, "")
	}
	return w.renderAccount(rw, r, s, lang, f)
}

// tokenView lists the user's API tokens, and once shows a new secret.
type tokenView struct {
	Base
	Tokens      []auth.Token
	Form        *Form
	Orgs        Orgs
	OrgOptions  []Option
	Permissions []Option
	Secret      string
	Now         time.Time
}

var tokenFields = []string{"name", "org_id", "permissions", "expires_at"}

func (w *Web) renderTokens(rw http.ResponseWriter, r *http.Request, s *session, f *Form, secret string) error {
	ctx, p := r.Context(), s.P
	list, err := w.auth.ListTokens(ctx, p, p.UserID)
	if err != nil {
		return err
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := tokenView{Base: w.newBase(rw, r, s, "account", "tokens.title"), Tokens: list, Form: f, Orgs: all,
		Secret: secret, Now: w.now(), OrgOptions: all.Options(nil)}
	for _, perm := range auth.RolePermissions(p.Role) {
		v.Permissions = append(v.Permissions, Option{Value: string(perm), Key: "perm." + permKey(perm)})
	}
	return w.views.render(rw, r, f.Status(), "tokens", &v)
}

// permKey turns "org:read" into the catalogue suffix "org_read".
func permKey(p auth.Permission) string { return strings.ReplaceAll(string(p), ":", "_") }

func (w *Web) tokenList(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderTokens(rw, r, s, newForm(tokenFields...), "")
}

func (w *Web) tokenCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, tokenFields...)
	if err != nil {
		return err
	}
	n := auth.NewToken{Name: f.Get("name"), OrgID: f.Get("org_id")}
	for _, perm := range f.Values["permissions"] {
		n.Permissions = append(n.Permissions, auth.Permission(perm))
	}
	if d := strings.TrimSpace(f.Get("expires_at")); d != "" {
		day, err := time.ParseInLocation("2006-01-02", d, w.views.translator(s.Lang()).zone)
		if err != nil {
			f.Fail(errs.Field("expires_at", "token.bad_expiry", "give a date such as 2030-12-31"))
			return w.renderTokens(rw, r, s, f, "")
		}
		n.ExpiresAt = day.AddDate(0, 0, 1).UTC() // the end of that day
	}
	_, secret, err := w.auth.CreateToken(r.Context(), s.P, n)
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderTokens(rw, r, s, f, "")
	}
	return w.renderTokens(rw, r, s, newForm(tokenFields...), secret)
}

func (w *Web) tokenRevoke(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.auth.RevokeToken(r.Context(), s.P, r.PathValue("id")); err != nil {
		return err
	}
	return w.redirect(rw, r, "/account/tokens", "flash.token_revoked")
}
