package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/errs"
)

// Personas, shortened for the scenario tables.
const (
	coord    = apptest.Coordinator
	admin    = apptest.Administrator
	adminA   = apptest.AdminA
	analystA = apptest.AnalystA
	adminB   = apptest.AdminB
	lead     = apptest.Leadership
	resp     = apptest.Responder
	invest   = apptest.Investigator
)

// badToken is well-formed but was never issued.
const badToken = "khn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// vars fill {name} placeholders in scenario paths and bodies. Checks may add
// to them (an ID just created) for the scenarios after.
type vars map[string]string

func (v vars) fill(s string) string {
	for k, x := range v {
		s = strings.ReplaceAll(s, "{"+k+"}", x)
	}
	return s
}

// baseVars names the seeded organisations and users.
func baseVars(env *apptest.Env) vars {
	v := vars{"orgA": env.OrgA.ID, "orgB": env.OrgB.ID, "cert": env.CERT.ID}
	for name, u := range env.Users {
		v["user."+name] = u.ID
	}
	return v
}

// scenario is one request through the real router and what it must answer.
// Scenarios of a table run in order on one Env, so later ones may use what
// earlier ones made.
type scenario struct {
	name   string
	as     string // a persona, a "khn_…" token (or a {var} holding one), or "" for none
	method string
	path   string // with {var} placeholders
	body   any    // nil, apptest.Raw, or anything JSON (placeholders are filled in the JSON)
	status int
	code   string // the Problem code an error must carry
	field  string // a field the Problem must name
	check  checkFn
	same   bool // the request must change nothing (see snapshot)
}

func run(t *testing.T, env *apptest.Env, v vars, table []scenario) {
	t.Helper()
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) {
			var before string
			if sc.same {
				before = snapshot(t, env)
			}
			rec := env.Do(t, token(env, v.fill(sc.as)), sc.method, fillPath(t, v, sc.path), fillBody(t, v, sc.body))
			if rec.Code != sc.status {
				t.Fatalf("%s %s as %q: status %d, want %d; body: %s", sc.method, sc.path, sc.as, rec.Code, sc.status, rec.Body)
			}
			if sc.code != "" || sc.field != "" {
				checkProblem(t, rec, sc.status, sc.code, sc.field)
			}
			if sc.check != nil {
				sc.check(t, rec, v)
			}
			if sc.same {
				unchanged(t, env, before)
			}
		})
	}
}

func token(env *apptest.Env, as string) string {
	if strings.HasPrefix(as, "khn_") || as == "" {
		return as
	}
	return env.Tokens[as]
}

func fillPath(t *testing.T, v vars, p string) string {
	t.Helper()
	p = v.fill(p)
	if strings.ContainsAny(p, "{}") {
		t.Fatalf("path %s has an unfilled placeholder", p)
	}
	return p
}

func fillBody(t *testing.T, v vars, body any) any {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case apptest.Raw:
		b.Body = []byte(v.fill(string(b.Body)))
		return b
	}
	buf, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Raw{ContentType: "application/json", Body: []byte(v.fill(string(buf)))}
}

// checkProblem checks an error body: its status, code and named field.
func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code, field string) {
	t.Helper()
	p := apptest.Problem(t, rec)
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if code != "" && p.Code != code {
		t.Errorf("problem code %q, want %q; body: %s", p.Code, code, rec.Body)
	}
	if field != "" && !slices.ContainsFunc(p.Fields, func(f errs.FieldError) bool { return f.Field == field }) {
		t.Errorf("problem names fields %v, want %q", p.Fields, field)
	}
}

// Checks.

// checkFn checks an answer; it may add to vars.
type checkFn = func(*testing.T, *httptest.ResponseRecorder, vars)

type item struct {
	ID     string `json:"id"`
	OrgID  string `json:"org_id"`
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type items struct {
	Items []item `json:"items"`
	Next  string `json:"next_cursor"`
}

// count wants a list of n items.
func count(n int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if got := apptest.JSON[items](t, rec); len(got.Items) != n {
			t.Errorf("%d items, want %d: %s", len(got.Items), n, rec.Body)
		}
	}
}

// allIn wants every listed item to belong to organisation {org} of vars.
func allIn(n int, org string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		got := apptest.JSON[items](t, rec)
		if len(got.Items) != n {
			t.Errorf("%d items, want %d: %s", len(got.Items), n, rec.Body)
		}
		for _, it := range got.Items {
			if id := cmpOr(it.OrgID, it.ID); id != v[org] {
				t.Errorf("item %s belongs to %s, want %s (%s)", it.ID, id, v[org], org)
			}
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// save stores the answer's id as vars[name].
func save(name string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		it := apptest.JSON[item](t, rec)
		if it.ID == "" {
			t.Fatalf("no id in %s", rec.Body)
		}
		v[name] = it.ID
	}
}

// field wants a JSON field of the answer to have a value.
func field(name string, want any) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		got := apptest.JSON[map[string]any](t, rec)[name]
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if s, ok := want.(string); ok {
			wb, _ = json.Marshal(v.fill(s))
		}
		if string(gb) != string(wb) {
			t.Errorf("%s = %s, want %s", name, gb, wb)
		}
	}
}

// both runs checks in order.
func both(fs ...checkFn) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, v vars) {
		t.Helper()
		for _, f := range fs {
			f(t, rec, v)
		}
	}
}
