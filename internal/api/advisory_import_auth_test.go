package api_test

import (
	"net/http"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestAdvisoryImportNeedsManage: whoever may not import advisories is
// refused before the body is read and parsed, whatever the body holds
// (here a document the importers cannot read, which used to answer 200
// with its parse problems to anyone).
func TestAdvisoryImportNeedsManage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		body := apptest.Raw{ContentType: "application/json", Body: []byte(`{"document":{"category":"csaf_security_advisory"}}`)}
		for persona, want := range map[string]int{analystA: http.StatusForbidden, adminA: http.StatusForbidden,
			apptest.Leadership: http.StatusForbidden, apptest.Responder: http.StatusForbidden} {
			rec := env.As(t, persona, "POST", "/api/v1/advisories/import?name=x.json", body)
			if rec.Code != want {
				t.Errorf("%s: status %d, want %d: %s", persona, rec.Code, want, rec.Body)
			}
		}
		if rec := env.As(t, apptest.Coordinator, "POST", "/api/v1/advisories/import?name=x.json", body); rec.Code != http.StatusOK {
			t.Errorf("coordinator: status %d: %s", rec.Code, rec.Body)
		}
	})
}
