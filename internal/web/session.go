package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
)

// Cookie names.
const (
	sessionCookie = "khien_session"
	flashCookie   = "khien_flash"
)

// session is the logged-in (or logging-in) user of a request.
type session struct {
	P     auth.Principal
	Token string
	Stage auth.Stage
}

// Lang is the session's interface language.
func (s *session) Lang() string {
	if validLang(s.P.Lang) {
		return s.P.Lang
	}
	return Langs[0]
}

type ctxKey struct{}

// sessionOf returns the session a middleware stored in ctx, or nil.
func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(ctxKey{}).(*session)
	return s
}

func client(r *http.Request) auth.Client {
	return auth.Client{Remote: httpx.ClientIP(r), UserAgent: r.UserAgent()}
}

// authenticate reads the session cookie; no cookie is unauthenticated.
func (w *Web) authenticate(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errs.New(errs.KindUnauthenticated, "auth.no_session", "log in first")
	}
	p, st, err := w.auth.Authenticate(r.Context(), c.Value, client(r))
	if err != nil {
		return nil, err
	}
	p.RequestID = httpx.RequestID(r.Context())
	return &session{P: p, Token: c.Value, Stage: st}, nil
}

// pageFunc is a handler of a logged-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, s *session) error

// user wraps h for pages that need a finished log-in. Without a session the
// browser goes to the log-in page; a session that still owes its second
// factor goes to the TOTP or enrolment step.
func (w *Web) user(h pageFunc) http.Handler {
	return w.stage(h, auth.StageDone)
}

// stage wraps h for a session at one of the given stages.
func (w *Web) stage(h pageFunc, allowed ...auth.Stage) http.Handler {
	return httpx.Handle(w.errorPage, func(rw http.ResponseWriter, r *http.Request) error {
		s, err := w.authenticate(r)
		if errs.Is(err, errs.KindUnauthenticated) {
			w.clearCookie(rw, sessionCookie)
			http.Redirect(rw, r, loginURL(r), http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		for _, st := range allowed {
			if s.Stage == st {
				return h(rw, r, s)
			}
		}
		next := url.Values{"next": {localNext(r.URL.Query().Get("next"), r.URL.RequestURI())}}
		switch s.Stage {
		case auth.StageTOTP:
			http.Redirect(rw, r, "/login/totp?"+next.Encode(), http.StatusSeeOther)
		case auth.StageEnrol:
			http.Redirect(rw, r, "/login/enrol?"+next.Encode(), http.StatusSeeOther)
		default:
			http.Redirect(rw, r, localNext(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
		}
		return nil
	})
}

// loginURL is where an unauthenticated request is sent: the log-in page,
// coming back to this page when it was a GET.
func loginURL(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.Path == "/" {
		return "/login"
	}
	return "/login?" + url.Values{"next": {r.URL.RequestURI()}}.Encode()
}

// localNext returns next when it is a path on this site, else fallback.
// It refuses absolute URLs, scheme-relative "//host" and "/\host" forms, and
// anything with control characters.
func localNext(next, fallback string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") {
		return fallback
	}
	return next
}

// setSession sets the session cookie.
func (w *Web) setSession(rw http.ResponseWriter, token string) {
	http.SetCookie(rw, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: w.cookieSecure, SameSite: http.SameSiteLaxMode,
		MaxAge: int(auth.SessionMaxAge.Seconds()),
	})
}

func (w *Web) clearCookie(rw http.ResponseWriter, name string) {
	http.SetCookie(rw, &http.Cookie{
		Name: name, Value: "", Path: "/", HttpOnly: true, Secure: w.cookieSecure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
}

// flash leaves a one-time notice (a catalogue key) for the next page.
func (w *Web) flash(rw http.ResponseWriter, key string) {
	http.SetCookie(rw, &http.Cookie{
		Name: flashCookie, Value: key, Path: "/", HttpOnly: true, Secure: w.cookieSecure,
		SameSite: http.SameSiteLaxMode, MaxAge: 60,
	})
}

// takeFlash reads and clears the notice; only "flash." keys are honoured.
func (w *Web) takeFlash(rw http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	w.clearCookie(rw, flashCookie)
	if !strings.HasPrefix(c.Value, "flash.") || !w.views.translator(Langs[0]).has(c.Value) {
		return ""
	}
	return c.Value
}

// redirect answers a form post with a 303 to a page, with a notice.
func (w *Web) redirect(rw http.ResponseWriter, r *http.Request, to, flashKey string) error {
	if flashKey != "" {
		w.flash(rw, flashKey)
	}
	http.Redirect(rw, r, to, http.StatusSeeOther)
	return nil
}
