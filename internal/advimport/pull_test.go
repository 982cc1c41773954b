package advimport

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/csaf"
	"github.com/khien-cert/khien/internal/tlp"
)

var (
	signerOnce sync.Once
	signer     *csaf.Signer
)

func testSigner(t *testing.T) *csaf.Signer {
	signerOnce.Do(func() {
		k, err := csaf.GenerateKey("Test CERT", "csaf@test.example")
		if err != nil {
			t.Fatal(err)
		}
		if signer, err = csaf.NewSigner(k); err != nil {
			t.Fatal(err)
		}
	})
	return signer
}

func ownAdvisory(id string, level tlp.Level) advisory.Advisory {
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	return advisory.Advisory{SourceID: id, Source: advisory.SourceKhien, Status: advisory.StatusPublished, Title: "Test " + id,
		Summary: "Summary.", Action: "Upgrade.", CVEs: []string{"CVE-2026-0001"}, TLP: level, Revision: "1", Published: t0, Updated: t0,
		Scores:   []advisory.Score{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Products: []advisory.Product{{CPE: "cpe:2.3:a:example:server:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Upper: "2.0"}}}}}
}

// serveTree serves a built provider tree; tamper may change a file first.
func serveTree(t *testing.T, advs []advisory.Advisory, tamper func(map[string]csaf.File)) *httptest.Server {
	var tree *csaf.Tree
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/csaf/", func(w http.ResponseWriter, r *http.Request) {
		f, ok := tree.Files[strings.TrimPrefix(r.URL.Path, csaf.WellKnown)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.Type)
		w.Write(f.Body)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	var err error
	tree, err = csaf.BuildProvider(advs, csaf.ProviderOptions{BaseURL: srv.URL, Issuer: csaf.Issuer{Name: "Test CERT", Namespace: "https://test.example"}, Signer: testSigner(t)})
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(tree.Files)
	}
	return srv
}

func TestPullOwnProvider(t *testing.T) {
	advs := []advisory.Advisory{ownAdvisory("T-1", tlp.Clear), ownAdvisory("T-2", tlp.Clear), ownAdvisory("T-3", tlp.Amber)}
	srv := serveTree(t, advs, nil)
	rs, err := Pull(t.Context(), srv.Client(), KindCSAFProvider, srv.URL+"/.well-known/csaf/provider-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	got := Advisories(rs)
	if len(got) != 2 {
		t.Fatalf("results: %+v", rs)
	}
	for _, r := range rs {
		if r.Failed() {
			t.Errorf("%s: %s", r.Path, r.Err)
		}
		for _, p := range r.Problems {
			if strings.Contains(p, "not checked") {
				t.Errorf("%s: %s", r.Path, p)
			}
		}
	}
	// The ROLIE feed alone gives the same documents (signatures cannot be
	// checked without the metadata's keys, and say so).
	rs, err = Pull(t.Context(), srv.Client(), KindCSAF, srv.URL+"/.well-known/csaf/white/csaf-feed-tlp-white.json")
	if err != nil || len(Advisories(rs)) != 2 {
		t.Fatalf("ROLIE feed: %v %+v", err, rs)
	}
	if !strings.Contains(strings.Join(rs[0].Problems, ";"), "signature not checked") {
		t.Errorf("feed pull: %+v", rs[0])
	}
	// One document by URL.
	rs, err = Pull(t.Context(), srv.Client(), KindCSAF, srv.URL+"/.well-known/csaf/white/2026/t-1.json")
	if err != nil || len(rs) != 1 || rs[0].ID != "T-1" || rs[0].Failed() || len(rs[0].Problems) > 0 {
		t.Fatalf("one document: %v %+v", err, rs)
	}
	// The advisory.Puller face gives the same.
	p := &Puller{Client: srv.Client()}
	list, err := p.Pull(t.Context(), advisory.Feed{Kind: KindCSAFProvider, URL: srv.URL + "/.well-known/csaf/provider-metadata.json"})
	if err != nil || len(list) != 2 {
		t.Fatalf("Puller: %v %d", err, len(list))
	}
}

func TestPullRejectsTampering(t *testing.T) {
	advs := []advisory.Advisory{ownAdvisory("T-1", tlp.Clear), ownAdvisory("T-2", tlp.Clear)}
	for name, c := range map[string]struct {
		tamper func(map[string]csaf.File)
		want   string
	}{
		"changed document": {func(fs map[string]csaf.File) {
			f := fs["white/2026/t-1.json"]
			f.Body = bytes.Replace(f.Body, []byte("Summary."), []byte("Changed."), 1)
			fs["white/2026/t-1.json"] = f
		}, "mismatch"},
		"bad signature": {func(fs map[string]csaf.File) {
			fs["white/2026/t-1.json.asc"] = fs["white/2026/t-2.json.asc"]
		}, "signature"},
		"missing document": {func(fs map[string]csaf.File) { delete(fs, "white/2026/t-1.json") }, "404"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := serveTree(t, advs, c.tamper)
			rs, err := Pull(t.Context(), srv.Client(), KindCSAFProvider, srv.URL+"/.well-known/csaf/provider-metadata.json")
			if err != nil {
				t.Fatal(err)
			}
			bad, good := 0, 0
			for _, r := range rs {
				if r.Failed() {
					bad++
					if !strings.Contains(r.Err, c.want) || !strings.Contains(r.Path, "t-1") {
						t.Errorf("%s: %s", r.Path, r.Err)
					}
				} else if r.Advisory != nil {
					good++
				}
			}
			if bad != 1 || good != 1 {
				t.Errorf("bad %d good %d: %+v", bad, good, rs)
			}
		})
	}
}

// TestPullGocsafFixtures pulls the gocsaf project's test providers (ROLIE
// and directory), rendered from their templates: third-party layouts,
// hashes and signatures.
func TestPullGocsafFixtures(t *testing.T) {
	for _, name := range []string{"simple-rolie-provider", "simple-directory-provider"} {
		t.Run(name, func(t *testing.T) {
			dir := corpustest.File(t, "csaf/gocsaf-testdata/"+name)
			var srv *httptest.Server
			srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/")))
				b, err := os.ReadFile(p)
				if err != nil {
					http.NotFound(w, r)
					return
				}
				if bytes.Contains(b, []byte("{{")) {
					tm, err := template.New("x").Parse(string(b))
					if err != nil {
						http.Error(w, err.Error(), 500)
						return
					}
					tm.Execute(w, map[string]any{"URL": srv.URL, "EnableSha256": true, "EnableSha512": true})
					return
				}
				w.Write(b)
			}))
			defer srv.Close()
			rs, err := Pull(t.Context(), srv.Client(), KindCSAFProvider, srv.URL+"/provider-metadata.json")
			if err != nil {
				t.Fatal(err)
			}
			if len(Advisories(rs)) != 1 || rs[0].Failed() || rs[0].ID != "Avendor-advisory-0004" {
				t.Fatalf("%+v", rs)
			}
		})
	}
}

func TestPullNVDPaging(t *testing.T) {
	const total = 7
	item := func(i int) string {
		return fmt.Sprintf(`{"cve":{"id":"CVE-2024-%04d","descriptions":[{"lang":"en","value":"v%d"}]}}`, 1000+i, i)
	}
	serve := func(lie bool) (*httptest.Server, *[]int) {
		var starts []int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start, _ := strconv.Atoi(r.URL.Query().Get("startIndex"))
			per, _ := strconv.Atoi(r.URL.Query().Get("resultsPerPage"))
			starts = append(starts, start)
			var items []string
			for i := start; i < min(start+per, total); i++ {
				items = append(items, item(i))
			}
			tot := total
			if lie && start > 0 {
				items = items[:1] // a short page that does not reach totalResults
			}
			fmt.Fprintf(w, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","vulnerabilities":[%s]}`,
				len(items)+btoi(lie && start > 0), start, tot, strings.Join(items, ","))
		}))
		t.Cleanup(srv.Close)
		return srv, &starts
	}
	srv, starts := serve(false)
	p := &Puller{Client: srv.Client(), Options: Options{NVDPageSize: 3, NVDDelay: -1}}
	rs, err := p.Fetch(t.Context(), KindNVD, srv.URL+"/rest/json/cves/2.0?lastModStartDate=2024-01-01T00:00:00.000")
	if err != nil || len(Advisories(rs)) != total {
		t.Fatalf("%v: %d advisories", err, len(Advisories(rs)))
	}
	if fmt.Sprint(*starts) != "[0 3 6]" {
		t.Errorf("pages asked: %v", *starts)
	}
	srv, _ = serve(true)
	p = &Puller{Client: srv.Client(), Options: Options{NVDPageSize: 3, NVDDelay: -1}}
	if _, err := p.Fetch(t.Context(), KindNVD, srv.URL); err == nil || !strings.Contains(err.Error(), "totalResults lies") {
		t.Errorf("lying page: %v", err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestPullKEVAndOSV(t *testing.T) {
	kev, err := os.ReadFile(corpustest.File(t, "vuln/kev/cisa-kev__known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, n := range []string{"GO-2020-0001", "PYSEC-2023-74"} {
		b, err := os.ReadFile(corpustest.File(t, "vuln/osv/osv-schema-linter-testdata__"+n+".json"))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(n + ".json")
		w.Write(b)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/kev.json":
			w.Write(kev)
		case "/all.zip":
			w.Write(zbuf.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rs, err := Pull(t.Context(), srv.Client(), KindKEV, srv.URL+"/kev.json")
	if err != nil || len(Advisories(rs)) != 1404 {
		t.Fatalf("KEV: %v %d", err, len(rs))
	}
	rs, err = Pull(t.Context(), srv.Client(), KindOSV, srv.URL+"/all.zip")
	if err != nil || len(Advisories(rs)) != 2 {
		t.Fatalf("OSV zip: %v %+v", err, rs)
	}
	if _, err := Pull(t.Context(), srv.Client(), KindKEV, srv.URL+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing: %v", err)
	}
	if _, err := Pull(t.Context(), srv.Client(), "gopher", srv.URL); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := Pull(t.Context(), srv.Client(), KindKEV, "file:///etc/passwd"); err == nil {
		t.Error("file URL accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Pull(ctx, srv.Client(), KindKEV, srv.URL+"/kev.json"); err == nil {
		t.Error("cancelled pull succeeded")
	}
}
