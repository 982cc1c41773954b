package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/api"
	"github.com/khien-cert/khien/internal/apptest"
)

// The parts of an OpenAPI document the tests read.
type (
	spec struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	param struct {
		Ref      string `json:"$ref"`
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	}
	operation struct {
		OperationID string            `json:"operationId"`
		Parameters  []param           `json:"parameters"`
		Security    *[]map[string]any `json:"security"`
		RequestBody *struct {
			Content map[string]struct {
				Example any `json:"example"`
			} `json:"content"`
		} `json:"requestBody"`
		Responses map[string]json.RawMessage `json:"responses"`
	}
)

func loadSpec(t testing.TB) spec {
	t.Helper()
	b, err := api.OpenAPI()
	if err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	var s spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("OpenAPI JSON: %v", err)
	}
	return s
}

var methods = []string{"get", "post", "put", "patch", "delete"}

// op returns the operation for method and path, with the path-level
// parameters added to its own and every $ref resolved.
func (s spec) op(t testing.TB, method, path string) (operation, bool) {
	t.Helper()
	item, ok := s.Paths[path]
	if !ok || item[strings.ToLower(method)] == nil {
		return operation{}, false
	}
	var o operation
	if err := json.Unmarshal(item[strings.ToLower(method)], &o); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var shared []param
	if raw := item["parameters"]; raw != nil {
		if err := json.Unmarshal(raw, &shared); err != nil {
			t.Fatalf("%s parameters: %v", path, err)
		}
	}
	o.Parameters = append(shared, o.Parameters...)
	for i, p := range o.Parameters {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			r, found := s.Components.Parameters[name]
			if !found {
				t.Fatalf("%s %s: dangling $ref %s", method, path, p.Ref)
			}
			o.Parameters[i] = r
		}
	}
	return o, true
}

func (o operation) params(in string) []string {
	var out []string
	for _, p := range o.Parameters {
		if p.In == in {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestOpenAPIDescribesEveryRoute holds the route table and openapi.yaml to
// the same surface: the same methods and paths, the same path and query
// parameters, security where a token is needed, an example for every body.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s := loadSpec(t)
	if !strings.HasPrefix(s.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", s.OpenAPI)
	}
	routes := map[string]api.Route{}
	for _, rt := range api.Routes() {
		key := rt.Method + " " + rt.Path
		if _, dup := routes[key]; dup {
			t.Errorf("route %s listed twice", key)
		}
		routes[key] = rt
		checkOperation(t, s, rt)
	}
	for _, path := range slices.Sorted(maps.Keys(s.Paths)) {
		for _, m := range methods {
			if s.Paths[path][m] != nil && routes[strings.ToUpper(m)+" "+path].Path == "" {
				t.Errorf("openapi.yaml describes %s %s, which is not in the route table", strings.ToUpper(m), path)
			}
		}
	}
}

func checkOperation(t *testing.T, s spec, rt api.Route) {
	t.Helper()
	name := rt.Pattern()
	o, ok := s.op(t, rt.Method, rt.Path)
	if !ok {
		t.Errorf("%s is not described in openapi.yaml", name)
		return
	}
	var want []string
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		want = append(want, m[1])
	}
	slices.Sort(want)
	if got := o.params("path"); !slices.Equal(got, want) {
		t.Errorf("%s: path parameters described %v, want %v", name, got, want)
	}
	for _, p := range o.Parameters {
		if p.In == "path" && !p.Required {
			t.Errorf("%s: path parameter %s must be required", name, p.Name)
		}
	}
	query := slices.Sorted(slices.Values(rt.Query))
	if got := o.params("query"); !slices.Equal(got, query) {
		t.Errorf("%s: query parameters described %v, the route takes %v", name, got, query)
	}
	if public := o.Security != nil && len(*o.Security) == 0; public != rt.Public {
		t.Errorf("%s: described as public=%v, the route is public=%v", name, public, rt.Public)
	}
	if o.RequestBody != nil {
		for ct, c := range o.RequestBody.Content {
			if c.Example == nil {
				t.Errorf("%s: the %s body has no example (the cross-tenant test sends it)", name, ct)
			}
		}
	}
	if !slices.ContainsFunc(slices.Collect(maps.Keys(o.Responses)), func(c string) bool { return c[0] == '2' }) {
		t.Errorf("%s: no success response described", name)
	}
	if _, ok := o.Responses["401"]; !ok && !rt.Public {
		t.Errorf("%s: needs a token but 401 is not described", name)
	}
}

// TestOpenAPIServed checks the document is served without a token.
func TestOpenAPIServed(t *testing.T) {
	env := apptest.New(t, firstEngine(t)) // one engine is enough for a static document
	rec := env.Do(t, "", "GET", "/api/v1/openapi.json", nil)
	apptest.Want(t, rec, http.StatusOK)
	doc := apptest.JSON[spec](t, rec)
	if len(doc.Paths) == 0 {
		t.Fatal("served document has no paths")
	}
}

// example returns the request body openapi.yaml gives for a route, and its
// content type; ok is false when the route takes no body.
func example(t testing.TB, s spec, rt api.Route) (body apptest.Raw, ok bool) {
	t.Helper()
	o, _ := s.op(t, rt.Method, rt.Path)
	if o.RequestBody == nil {
		return apptest.Raw{}, false
	}
	for ct, c := range o.RequestBody.Content {
		if str, isStr := c.Example.(string); isStr && ct != "application/json" {
			return apptest.Raw{ContentType: ct, Body: []byte(str)}, true
		}
		b, err := json.Marshal(c.Example)
		if err != nil {
			t.Fatal(err)
		}
		return apptest.Raw{ContentType: ct, Body: b}, true
	}
	return apptest.Raw{}, false
}

// TestOpenAPIWellFormed guards against YAML slips: a null (an unquoted
// "text, more text" in a flow mapping becomes a key with no value) and a
// $ref to nothing.
func TestOpenAPIWellFormed(t *testing.T) {
	b, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case nil:
			t.Errorf("%s is null", at)
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					checkRef(t, doc, at, e)
				}
				walk(e, at+"."+k)
			}
		case []any:
			for i, e := range x {
				walk(e, at+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(doc, "$")
}

func checkRef(t *testing.T, doc map[string]any, at string, ref any) {
	t.Helper()
	s, _ := ref.(string)
	rest, ok := strings.CutPrefix(s, "#/")
	if !ok {
		t.Errorf("%s: $ref %v is not local", at, ref)
		return
	}
	var cur any = doc
	for part := range strings.SplitSeq(rest, "/") {
		m, _ := cur.(map[string]any)
		if cur = m[part]; cur == nil {
			t.Errorf("%s: $ref %s names nothing", at, s)
			return
		}
	}
}
