package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/net/html"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/org"
)

// password is every test user's password.
const password = "correct horse battery staple 42"

// clock is a settable clock shared by the app and the test, so that TOTP
// codes can be made for a new time step without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a whole Khiên over HTTP with two tenant organisations.
type env struct {
	t          *testing.T
	app        *app.App
	srv        *httptest.Server
	clock      *clock
	orgA, orgB org.Org
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.CookieSecure = false // plain HTTP in tests
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, Now: c.Now, WithoutBus: true, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, app: a, srv: srv, clock: c}
	e.orgA = e.org("so-tttt-a", "Sở Thông tin và Truyền thông A", "")
	e.orgB = e.org("so-tttt-b", "Sở Thông tin và Truyền thông B", "")
	return e
}

func (e *env) org(slug, name, parent string) org.Org {
	e.t.Helper()
	o, err := e.app.Org.CreateOrg(e.t.Context(), auth.System(),
		org.Org{Slug: slug, Name: name, Kind: org.KindProvince, ParentID: parent})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) user(email, lang string, role auth.Role, orgs ...string) auth.User {
	e.t.Helper()
	u, err := e.app.Auth.CreateUser(e.t.Context(), auth.System(), auth.NewUser{
		Email: email, Name: "Người dùng " + email, Role: role, Password: password, Language: lang, Orgs: orgs})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) system(orgID, name string) org.System {
	e.t.Helper()
	s, err := e.app.Org.CreateSystem(e.t.Context(), auth.System(),
		org.System{OrgID: orgID, Name: name, Level: 2, Status: org.SystemOperating})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// browser is a client with its own cookie jar that follows redirects.
type browser struct {
	t *testing.T
	e *env
	c *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// htmlPage is a response with its parsed HTML.
type htmlPage struct {
	t      *testing.T
	status int
	url    *url.URL
	header http.Header
	doc    *html.Node
	body   string
}

func (b *browser) request(method, path string, body io.Reader, contentType string, hdr http.Header) *http.Request {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.e.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	return req
}

func (b *browser) send(req *http.Request) *htmlPage {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(raw))
	if err != nil {
		b.t.Fatal(err)
	}
	return &htmlPage{t: b.t, status: resp.StatusCode, url: resp.Request.URL, header: resp.Header, doc: doc, body: string(raw)}
}

// get fetches a page, following redirects.
func (b *browser) get(path string, hdr ...http.Header) *htmlPage {
	b.t.Helper()
	var h http.Header
	if len(hdr) > 0 {
		h = hdr[0]
	}
	return b.send(b.request("GET", path, nil, "", h))
}

// post submits a urlencoded form, following redirects.
func (b *browser) post(path string, form url.Values, hdr ...http.Header) *htmlPage {
	b.t.Helper()
	var h http.Header
	if len(hdr) > 0 {
		h = hdr[0]
	}
	return b.send(b.request("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", h))
}

// upload submits a multipart form with one file, following redirects.
func (b *browser) upload(path, field, name, content string, fields url.Values) *htmlPage {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	io.WriteString(fw, content)
	mw.Close()
	return b.send(b.request("POST", path, &buf, mw.FormDataContentType(), nil))
}

// noFollow sends a request without following redirects.
func (b *browser) noFollow(req *http.Request) *http.Response {
	b.t.Helper()
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// login logs in with the password; roles without TOTP land on the dashboard.
func (b *browser) login(email string) *htmlPage {
	b.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"email": {email}, "password": {password}})
}

// enrol logs in a user who must set up TOTP, enrols and returns the secret.
func (b *browser) enrol(email string) string {
	b.t.Helper()
	p := b.login(email)
	p.wantPath("/login/enrol")
	secret := p.text("#totp-secret")
	code, err := totp.GenerateCode(secret, b.e.clock.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	p = b.post("/login/enrol", url.Values{"secret": {secret}, "code": {code}})
	p.wantStatus(http.StatusOK)
	if n := len(p.all("#recovery-codes li")); n != auth.RecoveryCodes {
		b.t.Fatalf("recovery page lists %d codes, want %d", n, auth.RecoveryCodes)
	}
	return secret
}

// cookie returns the browser's cookie of that name for the server, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (p *htmlPage) all(sel string) []*html.Node { return queryAll(p.doc, sel) }

// one returns the single element matching sel.
func (p *htmlPage) one(sel string) *html.Node {
	p.t.Helper()
	ns := p.all(sel)
	if len(ns) != 1 {
		p.t.Fatalf("%s: %d elements match %q, want 1\n%s", p.url.Path, len(ns), sel, p.main())
	}
	return ns[0]
}

func (p *htmlPage) text(sel string) string { p.t.Helper(); return text(p.one(sel)) }

func (p *htmlPage) has(sel string) bool { return len(p.all(sel)) > 0 }

// main is the text of the page's main element, for failure messages.
func (p *htmlPage) main() string {
	if ns := queryAll(p.doc, "main"); len(ns) > 0 {
		return text(ns[0])
	}
	return p.body
}

func (p *htmlPage) wantStatus(code int) {
	p.t.Helper()
	if p.status != code {
		p.t.Fatalf("%s: status %d, want %d\n%s", p.url.Path, p.status, code, p.main())
	}
}

func (p *htmlPage) wantPath(path string) {
	p.t.Helper()
	if p.url.Path != path {
		p.t.Fatalf("at %s (status %d), want %s\n%s", p.url.Path, p.status, path, p.main())
	}
}
