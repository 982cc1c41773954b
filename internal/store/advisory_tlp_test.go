package store_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// Notices leave the platform (e-mail to contacts, webhooks): the title of an
// advisory marked above AMBER never goes in one, neither in the matching
// run's digest nor on any rung of the escalation ladder.
func TestNoticesWithholdRestrictedTitles(t *testing.T) {
	for _, level := range []tlp.Level{tlp.AmberStrict, tlp.Red} {
		t.Run(level.String(), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db storetest.DB) {
				ctx, sys := t.Context(), auth.System()
				f := newAdvFixture(t, db)
				cert, err := db.CreateOrg(ctx, org.Org{Slug: "cert", Name: "CERT", Kind: org.KindCoordinator, Coordinating: true}, entry("org.create"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.CreateContact(ctx, all, org.Contact{OrgID: cert.ID, Name: "Duty", Role: org.ContactDuty, Email: "duty@cert.vn",
					Language: "vi", ConfirmedAt: *f.now}, entry("contact.create")); err != nil {
					t.Fatal(err)
				}
				// The open advisory opens items, then is re-marked in place.
				open := nginxAdvisory("Secret nginx exploit chain")
				open.TitleVI = "Chuỗi khai thác bí mật nginx"
				r, err := f.svc.Create(ctx, sys, open)
				if err != nil {
					t.Fatal(err)
				}
				// Matching indexes advisories up to AMBER only: publish at
				// CLEAR, then re-mark in place as an import can.
				if _, _, err := f.svc.Publish(ctx, sys, r.ID); err != nil {
					t.Fatal(err)
				}
				if err := db.AdvisoryTLPForTest(ctx, r.ID, level.String()); err != nil {
					t.Fatal(err)
				}
				items := listActions(t, f.svc, sys)
				if len(items) != 2 {
					t.Fatalf("items = %d, want 2", len(items))
				}
				*f.now = items[0].DueAt.Add(40 * advisory.Day)
				for range 3 {
					if _, err := f.svc.EscalateOverdue(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if n := countOutbox(t, db, "action.escalated"); n == 0 {
					t.Fatal("no escalation notice queued: the ladder must still climb, title-less")
				}
				texts, err := db.OutboxTextForTest(ctx, "action.escalated")
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range texts {
					if strings.Contains(s, "Secret nginx") || strings.Contains(s, "bí mật") {
						t.Errorf("escalation notice carries the %s title:\n%s", level, s)
					}
					if !strings.Contains(s, "/actions/") {
						t.Errorf("escalation notice without a link:\n%s", s)
					}
				}

			})
		})
	}
}
