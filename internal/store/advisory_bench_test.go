package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
	"github.com/khien-cert/khien/internal/vuln"
)

// benchMatching seeds one organisation with a system of 1,000 inventory
// items and nAdv imported advisories, one in ten affecting an item.
func benchMatching(b *testing.B, nAdv int) (*advisory.Service, string, string) {
	b.Helper()
	e := storetest.Engines(b)[0]
	db := storetest.Open(b, e)
	ctx := b.Context()
	o, err := db.CreateOrg(ctx, org.Org{Slug: "bench", Name: "Bench", Kind: org.KindEnterprise}, entry("org.create"))
	if err != nil {
		b.Fatal(err)
	}
	sys, err := db.CreateSystem(ctx, all, org.System{OrgID: o.ID, Name: "S", Level: 4, Status: org.SystemOperating}, entry("system.create"))
	if err != nil {
		b.Fatal(err)
	}
	items := make([]org.Software, 1000)
	for i := range items {
		items[i] = org.Software{OrgID: o.ID, SystemID: sys.ID, CPE: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:1.%d.0:*:*:*:*:*:*:*", i, i, i%10),
			Vendor: fmt.Sprintf("vendor%d", i), Product: fmt.Sprintf("product%d", i), Version: fmt.Sprintf("1.%d.0", i%10)}
	}
	if _, err := db.AddSoftware(ctx, all, items, entry("software.import")); err != nil {
		b.Fatal(err)
	}
	svc := advisory.New(advisory.Deps{Store: db.DB, Matcher: vuln.Matcher{}})
	advs := make([]advisory.Advisory, nAdv)
	for i := range advs {
		p := i % 10000 // one in ten names an inventoried product
		advs[i] = advisory.Advisory{Source: advisory.SourceOSV, SourceID: fmt.Sprintf("BENCH-%d", i), Title: "bench", TLP: tlp.Clear,
			Severity: advisory.SeverityHigh, Products: []advisory.Product{{CPE: fmt.Sprintf("cpe:2.3:a:vendor%d:product%d:*:*:*:*:*:*:*:*", p, p),
				Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Upper: "1.5.0"}}}}}
	}
	start := time.Now()
	res, err := svc.Import(ctx, auth.System(), advs)
	if err != nil || res.Created != nAdv {
		b.Fatalf("import: %+v, %v", res.Created, err)
	}
	b.Logf("imported %d advisories (%d action items) in %v", nAdv, res.ActionItems, time.Since(start))
	one, err := svc.Create(ctx, auth.System(), advisory.Record{Advisory: advisory.Advisory{Title: "one", TLP: tlp.Clear,
		Products: []advisory.Product{{CPE: "cpe:2.3:a:vendor7:product7:*:*:*:*:*:*:*:*"}}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := svc.Publish(ctx, auth.System(), one.ID); err != nil {
		b.Fatal(err)
	}
	return svc, o.ID, one.ID
}

// BenchmarkMatchOrg re-matches a 1,000-item inventory against 5,000
// advisories after a change: inventory read, index match (the advisory index
// cached), and the diff against the stored action items.
func BenchmarkMatchOrg(b *testing.B) {
	svc, orgID, _ := benchMatching(b, 5000)
	for b.Loop() {
		if _, err := svc.MatchOrg(b.Context(), orgID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchOneAdvisory re-matches one changed advisory against every
// inventory (1,000 items).
func BenchmarkMatchOneAdvisory(b *testing.B) {
	svc, _, id := benchMatching(b, 5000)
	for b.Loop() {
		if _, err := svc.MatchAdvisories(b.Context(), []string{id}); err != nil {
			b.Fatal(err)
		}
	}
}
