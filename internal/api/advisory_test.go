package api_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/corpustest"
)

// TestAdvisoryImportCorpus uploads real documents through the API: the KEV
// catalogue (every entry imported, a second upload changes nothing), a CSAF
// advisory, and a CSAF document that breaks a mandatory test (reported with
// its reasons, nothing stored).
func TestAdvisoryImportCorpus(t *testing.T) {
	kev := corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json")
	good := corpustest.File(t, "csaf/oasis-csaf20-examples__rhsa-2019_1862.json")
	bad := corpustest.File(t, "csaf/oasis-validator-mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json")
	read := func(p string) apptest.Raw {
		b, err := os.ReadFile(p)
		must(t, err)
		return apptest.Raw{ContentType: "application/json", Body: b}
	}
	env := apptest.New(t, firstEngine(t))
	// Constituents may not import.
	apptest.Want(t, env.As(t, apptest.AdminA, "POST", "/api/v1/advisories/import", read(good)), http.StatusForbidden)

	start := time.Now()
	rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/import?name=known_exploited_vulnerabilities.json", read(kev))
	apptest.Want(t, rec, http.StatusOK)
	res := apptest.JSON[advisory.ImportResult](t, rec)
	t.Logf("KEV: %d created, %d failed in %v", res.Created, res.Failed, time.Since(start))
	if res.Created < 1000 || res.Failed > res.Created/100 {
		t.Fatalf("KEV import: %d created, %d failed", res.Created, res.Failed)
	}
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/import?name=known_exploited_vulnerabilities.json", read(kev))
	if again := apptest.JSON[advisory.ImportResult](t, rec); again.Created != 0 || again.Updated != 0 || again.Unchanged != res.Created {
		t.Errorf("second KEV import: %+v", again.Created)
	}
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/import?name=rhsa.json", read(good))
	apptest.Want(t, rec, http.StatusOK)
	if r := apptest.JSON[advisory.ImportResult](t, rec); r.Created != 1 || r.Documents[0].Outcome != advisory.OutcomeCreated {
		t.Errorf("CSAF import: %+v", r)
	}
	before := snapshot(t, env)
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/import?name=broken.json", read(bad))
	apptest.Want(t, rec, http.StatusOK)
	r := apptest.JSON[advisory.ImportResult](t, rec)
	if r.Failed != 1 || r.Created != 0 || len(r.Documents) != 1 || len(r.Documents[0].Problems) == 0 {
		t.Errorf("broken CSAF: %+v", r)
	}
	unchanged(t, env, before)
	// Imported KEV entries are listed as known exploited.
	list := apptest.JSON[struct{ Items []advisory.Record }](t, env.As(t, apptest.AdminA, "GET", "/api/v1/advisories?kev=true&limit=5", nil))
	if len(list.Items) != 5 || !list.Items[0].KnownExploited {
		t.Errorf("KEV list: %d items", len(list.Items))
	}
}

// TestAdvisoryFeedPull registers a KEV feed served over HTTP, pulls it now
// (every entry imported, the health records the success), then a feed that
// answers 404 (the health records the error; the pull answers 503).
func TestAdvisoryFeedPull(t *testing.T) {
	kev, err := os.ReadFile(corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json"))
	must(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/kev.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(kev)
	}))
	t.Cleanup(srv.Close)
	env := apptest.New(t, firstEngine(t))
	apptest.Want(t, env.As(t, apptest.AdminA, "GET", "/api/v1/advisory-feeds", nil), http.StatusForbidden)
	bad := map[string]any{"name": "", "kind": "rss", "url": "ftp://x", "schedule_minutes": -1}
	rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds", bad)
	apptest.Want(t, rec, http.StatusUnprocessableEntity)
	if n := len(apptest.Problem(t, rec).Fields); n != 4 {
		t.Errorf("%d field problems, want 4", n)
	}
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds", map[string]any{"name": "KEV", "kind": "kev", "url": srv.URL + "/kev.json", "schedule_minutes": 0})
	apptest.Want(t, rec, http.StatusCreated)
	feed := apptest.JSON[advisory.Feed](t, rec)
	rec = env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds/"+feed.ID+"/pull", nil)
	apptest.Want(t, rec, http.StatusOK)
	if res := apptest.JSON[advisory.ImportResult](t, rec); res.Created < 1000 {
		t.Fatalf("pull created %d", res.Created)
	}
	got := apptest.JSON[advisory.Feed](t, env.As(t, apptest.Coordinator, "GET", "/api/v1/advisory-feeds/"+feed.ID, nil))
	if got.LastSuccess.IsZero() || got.LastError != "" || got.Created < 1000 || !got.Healthy() {
		t.Errorf("health after a good pull: %+v", got)
	}
	rec = env.As(t, apptest.Coordinator, "PATCH", "/api/v1/advisory-feeds/"+feed.ID, map[string]any{"url": srv.URL + "/gone.json"})
	apptest.Want(t, rec, http.StatusOK)
	apptest.Want(t, env.As(t, apptest.Coordinator, "POST", "/api/v1/advisory-feeds/"+feed.ID+"/pull", nil), http.StatusServiceUnavailable)
	got = apptest.JSON[advisory.Feed](t, env.As(t, apptest.Coordinator, "GET", "/api/v1/advisory-feeds/"+feed.ID, nil))
	if got.LastError == "" || got.Healthy() || got.LastSuccess.IsZero() {
		t.Errorf("health after a failed pull: %+v", got)
	}
}
