package auth

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

func TestTokenSecretFormat(t *testing.T) {
	format := regexp.MustCompile(`^khn_[a-z2-7]{52}$`)
	a, b := newTokenSecret(), newTokenSecret()
	if !format.MatchString(a) || len(a) != tokenSecretLen {
		t.Errorf("secret %q (%d chars) has the wrong format", a, len(a))
	}
	if a == b {
		t.Error("two secrets are equal")
	}
	if h := hashSecret(a); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) || h == hashSecret(b) {
		t.Errorf("hash %q", h)
	}
}

func TestCheckToken(t *testing.T) {
	svc := newTestService(newFake())
	analyst := User{ID: "u1", Role: RoleConstituentAnalyst, Orgs: []string{"o1"}}
	admin := User{ID: "u2", Role: RoleAdministrator}
	self := Principal{UserID: "u1", Role: RoleConstituentAnalyst, Orgs: []string{"o1"}}
	for _, tc := range []struct {
		name  string
		p     Principal
		u     User
		n     NewToken
		perms []Permission
		field string // "" for success
		kind  errs.Kind
	}{
		{name: "all of the role", p: self, u: analyst, n: NewToken{Name: "ci"},
			perms: RolePermissions(RoleConstituentAnalyst)},
		{name: "subset, canonical order", p: self, u: analyst,
			n:     NewToken{Name: "ci", Permissions: []Permission{PermInventoryWrite, PermOrgRead, PermOrgRead}},
			perms: []Permission{PermOrgRead, PermInventoryWrite}},
		{name: "beyond the role", p: self, u: analyst,
			n: NewToken{Name: "ci", Permissions: []Permission{PermOrgRead, PermUserManage}}, field: "permissions", kind: errs.KindInvalid},
		{name: "no name", p: self, u: analyst, n: NewToken{Name: "  "}, field: "name", kind: errs.KindInvalid},
		{name: "foreign org", p: self, u: analyst, n: NewToken{Name: "ci", OrgID: "o2"}, field: "org_id", kind: errs.KindInvalid},
		{name: "own org", p: self, u: analyst, n: NewToken{Name: "ci", OrgID: "o1"},
			perms: RolePermissions(RoleConstituentAnalyst)},
		{name: "national role, any org", p: Principal{UserID: "u2", Role: RoleAdministrator}, u: admin,
			n: NewToken{Name: "ci", OrgID: "o9"}, perms: RolePermissions(RoleAdministrator)},
		{name: "expired", p: self, u: analyst, n: NewToken{Name: "ci", ExpiresAt: time.Now().Add(-time.Minute)},
			field: "expires_at", kind: errs.KindInvalid},
		{name: "token cannot widen itself", u: analyst,
			p: Principal{UserID: "u1", Role: RoleConstituentAnalyst, Orgs: []string{"o1"}, TokenID: "t1", TokenPerm: []Permission{PermOrgRead}},
			n: NewToken{Name: "ci"}, kind: errs.KindForbidden},
		{name: "token within itself", u: analyst,
			p:     Principal{UserID: "u1", Role: RoleConstituentAnalyst, Orgs: []string{"o1"}, TokenID: "t1", TokenPerm: []Permission{PermOrgRead}},
			n:     NewToken{Name: "ci", Permissions: []Permission{PermOrgRead}},
			perms: []Permission{PermOrgRead}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := svc.checkToken(tc.p, tc.u, tc.n)
			if tc.kind != errs.KindInternal || tc.field != "" {
				e, ok := err.(*errs.Error)
				if !ok || e.Kind != tc.kind || (tc.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tc.field)) {
					t.Fatalf("checkToken err = %#v, want %s on %q", err, tc.kind, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tok.Permissions, tc.perms) {
				t.Errorf("permissions = %v, want %v", tok.Permissions, tc.perms)
			}
		})
	}
}

func TestTokenPrincipalIsBounded(t *testing.T) {
	// A token of a national role bound to one organisation acts on it alone.
	p := Principal{UserID: "u2", Role: RoleCoordinator, TokenID: "t", TokenPerm: []Permission{PermOrgRead}, TokenOrg: "o1"}
	if s := p.Scope(PermOrgRead); s.All || !slices.Equal(s.Orgs, []string{"o1"}) {
		t.Errorf("scope = %+v", s)
	}
	if p.Can(PermOrgUpdate) {
		t.Error("the token holds a permission it was not given")
	}
}
