package api_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/apptest"
)

// TestActionEvidenceType: remediation evidence is a document, a picture or
// a text (a log, a command's output); a web page, an SVG or a program is
// refused with a problem on the file, and nothing is kept.
func TestActionEvidenceType(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		it := actionIn(t, env, env.OrgA.ID)
		path := "/api/v1/actions/" + it.ID + "/evidence"
		files := func() int {
			n := 0
			filepath.WalkDir(filepath.Join(env.App.Config.DataDir, "action-files"), func(_ string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			return n
		}
		before := files()
		for name, body := range map[string]string{
			"html":                 "<!doctype html><html><script>alert(document.cookie)</script></html>",
			"html, BOM and spaces": "\ufeff \n <HTML><body onload=alert(1)>",
			"svg":                  `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
			"windows program":      "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
			"linux program":        "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		} {
			rec := env.As(t, adminA, "POST", path, apptest.Raw{ContentType: "application/octet-stream", Body: []byte(body)})
			apptest.Want(t, rec, http.StatusUnprocessableEntity)
			if p := apptest.Problem(t, rec); len(p.Fields) == 0 || p.Fields[0].Field != "file" {
				t.Errorf("%s: problem %+v, want field file", name, p)
			}
		}
		if n := files(); n != before {
			t.Fatalf("refused files were kept: %d files, had %d", n, before)
		}
		for name, body := range map[string]string{
			"text": "nginx -v: nginx version: nginx/1.26.2\n",
			"png":  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00",
			"pdf":  "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
			"jpeg": "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
			"zip":  "PK\x03\x04\x14\x00\x00\x00\x08\x00",
		} {
			rec := env.As(t, adminA, "POST", path, apptest.Raw{ContentType: "application/octet-stream", Body: []byte(body)})
			if rec.Code != http.StatusCreated {
				t.Errorf("%s: status %d, want 201: %s", name, rec.Code, rec.Body)
			}
		}
	})
}

// TestActionEvidenceBoundToItem: an item may name as its evidence only a
// file uploaded for it. Organisation B, knowing the hash of A's evidence,
// cannot make it B's item's evidence and so cannot download it; its own
// upload works.
func TestActionEvidenceBoundToItem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		itA, itB := actionIn(t, env, env.OrgA.ID), actionIn(t, env, env.OrgB.ID)
		up := func(who, id, body string) string {
			t.Helper()
			rec := env.As(t, who, "POST", "/api/v1/actions/"+id+"/evidence", apptest.Raw{ContentType: "application/octet-stream", Body: []byte(body)})
			apptest.Want(t, rec, http.StatusCreated)
			return apptest.JSON[struct {
				SHA256 string `json:"sha256"`
			}](t, rec).SHA256
		}
		secret := up(adminA, itA.ID, "A's firewall rules: permit 10.1.2.0/24 to core\n")
		if secret == "" {
			t.Fatal("upload answered no sha256")
		}
		move := func(who, id string, body map[string]any) *httptest.ResponseRecorder {
			return env.As(t, who, "POST", "/api/v1/actions/"+id+"/transitions", body)
		}
		apptest.Want(t, move(adminB, itB.ID, map[string]any{"action": "acknowledge"}), http.StatusOK)
		rec := move(adminB, itB.ID, map[string]any{"action": "remediate", "attachment": secret})
		apptest.Want(t, rec, http.StatusUnprocessableEntity)
		if p := apptest.Problem(t, rec); len(p.Fields) == 0 || p.Fields[0].Field != "attachment" {
			t.Errorf("problem %+v, want field attachment", p)
		}
		apptest.Want(t, env.As(t, adminB, "GET", "/api/v1/actions/"+itB.ID+"/evidence", nil), http.StatusNotFound)
		own := up(adminB, itB.ID, "B upgraded nginx to 1.26.2\n")
		apptest.Want(t, move(adminB, itB.ID, map[string]any{"action": "remediate", "attachment": own}), http.StatusOK)
		apptest.Want(t, env.As(t, adminB, "GET", "/api/v1/actions/"+itB.ID+"/evidence", nil), http.StatusOK)
	})
}
