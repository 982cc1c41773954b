package web_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
)

// TestAdvisoryFeedsPageRedactsCredentials: the feeds page shows a feed URL
// with credentials redacted.
func TestAdvisoryFeedsPageRedactsCredentials(t *testing.T) {
	e := newEnv(t)
	if _, err := e.app.Advisory.CreateFeed(t.Context(), auth.System(), advisory.Feed{Name: "Private CSAF", Kind: "csaf",
		URL: "https://feeduser:s3cr3t-Pa55@feeds.example/csaf/index.json", EveryMins: 60, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	e.user("c@cert.vn", "en", auth.RoleCoordinator)
	c := e.browser()
	c.enrol("c@cert.vn")
	p := c.get("/advisories/feeds")
	if body := p.main(); strings.Contains(body, "s3cr3t") || !strings.Contains(body, "https://feeduser:xxxxx@feeds.example/csaf/index.json") {
		t.Errorf("feeds page: %s", body)
	}
}
