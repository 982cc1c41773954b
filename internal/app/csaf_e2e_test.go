package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/csaf"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestCSAFProviderServesPublished writes and publishes an advisory through
// the API, then reads it back from the public provider tree (no
// credentials) and checks that an AMBER one never appears there.
func TestCSAFProviderServesPublished(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		mk := func(title string, level tlp.Level) string {
			in := advisory.Record{Advisory: advisory.Advisory{
				Title: title, TitleVI: "Cảnh báo: " + title, Summary: "A flaw.", SummaryVI: "Một lỗ hổng.",
				Action: "Upgrade to 2.4.1.", ActionVI: "Nâng cấp lên 2.4.1.", CVEs: []string{"CVE-2026-4242"},
				Scores: []advisory.Score{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}, TLP: level,
				Products: []advisory.Product{{CPE: "cpe:2.3:a:example:server:*:*:*:*:*:*:*:*",
					Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "2.0", LowerInclusive: true, Upper: "2.4.1"}}}},
			}}
			rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories", in)
			apptest.Want(t, rec, http.StatusCreated)
			r := apptest.JSON[advisory.Record](t, rec)
			apptest.Want(t, env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/"+r.ID+"/publish", nil), http.StatusOK)
			return apptest.JSON[advisory.Record](t, env.As(t, apptest.Coordinator, "GET", "/api/v1/advisories/"+r.ID, nil)).SourceID
		}
		clear := mk("Remote code execution in Example Server", tlp.Clear)
		amber := mk("Restricted advisory", tlp.Amber)
		get := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			env.App.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec
		}
		rec := get("/.well-known/csaf/white/index.txt")
		if rec.Code != 200 {
			t.Fatalf("index.txt: %d %s", rec.Code, rec.Body)
		}
		index := rec.Body.String()
		if !strings.Contains(index, csaf.FileName(clear)) || (amber != "" && strings.Contains(index, csaf.FileName(amber))) {
			t.Fatalf("index.txt (clear %s, amber %s):\n%s", clear, amber, index)
		}
		path := strings.TrimSpace(strings.Split(index, "\n")[0])
		rec = get("/.well-known/csaf/white/" + path)
		if rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		a, _, err := csaf.Read(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("served document: %v", err)
		}
		if a.SourceID != clear || a.TitleVI == "" || a.Severity != advisory.SeverityCritical || len(a.Products) != 1 {
			t.Errorf("served advisory: %+v", a)
		}
		if rec := get("/.well-known/csaf/provider-metadata.json"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "csaf_trusted_provider") {
			t.Errorf("metadata: %d", rec.Code)
		}
	})
}
