package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/csaf"
	"github.com/khien-cert/khien/internal/tlp"
)

type fakePublished []advisory.Advisory

func (f fakePublished) Published(context.Context) ([]advisory.Advisory, error) { return f, nil }

func csafAdvisory(id string, level tlp.Level) advisory.Advisory {
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	return advisory.Advisory{SourceID: id, Source: advisory.SourceKhien, Status: advisory.StatusPublished, Title: "Advisory " + id,
		Summary: "Summary.", Action: "Upgrade.", CVEs: []string{"CVE-2026-1111"}, TLP: level, Revision: "2", Published: t0, Updated: t0.Add(time.Hour),
		Products: []advisory.Product{{PURL: "pkg:npm/example", Ranges: []advisory.Range{{Scheme: advisory.SchemeSemver, Upper: "1.2.3"}}}}}
}

func TestCSAFHandler(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	a := &App{now: time.Now}
	a.Config.BaseURL, a.Config.CSAFPublisher, a.Config.CSAFNamespace = "https://cert.example.vn", "Test CERT", "https://cert.example.vn"
	c, err := a.openCSAF(root, fakePublished{csafAdvisory("KH-2026-1", tlp.Clear), csafAdvisory("KH-2026-2", tlp.Amber)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.csaf = c
	a.mountCSAF(mux)
	get := func(method, path string, hdr ...string) *http.Response {
		r := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Result()
	}
	body := func(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }
	r := get("GET", "/.well-known/csaf/provider-metadata.json")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/json" || !strings.Contains(body(r), `"csaf_trusted_provider"`) {
		t.Fatalf("metadata: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	r = get("GET", "/.well-known/csaf/white/2026/kh-2026-1.json")
	doc := body(r)
	if r.StatusCode != 200 || !strings.Contains(doc, `"KH-2026-1"`) {
		t.Fatalf("document: %d", r.StatusCode)
	}
	if _, _, err := csaf.Read([]byte(doc)); err != nil {
		t.Errorf("served document invalid: %v", err)
	}
	etag := r.Header.Get("ETag")
	if r := get("GET", "/.well-known/csaf/white/2026/kh-2026-1.json", "If-None-Match", etag); r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", r.StatusCode)
	}
	if r := get("GET", "/.well-known/csaf/white/2026/kh-2026-2.json"); r.StatusCode != 404 {
		t.Errorf("TLP:AMBER document served: %d", r.StatusCode)
	}
	if r := get("GET", "/.well-known/csaf/white/"); r.StatusCode != 200 || !strings.Contains(body(r), `href="2026/"`) {
		t.Errorf("listing: %d", r.StatusCode)
	}
	if r := get("GET", "/.well-known/csaf/white"); r.StatusCode != http.StatusMovedPermanently {
		t.Errorf("directory without slash: %d", r.StatusCode)
	}
	if r := get("GET", "/.well-known/csaf"); r.StatusCode != http.StatusMovedPermanently {
		t.Errorf("root without slash: %d", r.StatusCode)
	}
	if r := get("POST", "/.well-known/csaf/provider-metadata.json"); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", r.StatusCode)
	}
	if r := get("GET", "/.well-known/csaf/../keys/csaf-openpgp.asc"); r.StatusCode == 200 && strings.Contains(body(r), "PRIVATE") {
		t.Error("private key reachable")
	}
	// Concurrent readers while the tree is invalidated and rebuilt.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if i%4 == 0 {
				c.Invalidate()
			}
			if r := get("GET", "/.well-known/csaf/white/index.txt"); r.StatusCode != 200 {
				t.Errorf("concurrent GET: %d", r.StatusCode)
			}
		})
	}
	wg.Wait()
	for p := range mustTree(t, c).Files {
		if strings.Contains(p, "kh-2026-2") {
			t.Errorf("AMBER advisory in the public tree: %s", p)
		}
	}
}

func mustTree(t *testing.T, c *csaf.Cache) *csaf.Tree {
	tr, err := c.Tree(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
