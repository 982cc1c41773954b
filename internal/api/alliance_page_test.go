package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestAllianceListsPaged: members and responders come in keyset pages
// (limit, cursor), like the other lists, every row exactly once.
func TestAllianceListsPaged(t *testing.T) {
	env := apptest.New(t, firstEngine(t))
	ctx, pc := t.Context(), principal(env, coord)
	for i := range 5 {
		o, u, _ := allianceMember(t, env, fmt.Sprintf("page-member-%d", i), "Hà Nội")
		_, err := env.App.Alliance.SaveProfile(ctx, pc, allianceProfile(u, o.ID, "forensics"))
		must(t, err)
	}
	type list struct {
		Items []map[string]any `json:"items"`
		Next  string           `json:"next_cursor"`
	}
	for path, id := range map[string]string{"/api/v1/alliance/members": "org_id", "/api/v1/alliance/responders": "user_id"} {
		seen, pages, cursor := map[string]bool{}, 0, ""
		for {
			url := path + "?limit=2"
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			rec := env.As(t, coord, "GET", url, nil)
			apptest.Want(t, rec, http.StatusOK)
			l := apptest.JSON[list](t, rec)
			if len(l.Items) > 2 {
				t.Fatalf("%s: page of %d, limit 2", path, len(l.Items))
			}
			for _, it := range l.Items {
				k := fmt.Sprint(it[id])
				if seen[k] {
					t.Errorf("%s: %s twice", path, k)
				}
				seen[k] = true
			}
			pages++
			if cursor = l.Next; cursor == "" || pages > 10 {
				break
			}
		}
		if len(seen) != 5 || pages != 3 {
			t.Errorf("%s: %d rows in %d pages, want 5 in 3", path, len(seen), pages)
		}
	}
	apptest.Want(t, env.As(t, coord, "GET", "/api/v1/alliance/members?cursor=garbage", nil), http.StatusUnprocessableEntity)
}
