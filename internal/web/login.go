package web

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// loginView is the e-mail and password step.
type loginView struct {
	Base
	Form *Form
	Next string
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request) error {
	next := localNext(r.URL.Query().Get("next"), "")
	if s, err := w.authenticate(r); err == nil && s.Stage == auth.StageDone {
		http.Redirect(rw, r, localNext(next, "/"), http.StatusSeeOther)
		return nil
	}
	f := newForm("email", "password")
	return w.renderLogin(rw, r, f, next)
}

func (w *Web) renderLogin(rw http.ResponseWriter, r *http.Request, f *Form, next string) error {
	v := loginView{Base: w.publicBase(rw, r, "login.title"), Form: f, Next: next}
	return w.views.render(rw, r, f.Status(), "login", &v)
}

// login checks the password and starts a new session, ending any session
// the browser had, then sends the browser to the step the session is at.
func (w *Web) login(rw http.ResponseWriter, r *http.Request) error {
	f, err := readForm(rw, r, "email", "password")
	if err != nil {
		return err
	}
	next := localNext(r.PostForm.Get("next"), "")
	res, err := w.auth.Login(r.Context(), f.Get("email"), f.Get("password"), client(r))
	if err != nil {
		if !f.Take(err) {
			return err
		}
		f.Set("password", "")
		return w.renderLogin(rw, r, f, next)
	}
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		if err := w.auth.Logout(r.Context(), old.Value); err != nil {
			w.log.WarnContext(r.Context(), "web: ending the previous session", "err", err)
		}
		w.clearCookie(rw, sessionCookie)
	}
	w.setSession(rw, res.SessionToken)
	q := url.Values{}
	if next != "" {
		q.Set("next", next)
	}
	switch res.Stage {
	case auth.StageTOTP:
		http.Redirect(rw, r, "/login/totp?"+q.Encode(), http.StatusSeeOther)
	case auth.StageEnrol:
		http.Redirect(rw, r, "/login/enrol?"+q.Encode(), http.StatusSeeOther)
	default:
		http.Redirect(rw, r, localNext(next, "/"), http.StatusSeeOther)
	}
	return nil
}

// totpView is the second-factor step.
type totpView struct {
	Base
	Form *Form
	Next string
}

func (w *Web) totpForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderTOTP(rw, r, s, newForm("code"), localNext(r.URL.Query().Get("next"), ""))
}

func (w *Web) renderTOTP(rw http.ResponseWriter, r *http.Request, s *session, f *Form, next string) error {
	v := totpView{Base: w.sessionBase(rw, r, s, "totp.title"), Form: f, Next: next}
	return w.views.render(rw, r, f.Status(), "totp", &v)
}

func (w *Web) totp(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "code")
	if err != nil {
		return err
	}
	next := localNext(r.PostForm.Get("next"), "")
	if err := w.auth.CompleteTOTP(r.Context(), s.Token, f.Get("code")); err != nil {
		if !f.Take(onField(err, "auth.bad_code", "code")) {
			return err
		}
		f.Set("code", "")
		return w.renderTOTP(rw, r, s, f, next)
	}
	http.Redirect(rw, r, localNext(next, "/"), http.StatusSeeOther)
	return nil
}

// onField puts an error of the given code beside field.
func onField(err error, code, field string) error {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Code == code && len(e.Fields) == 0 {
		return e.OnField(field)
	}
	return err
}

// sessionBase is the layout of the log-in steps a session goes through: the
// user's language, no navigation yet.
func (w *Web) sessionBase(rw http.ResponseWriter, r *http.Request, s *session, titleKey string) Base {
	b := w.publicBase(rw, r, titleKey)
	b.Lang, b.OtherLang, b.OtherLangURL = s.Lang(), "", ""
	return b
}

// enrolView shows a new TOTP secret to scan, then the recovery codes.
type enrolView struct {
	Base
	Form     *Form
	Next     string
	Secret   string
	QR       template.URL // data: URL of a PNG we drew
	Recovery []string
}

func (w *Web) enrolForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	secret, _, err := w.auth.BeginEnrol(r.Context(), s.P)
	if err != nil {
		return err
	}
	f := newForm("code")
	return w.renderEnrol(rw, r, s, f, secret, localNext(r.URL.Query().Get("next"), ""))
}

func (w *Web) renderEnrol(rw http.ResponseWriter, r *http.Request, s *session, f *Form, secret, next string) error {
	qr, err := qrDataURL(s.P.Email, secret)
	if err != nil {
		return errs.Internal("web.enrol", err)
	}
	v := enrolView{Base: w.sessionBase(rw, r, s, "enrol.title"), Form: f, Next: next, Secret: secret, QR: qr}
	return w.views.render(rw, r, f.Status(), "enrol", &v)
}

// enrol confirms the secret with a code and shows the recovery codes once.
func (w *Web) enrol(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "code")
	if err != nil {
		return err
	}
	secret, next := r.PostForm.Get("secret"), localNext(r.PostForm.Get("next"), "")
	codes, err := w.auth.ConfirmEnrol(r.Context(), s.P, secret, f.Get("code"))
	if err != nil {
		if !f.Take(err) {
			return err
		}
		if _, ok := decodeSecret(secret); !ok {
			if secret, _, err = w.auth.BeginEnrol(r.Context(), s.P); err != nil {
				return err
			}
		}
		f.Set("code", "")
		return w.renderEnrol(rw, r, s, f, secret, next)
	}
	v := enrolView{Base: w.sessionBase(rw, r, s, "enrol.done_title"), Next: localNext(next, "/"), Recovery: codes}
	return w.views.render(rw, r, http.StatusOK, "recovery", &v)
}

func decodeSecret(secret string) ([]byte, bool) {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	return b, err == nil && len(b) >= 10 && len(b) <= 64
}

// qrDataURL draws the otpauth:// key of secret as a PNG data: URL.
func qrDataURL(account, secret string) (template.URL, error) {
	raw, ok := decodeSecret(secret)
	if !ok {
		return "", errors.New("bad TOTP secret")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: auth.TOTPIssuer, AccountName: account, Secret: raw, Period: 30,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// logout ends the session and clears the cookie.
func (w *Web) logout(rw http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := w.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	w.clearCookie(rw, sessionCookie)
	return w.redirect(rw, r, "/login", "flash.logged_out")
}
