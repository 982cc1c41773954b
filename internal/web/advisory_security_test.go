package web_test

import (
	"net/http"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
)

// TestAdvisoryImportRefusedToConstituents: posting a file to the import
// form without advisory:manage is refused before anything is parsed (a
// document the importers cannot read used to be parsed and reported).
func TestAdvisoryImportRefusedToConstituents(t *testing.T) {
	e, _ := advisoryEnv(t)
	e.user("a@a.vn", "en", auth.RoleConstituentAdmin, e.orgA.ID)
	a := e.browser()
	a.login("a@a.vn")
	a.upload("/advisories/import", "file", "x.json", `{"document":{"category":"csaf_security_advisory"}}`, nil).
		wantStatus(http.StatusForbidden)
}

// TestRemediationEvidenceType: a web page as "evidence" is refused beside
// the file input, and the item stays where it was.
func TestRemediationEvidenceType(t *testing.T) {
	e, it := advisoryEnv(t)
	e.user("a@a.vn", "en", auth.RoleConstituentAdmin, e.orgA.ID)
	a := e.browser()
	a.login("a@a.vn")
	p := a.upload("/actions/"+it.ID+"/steps/remediate", "file", "fixed.html", "<html><script>alert(document.cookie)</script></html>", nil)
	p.wantStatus(http.StatusUnprocessableEntity)
	if !p.has(".field.invalid") {
		t.Errorf("no problem beside the file: %s", p.main())
	}
	if got := p.text("#action-state"); got == "Remediated" {
		t.Fatalf("the item moved on a refused file: %s", p.main())
	}
}
