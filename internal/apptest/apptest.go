// Package apptest starts a whole Khiên in-process for tests that drive its
// HTTP surface: app.Open on a temporary data directory and a fresh database
// of the engine under test, seeded with two tenant organisations (A and B),
// the coordinating CERT, one user of every role and an API token for each.
//
// Seeding goes through the services with auth.System(), as the CLI's demo
// data does, so every seeded change is in the audit trail like any other.
// Requests go through app.Handler(): the real router and middleware.
package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/khien-cert/khien/internal/app"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/config"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
)

// Personas are the seeded users, by the name tests use for them.
const (
	Coordinator   = "coordinator"
	Administrator = "administrator"
	AdminA        = "admin-a"   // constituent-admin of organisation A
	AnalystA      = "analyst-a" // constituent-analyst of organisation A
	AdminB        = "admin-b"   // constituent-admin of organisation B
	Leadership    = "leadership"
	Responder     = "responder" // responder of the coordinating CERT
	Investigator  = "investigator"
)

// Personas lists every seeded persona.
var Personas = []string{Coordinator, Administrator, AdminA, AnalystA, AdminB, Leadership, Responder, Investigator}

// Password is every seeded user's password.
const Password = "correct horse battery staple"

// Env is a running Khiên with its seed data.
type Env struct {
	App    *app.App
	Engine string // "sqlite" or "postgres"

	OrgA, OrgB, CERT org.Org
	Users            map[string]auth.User // by persona
	Tokens           map[string]string    // API token secrets, by persona
}

// Raw is a request body sent as it is, with its content type.
type Raw struct {
	ContentType string
	Body        []byte
}

// New opens an App on engine e, seeds it and closes it when t ends. The bus
// is left out: nothing the HTTP surface does yet needs it.
func New(t testing.TB, e storetest.Engine) *Env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Database = e.DSN(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(t.Context(), cfg, app.Options{Logger: log, WithoutBus: true, Hasher: auth.NewHasher(auth.TestParams)})
	if err != nil {
		t.Fatalf("apptest: open on %s: %v", e.Name, err)
	}
	t.Cleanup(func() { a.Close() })
	env := &Env{App: a, Engine: e.Name, Users: map[string]auth.User{}, Tokens: map[string]string{}}
	env.seedOrgs(t)
	env.seedUsers(t)
	return env
}

// Each runs fn as a subtest on every engine of storetest.Engines, each with
// a fresh Env.
func Each(t *testing.T, fn func(t *testing.T, env *Env)) {
	t.Helper()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { fn(t, New(t, e)) })
	}
}

func (env *Env) seedOrgs(t testing.TB) {
	t.Helper()
	mk := func(o org.Org) org.Org {
		t.Helper()
		o, err := env.App.Org.CreateOrg(t.Context(), auth.System(), o)
		if err != nil {
			t.Fatalf("apptest: create organisation %s: %v", o.Slug, err)
		}
		return o
	}
	env.CERT = mk(org.Org{Slug: "cert", Name: "Trung tâm Ứng cứu khẩn cấp", Kind: org.KindCoordinator, Coordinating: true})
	env.OrgA = mk(org.Org{Slug: "org-a", Name: "Công ty A", Kind: org.KindEnterprise, Sector: "Tài chính", Province: "Hà Nội"})
	env.OrgB = mk(org.Org{Slug: "org-b", Name: "Công ty B", Kind: org.KindEnterprise, Sector: "Năng lượng", Province: "Đà Nẵng"})
}

// seedUsers creates the personas and their tokens. Passwords are hashed with
// the production argon2id cost, so the users are made concurrently.
func (env *Env) seedUsers(t testing.TB) {
	t.Helper()
	roles := map[string]struct {
		role auth.Role
		orgs []string
	}{
		Coordinator:   {auth.RoleCoordinator, nil},
		Administrator: {auth.RoleAdministrator, nil},
		AdminA:        {auth.RoleConstituentAdmin, []string{env.OrgA.ID}},
		AnalystA:      {auth.RoleConstituentAnalyst, []string{env.OrgA.ID}},
		AdminB:        {auth.RoleConstituentAdmin, []string{env.OrgB.ID}},
		Leadership:    {auth.RoleLeadership, nil},
		Responder:     {auth.RoleResponder, []string{env.CERT.ID}},
		Investigator:  {auth.RoleInvestigator, nil},
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, len(Personas))
	for _, name := range Personas {
		r := roles[name]
		wg.Go(func() {
			u, secret, err := env.createPersona(t, name, r.role, r.orgs)
			if err != nil {
				errc <- err
				return
			}
			mu.Lock()
			env.Users[name], env.Tokens[name] = u, secret
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("apptest: seed users: %v", err)
	}
}

func (env *Env) createPersona(t testing.TB, name string, role auth.Role, orgs []string) (auth.User, string, error) {
	ctx := t.Context()
	u, err := env.App.Auth.CreateUser(ctx, auth.System(), auth.NewUser{Email: name + "@example.vn",
		Name: "Persona " + name, Role: role, Password: Password, Orgs: orgs})
	if err != nil {
		return auth.User{}, "", err
	}
	_, secret, err := env.App.Auth.CreateToken(ctx, auth.System(), auth.NewToken{UserID: u.ID, Name: "apptest " + name})
	return u, secret, err
}

// Do sends a request through the App's handler. token is an API token secret
// ("" for none). body is nil for none, a Raw as it is, else JSON.
func (env *Env) Do(t testing.TB, token, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case Raw:
		rd, ct = bytes.NewReader(b.Body), b.ContentType
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apptest: encode body: %v", err)
		}
		rd, ct = bytes.NewReader(buf), "application/json"
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	env.App.Handler().ServeHTTP(rec, req)
	return rec
}

// As is Do with the token of a persona.
func (env *Env) As(t testing.TB, persona, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	tok, ok := env.Tokens[persona]
	if !ok {
		t.Fatalf("apptest: no persona %q", persona)
	}
	return env.Do(t, tok, method, path, body)
}

// JSON decodes the body of rec as T, failing t when it is not JSON.
func JSON[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("apptest: content type %q, want JSON; body: %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("apptest: decode %T: %v; body: %s", v, err, rec.Body)
	}
	return v
}

// Problem decodes an error answer.
func Problem(t testing.TB, rec *httptest.ResponseRecorder) httpx.Problem {
	t.Helper()
	return JSON[httpx.Problem](t, rec)
}

// Want fails t unless rec has the status; it shows the body when not.
func Want(t testing.TB, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body: %s", rec.Code, status, rec.Body)
	}
}

// AuditSize is the number of entries in the audit trail.
func (env *Env) AuditSize(t testing.TB) int64 {
	t.Helper()
	n, _, err := env.App.DB.AuditHead(t.Context())
	if err != nil {
		t.Fatalf("apptest: audit head: %v", err)
	}
	return n
}
