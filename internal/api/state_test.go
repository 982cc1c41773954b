package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// snapshot is everything a request could change, as the system sees it:
// the audit trail's size and root, and every registry list, user and token.
// Token use times are left out: authenticating a request may write them.
func snapshot(t *testing.T, env *apptest.Env) string {
	t.Helper()
	ctx, sys := t.Context(), auth.System()
	all := pageAll
	size, root, err := env.App.DB.AuditHead(ctx)
	must(t, err)
	s := struct {
		AuditSize int64
		AuditRoot string
		Orgs      page.Result[org.Org]
		Contacts  page.Result[org.Contact]
		Systems   page.Result[org.System]
		Resources page.Result[org.Resource]
		Software  page.Result[org.Software]
		Users     page.Result[auth.User]
		Tokens    map[string][]string
	}{AuditSize: size, AuditRoot: root, Tokens: map[string][]string{}}
	s.Orgs, err = env.App.Org.ListOrgs(ctx, sys, org.OrgFilter{}, all)
	must(t, err)
	s.Contacts, err = env.App.Org.ListContacts(ctx, sys, org.ContactFilter{}, all)
	must(t, err)
	s.Systems, err = env.App.Org.ListSystems(ctx, sys, org.SystemFilter{}, all)
	must(t, err)
	s.Resources, err = env.App.Org.ListResources(ctx, sys, org.ResourceFilter{}, all)
	must(t, err)
	s.Software, err = env.App.Org.ListSoftware(ctx, sys, org.SoftwareFilter{}, all)
	must(t, err)
	s.Users, err = env.App.Auth.ListUsers(ctx, sys, auth.UserFilter{}, all)
	must(t, err)
	for _, u := range s.Users.Items {
		ts, err := env.App.Auth.ListTokens(ctx, sys, u.ID)
		must(t, err)
		for _, tk := range ts {
			s.Tokens[u.ID] = append(s.Tokens[u.ID], fmt.Sprintf("%s %s %v revoked=%v", tk.ID, tk.Name, tk.Permissions, tk.RevokedAt))
		}
	}
	b, err := json.MarshalIndent(s, "", " ")
	must(t, err)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// unchanged fails t when the state differs from before.
func unchanged(t *testing.T, env *apptest.Env, before string) {
	t.Helper()
	if after := snapshot(t, env); after != before {
		t.Errorf("the request changed the state.\nbefore: %s\nafter: %s", before, after)
	}
}

// pageAll asks for the largest page.
var pageAll = page.Request{Limit: page.MaxLimit}
