package apptest_test

import (
	"net/http"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
)

// TestEnv checks the seed: every persona's token works and names its user.
func TestEnv(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		for _, name := range apptest.Personas {
			rec := env.As(t, name, "GET", "/api/v1/me", nil)
			apptest.Want(t, rec, http.StatusOK)
			me := apptest.JSON[struct {
				User auth.User `json:"user"`
			}](t, rec)
			if me.User.ID != env.Users[name].ID {
				t.Errorf("%s: /me is %q, want %q", name, me.User.ID, env.Users[name].ID)
			}
		}
		if env.AuditSize(t) == 0 {
			t.Error("the seed left no audit entries")
		}
	})
}
