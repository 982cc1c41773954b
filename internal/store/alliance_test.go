package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/alliance"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func allianceOrg(t *testing.T, db storetest.DB, slug string, kind org.Kind, province string) org.Org {
	t.Helper()
	o, err := db.CreateOrg(t.Context(), org.Org{Slug: slug, Name: slug, Kind: kind, Province: province}, entry("org.create"))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func allianceUser(t *testing.T, db storetest.DB, email string, role auth.Role, orgs ...string) auth.User {
	t.Helper()
	u, err := db.CreateUser(t.Context(), auth.System(), auth.User{Email: email, Name: email, Role: role, Language: "vi", Orgs: orgs}, "not-a-hash")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func profileOf(u auth.User, orgID string, skills ...string) alliance.Profile {
	p := alliance.Profile{UserID: u.ID, OrgID: orgID, Skills: skills, Clearance: tlp.Amber, Languages: []string{"vi"},
		Province: "Hà Nội", Capacity: 2, Active: true, Availability: alliance.Availability{Weekly: alliance.DefaultWeekly()},
		Certifications: []alliance.Certification{{Name: "GCFA", Issuer: "GIAC", Expires: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if err := p.Normalize(); err != nil {
		panic(err)
	}
	return p
}

// TestAllianceProfiles registers responders, refuses bad registrations
// without a trace, and reads profiles within scopes and filters.
func TestAllianceProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, sys := t.Context(), auth.System()
		memA := allianceOrg(t, db, "member-a", org.KindAllianceMember, "Hà Nội")
		memB := allianceOrg(t, db, "member-b", org.KindAllianceMember, "Đà Nẵng")
		victim := allianceOrg(t, db, "victim", org.KindEnterprise, "Đà Nẵng")
		r1 := allianceUser(t, db, "r1@a.example", auth.RoleResponder, memA.ID)
		r2 := allianceUser(t, db, "r2@b.example", auth.RoleResponder, memB.ID)
		analyst := allianceUser(t, db, "an@victim.example", auth.RoleConstituentAnalyst, victim.ID)

		un, err := db.UnregisteredResponders(ctx, all)
		if err != nil || len(un) != 2 || un[0].UserID != r1.ID || un[0].OrgName != "member-a" || un[1].UserID != r2.ID {
			t.Fatalf("unregistered = %+v, %v", un, err)
		}
		if un, _ := db.UnregisteredResponders(ctx, auth.Scope{Orgs: []string{memB.ID}}); len(un) != 1 || un[0].UserID != r2.ID {
			t.Fatalf("unregistered in B = %+v", un)
		}
		p1, err := db.SaveResponderProfile(ctx, sys, all, profileOf(r1, memA.ID, "forensics", "network"))
		if err != nil {
			t.Fatal(err)
		}
		if p1.Email != r1.Email || p1.OrgName != "member-a" || !slices.Equal(p1.Skills, []string{"forensics", "network"}) ||
			len(p1.Certifications) != 1 || !p1.Certifications[0].Expires.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) ||
			len(p1.Availability.Weekly) != 5 || p1.Clearance != tlp.Amber {
			t.Fatalf("saved = %+v", p1)
		}
		p2 := profileOf(r2, memB.ID, "malware-analysis")
		p2.Conflicts, p2.Province = []string{victim.ID}, "Đà Nẵng"
		if _, err := db.SaveResponderProfile(ctx, sys, all, p2); err != nil {
			t.Fatal(err)
		}

		before := auditSize(t, db)
		bad := []struct {
			name  string
			p     alliance.Profile
			s     auth.Scope
			field string
			code  string
		}{
			{"not a responder", profileOf(analyst, victim.ID), all, "org_id", "alliance.not_a_member_company"},
			{"analyst in member", profileOf(analyst, memA.ID), all, "user_id", "alliance.not_a_responder"},
			{"other company", profileOf(r1, memB.ID), all, "user_id", "alliance.not_in_org"},
			{"outside scope", profileOf(r1, memA.ID), auth.Scope{Orgs: []string{memB.ID}}, "org_id", "alliance.unknown_org"},
			{"unknown conflict", func() alliance.Profile { p := profileOf(r1, memA.ID); p.Conflicts = []string{"nope"}; return p }(), all, "conflicts", "alliance.unknown_org"},
		}
		for _, tc := range bad {
			_, err := db.SaveResponderProfile(ctx, sys, tc.s, tc.p)
			e, ok := err.(*errs.Error)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field || e.Fields[0].Code != tc.code {
				t.Errorf("%s: err = %v %+v", tc.name, err, e)
			}
		}
		if auditSize(t, db) != before {
			t.Error("refused registrations appended audit entries")
		}
		if got, _ := db.ResponderProfile(ctx, all, r1.ID); !slices.Equal(got.Skills, p1.Skills) {
			t.Errorf("a refused save changed the profile: %v", got.Skills)
		}

		// Update: a changed profile, audited with before and after.
		up := profileOf(r1, memA.ID, "cloud")
		up.Capacity, up.Active = 3, false
		got, err := db.SaveResponderProfile(ctx, sys, all, up)
		if err != nil || got.Capacity != 3 || got.Active || !slices.Equal(got.Skills, []string{"cloud"}) || !got.CreatedAt.Equal(p1.CreatedAt) {
			t.Fatalf("update = %+v, %v", got, err)
		}
		es, _ := db.AuditEntriesForTest(ctx)
		last := es[len(es)-1]
		if last.Action != "alliance.responder.update" || last.Before == "" || last.After == "" || last.Before == last.After {
			t.Errorf("last audit = %+v", last)
		}
		if _, err := db.SaveResponderProfile(ctx, sys, all, profileOf(r1, memA.ID, "forensics", "network")); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name string
			s    auth.Scope
			f    alliance.Filter
			want []string
		}{
			{"all", all, alliance.Filter{}, []string{r1.ID, r2.ID}},
			{"own company", auth.Scope{Orgs: []string{memA.ID}}, alliance.Filter{}, []string{r1.ID}},
			{"nothing", auth.Scope{}, alliance.Filter{}, nil},
			{"skill", all, alliance.Filter{Skill: "malware-analysis"}, []string{r2.ID}},
			{"province", all, alliance.Filter{Province: "Hà Nội"}, []string{r1.ID}},
			{"member", all, alliance.Filter{OrgID: memB.ID}, []string{r2.ID}},
		} {
			ps, err := db.ResponderProfiles(ctx, tc.s, tc.f, page.Request{Limit: 50, Sort: "name"})
			var ids []string
			for _, p := range ps.Items {
				ids = append(ids, p.UserID)
			}
			if err != nil || !slices.Equal(ids, tc.want) {
				t.Errorf("%s: %v, %v; want %v", tc.name, ids, err, tc.want)
			}
		}
		if _, err := db.ResponderProfile(ctx, auth.Scope{Orgs: []string{memB.ID}}, r1.ID); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("profile outside scope: %v", err)
		}
		if got, _ := db.ResponderProfile(ctx, all, r2.ID); !slices.Equal(got.Conflicts, []string{victim.ID}) {
			t.Errorf("conflicts = %v", got.Conflicts)
		}

		if un, _ := db.UnregisteredResponders(ctx, all); len(un) != 0 {
			t.Errorf("still unregistered: %+v", un)
		}
		mp, err := db.AllianceMembers(ctx, all, page.Request{Limit: 50, Sort: "name"})
		ms := mp.Items
		if err != nil || len(ms) != 2 || ms[0].Slug != "member-a" || ms[0].Responders != 1 || mp.Next != "" {
			t.Fatalf("members = %+v, %v", mp, err)
		}
		// One a page: both, in order, then no further page.
		pg1, err := db.AllianceMembers(ctx, all, page.Request{Limit: 1, Sort: "name"})
		if err != nil || len(pg1.Items) != 1 || pg1.Next == "" {
			t.Fatalf("first page = %+v, %v", pg1, err)
		}
		pg2, err := db.AllianceMembers(ctx, all, page.Request{Limit: 1, Sort: "name", Cursor: pg1.Next})
		if err != nil || len(pg2.Items) != 1 || pg2.Next != "" || pg2.Items[0].OrgID != ms[1].OrgID {
			t.Fatalf("second page = %+v, %v", pg2, err)
		}

		av := alliance.Availability{Weekly: []alliance.Slot{{Day: time.Sunday, Start: 0, End: 1440}},
			Unavailable: []alliance.Period{{From: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 27, 0, 0, 0, 0, time.UTC), Reason: "Giáng sinh"}}}
		if _, err := db.SetResponderAvailability(ctx, sys, auth.Scope{Orgs: []string{memB.ID}}, r1.ID, av); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("availability outside scope: %v", err)
		}
		got, err = db.SetResponderAvailability(ctx, sys, auth.Scope{Orgs: []string{memA.ID}}, r1.ID, av)
		if err != nil || len(got.Availability.Weekly) != 1 || len(got.Availability.Unavailable) != 1 ||
			got.Availability.Unavailable[0].Reason != "Giáng sinh" || !got.Availability.Unavailable[0].To.Equal(av.Unavailable[0].To) {
			t.Fatalf("availability = %+v, %v", got.Availability, err)
		}
	})
}
