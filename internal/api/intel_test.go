package api_test

import (
	"bytes"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/khien-cert/khien/internal/api"
	"github.com/khien-cert/khien/internal/apptest"
)

// text is a document body of any content type.
func text(ct, body string) apptest.Raw { return apptest.Raw{ContentType: ct, Body: []byte(body)} }

// values wants a list of indicators with exactly these values, in any order.
func values(want ...string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Items []struct {
				Value string `json:"value"`
			} `json:"items"`
		}](t, rec)
		var vs []string
		for _, it := range got.Items {
			vs = append(vs, it.Value)
		}
		slices.Sort(vs)
		slices.Sort(want)
		if !slices.Equal(vs, want) {
			t.Errorf("indicators %v, want %v", vs, want)
		}
	}
}

// report wants an import report with these counts.
func report(read, added, updated int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		got := apptest.JSON[struct {
			Read  int `json:"read"`
			Saved struct {
				Added, Updated int
			} `json:"saved"`
		}](t, rec)
		if got.Read != read || got.Saved.Added != added || got.Saved.Updated != updated {
			t.Errorf("report %s, want read %d, added %d, updated %d", rec.Body, read, added, updated)
		}
	}
}

// One feed per TLP level; a constituent lists only what its clearance
// (AMBER) allows.
func TestIntelScenarios(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		const feeds = "/api/v1/intel/feeds"
		feed := func(name, level string) map[string]any {
			return map[string]any{"name": name, "format": "list", "tlp": level, "confidence": 80}
		}
		run(t, env, baseVars(env), []scenario{
			{name: "coordinator adds an AMBER feed", as: coord, method: "POST", path: feeds, body: feed("c2-amber", "amber"), status: 201,
				check: both(save("amber"), field("tlp", "AMBER"), field("enabled", true))},
			{name: "a GREEN feed", as: coord, method: "POST", path: feeds, body: feed("scanners", "TLP:GREEN"), status: 201, check: save("green")},
			{name: "an AMBER+STRICT feed", as: coord, method: "POST", path: feeds, body: feed("partner", "AMBER+STRICT"), status: 201, check: save("strict")},
			{name: "a RED feed", as: admin, method: "POST", path: feeds, body: feed("apt", "RED"), status: 201, check: save("red")},
			{name: "a STIX feed", as: coord, method: "POST", path: feeds, status: 201, check: save("stix"),
				body: map[string]any{"name": "stix", "format": "stix", "tlp": "GREEN"}},
			{name: "name taken", as: coord, method: "POST", path: feeds, body: feed("apt", "RED"), status: 409, code: "feed.name_taken", field: "name", same: true},
			{name: "unknown TLP", as: coord, method: "POST", path: feeds, body: feed("x", "purple"), status: 422, field: "tlp", same: true},
			{name: "a schedule without a URL", as: coord, method: "POST", path: feeds, status: 422, field: "interval_seconds", same: true,
				body: map[string]any{"name": "x", "tlp": "GREEN", "interval_seconds": 3600}},
			{name: "admin A may not add feeds", as: adminA, method: "POST", path: feeds, body: feed("mine", "GREEN"), status: 403,
				code: "intel.forbidden", same: true},

			{name: "import into AMBER", as: coord, method: "POST", path: feeds + "/{amber}/import?name=c2.txt", status: 200,
				body: text("text/plain", "203.0.113.66\nevil.example\n"), check: report(2, 2, 0)},
			{name: "the same again updates", as: coord, method: "POST", path: feeds + "/{amber}/import", status: 200,
				body: text("application/octet-stream", "203.0.113.66\n"), check: report(1, 0, 1)},
			{name: "import into GREEN", as: coord, method: "POST", path: feeds + "/{green}/import", body: text("text/plain", "192.0.2.1\n"), status: 200},
			{name: "import into AMBER+STRICT", as: coord, method: "POST", path: feeds + "/{strict}/import", body: text("text/plain", "198.51.100.98\n"), status: 200},
			{name: "import into RED", as: coord, method: "POST", path: feeds + "/{red}/import", body: text("text/plain", "198.51.100.99\nred.example\n"), status: 200},
			{name: "admin A may not import", as: adminA, method: "POST", path: feeds + "/{green}/import", body: text("text/plain", "192.0.2.2\n"),
				status: 403, code: "intel.forbidden", same: true},
			{name: "a document over 64 MiB", as: coord, method: "POST", path: feeds + "/{green}/import", status: 413, code: "request.too_large",
				same: true, body: text("text/plain", string(bytes.Repeat([]byte("x"), api.MaxIntelBody+1)))},
			{name: "a document that is no STIX", as: coord, method: "POST", path: feeds + "/{stix}/import?name=x.json", status: 422,
				body: text("application/json", `{"hello":"world"}`)},
			{name: "the failure is on the feed", as: coord, method: "GET", path: feeds + "/{stix}", status: 200,
				check: both(field("indicator_count", 0), nonEmpty("last_error"))},

			{name: "the coordinator lists everything", as: coord, method: "GET", path: "/api/v1/intel/indicators", status: 200,
				check: values("203.0.113.66", "evil.example", "192.0.2.1", "198.51.100.98", "198.51.100.99", "red.example")},
			{name: "leadership reads no intel", as: lead, method: "GET", path: "/api/v1/intel/indicators", status: 403, code: "intel.forbidden"},
			{name: "admin A sees AMBER and below", as: adminA, method: "GET", path: "/api/v1/intel/indicators", status: 200,
				check: values("203.0.113.66", "evil.example", "192.0.2.1")},
			{name: "analyst A asks for the RED feed", as: analystA, method: "GET", path: "/api/v1/intel/indicators?feed={red}", status: 200, check: values()},
			{name: "filter by type", as: coord, method: "GET", path: "/api/v1/intel/indicators?type=domain", status: 200, check: values("evil.example", "red.example")},
			{name: "filter by value", as: adminA, method: "GET", path: "/api/v1/intel/indicators?q=203.0", status: 200, check: values("203.0.113.66")},
			{name: "unknown type", as: coord, method: "GET", path: "/api/v1/intel/indicators?type=ip", status: 422, field: "type"},
			{name: "the responder reads no intel", as: resp, method: "GET", path: "/api/v1/intel/indicators", status: 403, code: "intel.forbidden"},
			{name: "nor feeds", as: resp, method: "GET", path: feeds + "/{amber}", status: 404, code: "feed.not_found"},

			{name: "analyst A lists the feeds", as: analystA, method: "GET", path: feeds, status: 200, check: count(5)},
			{name: "a feed's count and success", as: analystA, method: "GET", path: feeds + "/{amber}", status: 200,
				check: both(field("indicator_count", 2), nonEmpty("last_success"))},
			{name: "coordinator disables a feed", as: coord, method: "PATCH", path: feeds + "/{red}", status: 200,
				body: map[string]any{"enabled": false, "ttl_days": 30}, check: both(field("enabled", false), field("ttl_days", 30), field("tlp", "RED"))},
			{name: "admin A may not change feeds", as: adminA, method: "PATCH", path: feeds + "/{red}", status: 403,
				body: map[string]any{"enabled": true}, same: true},
			{name: "no such feed", as: coord, method: "PATCH", path: feeds + "/nope", status: 404, code: "feed.not_found",
				body: map[string]any{"enabled": true}},
		})
	})
}

// nonEmpty wants a JSON field of the answer to be present and not empty.
func nonEmpty(name string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if got := apptest.JSON[map[string]any](t, rec)[name]; got == nil || got == "" {
			t.Errorf("%s is empty: %s", name, rec.Body)
		}
	}
}
