package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/apptest"
)

const feedKEV = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.01.01","dateReleased":"2026-01-01T00:00:00.000Z","count":1,
"vulnerabilities":[{"cveID":"CVE-2026-0001","vendorProject":"Acme","product":"Gateway","vulnerabilityName":"Acme Gateway RCE","dateAdded":"2026-01-01",
"shortDescription":"Remote code execution.","requiredAction":"Apply updates.","dueDate":"2026-01-22","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":[]}]}`

// TestAdvisoryFeedCredentials: a feed URL with credentials is answered
// redacted (list, one, create, update, a failed pull's health and error),
// the stored secret still authenticates pulls, and submitting the redacted
// form back keeps it.
func TestAdvisoryFeedCredentials(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "feeduser" || p != secret {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/kev.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(feedKEV))
	}))
	t.Cleanup(srv.Close)
	withCreds := strings.Replace(srv.URL, "http://", "http://feeduser:"+secret+"@", 1)
	redacted := strings.Replace(srv.URL, "http://", "http://feeduser:xxxxx@", 1)
	env := apptest.New(t, firstEngine(t))
	noSecret := func(what string, rec *httptest.ResponseRecorder) {
		t.Helper()
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("%s answers the feed's secret: %s", what, rec.Body.String())
		}
	}
	rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds", map[string]any{"name": "Private KEV", "kind": "kev",
		"url": withCreds + "/kev.json", "schedule_minutes": 0})
	apptest.Want(t, rec, http.StatusCreated)
	noSecret("create", rec)
	feed := apptest.JSON[advisory.Feed](t, rec)
	if feed.URL != redacted+"/kev.json" {
		t.Errorf("created URL = %q, want %q", feed.URL, redacted+"/kev.json")
	}
	noSecret("list", env.As(t, apptest.Coordinator, "GET", "/api/v1/advisory-feeds", nil))
	noSecret("get", env.As(t, apptest.Coordinator, "GET", "/api/v1/advisory-feeds/"+feed.ID, nil))
	// The stored secret authenticates the pull.
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds/"+feed.ID+"/pull", nil)
	apptest.Want(t, rec, http.StatusOK)
	// Submitting the redacted URL back (a form round trip) keeps the secret.
	rec = env.As(t, apptest.Coordinator, "PATCH", "/api/v1/advisory-feeds/"+feed.ID, map[string]any{"url": feed.URL, "name": "Private KEV 2"})
	apptest.Want(t, rec, http.StatusOK)
	noSecret("update", rec)
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds/"+feed.ID+"/pull", nil)
	apptest.Want(t, rec, http.StatusOK)
	// A failing pull: neither the error nor the recorded health shows it.
	rec = env.As(t, apptest.Coordinator, "PATCH", "/api/v1/advisory-feeds/"+feed.ID, map[string]any{"url": withCreds + "/gone.json"})
	apptest.Want(t, rec, http.StatusOK)
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds/"+feed.ID+"/pull", nil)
	apptest.Want(t, rec, http.StatusServiceUnavailable)
	noSecret("failed pull", rec)
	rec = env.As(t, apptest.Coordinator, "GET", "/api/v1/advisory-feeds/"+feed.ID, nil)
	noSecret("health after a failed pull", rec)
	if got := apptest.JSON[advisory.Feed](t, rec); got.LastError == "" {
		t.Errorf("no error recorded: %+v", got)
	}
}
