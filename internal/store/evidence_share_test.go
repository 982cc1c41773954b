package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestEvidenceResponderScope: a Responder viewer sees an item only while it
// is live, shared, within its clearance and the viewer holds an un-revoked
// membership of the incident whose ID is the item's case; the same
// condition guards changes (a read's custody event) and the case list.
func TestEvidenceResponderScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		signer, _ := custodyKey(t)
		o := mustOrg(t, db, "bo-a", "Bộ A")
		rep := mustUser(t, db, "soc@a.vn", auth.RoleConstituentAdmin)
		inv := mustUser(t, db, "inv@cert.vn", auth.RoleInvestigator)
		resp := mustUser(t, db, "ir@member.vn", auth.RoleResponder)
		isvc, err := incident.New(incident.Deps{Store: db.DB})
		if err != nil {
			t.Fatal(err)
		}
		report := func(title string) incident.Incident {
			inc, err := isvc.Report(ctx, auth.Principal{UserID: rep.ID, Email: rep.Email, Role: rep.Role, Orgs: []string{o.ID}, Stage: auth.StageDone},
				incident.Report{OrgID: o.ID, Title: title, Description: "x", DetectedAt: db.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.OpenCase(ctx, evidence.Case{ID: inc.ID, OrgID: o.ID, Reference: inc.Reference, CreatedAt: db.Now()}, entry("evidence.case_open")); err != nil {
				t.Fatal(err)
			}
			return inc
		}
		one, two := report("Một"), report("Hai")
		now := db.Now()
		n := 0
		add := func(caseID string, level tlp.Level, shared bool, state evidence.State) evidence.Item {
			n++
			sum := fmt.Sprintf("%064x", n)
			it := evidence.Item{Metadata: evidence.Metadata{Name: "x", TLP: level, CollectedAt: now}, ID: fmt.Sprintf("0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e%02d", n),
				CaseID: caseID, OrgID: o.ID, Size: 1, SHA256: sum, SHA512: sum + sum, HolderID: inv.ID, Holder: inv.Email,
				State: evidence.StateHeld, CreatedAt: now, UpdatedAt: now}
			ev := nextEvent(t, signer, it, nil, custody.Collected, now)
			it.LastSeq, it.LastHash = ev.Seq, ev.Hash
			if _, err := db.AddEvidence(ctx, it, []custody.Event{ev}, nil); err != nil {
				t.Fatal(err)
			}
			if shared || state != evidence.StateHeld {
				next := it
				next.Shared, next.State = shared, state
				e2 := nextEvent(t, signer, it, &ev, custody.Shared, now)
				next.LastSeq, next.LastHash = e2.Seq, e2.Hash
				got, err := db.ApplyCustody(ctx, evidence.Viewer{System: true}, evidence.Change{Item: next, PrevSeq: it.LastSeq, Events: []custody.Event{e2}})
				if err != nil || got.Shared != shared {
					t.Fatalf("ApplyCustody: %+v %v", got, err)
				}
				return got
			}
			return it
		}
		shared := add(one.ID, tlp.Amber, true, evidence.StateHeld)
		unshared := add(one.ID, tlp.Green, false, evidence.StateHeld)
		red := add(one.ID, tlp.Red, true, evidence.StateHeld)
		gone := add(one.ID, tlp.Green, true, evidence.StateDestroyed)
		otherInc := add(two.ID, tlp.Green, true, evidence.StateHeld)

		v := evidence.Viewer{UserID: resp.ID, Orgs: auth.Scope{All: true}, Clearance: tlp.Amber, Responder: true}
		sees := func(when string, want ...evidence.Item) {
			t.Helper()
			for _, it := range []evidence.Item{shared, unshared, red, gone, otherInc} {
				_, err := db.GetEvidence(ctx, v, it.ID)
				expect := false
				for _, w := range want {
					expect = expect || w.ID == it.ID
				}
				if expect && err != nil || !expect && errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%s: item %s (tlp %s, shared %v, %s): %v, want seen=%v", when, it.ID, it.TLP, it.Shared, it.State, err, expect)
				}
			}
			if c, err := db.CountEvidence(ctx, v, one.ID); err != nil || c != len(want) {
				t.Errorf("%s: CountEvidence %d %v, want %d", when, c, err, len(want))
			}
			res, err := db.ListMyCases(ctx, v, page.Request{Sort: "assigned_at", Limit: 10})
			if err != nil || len(res.Items) != min(len(want), 1) {
				t.Fatalf("%s: ListMyCases %+v %v", when, res.Items, err)
			}
			if len(want) > 0 && (res.Items[0].ID != one.ID || res.Items[0].Role != evidence.CaseResponder || res.Items[0].Items != len(want)) {
				t.Errorf("%s: case %+v", when, res.Items[0])
			}
		}
		sees("before mobilisation")
		if err := db.GrantIncidentAccess(ctx, one.ID, resp.ID, "mobilised"); err != nil {
			t.Fatal(err)
		}
		sees("mobilised", shared)
		// The responder's read is a custody event under the same condition.
		last := custody.Event{Seq: shared.LastSeq, Hash: shared.LastHash}
		acc := nextEvent(t, signer, shared, &last, custody.Accessed, now)
		next := shared
		next.LastSeq, next.LastHash = acc.Seq, acc.Hash
		if _, err := db.ApplyCustody(ctx, v, evidence.Change{Item: next, PrevSeq: shared.LastSeq, Events: []custody.Event{acc}}); err != nil {
			t.Fatal(err)
		}
		if evs, err := db.CustodyEvents(ctx, v, shared.ID); err != nil || evs[len(evs)-1].Kind != custody.Accessed {
			t.Fatalf("custody after the responder's read: %v", err)
		}
		// A live assignment is no substitute: an investigator viewer without
		// one still sees nothing, and the Responder viewer never uses one.
		if _, err := db.GetEvidence(ctx, evidence.Viewer{UserID: resp.ID, Orgs: auth.Scope{All: true}, Clearance: tlp.Red}, shared.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Errorf("a non-responder viewer sees through the membership: %v", err)
		}
		if err := db.RevokeIncidentAccess(ctx, one.ID, resp.ID, "released"); err != nil {
			t.Fatal(err)
		}
		sees("released")
		last = custody.Event{Seq: next.LastSeq, Hash: next.LastHash}
		acc2 := nextEvent(t, signer, next, &last, custody.Accessed, now)
		after := next
		after.LastSeq, after.LastHash = acc2.Seq, acc2.Hash
		_, err = db.ApplyCustody(ctx, v, evidence.Change{Item: after, PrevSeq: next.LastSeq, Events: []custody.Event{acc2}})
		if errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("a released responder's read was recorded: %v", err)
		}
	})
}
