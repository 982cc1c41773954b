package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
)

var sys = auth.System()

// newTestOrg creates an organisation and returns its ID.
func newTestOrg(t *testing.T, db storetest.DB, slug string) string {
	t.Helper()
	o, err := db.CreateOrg(t.Context(), org.Org{Slug: slug, Name: "Org " + slug, Kind: org.KindAgency},
		audit.New(sys, "org.create", "organisation", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func newTestUser(t *testing.T, db storetest.DB, email string, role auth.Role, orgs ...string) auth.User {
	t.Helper()
	u, err := db.CreateUser(t.Context(), sys, auth.User{Email: email, Name: "User " + email, Role: role,
		Language: "vi", Orgs: orgs}, "secret-hash-"+email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// auditLog returns the actions appended since mark (an earlier length) and
// the new length, and fails t if an entry mentions a secret.
func auditLog(t *testing.T, db storetest.DB, mark int, secrets ...string) ([]string, int) {
	t.Helper()
	es, err := db.AuditEntriesForTest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es[mark:] {
		actions = append(actions, e.Action)
		for _, s := range secrets {
			if strings.Contains(e.Detail+e.Before+e.After, s) {
				t.Errorf("audit entry %d (%s) mentions a secret: %s", e.Index, e.Action, e.Detail)
			}
		}
	}
	return actions, len(es)
}

func wantErr(t *testing.T, err error, kind errs.Kind, code, field string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("err = %v, want %s %s", err, kind, code)
	}
	if field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field) {
		t.Fatalf("err fields = %+v, want %s", e.Fields, field)
	}
}

// TestUserStore creates users, refuses a taken e-mail and an unknown
// organisation without leaving anything, and reads users within scopes.
func TestUserStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		o1, o2 := newTestOrg(t, db, "bo-a"), newTestOrg(t, db, "bo-b")
		_, mark := auditLog(t, db, 0)
		ana, err := db.CreateUser(ctx, sys, auth.User{Email: "ana@example.vn", Name: "Nguyễn Thị An", Role: auth.RoleResponder,
			Language: "vi", Orgs: []string{o1}}, "secret-hash-ana")
		if err != nil || ana.ID == "" || !slices.Equal(ana.Orgs, []string{o1}) || ana.CreatedAt.IsZero() {
			t.Fatalf("CreateUser = %+v, %v", ana, err)
		}
		_, err = db.CreateUser(ctx, sys, auth.User{Email: "ana@example.vn", Name: "Other", Role: auth.RoleLeadership, Language: "en"}, "x")
		wantErr(t, err, errs.KindConflict, "user.email_taken", "email")
		_, err = db.CreateUser(ctx, sys, auth.User{Email: "bo@example.vn", Name: "Bo", Role: auth.RoleResponder, Orgs: []string{"nope"}}, "x")
		wantErr(t, err, errs.KindInvalid, "user.unknown_org", "orgs")
		if _, err := db.AccountByEmail(ctx, "bo@example.vn"); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("a refused create left a user: %v", err)
		}
		actions, mark := auditLog(t, db, mark, "secret-hash")
		if !slices.Equal(actions, []string{"user.create", "user.membership_add"}) {
			t.Errorf("audit after creates = %v", actions)
		}

		acct, err := db.AccountByEmail(ctx, "ana@example.vn")
		if err != nil || acct.ID != ana.ID || acct.PasswordHash != "secret-hash-ana" || acct.PasswordChangedAt.IsZero() {
			t.Fatalf("AccountByEmail = %+v, %v", acct, err)
		}
		if got, err := db.Account(ctx, ana.ID); err != nil || got.Email != ana.Email {
			t.Fatalf("Account = %+v, %v", got, err)
		}

		for name, tc := range map[string]struct {
			s    auth.UserScope
			find bool
		}{
			"self":       {auth.UserScope{Self: ana.ID}, true},
			"someone":    {auth.UserScope{Self: "other"}, false},
			"member org": {auth.UserScope{Scope: auth.Scope{Orgs: []string{o1}}}, true},
			"other org":  {auth.UserScope{Scope: auth.Scope{Orgs: []string{o2}}}, false},
			"all":        {auth.UserScope{Scope: auth.Scope{All: true}}, true},
			"zero scope": {auth.UserScope{}, false},
		} {
			_, err := db.GetUser(ctx, tc.s, ana.ID)
			if tc.find != (err == nil) || (!tc.find && !errs.Is(err, errs.KindNotFound)) {
				t.Errorf("%s: GetUser err = %v, want found %v", name, err, tc.find)
			}
		}

	})
}

// TestMembershipStore adds and removes memberships and updates a user,
// checking each change's audit entries and digests.
func TestMembershipStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		o1, o2 := newTestOrg(t, db, "bo-a"), newTestOrg(t, db, "bo-b")
		ana := newTestUser(t, db, "ana@example.vn", auth.RoleResponder, o1)
		_, mark := auditLog(t, db, 0)
		var actions []string
		if err := db.AddMembership(ctx, sys, ana.ID, o2); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMembership(ctx, sys, ana.ID, o2); err != nil {
			t.Fatalf("adding an existing membership: %v", err)
		}
		if u, _ := db.GetUser(ctx, auth.UserScope{Self: ana.ID}, ana.ID); len(u.Orgs) != 2 {
			t.Errorf("orgs after add = %v", u.Orgs)
		}
		if err := db.RemoveMembership(ctx, sys, ana.ID, o2); err != nil {
			t.Fatal(err)
		}
		wantErr(t, db.RemoveMembership(ctx, sys, ana.ID, o2), errs.KindNotFound, "membership.not_found", "")
		actions, mark = auditLog(t, db, mark)
		if !slices.Equal(actions, []string{"user.membership_add", "user.membership_remove"}) {
			t.Errorf("audit after memberships = %v", actions)
		}

		after := ana
		after.Role, after.Orgs, after.Name = auth.RoleCoordinator, nil, "Nguyễn Thị Ân"
		up, err := db.UpdateUser(ctx, sys, ana, after, true)
		if err != nil || up.Role != auth.RoleCoordinator || len(up.Orgs) != 0 || !up.UpdatedAt.After(ana.UpdatedAt) {
			t.Fatalf("UpdateUser = %+v, %v", up, err)
		}
		actions, _ = auditLog(t, db, mark)
		if !slices.Equal(actions, []string{"user.update", "user.membership_remove"}) {
			t.Errorf("audit after update = %v", actions)
		}
		es, _ := db.AuditEntriesForTest(ctx)
		if e := es[mark]; e.Before != audit.Digest(ana) || e.After != audit.Digest(up) || e.TargetID != ana.ID {
			t.Errorf("update entry %+v: digests do not match the records", e)
		}
	})
}

func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		o1 := newTestOrg(t, db, "so-a")
		names := map[string]string{"c@x.vn": "Trần Văn Đức", "a@x.vn": "Lê Thị Hoa", "b@x.vn": "Phạm Minh"}
		for _, email := range []string{"c@x.vn", "a@x.vn", "b@x.vn"} {
			role, orgs := auth.RoleLeadership, []string(nil)
			if email != "c@x.vn" {
				role, orgs = auth.RoleConstituentAnalyst, []string{o1}
			}
			if _, err := db.CreateUser(ctx, sys, auth.User{Email: email, Name: names[email], Role: role, Language: "vi", Orgs: orgs}, "h"); err != nil {
				t.Fatal(err)
			}
		}
		all := auth.UserScope{Scope: auth.Scope{All: true}}
		list := func(s auth.UserScope, f auth.UserFilter, pr page.Request) []string {
			t.Helper()
			var out []string
			pr, err := pr.Normalize(auth.UserSorts)
			if err != nil {
				t.Fatal(err)
			}
			for {
				res, err := db.ListUsers(ctx, s, f, pr)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range res.Items {
					out = append(out, u.Email)
				}
				if res.Next == "" {
					return out
				}
				pr.Cursor = res.Next
			}
		}
		for name, tc := range map[string]struct {
			s    auth.UserScope
			f    auth.UserFilter
			pr   page.Request
			want []string
		}{
			"by email, pages of one": {all, auth.UserFilter{}, page.Request{Limit: 1}, []string{"a@x.vn", "b@x.vn", "c@x.vn"}},
			"newest first":           {all, auth.UserFilter{}, page.Request{Limit: 2, Sort: "created_at", Desc: true}, []string{"b@x.vn", "a@x.vn", "c@x.vn"}},
			"folded name":            {all, auth.UserFilter{Query: "duc"}, page.Request{}, []string{"c@x.vn"}},
			"name with diacritics":   {all, auth.UserFilter{Query: "THỊ HOA"}, page.Request{}, []string{"a@x.vn"}},
			"wildcards are literal":  {all, auth.UserFilter{Query: "%"}, page.Request{}, nil},
			"role":                   {all, auth.UserFilter{Role: auth.RoleLeadership}, page.Request{}, []string{"c@x.vn"}},
			"organisation":           {all, auth.UserFilter{OrgID: o1}, page.Request{}, []string{"a@x.vn", "b@x.vn"}},
			"org scope":              {auth.UserScope{Scope: auth.Scope{Orgs: []string{o1}}}, auth.UserFilter{}, page.Request{}, []string{"a@x.vn", "b@x.vn"}},
			"nothing":                {auth.UserScope{}, auth.UserFilter{}, page.Request{}, nil},
		} {
			if got := list(tc.s, tc.f, tc.pr); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", name, got, tc.want)
			}
		}
	})
}

// startTestSession starts a session for u under hash and reads it back.
func startTestSession(t *testing.T, db storetest.DB, u auth.User, hash string, now time.Time) auth.Session {
	t.Helper()
	p := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role}
	s := auth.Session{Hash: hash, UserID: u.ID, Remote: "192.0.2.1", UserAgent: "Firefox",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.StartSession(t.Context(), p, s, true); err != nil {
		t.Fatal(err)
	}
	got, err := db.Session(t.Context(), hash)
	if err != nil || got.ID == "" || got.UserID != u.ID || got.MFAPassed || !got.ExpiresAt.Equal(now.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	return got
}

// TestSessionStore starts, touches and ends sessions, and checks that a
// password change ends them all.
func TestSessionStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		u := newTestUser(t, db, "ana@example.vn", auth.RoleAdministrator)
		p := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role}
		now := time.Now().UTC()
		_, mark := auditLog(t, db, 0)
		s1 := startTestSession(t, db, u, "session-hash-1", now)
		if err := db.TouchSession(ctx, s1.ID, now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Session(ctx, "session-hash-1"); !got.ExpiresAt.Equal(now.Add(2 * time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("after touch: %+v", got)
		}
		startTestSession(t, db, u, "session-hash-2", now)
		if err := db.SetPasswordHash(ctx, p, u.ID, "new-secret-hash"); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"session-hash-1", "session-hash-2"} {
			if _, err := db.Session(ctx, h); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("session %s survived a password change: %v", h, err)
			}
		}
		if a, _ := db.Account(ctx, u.ID); a.PasswordHash != "new-secret-hash" {
			t.Errorf("hash = %q", a.PasswordHash)
		}
		s3 := startTestSession(t, db, u, "session-hash-3", now)
		if err := db.EndSession(ctx, p, s3.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Session(ctx, "session-hash-3"); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("ended session found: %v", err)
		}
		actions, _ := auditLog(t, db, mark, "session-hash", "secret-hash")
		want := []string{"auth.login", "auth.login", "user.password_change", "auth.login", "auth.logout"}
		if !slices.Equal(actions, want) {
			t.Errorf("audit = %v\nwant    %v", actions, want)
		}
	})
}

// TestSecondFactorStore enrols a TOTP secret and consumes steps and
// recovery codes, each at most once.
func TestSecondFactorStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		u := newTestUser(t, db, "ana@example.vn", auth.RoleAdministrator)
		p := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role}
		now := time.Now().UTC()
		_, mark := auditLog(t, db, 0)
		s1 := startTestSession(t, db, u, "session-hash-1", now)
		en := auth.Enrolment{UserID: u.ID, SessionID: s1.ID, Secret: "TOTPSECRETBASE32", Step: 100,
			RecoveryHashes: []string{"recovery-hash-1", "recovery-hash-2"}}
		if err := db.EnableTOTP(ctx, p, en); err != nil {
			t.Fatal(err)
		}
		a, _ := db.Account(ctx, u.ID)
		if !a.TOTPEnabled || a.TOTPSecret != en.Secret || a.TOTPLastStep != 100 {
			t.Errorf("after EnableTOTP: %+v", a)
		}
		if got, _ := db.Session(ctx, "session-hash-1"); !got.MFAPassed {
			t.Error("the enrolling session is not mfa_passed")
		}
		s2 := startTestSession(t, db, u, "session-hash-2", now)
		for _, tc := range []struct {
			name  string
			proof auth.MFAProof
			ok    bool
		}{
			{"replayed step", auth.MFAProof{UserID: u.ID, Step: 100}, false},
			{"next step", auth.MFAProof{UserID: u.ID, Step: 101}, true},
			{"same step again", auth.MFAProof{UserID: u.ID, Step: 101}, false},
			{"recovery", auth.MFAProof{UserID: u.ID, RecoveryHash: "recovery-hash-1"}, true},
			{"recovery again", auth.MFAProof{UserID: u.ID, RecoveryHash: "recovery-hash-1"}, false},
			{"unknown recovery", auth.MFAProof{UserID: u.ID, RecoveryHash: "nope"}, false},
		} {
			err := db.PassMFA(ctx, p, s2.ID, tc.proof)
			if tc.ok != (err == nil) || (!tc.ok && !errs.Is(err, errs.KindUnauthenticated)) {
				t.Errorf("%s: PassMFA = %v", tc.name, err)
			}
		}
		if got, _ := db.Session(ctx, "session-hash-2"); !got.MFAPassed {
			t.Error("PassMFA did not mark the session")
		}
		actions, _ := auditLog(t, db, mark, "session-hash", "recovery-hash", "TOTPSECRET", "secret-hash")
		want := []string{"auth.login", "auth.totp_enrol", "auth.login", "auth.mfa", "auth.mfa"}
		if !slices.Equal(actions, want) {
			t.Errorf("audit = %v\nwant    %v", actions, want)
		}
	})
}

func TestLoginFailureCounters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		u := newTestUser(t, db, "ana@example.vn", auth.RoleResponder, newTestOrg(t, db, "bo-a"))
		_, mark := auditLog(t, db, 0)
		lockAt := time.Now().Add(15 * time.Minute).UTC().Truncate(time.Microsecond)
		f := auth.Failure{UserID: u.ID, Email: u.Email, Reason: "bad_password", Count: true,
			Lock: func(failed, lockouts int) time.Time {
				if failed < 3 {
					return time.Time{}
				}
				return lockAt.Add(time.Duration(lockouts) * time.Hour)
			}}
		for i := range 3 {
			until, err := db.RecordLoginFailure(ctx, auth.Principal{UserID: u.ID, Email: u.Email}, f)
			if err != nil || (i < 2) != until.IsZero() {
				t.Fatalf("failure %d: until %v, %v", i, until, err)
			}
		}
		a, _ := db.Account(ctx, u.ID)
		if !a.LockedUntil.Equal(lockAt) || a.FailedLogins != 0 || a.Lockouts != 1 {
			t.Errorf("after lock: locked %v failed %d lockouts %d", a.LockedUntil, a.FailedLogins, a.Lockouts)
		}
		for range 3 {
			db.RecordLoginFailure(ctx, auth.Principal{UserID: u.ID}, f)
		}
		if a, _ = db.Account(ctx, u.ID); !a.LockedUntil.Equal(lockAt.Add(time.Hour)) || a.Lockouts != 2 {
			t.Errorf("second lock: %v, lockouts %d", a.LockedUntil, a.Lockouts)
		}
		if _, err := db.RecordLoginFailure(ctx, auth.Principal{Email: "anonymous"},
			auth.Failure{Email: "nobody@example.vn", Reason: "unknown_user"}); err != nil {
			t.Fatal(err)
		}
		s := auth.Session{Hash: "h", UserID: u.ID, CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := db.StartSession(ctx, auth.Principal{UserID: u.ID}, s, true); err != nil {
			t.Fatal(err)
		}
		if a, _ = db.Account(ctx, u.ID); !a.LockedUntil.IsZero() || a.Lockouts != 0 || a.FailedLogins != 0 {
			t.Errorf("a log-in did not clear the counters: %+v", a)
		}
		actions, _ := auditLog(t, db, mark)
		if len(actions) != 8 || actions[6] != "auth.login_failed" || actions[7] != "auth.login" {
			t.Errorf("audit = %v", actions)
		}
		es, _ := db.AuditEntriesForTest(ctx)
		if d := es[mark+2].Detail; !strings.Contains(d, `"locked_until"`) || !strings.Contains(d, "ana@example.vn") || es[mark+2].After == "" {
			t.Errorf("lock entry detail %s", d)
		}
	})
}

func TestTokenStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		o1 := newTestOrg(t, db, "bo-a")
		u := newTestUser(t, db, "ana@example.vn", auth.RoleConstituentAdmin, o1)
		other := newTestUser(t, db, "bo@example.vn", auth.RoleLeadership)
		p := auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Orgs: u.Orgs}
		_, mark := auditLog(t, db, 0)
		exp := time.Now().Add(24 * time.Hour).UTC()
		tok, err := db.CreateToken(ctx, p, auth.Token{UserID: u.ID, Name: "ci", OrgID: o1,
			Permissions: []auth.Permission{auth.PermOrgRead, auth.PermSystemWrite}, ExpiresAt: exp}, "token-hash-1")
		if err != nil || tok.ID == "" || !tok.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || len(tok.Permissions) != 2 {
			t.Fatalf("CreateToken = %+v, %v", tok, err)
		}
		_, err = db.CreateToken(ctx, p, auth.Token{UserID: u.ID, Name: "x", OrgID: "nope", Permissions: []auth.Permission{}}, "token-hash-2")
		wantErr(t, err, errs.KindInvalid, "token.bad_org", "org_id")
		_, err = db.CreateToken(ctx, p, auth.Token{UserID: u.ID, Name: "dup", Permissions: []auth.Permission{}}, "token-hash-1")
		if !errs.Is(err, errs.KindConflict) {
			t.Errorf("a repeated secret hash: %v", err)
		}

		got, err := db.TokenByHash(ctx, "token-hash-1")
		if err != nil || got.ID != tok.ID || got.OrgID != o1 || !slices.Equal(got.Permissions, tok.Permissions) {
			t.Fatalf("TokenByHash = %+v, %v", got, err)
		}
		if _, err := db.TokenByHash(ctx, "unknown"); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("unknown hash: %v", err)
		}
		if _, err := db.GetToken(ctx, auth.UserScope{Self: other.ID}, tok.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("another user's token: %v", err)
		}
		if _, err := db.GetToken(ctx, auth.UserScope{Scope: auth.Scope{Orgs: []string{o1}}}, tok.ID); err != nil {
			t.Errorf("token in an org scope: %v", err)
		}
		if ts, err := db.ListTokens(ctx, auth.UserScope{Self: u.ID}, u.ID); err != nil || len(ts) != 1 {
			t.Errorf("ListTokens = %v, %v", ts, err)
		}
		if ts, err := db.ListTokens(ctx, auth.UserScope{Self: other.ID}, u.ID); err != nil || len(ts) != 0 {
			t.Errorf("ListTokens out of scope = %v, %v", ts, err)
		}
		used := time.Now().UTC()
		if err := db.TouchToken(ctx, tok.ID, used); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, p, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, p, tok.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = db.TokenByHash(ctx, "token-hash-1")
		if got.RevokedAt.IsZero() || !got.LastUsedAt.Equal(used.Truncate(time.Microsecond)) {
			t.Errorf("after touch and revoke: %+v", got)
		}
		actions, _ := auditLog(t, db, mark, "token-hash")
		if !slices.Equal(actions, []string{"token.create", "token.revoke"}) {
			t.Errorf("audit = %v", actions)
		}
	})
}
