package evidence_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/incident"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func errOf[T any](_ T, err error) error { return err }

func errOf3[T, U any](_ T, _ U, err error) error { return err }

// shareEnv adds to env an incident of the case's organisation, a case
// opened with the incident's ID (as the incident page does), and a
// responder of a member company.
func shareEnv(t *testing.T, e *env) (caseID string, resp auth.Principal) {
	t.Helper()
	ctx := t.Context()
	rep, err := e.db.CreateUser(ctx, auth.System(), auth.User{Email: "soc@bo-a.vn", Name: "soc", Role: auth.RoleConstituentAdmin,
		Language: "vi", Orgs: []string{e.org.ID}}, "not-a-hash")
	if err != nil {
		t.Fatal(err)
	}
	isvc, err := incident.New(incident.Deps{Store: e.db.DB})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := isvc.Report(ctx, auth.Principal{UserID: rep.ID, Email: rep.Email, Role: rep.Role, Orgs: []string{e.org.ID}},
		incident.Report{OrgID: e.org.ID, Title: "Mã độc tống tiền", Description: "x", DetectedAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.OpenCase(ctx, auth.System(), evidence.Case{ID: inc.ID, OrgID: inc.OrgID, Reference: inc.Reference, Title: inc.Title})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"inv", "coord"} {
		role := evidence.CaseInvestigator
		if who == "coord" {
			role = evidence.CaseCoordinator
		}
		if _, err := e.svc.Assign(ctx, auth.System(), c.ID, e.p[who].UserID, role); err != nil {
			t.Fatal(err)
		}
	}
	u, err := e.db.CreateUser(ctx, auth.System(), auth.User{Email: "ir@member.vn", Name: "ir", Role: auth.RoleResponder,
		Language: "vi"}, "not-a-hash")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Remote: "198.51.100.4"}
}

func kinds(evs []custody.Event) []custody.Kind {
	out := make([]custody.Kind, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// TestResponderSeesShared: a responder sees exactly the shared live items
// of a case whose incident they are actively mobilised to, within their TLP
// clearance, read-only; reads are custody events; everything else is 404.
func TestResponderSeesShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		caseID, resp := shareEnv(t, e)
		add := func(who string, content string, level tlp.Level) evidence.Item {
			md := meta("log.txt")
			md.TLP = level
			it, err := e.svc.Add(ctx, e.p[who], caseID, md, evidence.Note{Reason: "thu thập"}, bytes.NewReader([]byte(content)))
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		shared := add("inv", "shared content", tlp.Amber)
		kept := add("inv", "not shared", tlp.Green)
		red := add("inv", "red content", tlp.Red)
		why := evidence.Note{Reason: "cho đội ứng cứu"}

		// Only the holder or a coordinator of the case shares.
		_, err := e.svc.Share(ctx, e.p["inv2"], shared.ID, true, why)
		wantErr(t, err, errs.KindNotFound, "") // inv2 is not on this case
		_, err = e.svc.Share(ctx, resp, shared.ID, true, why)
		wantErr(t, err, errs.KindForbidden, "evidence.forbidden")
		_, err = e.svc.Share(ctx, e.p["inv"], shared.ID, true, evidence.Note{})
		wantErr(t, err, errs.KindInvalid, "")
		it, err := e.svc.Share(ctx, e.p["inv"], shared.ID, true, why)
		if err != nil || !it.Shared {
			t.Fatalf("holder shares: %+v %v", it, err)
		}
		_, err = e.svc.Share(ctx, e.p["inv"], shared.ID, true, why)
		wantErr(t, err, errs.KindConflict, "evidence.already_shared")
		if it, err := e.svc.Share(ctx, e.p["coord"], red.ID, true, why); err != nil || !it.Shared { // a coordinator, not the holder
			t.Fatalf("coordinator shares: %v", err)
		}

		// Before mobilisation: nothing.
		wantErr(t, errOf3(e.svc.Get(ctx, resp, shared.ID, evidence.Note{})), errs.KindNotFound, "")
		wantErr(t, errOf(e.svc.List(ctx, resp, caseID)), errs.KindNotFound, "")
		if res, err := e.svc.MyCases(ctx, resp, page.Request{}); err != nil || len(res.Items) != 0 {
			t.Fatalf("cases before mobilisation: %+v %v", res.Items, err)
		}

		if err := e.db.GrantIncidentAccess(ctx, caseID, resp.UserID, "mobilised"); err != nil {
			t.Fatal(err)
		}
		items, err := e.svc.List(ctx, resp, caseID)
		if err != nil || len(items) != 1 || items[0].ID != shared.ID {
			t.Fatalf("responder lists %+v %v, want only the shared AMBER item", items, err)
		}
		if res, err := e.svc.MyCases(ctx, resp, page.Request{}); err != nil || len(res.Items) != 1 ||
			res.Items[0].ID != caseID || res.Items[0].Role != evidence.CaseResponder || res.Items[0].Items != 1 {
			t.Fatalf("responder's cases: %+v %v", res.Items, err)
		}
		if c, err := e.svc.Case(ctx, resp, caseID); err != nil || c.ID != caseID {
			t.Fatalf("responder's case: %v", err)
		}
		got, evs, err := e.svc.Get(ctx, resp, shared.ID, evidence.Note{})
		if err != nil || got.ID != shared.ID {
			t.Fatalf("responder opens shared item: %v", err)
		}
		if last := evs[len(evs)-1]; last.Kind != custody.Accessed || last.ActorID != resp.UserID {
			t.Fatalf("opening is not recorded: %+v", last)
		}
		rc, _, err := e.svc.Download(ctx, resp, shared.ID, evidence.Note{Reason: "phân tích"})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(rc); err != nil || string(b) != "shared content" {
			t.Fatalf("download: %q %v", b, err)
		}
		rc.Close()
		_, evs, _ = e.svc.Get(ctx, e.p["inv"], shared.ID, evidence.Note{})
		if k := evs[len(evs)-2]; k.Kind != custody.Downloaded || k.ActorID != resp.UserID {
			t.Fatalf("download is not recorded: %+v", k)
		}
		// Unshared, above clearance, or any change: no.
		wantErr(t, errOf3(e.svc.Get(ctx, resp, kept.ID, evidence.Note{})), errs.KindNotFound, "")
		wantErr(t, errOf3(e.svc.Get(ctx, resp, red.ID, evidence.Note{})), errs.KindNotFound, "")
		_, err = e.svc.Record(ctx, resp, shared.ID, custody.Analysed, evidence.Note{Reason: "x"})
		wantErr(t, err, errs.KindForbidden, "")
		_, err = e.svc.RequestTransfer(ctx, resp, shared.ID, e.p["inv"].UserID, evidence.Note{Reason: "x"})
		wantErr(t, err, errs.KindForbidden, "")
		_, err = e.svc.Export(ctx, resp, caseID, nil, evidence.Note{Reason: "x", To: "y"}, io.Discard)
		wantErr(t, err, errs.KindForbidden, "")
		_, err = e.svc.Add(ctx, resp, caseID, meta("x"), evidence.Note{Reason: "x"}, bytes.NewReader([]byte("x")))
		wantErr(t, err, errs.KindForbidden, "")
		// The responder's own cases list nothing else.
		if _, err := e.svc.Case(ctx, resp, e.caseID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("responder sees another case: %v", err)
		}

		// Unsharing ends it at once.
		if _, err := e.svc.Share(ctx, e.p["coord"], shared.ID, false, why); err != nil {
			t.Fatal(err)
		}
		wantErr(t, errOf3(e.svc.Get(ctx, resp, shared.ID, evidence.Note{})), errs.KindNotFound, "")
		wantErr(t, errOf(e.svc.List(ctx, resp, caseID)), errs.KindNotFound, "")
		if _, err := e.svc.Share(ctx, e.p["inv"], shared.ID, true, why); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Get(ctx, resp, shared.ID, evidence.Note{}); err != nil {
			t.Fatalf("shared again: %v", err)
		}
		// So does the release.
		if err := e.db.RevokeIncidentAccess(ctx, caseID, resp.UserID, "released"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, errOf3(e.svc.Get(ctx, resp, shared.ID, evidence.Note{})), errs.KindNotFound, "")
		wantErr(t, errOf(e.svc.List(ctx, resp, caseID)), errs.KindNotFound, "")
		if res, err := e.svc.MyCases(ctx, resp, page.Request{}); err != nil || len(res.Items) != 0 {
			t.Fatalf("cases after release: %+v %v", res.Items, err)
		}

		// The whole log, with its share events, checks and exports into a
		// bundle the offline verifier accepts.
		_, evs, err = e.svc.Get(ctx, e.p["inv"], shared.ID, evidence.Note{})
		if err != nil {
			t.Fatal(err)
		}
		want := []custody.Kind{custody.Collected, custody.Received, custody.Shared, custody.Accessed, custody.Downloaded,
			custody.Accessed, custody.Unshared, custody.Shared, custody.Accessed, custody.Accessed}
		if g := kinds(evs); len(g) != len(want) {
			t.Fatalf("log %v, want %v", g, want)
		} else {
			for i := range g {
				if g[i] != want[i] {
					t.Fatalf("log %v, want %v", g, want)
				}
			}
		}
		var buf bytes.Buffer
		if _, err := e.svc.Export(ctx, e.p["coord"], caseID, []string{shared.ID}, evidence.Note{Reason: "chuyển", To: "Viện KSND"}, &buf); err != nil {
			t.Fatal(err)
		}
		if rep := bundle.Verify(bytes.NewReader(buf.Bytes()), bundle.Options{Key: e.svc.PublicKey()}); !rep.OK() || rep.Items != 1 {
			t.Fatalf("bundle with share events does not verify: %+v", rep)
		}
	})
}
