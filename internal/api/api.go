package api

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
)

// Deps are the services the API exposes.
type Deps struct {
	Auth   *auth.Service
	Org    *org.Service
	Audit  *audit.Service
	Ingest *ingest.Service // sensors
	Alerts *alert.Service
	Intel  *intel.Service
	Logger *slog.Logger
	// Evidence is the evidence vault.
	Evidence *evidence.Service
	// Portal is the scam portal's review queue; its routes answer 503 when nil.
	Portal *portal.Service
	// Notify is preferences, the outbox and webhooks; 503 when nil.
	Notify *notify.Service
	// Advisory is advisories, action items and compliance debt; 503 when nil.
	Advisory *advisory.Service
	// ReadAdvisories reads an imported document of any known format.
	ReadAdvisories func(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult)
	// Alliance is the responder alliance and mobilisation; 503 when nil.
	Alliance *alliance.Service
	// Incidents is incident coordination; 503 when nil.
	Incidents *incident.Service
}

// API is the REST API v1. It holds no state of its own besides the OpenAPI
// document converted at start-up.
type API struct {
	auth     *auth.Service
	org      *org.Service
	audit    *audit.Service
	ingest   *ingest.Service
	alerts   *alert.Service
	intel    *intel.Service
	log      *slog.Logger
	evidence *evidence.Service
	portal   *portal.Service
	notify   *notify.Service
	advisory *advisory.Service
	alliance *alliance.Service
	fail     httpx.ErrorWriter
	spec     []byte // the OpenAPI document as JSON
	// specErr is why the document could not be converted; the test suite
	// keeps it nil, and openapi.json answers 500 if it ever is not.
	specErr error

	incidents *incident.Service // incident coordination (incident.go)

	readAdv func(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult) // advisory imports (advisory.go)
}

// New returns the API over d's services.
func New(d Deps) *API {
	a := &API{auth: d.Auth, org: d.Org, audit: d.Audit, ingest: d.Ingest, alerts: d.Alerts, intel: d.Intel, log: d.Logger, evidence: d.Evidence}
	a.portal = d.Portal
	a.advisory, a.readAdv = d.Advisory, d.ReadAdvisories
	a.notify = d.Notify
	a.alliance = d.Alliance
	a.incidents = d.Incidents
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.fail = httpx.JSONErrors(a.log)
	a.spec, a.specErr = OpenAPI()
	if a.specErr != nil {
		a.log.Error("api: the embedded OpenAPI document does not convert to JSON", "err", a.specErr)
	}
	return a
}

// handler is an API endpoint: it gets the authenticated principal (the zero
// Principal on public routes) explicitly, never from the context.
type handler func(w http.ResponseWriter, r *http.Request, p auth.Principal) error

// needs gates h on a capability whose service a process may run without
// (advisories, the alliance, incidents, notifications): until ready says it
// is wired, the route answers 503 with the capability's code, so handlers
// need not check. It is applied in the route table, where a is nil for
// Routes(): ready is only called when a request arrives.
func (a *API) needs(ready func() error, h handler) handler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		if err := ready(); err != nil {
			return err
		}
		return h(w, r, p)
	}
}

// csp forbids everything: API responses are data, never documents.
const csp = "default-src 'none'; frame-ancestors 'none'"

// Handler serves every route of routes() and answers anything else under
// /api/ with a JSON problem. Mount it at "/api/".
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		mux.Handle(rt.Pattern(), a.serve(rt))
	}
	mux.Handle("/api/", httpx.Handle(a.fail, a.noRoute(mux)))
	return httpx.SecurityHeaders(csp, mux)
}

// serve adapts one route: authenticate (unless public), refuse query
// parameters the route does not list, then run the handler.
func (a *API) serve(rt Route) http.Handler {
	return httpx.Handle(a.fail, func(w http.ResponseWriter, r *http.Request) error {
		var p auth.Principal
		if !rt.Public {
			var err error
			if p, err = a.authenticate(w, r); err != nil {
				return err
			}
		}
		if err := checkQuery(r.URL.RawQuery, rt.Query); err != nil {
			return err
		}
		return rt.h(w, r, p)
	})
}

// authenticate resolves "Authorization: Bearer khn_…" to a principal.
// Browser session cookies are deliberately not accepted here: the API is for
// programs, and a cookie-authenticated API would need CSRF defences.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (auth.Principal, error) {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="khien"`)
		return auth.Principal{}, errs.New(errs.KindUnauthenticated, "auth.required",
			"this endpoint needs an API token: Authorization: Bearer khn_…")
	}
	p, err := a.auth.AuthenticateToken(r.Context(), secret, auth.Client{Remote: httpx.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		if errs.Is(err, errs.KindUnauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="khien", error="invalid_token"`)
		}
		return auth.Principal{}, err
	}
	p.RequestID = httpx.RequestID(r.Context())
	return p, nil
}

// noRoute answers a path no route serves. When the path exists for other
// methods it says which in an Allow header; errs has no kind for 405, so the
// status stays 404 with the code api.method_not_allowed.
func (a *API) noRoute(mux *http.ServeMux) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" && !slices.Contains(allow, m) {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errs.New(errs.KindNotFound, "api.method_not_allowed", "this path does not take "+r.Method+"; see the Allow header")
		}
		return errs.New(errs.KindNotFound, "api.no_route", "no such API endpoint; see /api/v1/openapi.json")
	}
}

// Response helpers.

func ok(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func created(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// set copies *src into *dst when the client sent the field.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
