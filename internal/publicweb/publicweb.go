package publicweb

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// Prefix is where the portal is mounted; every route is under it.
const Prefix = "/portal/"

// CSP allows the portal's own files only: no inline script or style,
// nothing from elsewhere, no framing, forms posting to itself.
const CSP = "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the portal's pages need.
type Deps struct {
	Portal *portal.Service
	Logger *slog.Logger
	Now    func() time.Time
	// Zone is the origin of the response policy zone ("rpz.khien.example.");
	// "khien-portal.rpz." when empty.
	Zone string
	// Downloads limits list downloads per client network (default one
	// every 10 seconds, bursts of 20): a resolver pulling its zone every few
	// minutes never meets it; a script fetching the lists in a loop does.
	Downloads guard.LimitOptions
	// BaseURL is the public URL of the site ("https://khien.example"), for
	// the absolute links of the feeds; the request's own when empty.
	BaseURL string
}

// Site is the public portal.
type Site struct {
	svc     *portal.Service
	log     *slog.Logger
	now     func() time.Time
	zone    string
	baseURL string
	dl      *guard.Limiter
	dlEvery time.Duration
	cat     catalogue
	pages   map[string]*template.Template
	handler http.Handler
}

// New parses the templates and the catalogue and builds the handler.
func New(d Deps) (*Site, error) {
	if d.Portal == nil {
		return nil, errors.New("publicweb: Portal is required")
	}
	s := &Site{svc: d.Portal, log: d.Logger, now: d.Now, zone: d.Zone, baseURL: strings.TrimRight(d.BaseURL, "/")}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.zone == "" {
		s.zone = "khien-portal.rpz."
	}
	if d.Downloads.Every <= 0 {
		d.Downloads = guard.LimitOptions{Every: 10 * time.Second, Burst: 20}
	}
	s.dl, s.dlEvery = guard.NewLimiter(d.Downloads), d.Downloads.Every
	var err error
	if s.cat, err = loadCatalogue(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.handler = httpx.SecurityHeaders(CSP, noStore(s.routes()))
	return s, nil
}

// Handler is the portal; mount it at Prefix.
func (s *Site) Handler() http.Handler { return s.handler }

// routes is the whole surface of the public portal.
func (s *Site) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /portal/static/", staticFiles(static))
	h := func(f httpx.HandlerFunc) http.Handler { return httpx.Handle(s.errorPage, f) }

	mux.Handle("GET /portal/{$}", h(s.home))
	mux.Handle("GET /portal/report", h(s.reportForm))
	mux.Handle("POST /portal/report", h(s.reportSubmit))
	mux.Handle("GET /portal/challenge", h(s.challenge))
	mux.Handle("GET /portal/receipt", h(s.receiptStatus))
	mux.Handle("GET /portal/check", h(s.check))
	mux.Handle("GET /portal/v1/check", httpx.Handle(s.jsonError, s.checkJSON))
	mux.Handle("GET /portal/appeal", h(s.appealForm))
	mux.Handle("POST /portal/appeal", h(s.appealSubmit))
	mux.Handle("GET /portal/lists", h(s.lists))
	mux.Handle("GET /portal/lists/{file}", h(s.download))
	mux.Handle("GET /portal/bulletins", h(s.bulletins))
	mux.Handle("GET /portal/bulletins/rss.xml", h(s.rss))
	mux.Handle("GET /portal/bulletins/atom.xml", h(s.atom))
	mux.Handle("GET /portal/bulletins/{id}", h(s.bulletin))
	mux.Handle("GET /portal/bulletins/{id}/images/{sha}", h(s.bulletinImage))
	mux.Handle("GET /portal/stats", h(s.statsPage))
	mux.Handle("/portal/", h(func(http.ResponseWriter, *http.Request) error { return errs.NotFound("portal.page_not_found") }))
	return mux
}

// noStore keeps pages out of shared caches: they may carry a receipt.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/portal/static/") && !strings.HasPrefix(r.URL.Path, "/portal/lists/") {
			w.Header().Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

func staticFiles(root fs.FS) http.Handler {
	fsrv := http.StripPrefix("/portal/static/", http.FileServerFS(root))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		fsrv.ServeHTTP(w, r)
	})
}

// client is what the portal knows of the caller; remote is used for rate
// limits only.
func client(r *http.Request) portal.Client {
	return portal.Client{Remote: httpx.ClientIP(r), PoWToken: r.PostFormValue("pow_token"),
		PoWNonce: r.PostFormValue("pow_nonce"), Honeypot: r.PostFormValue("website")}
}

// retryAfter is the Retry-After of a refusal for rate: a report is allowed
// every two minutes, a look-up every second. A handler that knows better
// (downloads) sets the header itself first.
func retryAfter(w http.ResponseWriter, err error, seconds int) {
	if w.Header().Get("Retry-After") != "" {
		return
	}
	if errs.Is(err, errs.KindRateLimited) || errs.Is(err, errs.KindUnavailable) {
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
}

// errorPage renders an error that is not about a form's fields.
func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	p := httpx.ProblemOf(s.log, r, err)
	retryAfter(w, err, 60)
	lang := langOf(r.FormValue("lang"))
	v := &errorView{Base: s.base(r, "error.title"), Message: s.cat.errorText(lang, p.Code, p.Message), Status: p.Status,
		RequestID: p.RequestID}
	s.render(w, p.Status, "error", v)
}

// jsonError answers the JSON look-up's errors as the API does.
func (s *Site) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	retryAfter(w, err, 1)
	httpx.JSONErrors(s.log)(w, r, err)
}

type errorView struct {
	Base
	Message   string
	Status    int
	RequestID string
}

// render executes a page into a buffer first, so a template failure is a
// clean 500 and never half a page.
func (s *Site) render(w http.ResponseWriter, status int, page string, v any) {
	var buf bytes.Buffer
	t, ok := s.pages[page]
	if !ok {
		s.log.Error("no such portal page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("portal page failed", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// challenge issues a fresh proof-of-work challenge (the page script asks
// for one when the form's has expired).
func (s *Site) challenge(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, s.svc.Challenge())
	return nil
}
