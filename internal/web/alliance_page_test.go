package web_test

import (
	"fmt"
	"testing"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// TestAllianceMembersPaged: the alliance page shows one page of member
// companies with a link to the next, which shows the rest.
func TestAllianceMembersPaged(t *testing.T) {
	e := newEnv(t)
	n := page.DefaultLimit + 1
	for i := range n {
		if _, err := e.app.Org.CreateOrg(t.Context(), auth.System(), org.Org{Slug: fmt.Sprintf("thanh-vien-%02d", i),
			Name: fmt.Sprintf("Thành viên %02d", i), Kind: org.KindAllianceMember, Province: "Đà Nẵng"}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.browser()
	c.enrol(e.user("c@cert.vn", "vi", auth.RoleCoordinator).Email)
	p := c.get("/alliance")
	if got := len(p.all("#alliance-members tbody tr")); got != page.DefaultLimit {
		t.Fatalf("first page: %d members, want %d", got, page.DefaultLimit)
	}
	next := p.all(`nav.pager a[rel="next"]`)
	if len(next) != 1 {
		t.Fatalf("no link to the next page: %s", p.main())
	}
	var href string
	for _, a := range next[0].Attr {
		if a.Key == "href" {
			href = a.Val
		}
	}
	p = c.get(href)
	if got := len(p.all("#alliance-members tbody tr")); got != n-page.DefaultLimit {
		t.Errorf("second page: %d members, want %d (%s)", got, n-page.DefaultLimit, href)
	}
}
