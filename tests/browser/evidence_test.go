package browser

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/cli"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/page"
)

// TestEvidenceCustody: an investigator adds an item through the form,
// hands it to a colleague who confirms in their own browser, the
// colleague exports the case, and the bundle verifies offline with the CLI.
func TestEvidenceCustody(t *testing.T) {
	needChromium(t)
	s := newSite(t)
	dir := artefacts(t)
	s.user(t, "dieutra1@cert.gov.vn", auth.RoleInvestigator)
	s.user(t, "dieutra2@cert.gov.vn", auth.RoleInvestigator)
	caseID := s.evidenceCase(t, "dieutra1@cert.gov.vn", "dieutra2@cert.gov.vn")

	file := filepath.Join(t.TempDir(), "nhat-ky-may-chu.log")
	if err := os.WriteFile(file, []byte("Jan  2 03:04:05 web01 sshd[811]: Accepted password for root from 198.51.100.7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := newTab(t, s.url, dir)
	enrolCoordinator(t, a, "dieutra1@cert.gov.vn")
	a.open("/evidence/cases/" + caseID)
	a.shoot("evidence-case-empty")
	a.submit("#add-item")
	a.do("describe the item",
		chromedp.SendKeys(chromedp.ID("f-description"), "Nhật ký SSH của máy chủ web01"),
		chromedp.SendKeys(chromedp.ID("f-source_device"), "web01"),
		chromedp.SendKeys(chromedp.ID("f-collected_by"), "Trần Văn Bình"),
		chromedp.SendKeys(chromedp.ID("f-method"), "Sao chép tệp nhật ký"),
		chromedp.SendKeys(chromedp.ID("f-tool"), "scp"),
		chromedp.SendKeys(chromedp.ID("f-legal_basis"), "Quyết định 15/QĐ-CERT"),
		chromedp.SendKeys(chromedp.ID("f-seal_number"), "NP-2026-001"),
		chromedp.SetUploadFiles(chromedp.ID("f-content"), []string{file}))
	a.shoot("evidence-add-form")
	if code := a.submit("#add"); code != 200 {
		t.Fatalf("add: status %d", code)
	}
	if !strings.HasPrefix(a.path(), "/evidence/items/") {
		t.Fatalf("after adding: at %s", a.path())
	}
	itemPath := a.path()
	if got := a.text("#holder"); got != "dieutra1@cert.gov.vn" {
		t.Errorf("custodian %q", got)
	}

	a.do("hand over", chromedp.SetValue(chromedp.ID("f-to-tr"), s.userID(t, "dieutra2@cert.gov.vn")),
		chromedp.SendKeys(chromedp.ID("f-reason-tr"), "Chuyển để phân tích pháp y"))
	a.submit("#transfer")
	if a.count("#pending li") != 1 {
		t.Fatal("no pending hand-over shown to the sender")
	}
	a.shoot("evidence-transfer-pending")

	b := newTab(t, s.url, dir)
	enrolCoordinator(t, b, "dieutra2@cert.gov.vn")
	b.open(itemPath)
	b.submit("#confirm")
	if got := b.text("#holder"); got != "dieutra2@cert.gov.vn" {
		t.Fatalf("custodian after confirmation %q", got)
	}
	if n := b.count(`#timeline li[data-kind="transferred"]`); n != 1 {
		t.Errorf("%d transferred events in the timeline, want 1", n)
	}
	b.shoot("evidence-item-timeline")
	b.open(itemPath + "/custody-form")
	b.shoot("evidence-custody-form")

	b.open("/evidence/cases/" + caseID)
	b.do("fill the export form", chromedp.SendKeys(chromedp.ID("f-to-export"), "Viện Kiểm sát nhân dân tỉnh"),
		chromedp.SendKeys(chromedp.ID("f-reason-export"), "Chuyển hồ sơ vụ án"))
	b.shoot("evidence-case-export")
	bundle := b.exportBundle()
	name := filepath.Join(dir, "evidence-bundle.tar")
	if err := os.WriteFile(name, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := cli.Run(t.Context(), []string{"evidence", "verify", name}, func(string) string { return "" },
		strings.NewReader(""), &out, &errOut); code != 0 || !strings.Contains(out.String(), "bundle OK") {
		t.Fatalf("khien evidence verify: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	t.Logf("verify: %s", out.String())
}

// exportBundle submits the case page's export form with fetch, as the
// button would, and returns the bytes of the bundle.
func (b *tab) exportBundle() []byte {
	b.t.Helper()
	const js = `(async () => {
		const f = document.querySelector('#export-form');
		const r = await fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f))});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (const x of bytes) s += String.fromCharCode(x);
		return r.status + ' ' + r.headers.get('Content-Type') + ' ' + btoa(s);
	})()`
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shoot("failed-export")
		b.t.Fatalf("export the bundle: %v", err)
	}
	parts := strings.SplitN(got, " ", 3)
	if len(parts) != 3 || parts[0] != "200" || parts[1] != "application/x-tar" {
		b.t.Fatalf("export answered %.200s", got)
	}
	data, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

// evidenceCase opens a case of organisation A and assigns the users to it
// as investigators, as an administrator would.
func (s *site) evidenceCase(t *testing.T, emails ...string) string {
	t.Helper()
	c, err := s.app.Evidence.OpenCase(t.Context(), auth.System(), evidence.Case{OrgID: s.orgA.ID, Reference: "VN-2026-0042",
		Title: "Xâm nhập máy chủ web của Sở"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if _, err := s.app.Evidence.Assign(t.Context(), auth.System(), c.ID, s.userID(t, e), evidence.CaseInvestigator); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID
}

func (s *site) userID(t *testing.T, email string) string {
	t.Helper()
	res, err := s.app.Auth.ListUsers(t.Context(), auth.System(), auth.UserFilter{Query: email}, page.Request{Limit: 10})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("user %s: %v (%d found)", email, err, len(res.Items))
	}
	return res.Items[0].ID
}
