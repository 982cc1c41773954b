package publicweb

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/guard"
	"github.com/khien-cert/khien/internal/store"
)

// fixture is a portal over a fresh SQLite store, served by the real mux.
type fixture struct {
	svc  *portal.Service
	srv  *httptest.Server
	site *Site
	db   *store.DB
}

func newFixture(t *testing.T, lookup guard.LimitOptions, opts ...func(*Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "khien.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	images, err := blob.OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := portal.New(portal.Deps{Store: db, Bulletins: db, Stats: db, PoW: guard.PoWOptions{Bits: 4, MinAge: -1}, Lookup: lookup,
		BulletinImages: images})
	fx := &fixture{svc: svc, db: db}
	if err := svc.RebuildIndex(ctx); err != nil {
		t.Fatal(err)
	}
	d := Deps{Portal: svc}
	for _, o := range opts {
		o(&d)
	}
	site, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	fx.site = site
	mux := http.NewServeMux()
	mux.Handle(Prefix, site.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	fx.srv = srv
	return fx
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var tokenRE = regexp.MustCompile(`name="pow_token" value="([^"]+)" data-bits="(\d+)"`)

// post sends the report form with fields over the defaults, solving the
// form's challenge as pow.js does.
func (fx *fixture) report(t *testing.T, fields map[string]string, shots ...[]byte) (*http.Response, string) {
	t.Helper()
	_, form := get(t, fx.srv.URL+"/portal/report")
	m := tokenRE.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no challenge in the form")
	}
	vals := map[string]string{"kind": "domain", "pow_token": m[1], "pow_nonce": guard.Solve(m[1], 4), "website": ""}
	for k, v := range fields {
		vals[k] = v
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range vals {
		mw.WriteField(k, v)
	}
	for i, s := range shots {
		w, _ := mw.CreateFormFile("screenshots", "shot"+string(rune('a'+i))+".png")
		w.Write(s)
	}
	mw.Close()
	resp, err := http.Post(fx.srv.URL+"/portal/report", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// stored counts the entries in the review queue.
func (fx *fixture) stored(t *testing.T) int {
	t.Helper()
	p := auth.System()
	res, err := fx.svc.Queue(context.Background(), p, portal.EntryFilter{}, page.Request{})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Items)
}

func TestPagesAreStrictAndCookieless(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	for _, p := range []string{"/portal/", "/portal/report", "/portal/check", "/portal/receipt", "/portal/appeal", "/portal/lists",
		"/portal/?lang=en", "/portal/nope"} {
		resp, body := get(t, fx.srv.URL+p)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s sets a cookie", p)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
			t.Errorf("%s has inline script or style", p)
		}
		if p == "/portal/nope" && resp.StatusCode != 404 || p != "/portal/nope" && resp.StatusCode != 200 {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
	}
	_, en := get(t, fx.srv.URL+"/portal/report?lang=en")
	if !strings.Contains(en, "Send report") || !strings.Contains(en, `name="lang" value="en"`) {
		t.Error("the English form is not in English")
	}
}

func TestReportReceiptAndCheck(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	resp, body := fx.report(t, map[string]string{"value": "WWW.Lua-Dao.vn", "description": "<script>alert(1)</script>",
		"loss": "5.000.000", "contact": "0912 345 678"}, pngBytes(t))
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d\n%s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`id="receipt">([0-9A-Z]{5}-[0-9A-Z]{5})<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no receipt in\n%s", body)
	}
	_, st := get(t, fx.srv.URL+"/portal/receipt?r="+strings.ToLower(m[1]))
	if !strings.Contains(st, "Đang được xem xét") || strings.Contains(st, "0912") || strings.Contains(st, "+84912") {
		t.Errorf("status page:\n%s", st)
	}
	_, ck := get(t, fx.srv.URL+"/portal/check?q="+url.QueryEscape("https://shop.lua-dao.vn/x"))
	if !strings.Contains(ck, `data-status="under_review"`) || strings.Contains(ck, "alert(1)") {
		t.Errorf("check page:\n%s", ck)
	}
	_, none := get(t, fx.srv.URL+"/portal/check?q=example.org&lang=en")
	if !strings.Contains(none, `data-status="unknown"`) || !strings.Contains(none, "does not mean it is safe") {
		t.Errorf("unknown answer:\n%s", none)
	}
}

func TestRefusedReportsStoreNothing(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	for _, tc := range []struct {
		name   string
		fields map[string]string
		shots  [][]byte
		status int
		want   string
	}{
		{"xss value", map[string]string{"value": `"><script>alert(1)</script>`}, nil, 422, "Tên miền không hợp lệ"},
		{"bad phone", map[string]string{"kind": "phone", "value": "0123"}, nil, 422, "quá ngắn"},
		{"honeypot", map[string]string{"value": "lua-dao.vn", "website": "http://spam"}, nil, 422, "không được chấp nhận"},
		{"no proof of work", map[string]string{"value": "lua-dao.vn", "pow_nonce": ""}, nil, 422, "JavaScript"},
		{"not a picture", map[string]string{"value": "lua-dao.vn"}, [][]byte{[]byte("GIF89a....")}, 422, "PNG hoặc JPEG"},
		{"bad loss", map[string]string{"value": "lua-dao.vn", "loss": "năm triệu"}, nil, 422, "5.000.000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fx.report(t, tc.fields, tc.shots...)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want %d with %q\n%s", resp.StatusCode, tc.status, tc.want, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Fatal("the value was not escaped")
			}
		})
	}
	if n := fx.stored(t); n != 0 {
		t.Errorf("%d entries stored from refused reports", n)
	}
}

func TestOversizedBody(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	big := bytes.Repeat([]byte("a"), maxAppealBody+10)
	resp, err := http.Post(fx.srv.URL+"/portal/appeal", "application/x-www-form-urlencoded", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestLookupsAreRateLimited(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{Every: time.Hour, Burst: 2})
	for i := range 3 {
		resp, _ := get(t, fx.srv.URL+"/portal/v1/check?q=lua-dao.vn")
		if i < 2 && resp.StatusCode != 200 {
			t.Fatalf("look-up %d: %d", i, resp.StatusCode)
		}
		if i == 2 && (resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "") {
			t.Fatalf("third look-up: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	resp, body := get(t, fx.srv.URL+"/portal/check?q=lua-dao.vn")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "quá nhiều") {
		t.Errorf("page look-up over the rate: %d\n%s", resp.StatusCode, body)
	}
}

func TestDownloads(t *testing.T) {
	fx := newFixture(t, guard.LimitOptions{})
	for _, d := range downloads {
		resp, body := get(t, fx.srv.URL+"/portal/lists/"+d.File)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != d.Format.ContentType() {
			t.Errorf("%s: %d %s\n%s", d.File, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, _ := get(t, fx.srv.URL+"/portal/lists/passwd"); resp.StatusCode != 404 {
		t.Errorf("unknown list: %d", resp.StatusCode)
	}
}
