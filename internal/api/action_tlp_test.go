package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestActionItemHidesAdvisoryAboveClearance: when the coordinators re-mark
// an advisory above a constituent's clearance (AMBER+STRICT, RED), the
// organisation's action items for it close, and neither the item nor the
// list nor the debt report shows the advisory's title any more; the
// coordinators still see it.
func TestActionItemHidesAdvisoryAboveClearance(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		it := actionIn(t, env, env.OrgA.ID)
		ctx, sys := t.Context(), auth.System()
		adv, err := env.App.Advisory.Get(ctx, sys, it.AdvisoryID)
		must(t, err)
		title := adv.Title
		if rec := env.As(t, adminA, "GET", "/api/v1/actions/"+it.ID, nil); !strings.Contains(rec.Body.String(), title) {
			t.Fatalf("the item does not show its advisory's title before: %s", rec.Body)
		}
		for _, level := range []tlp.Level{tlp.AmberStrict, tlp.Red} {
			in := adv
			in.TLP = level
			_, err = env.App.Advisory.Update(ctx, sys, adv.ID, in)
			must(t, err)
			for _, path := range []string{"/api/v1/actions/" + it.ID, "/api/v1/actions", "/api/v1/actions?state=no_longer_affected",
				"/api/v1/advisories/" + adv.ID} {
				rec := env.As(t, adminA, "GET", path, nil)
				if strings.Contains(rec.Body.String(), title) {
					t.Errorf("%s: %s: a constituent sees the title of an advisory above its clearance: %s", level, path, rec.Body)
				}
			}
			rec := env.As(t, apptest.Coordinator, "GET", "/api/v1/actions/"+it.ID, nil)
			apptest.Want(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), title) {
				t.Errorf("%s: the coordinator no longer sees the title: %s", level, rec.Body)
			}
		}
	})
}
