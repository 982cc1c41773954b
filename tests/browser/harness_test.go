package browser

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/org"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// stepTimeout bounds every browser step: a navigation, a click and the page
// it loads, a wait for an element.
const stepTimeout = 30 * time.Second

// password is every test user's password.
const password = "correct horse battery staple 42"

// needChromium skips the test without a browser, or fails it on CI.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	msg := "browser tests need Chromium at " + chromiumPath + " (apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so a missing browser is a failure")
	}
	t.Skip(msg)
}

// artefacts returns the screenshot directory, creating it.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KHIEN_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "artefacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	return dir
}

// site is a Khiên served over HTTP on 127.0.0.1 with seed data.
type site struct {
	app        *app.App
	url        string
	orgA, orgB org.Org
}

func newSite(t *testing.T) *site {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = filepath.Join(cfg.DataDir, "khien.db")
	cfg.CookieSecure = false // plain HTTP on 127.0.0.1
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, WithoutBus: true, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	s := &site{app: a, url: srv.URL}
	ctx, sp := t.Context(), auth.System()
	if s.orgA, err = a.Org.CreateOrg(ctx, sp, org.Org{Slug: "so-tttt-hue", Name: "Sở Thông tin và Truyền thông Huế",
		Kind: org.KindProvince, Province: "Huế", Sector: "Quản lý nhà nước"}); err != nil {
		t.Fatal(err)
	}
	if s.orgB, err = a.Org.CreateOrg(ctx, sp, org.Org{Slug: "trung-tam-ioc", Name: "Trung tâm Giám sát, điều hành đô thị thông minh",
		Kind: org.KindAgency, ParentID: s.orgA.ID}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) user(t *testing.T, email string, role auth.Role, orgs ...string) {
	t.Helper()
	if _, err := s.app.Auth.CreateUser(t.Context(), auth.System(), auth.NewUser{Email: email, Name: "Nguyễn Thị Hoa",
		Role: role, Password: password, Language: "vi", Orgs: orgs}); err != nil {
		t.Fatal(err)
	}
}

// tab is one browser tab with the test's helpers.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	shot int
}

// newTab starts a headless Chromium with a fresh profile and opens a tab.
func newTab(t *testing.T, base, dir string) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	start, cancelStart := context.WithTimeout(ctx, stepTimeout)
	defer cancelStart()
	// The first action starts the browser; it belongs to ctx, not to the
	// step's timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Do(start, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: base, dir: dir}
}

// do runs steps within stepTimeout.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shoot("failed-" + slug(what))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to a path and waits for the page's main element.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// submit clicks a button and waits for the page it loads; it returns the
// page's HTTP status.
func (b *tab) submit(button string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	if err != nil {
		b.shoot("failed-submit")
		b.t.Fatalf("click %s: %v", button, err)
	}
	return resp.Status
}

// text returns the text of the first element matching sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.shoot("failed-text")
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// count returns how many elements match sel now.
func (b *tab) count(sel string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// eval evaluates a JavaScript condition in the page.
func (b *tab) eval(expr string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// path returns the path and query of the page shown.
func (b *tab) path() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// shoot saves a full-page PNG named after the step.
func (b *tab) shoot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.shot++
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// phone switches the tab to a phone-sized viewport (390×844, touch).
func (b *tab) phone() {
	b.t.Helper()
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
