package web

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	_ "time/tzdata" // Asia/Ho_Chi_Minh on machines without a zone database

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/alert"
	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/ingest"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/portal"
)

// CSP is the Content-Security-Policy of every UI response: no inline script
// or style, nothing from elsewhere, no framing. connect-src 'self' lets the
// alerts page's static script open its EventSource to /alerts/live.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// DisplayZone is the time zone pages show times in.
const DisplayZone = "Asia/Ho_Chi_Minh"

// Deps are what the UI needs.
type Deps struct {
	Auth         *auth.Service
	Org          *org.Service
	Audit        *audit.Service
	Ingest       *ingest.Service   // sensors
	Alerts       *alert.Service    // alerts and their live feed
	Intel        *intel.Service    // threat-intel feeds and indicators
	Evidence     *evidence.Service // the evidence vault; its pages answer 404 when nil
	Portal       *portal.Service   // the scam portal's review queue; its pages answer 404 when nil
	Notify       *notify.Service   // notification preferences, outbox, webhooks; 404 when nil
	Advisory     *advisory.Service // advisories, action items, debt; their pages answer 404 when nil
	Alliance     *alliance.Service // the responder alliance and mobilisation; 404 when nil
	Logger       *slog.Logger
	CookieSecure bool             // mark cookies Secure (false only for plain-HTTP tests)
	Now          func() time.Time // clock; time.Now when nil
	// BaseURL is the public URL sensors send to, shown in the sensor set-up
	// command; the request's own scheme and host when empty.
	BaseURL string
	// Incidents is incident coordination; its pages answer 404 when nil.
	Incidents *incident.Service
	// ReadAdvisories reads an uploaded advisory file (CSAF, CVE 5, NVD, OSV,
	// KEV): the advisories read and the documents that failed; nil reads
	// only Khiên's own JSON model.
	ReadAdvisories func(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult)
}

// Web is the browser UI.
type Web struct {
	auth         *auth.Service
	org          *org.Service
	audit        *audit.Service
	ingest       *ingest.Service
	alerts       *alert.Service
	intel        *intel.Service
	evidence     *evidence.Service
	portal       *portal.Service
	notify       *notify.Service
	advisory     *advisory.Service
	readAdv      func(name string, data []byte) ([]advisory.Advisory, []advisory.DocResult)
	alliance     *alliance.Service
	log          *slog.Logger
	cookieSecure bool
	baseURL      string
	now          func() time.Time
	heartbeat    time.Duration // between keep-alive comments of the live alert stream
	stop         chan struct{} // closed by StopStreams
	stopOnce     sync.Once
	views        *views
	handler      http.Handler

	incidents *incident.Service // incident coordination (incident.go)
	// incidentMobilisation fills the incident page's mobilisation panel; set
	// by the alliance UI (see incident.go).
	incidentMobilisation IncidentMobilisation
}

// New parses the templates and catalogues and builds the UI's handler.
func New(d Deps) (*Web, error) {
	if d.Auth == nil || d.Org == nil || d.Audit == nil || d.Ingest == nil || d.Alerts == nil || d.Intel == nil {
		return nil, errors.New("web: Auth, Org, Audit, Ingest, Alerts and Intel are required")
	}
	w := &Web{auth: d.Auth, org: d.Org, audit: d.Audit, ingest: d.Ingest, alerts: d.Alerts, intel: d.Intel, evidence: d.Evidence,
		portal: d.Portal, log: d.Logger, cookieSecure: d.CookieSecure, baseURL: strings.TrimRight(d.BaseURL, "/"), now: d.Now,
		heartbeat: liveHeartbeat, stop: make(chan struct{})}
	w.notify = d.Notify
	w.advisory, w.readAdv = d.Advisory, d.ReadAdvisories
	w.incidents = d.Incidents
	w.alliance = d.Alliance
	if w.alliance != nil {
		w.incidentMobilisation = w.incidentMobilisePanel
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.now == nil {
		w.now = time.Now
	}
	zone, err := time.LoadLocation(DisplayZone)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	bundle, err := loadBundle()
	if err != nil {
		return nil, err
	}
	if w.views, err = parseViews(bundle, w.log, zone); err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(w.crossOrigin))
	w.handler = httpx.SecurityHeaders(CSP, cop.Handler(w.routes()))
	return w, nil
}

// Handler is the UI; mount it at "/".
func (w *Web) Handler() http.Handler { return w.handler }

// routes is the whole surface of the browser UI.
func (w *Web) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", w.staticFiles(static))

	h := func(f httpx.HandlerFunc) http.Handler { return httpx.Handle(w.errorPage, f) }
	mux.Handle("GET /login", h(w.loginForm))
	mux.Handle("POST /login", h(w.login))
	mux.Handle("GET /login/totp", w.stage(w.totpForm, auth.StageTOTP))
	mux.Handle("POST /login/totp", w.stage(w.totp, auth.StageTOTP))
	mux.Handle("GET /login/enrol", w.stage(w.enrolForm, auth.StageEnrol))
	mux.Handle("POST /login/enrol", w.stage(w.enrol, auth.StageEnrol))
	mux.Handle("POST /logout", h(w.logout))

	mux.Handle("GET /{$}", w.user(w.dashboard))

	mux.Handle("GET /orgs", w.user(w.orgList))
	mux.Handle("GET /orgs/new", w.user(w.orgNew))
	mux.Handle("POST /orgs", w.user(w.orgCreate))
	mux.Handle("GET /orgs/{id}", w.user(w.orgShow))
	mux.Handle("GET /orgs/{id}/edit", w.user(w.orgEdit))
	mux.Handle("POST /orgs/{id}", w.user(w.orgUpdate))

	mux.Handle("GET /orgs/{id}/contacts/new", w.user(w.contactNew))
	mux.Handle("POST /orgs/{id}/contacts", w.user(w.contactCreate))
	mux.Handle("GET /orgs/{id}/contacts/{cid}/edit", w.user(w.contactEdit))
	mux.Handle("POST /orgs/{id}/contacts/{cid}", w.user(w.contactUpdate))
	mux.Handle("POST /orgs/{id}/contacts/{cid}/confirm", w.user(w.contactConfirm))
	mux.Handle("POST /orgs/{id}/contacts/{cid}/delete", w.user(w.contactDelete))

	mux.Handle("GET /systems", w.user(w.systemList))
	mux.Handle("GET /systems/new", w.user(w.systemNew))
	mux.Handle("POST /systems", w.user(w.systemCreate))
	mux.Handle("GET /systems/{id}", w.user(w.systemShow))
	mux.Handle("GET /systems/{id}/edit", w.user(w.systemEdit))
	mux.Handle("POST /systems/{id}", w.user(w.systemUpdate))
	mux.Handle("POST /systems/{id}/software", w.user(w.softwareAdd))
	mux.Handle("POST /software/{id}/delete", w.user(w.softwareDelete))
	mux.Handle("GET /orgs/{id}/inventory/import", w.user(w.importForm))
	mux.Handle("POST /orgs/{id}/inventory/import", w.user(w.importCSV))

	mux.Handle("GET /resources", w.user(w.resourceList))
	mux.Handle("GET /resources/queue", w.user(w.resourceQueue))
	mux.Handle("GET /orgs/{id}/resources/new", w.user(w.claimForm))
	mux.Handle("POST /orgs/{id}/resources", w.user(w.claim))
	mux.Handle("POST /resources/{id}/approve", w.user(w.approve))
	mux.Handle("POST /resources/{id}/reject", w.user(w.reject))
	mux.Handle("POST /resources/{id}/delete", w.user(w.withdraw))

	mux.Handle("GET /users", w.user(w.userList))
	mux.Handle("GET /users/new", w.user(w.userNew))
	mux.Handle("POST /users", w.user(w.userCreate))
	mux.Handle("POST /users/{id}/disable", w.user(w.userDisable))
	mux.Handle("POST /users/{id}/enable", w.user(w.userEnable))

	mux.Handle("GET /advisories", w.user(w.advisoryList))
	mux.Handle("GET /advisories/new", w.user(w.advisoryNew))
	mux.Handle("POST /advisories", w.user(w.advisorySave))
	mux.Handle("GET /advisories/import", w.user(w.advisoryImportForm))
	mux.Handle("POST /advisories/import", w.user(w.advisoryImport))
	mux.Handle("GET /advisories/feeds", w.user(w.advisoryFeeds))
	mux.Handle("POST /advisories/feeds", w.user(w.advisoryFeedCreate))
	mux.Handle("POST /advisories/feeds/{id}/pull", w.user(w.advisoryFeedPull))
	mux.Handle("GET /advisories/{id}", w.user(w.advisoryShow))
	mux.Handle("GET /advisories/{id}/edit", w.user(w.advisoryEdit))
	mux.Handle("POST /advisories/{id}", w.user(w.advisorySave))
	mux.Handle("POST /advisories/{id}/publish", w.user(w.advisoryPublish))
	mux.Handle("GET /actions", w.user(w.actionList))
	mux.Handle("GET /actions/review", w.user(w.actionReview))
	mux.Handle("POST /actions/recompute", w.user(w.actionRecompute))
	mux.Handle("GET /actions/{id}", w.user(w.actionShow))
	mux.Handle("POST /actions/{id}/steps/{step}", w.user(w.actionStep))
	mux.Handle("GET /actions/{id}/evidence", w.user(w.actionEvidence))
	mux.Handle("POST /actions/{id}/exceptions", w.user(w.actionException))
	mux.Handle("POST /action-exceptions/{id}/decide", w.user(w.actionDecide))
	mux.Handle("GET /debt", w.user(w.debtDashboard))
	mux.Handle("GET /debt.csv", w.user(w.debtCSV))

	mux.Handle("GET /account", w.user(w.account))
	mux.Handle("POST /account/language", w.user(w.setLanguage))
	mux.Handle("POST /account/password", w.user(w.changePassword))
	mux.Handle("GET /account/tokens", w.user(w.tokenList))
	mux.Handle("POST /account/tokens", w.user(w.tokenCreate))
	mux.Handle("POST /account/tokens/{id}/revoke", w.user(w.tokenRevoke))
	mux.Handle("GET /account/notifications", w.user(w.notifyPrefs))
	mux.Handle("POST /account/notifications", w.user(w.notifyPrefsSave))
	mux.Handle("GET /notifications", w.user(w.outbox))
	mux.Handle("POST /notifications/{id}/retry", w.user(w.outboxRetry))
	mux.Handle("GET /webhooks", w.user(w.webhookList))
	mux.Handle("POST /webhooks", w.user(w.webhookCreate))
	mux.Handle("GET /orgs/{id}/webhooks", w.user(w.webhookList))
	mux.Handle("POST /orgs/{id}/webhooks", w.user(w.webhookCreate))
	mux.Handle("POST /webhooks/{hid}/toggle", w.user(w.webhookToggle))
	mux.Handle("POST /webhooks/{hid}/delete", w.user(w.webhookDelete))

	mux.Handle("GET /audit", w.user(w.auditList))
	mux.Handle("GET /audit/verify", w.user(w.auditVerify))

	mux.Handle("GET /sensors", w.user(w.sensorList))
	mux.Handle("GET /sensors/new", w.user(w.sensorNew))
	mux.Handle("POST /sensors", w.user(w.sensorCreate))
	mux.Handle("GET /sensors/{id}", w.user(w.sensorShow))
	mux.Handle("POST /sensors/{id}/rotate-token", w.user(w.sensorRotate))
	mux.Handle("POST /sensors/{id}/disable", w.user(w.sensorDisable))
	mux.Handle("POST /sensors/{id}/enable", w.user(w.sensorEnable))

	mux.Handle("GET /alerts", w.user(w.alertList))
	mux.Handle("GET /alerts/live", w.user(w.alertLive))
	mux.Handle("GET /alerts/{id}", w.user(w.alertShow))
	mux.Handle("POST /alerts/{id}/acknowledge", w.user(w.alertAcknowledge))
	mux.Handle("POST /alerts/{id}/close", w.user(w.alertClose))
	mux.Handle("POST /alerts/{id}/false-positive", w.user(w.alertFalsePositive))
	mux.Handle("POST /alerts/{id}/escalate", w.user(w.alertEscalate))

	mux.Handle("GET /intel", w.user(w.feedList))
	mux.Handle("GET /intel/feeds/new", w.user(w.feedNew))
	mux.Handle("POST /intel/feeds", w.user(w.feedCreate))
	mux.Handle("GET /intel/feeds/{id}", w.user(w.feedShow))
	mux.Handle("GET /intel/feeds/{id}/edit", w.user(w.feedEdit))
	mux.Handle("POST /intel/feeds/{id}", w.user(w.feedUpdate))
	mux.Handle("POST /intel/feeds/{id}/import", w.user(w.feedImport))
	mux.Handle("GET /intel/indicators", w.user(w.indicatorList))

	if w.incidents != nil {
		mux.Handle("GET /incidents", w.user(w.incidentList))
		mux.Handle("GET /incidents/new", w.user(w.incidentNew))
		mux.Handle("POST /incidents", w.user(w.incidentCreate))
		mux.Handle("GET /incidents/{id}", w.user(w.incidentShow))
		mux.Handle("GET /incidents/{id}/print", w.user(w.incidentPrint))
		mux.Handle("POST /incidents/{id}/triage", w.user(w.incidentTriage))
		mux.Handle("POST /incidents/{id}/transition", w.user(w.incidentTransition))
		mux.Handle("POST /incidents/{id}/reject", w.user(w.incidentReject))
		mux.Handle("POST /incidents/{id}/merge", w.user(w.incidentMerge))
		mux.Handle("POST /incidents/{id}/notes", w.user(w.incidentNote))
		mux.Handle("POST /incidents/{id}/tasks", w.user(w.incidentTaskAdd))
		mux.Handle("POST /incidents/{id}/tasks/{task}", w.user(w.incidentTaskUpdate))
		mux.Handle("POST /incidents/{id}/clocks/pause", w.user(w.incidentPause))
		mux.Handle("POST /incidents/{id}/clocks/resume", w.user(w.incidentResume))
		mux.Handle("POST /incidents/{id}/alerts", w.user(w.incidentLinkAlert))
		mux.Handle("POST /incidents/{id}/files", w.user(w.incidentFileAdd))
		mux.Handle("GET /incidents/{id}/files/{file}", w.user(w.incidentFile))
		mux.Handle("GET /reports/incidents", w.user(w.incidentStats))
		mux.Handle("GET /reports/incidents.csv", w.user(w.incidentStatsCSV))
	}

	if w.evidence != nil {
		mux.Handle("GET /evidence", w.user(w.evidenceHome))
		mux.Handle("POST /evidence/cases", w.user(w.caseOpen))
		mux.Handle("GET /evidence/cases/{id}", w.user(w.caseShow))
		mux.Handle("POST /evidence/cases/{id}/assignments", w.user(w.caseAssign))
		mux.Handle("POST /evidence/cases/{id}/export", w.user(w.caseExport))
		mux.Handle("GET /evidence/cases/{id}/items/new", w.user(w.itemNew))
		mux.Handle("POST /evidence/cases/{id}/items", w.user(w.itemCreate))
		mux.Handle("GET /evidence/items/{id}", w.user(w.itemShow))
		mux.Handle("GET /evidence/items/{id}/custody-form", w.user(w.itemCustodyForm))
		mux.Handle("POST /evidence/items/{id}/download", w.user(w.itemDownload))
		mux.Handle("POST /evidence/items/{id}/custody", w.user(w.itemRecord))
		mux.Handle("POST /evidence/items/{id}/transfers", w.user(w.itemTransfer))
		mux.Handle("POST /evidence/items/{id}/hold", w.user(w.itemHold))
		mux.Handle("POST /evidence/items/{id}/share", w.user(w.itemShare))
		mux.Handle("POST /evidence/items/{id}/retention", w.user(w.itemRetention))
		mux.Handle("POST /evidence/items/{id}/destroy", w.user(w.itemDestroy))
		mux.Handle("POST /evidence/transfers/{id}/confirm", w.user(w.transferConfirm))
		mux.Handle("POST /evidence/transfers/{id}/decline", w.user(w.transferDecline))
	}

	if w.portal != nil {
		mux.Handle("GET /portal-review", w.user(w.portalQueue))
		mux.Handle("GET /portal-review/entries/{id}", w.user(w.portalEntry))
		mux.Handle("POST /portal-review/entries/{id}/confirm", w.user(w.portalStep("confirm")))
		mux.Handle("POST /portal-review/entries/{id}/reject", w.user(w.portalStep("reject")))
		mux.Handle("POST /portal-review/entries/{id}/renew", w.user(w.portalStep("renew")))
		mux.Handle("POST /portal-review/entries/{id}/reopen", w.user(w.portalStep("reopen")))
		mux.Handle("GET /portal-review/screenshots/{id}", w.user(w.portalScreenshot))
		mux.Handle("GET /portal-review/appeals", w.user(w.portalAppeals))
		mux.Handle("POST /portal-review/appeals/{id}/decide", w.user(w.portalDecide))
		mux.Handle("GET /portal-review/reviewers", w.user(w.portalReviewers))
		mux.Handle("POST /portal-review/reviewers", w.user(w.portalDesignate))
		mux.Handle("POST /portal-review/reviewers/{id}/revoke", w.user(w.portalRevokeReviewer))
		mux.Handle("GET /portal-bulletins", w.user(w.bulletinList))
		mux.Handle("GET /portal-bulletins/new", w.user(w.bulletinNew))
		mux.Handle("POST /portal-bulletins", w.user(w.bulletinCreate))
		mux.Handle("GET /portal-bulletins/{id}/edit", w.user(w.bulletinEdit))
		mux.Handle("POST /portal-bulletins/{id}", w.user(w.bulletinUpdate))
		mux.Handle("GET /portal-bulletins/{id}/images/{sha}", w.user(w.bulletinImage))
	}

	if w.alliance != nil {
		mux.Handle("GET /alliance", w.user(w.allianceHome))
		mux.Handle("GET /alliance/me", w.user(w.allianceMe))
		mux.Handle("GET /alliance/roster", w.user(w.roster))
		mux.Handle("GET /alliance/responders/{id}", w.user(w.responderShow))
		mux.Handle("POST /alliance/responders/{id}", w.user(w.responderSave))
		mux.Handle("POST /alliance/responders/{id}/availability", w.user(w.responderAvailability))
		mux.Handle("GET /alliance/mobilisations/new", w.user(w.mobiliseNew))
		mux.Handle("POST /alliance/mobilisations", w.user(w.mobiliseCreate))
		mux.Handle("GET /alliance/mobilisations/{id}", w.user(w.mobilisationShow))
		mux.Handle("POST /alliance/mobilisations/{id}/asks", w.user(w.mobilisationAsk))
		mux.Handle("GET /alliance/asks", w.user(w.myAsks))
		mux.Handle("POST /alliance/asks/{id}/answer", w.user(w.askAnswer))
		mux.Handle("POST /alliance/asks/{id}/hours", w.user(w.askLogHours))
		mux.Handle("POST /alliance/asks/{id}/release", w.user(w.askRelease))
		mux.Handle("POST /alliance/asks/{id}/rating", w.user(w.askRate))
	}

	mux.Handle("/", http.HandlerFunc(w.notFound))
	return mux
}

// staticFiles serves the embedded assets; versioned URLs may be cached long.
func (w *Web) staticFiles(root fs.FS) http.Handler {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(root))
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			w.notFound(rw, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			rw.Header().Set("Cache-Control", "public, max-age=300")
		}
		fsrv.ServeHTTP(rw, r)
	})
}
