package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/apptest"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/tlp"
)

// principal is a seeded persona as the services see it.
func principal(env *apptest.Env, persona string) auth.Principal {
	u := env.Users[persona]
	return auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role, Orgs: u.Orgs}
}

// evidenceCaseB opens organisation B's case, with the investigator and the
// coordinator assigned to it (both idempotent).
func evidenceCaseB(t *testing.T, env *apptest.Env) evidence.Case {
	t.Helper()
	ctx := t.Context()
	c, err := env.App.Evidence.OpenCase(ctx, auth.System(), evidence.Case{ID: "case-b", OrgID: env.OrgB.ID, Reference: "B-1"})
	must(t, err)
	for persona, role := range map[string]evidence.CaseRole{invest: evidence.CaseInvestigator, coord: evidence.CaseCoordinator} {
		_, err := env.App.Evidence.Assign(ctx, auth.System(), c.ID, env.Users[persona].ID, role)
		must(t, err)
	}
	return c
}

var sampleMeta = evidence.Metadata{Name: "disk.img", CollectedBy: "Nguyễn Văn A", LegalBasis: "Lệnh 12/2026", TLP: tlp.Amber}

// evidenceItemB adds an item to organisation B's case, held by the investigator.
func evidenceItemB(t *testing.T, env *apptest.Env) evidence.Item {
	t.Helper()
	c := evidenceCaseB(t, env)
	m := sampleMeta
	m.CollectedAt = time.Now().Add(-time.Hour)
	it, err := env.App.Evidence.Add(t.Context(), principal(env, invest), c.ID, m, evidence.Note{}, strings.NewReader("content of B"))
	must(t, err)
	return it
}

// evidenceFixtures are the tenant fixtures of the evidence routes.
var evidenceFixtures = map[string]func(t *testing.T, env *apptest.Env) vars{
	"evidence_case": func(t *testing.T, env *apptest.Env) vars { return vars{"id": evidenceCaseB(t, env).ID} },
	"evidence_assignment": func(t *testing.T, env *apptest.Env) vars {
		return vars{"id": evidenceCaseB(t, env).ID, "user": env.Users[coord].ID}
	},
	"evidence_item": func(t *testing.T, env *apptest.Env) vars { return vars{"id": evidenceItemB(t, env).ID} },
	"evidence_upload": func(t *testing.T, env *apptest.Env) vars {
		m := sampleMeta
		m.CollectedAt = time.Now().Add(-time.Hour)
		u, err := env.App.Evidence.StartUpload(t.Context(), principal(env, invest), evidenceCaseB(t, env).ID, m, evidence.Note{}, 10)
		must(t, err)
		return vars{"id": u.ID}
	},
	"evidence_transfer": func(t *testing.T, env *apptest.Env) vars {
		it := evidenceItemB(t, env)
		tr, err := env.App.Evidence.RequestTransfer(t.Context(), principal(env, invest), it.ID, env.Users[coord].ID,
			evidence.Note{Reason: "analysis"})
		must(t, err)
		return vars{"id": tr.ID}
	},
}

const content = "a disk image, in short"

func itemPath(extra string) string {
	q := url.Values{"name": {"disk.img"}, "collected_by": {"Nguyễn Văn A"}, "collected_at": {"2026-01-02T03:04:05Z"},
		"legal_basis": {"Lệnh khám xét 12/2026"}, "tlp": {"AMBER"}, "source_device": {"Laptop HP"}, "tool": {"dd"}}
	return "/api/v1/evidence/cases/{case}/items?" + q.Encode() + extra
}

func raw(s string) apptest.Raw {
	return apptest.Raw{ContentType: "application/octet-stream", Body: []byte(s)}
}

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// bodyIs wants the answer's body to be exactly s.
func bodyIs(s string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if rec.Body.String() != s {
			t.Errorf("body %q, want %q", rec.Body, s)
		}
	}
}

// custodyKinds wants the custody timeline of an item record to be kinds.
func custodyKinds(kinds ...string) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		var got []string
		for _, e := range apptest.JSON[struct {
			Custody []struct{ Kind string } `json:"custody"`
		}](t, rec).Custody {
			got = append(got, e.Kind)
		}
		if strings.Join(got, ",") != strings.Join(kinds, ",") {
			t.Errorf("custody %v, want %v", got, kinds)
		}
	}
}

// verifies wants the answer to be a bundle that verifies offline.
func verifies(items int) checkFn {
	return func(t *testing.T, rec *httptest.ResponseRecorder, _ vars) {
		t.Helper()
		if ct := rec.Header().Get("Content-Type"); ct != "application/x-tar" {
			t.Errorf("content type %q", ct)
		}
		rep := bundle.Verify(bytes.NewReader(rec.Body.Bytes()), bundle.Options{})
		if !rep.OK() || rep.Items != items {
			t.Errorf("bundle: ok=%v items=%d, want %d: %v", rep.OK(), rep.Items, items, rep.Problems)
		}
	}
}

func TestEvidence(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		v := baseVars(env)
		v["case"] = "case-a"
		const cases = "/api/v1/evidence/cases"
		item, tr := "/api/v1/evidence/items/{item}", "/api/v1/evidence/transfers/{tr}"
		run(t, env, v, []scenario{
			{name: "analyst may not open a case", as: analystA, method: "POST", path: cases, body: map[string]any{"org_id": "{orgA}"},
				status: 403, code: "evidence.forbidden", same: true},
			{name: "coordinator opens a case", as: coord, method: "POST", path: cases, status: 201,
				body: map[string]any{"id": "case-a", "org_id": "{orgA}", "reference": "VN-1", "title": "Lừa đảo"}, check: field("id", "case-a")},
			{name: "again: the same case", as: coord, method: "POST", path: cases, status: 201,
				body: map[string]any{"id": "case-a", "org_id": "{orgA}", "reference": "VN-1"}, check: field("reference", "VN-1")},
			{name: "not yet assigned: 404", as: invest, method: "GET", path: cases + "/{case}/items", status: 404, same: true},
			{name: "admin assigns the investigator", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 201,
				body: map[string]any{"user_id": "{user.investigator}", "role": "investigator"}},
			{name: "a constituent admin cannot be assigned", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 422,
				body: map[string]any{"user_id": "{user.admin-a}", "role": "investigator"}, field: "user_id", same: true},
			{name: "the investigator reads the case", as: invest, method: "GET", path: cases + "/{case}", status: 200},
			{name: "the responder does not", as: resp, method: "GET", path: cases + "/{case}", status: 404, same: true},
			{name: "a wrong collector's hash stores nothing", as: invest, method: "POST", path: itemPath("&supplied_hash=sha256:" + sha("other")),
				body: raw(content), status: 422, field: "supplied_hash"},
			{name: "missing metadata", as: invest, method: "POST", path: "/api/v1/evidence/cases/{case}/items?tlp=AMBER",
				body: raw(content), status: 422, field: "legal_basis"},
			{name: "investigator adds an item", as: invest, method: "POST", path: itemPath("&supplied_hash=" + sha(content)),
				body: raw(content), status: 201, check: both(save("item"), field("sha256", sha(content)), field("holder", "investigator@example.vn"))},
			{name: "lists it", as: invest, method: "GET", path: cases + "/{case}/items", status: 200, check: count(1)},
			{name: "the administrator sees no evidence", as: admin, method: "GET", path: cases + "/{case}/items", status: 404, same: true},
			{name: "nor the unassigned coordinator", as: coord, method: "GET", path: item, status: 404, code: "evidence.not_found", same: true},
			{name: "opening it is a custody event", as: invest, method: "GET", path: item, status: 200,
				check: custodyKinds("collected", "received", "accessed")},
			{name: "a download needs a reason", as: invest, method: "GET", path: item + "/content", status: 422, field: "reason"},
			{name: "download", as: invest, method: "GET", path: item + "/content?reason=analysis", status: 200, check: bodyIs(content)},
			{name: "assign the coordinator", as: admin, method: "POST", path: cases + "/{case}/assignments", status: 201,
				body: map[string]any{"user_id": "{user.coordinator}", "role": "coordinator"}},
			{name: "only the custodian seals", as: coord, method: "POST", path: item + "/custody", status: 403, code: "evidence.not_holder",
				body: map[string]any{"kind": "sealed", "seal": "NB-1", "reason": "r"}},
			{name: "the custodian seals", as: invest, method: "POST", path: item + "/custody", status: 200,
				body: map[string]any{"kind": "sealed", "seal": "NB-1", "reason": "after imaging"}, check: field("seal", "NB-1")},
			{name: "bad kind", as: invest, method: "POST", path: item + "/custody", status: 422, field: "kind",
				body: map[string]any{"kind": "destroyed", "reason": "r"}},
			{name: "hand over to the coordinator", as: invest, method: "POST", path: item + "/transfers", status: 201,
				body: map[string]any{"to": "{user.coordinator}", "reason": "analysis"}, check: save("tr")},
			{name: "the sender cannot confirm", as: invest, method: "POST", path: tr + "/confirm", status: 403,
				body: map[string]any{}, code: "evidence.not_receiver"},
			{name: "the receiver confirms", as: coord, method: "POST", path: tr + "/confirm", status: 200,
				body: map[string]any{"reason": "received"}, check: field("holder", "coordinator@example.vn")},
			{name: "hand back", as: coord, method: "POST", path: item + "/transfers", status: 201,
				body: map[string]any{"to": "{user.investigator}", "reason": "back"}, check: save("tr")},
			{name: "declined", as: invest, method: "POST", path: tr + "/decline", status: 200,
				body: map[string]any{"reason": "not now"}, check: field("state", "declined")},
			{name: "the holder cannot leave the case", as: admin, method: "DELETE", path: cases + "/{case}/assignments/{user.coordinator}",
				status: 409, code: "evidence.still_holding"},
			{name: "export needs a recipient", as: coord, method: "POST", path: cases + "/{case}/export", status: 422, field: "to",
				body: map[string]any{"reason": "r"}},
			{name: "export", as: coord, method: "POST", path: cases + "/{case}/export", status: 200,
				body: map[string]any{"to": "Viện Kiểm sát", "reason": "prosecution"}, check: verifies(1)},
		})
	})
}

func TestEvidenceResumableUpload(t *testing.T) {
	env := apptest.New(t, firstEngine(t))
	_, err := env.App.Evidence.OpenCase(t.Context(), auth.System(), evidence.Case{ID: "case-a", OrgID: env.OrgA.ID})
	must(t, err)
	_, err = env.App.Evidence.Assign(t.Context(), auth.System(), "case-a", env.Users[invest].ID, evidence.CaseInvestigator)
	must(t, err)
	v := baseVars(env)
	up := "/api/v1/evidence/uploads/{up}"
	run(t, env, v, []scenario{
		{name: "start", as: invest, method: "POST", path: "/api/v1/evidence/cases/case-a/uploads", status: 201, check: save("up"),
			body: map[string]any{"size": len(content), "reason": "seized", "metadata": map[string]any{"name": "mem.raw",
				"collected_by": "A", "collected_at": "2026-01-02T03:04:05Z", "legal_basis": "L", "tlp": "GREEN",
				"supplied_hash": "sha256:" + sha(content)}}},
		{name: "first half", as: invest, method: "PUT", path: up + "?offset=0", body: raw(content[:10]), status: 200, check: field("received", 10)},
		{name: "status", as: invest, method: "GET", path: up, status: 200, check: field("received", 10)},
		{name: "another user sees nothing", as: coord, method: "GET", path: up, status: 404},
		{name: "wrong offset", as: invest, method: "PUT", path: up + "?offset=3", body: raw(content[3:]), status: 409},
		{name: "no offset", as: invest, method: "PUT", path: up, body: raw(content[10:]), status: 422, field: "offset"},
		{name: "the rest", as: invest, method: "PUT", path: up + "?offset=10", body: raw(content[10:]), status: 200,
			check: field("received", len(content))},
		{name: "commit", as: invest, method: "POST", path: up + "/commit", status: 201, check: both(field("sha256", sha(content)), save("item"))},
		{name: "download", as: invest, method: "GET", path: "/api/v1/evidence/items/{item}/content?reason=check", status: 200, check: bodyIs(content)},
	})
	if rec := env.As(t, invest, "GET", "/api/v1/evidence/cases/case-a/items", nil); rec.Code != http.StatusOK {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
}
