package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// seedAdvisories writes a few advisories matching the demo inventory: the
// platform's own (published weeks ago, so its items are overdue and weigh
// as compliance debt), one imported KEV entry, one imported CSAF advisory,
// and a draft; then works some action items into other states and records
// a month of daily debt snapshots for the trend.
func seedAdvisories(ctx context.Context, d Deps, users map[string]string) error {
	if d.Advisory == nil {
		return nil
	}
	sys := auth.System()
	now := time.Now().UTC()
	past := d.Advisory.WithClock(func() time.Time { return now.AddDate(0, 0, -40) })
	apache := advisory.Record{Advisory: advisory.Advisory{
		Title: "Apache HTTP Server: request smuggling and memory exhaustion", TitleVI: "Apache HTTP Server: lỗi chèn yêu cầu và cạn kiệt bộ nhớ",
		Summary: "Versions before 2.4.58 mishandle HTTP/2 streams.", SummaryVI: "Các phiên bản trước 2.4.58 xử lý sai luồng HTTP/2.",
		Action: "Upgrade to 2.4.58 or later.", ActionVI: "Nâng cấp lên 2.4.58 hoặc mới hơn.",
		CVEs: []string{"CVE-2023-45802", "CVE-2023-43622"}, TLP: tlp.Clear,
		Scores:   []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}},
		Products: []advisory.Product{{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "2.4.0", LowerInclusive: true, Upper: "2.4.58"}}}},
	}}
	r, err := past.Create(ctx, sys, apache)
	if err != nil {
		return fmt.Errorf("demo advisory: %w", err)
	}
	if _, _, err := past.Publish(ctx, sys, r.ID); err != nil {
		return fmt.Errorf("demo publish: %w", err)
	}
	imported := []advisory.Advisory{{
		Source: advisory.SourceKEV, SourceID: "CVE-2022-27925", Publisher: "CISA", Revision: "2022-08-11", Status: "final",
		Title: "Synacor Zimbra Collaboration Suite mboximport arbitrary file upload", TLP: tlp.Clear, Severity: advisory.SeverityHigh,
		Action: "Apply updates per vendor instructions.", CVEs: []string{"CVE-2022-27925"}, KnownExploited: true,
		KEVDueDate: time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC),
		Products:   []advisory.Product{{CPE: "cpe:2.3:a:zimbra:collaboration:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "8.8.0", LowerInclusive: true, Upper: "8.8.16"}}}},
	}, {
		Source: advisory.SourceCSAF, SourceID: "DEMO-NGINX-2024-001", Publisher: "nginx (demo)", Revision: "1.0.0", Status: "final",
		Title: "nginx HTTP/3 QUIC vulnerabilities", TitleVI: "Lỗ hổng HTTP/3 QUIC trong nginx", TLP: tlp.Green,
		CVEs: []string{"CVE-2024-24989", "CVE-2024-24990"}, Scores: []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}},
		Products: []advisory.Product{{CPE: "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "1.25.0", LowerInclusive: true, Upper: "1.25.4"}}, Versions: []string{"1.24.0"}}},
	}}
	if _, err := past.Import(ctx, sys, imported); err != nil {
		return fmt.Errorf("demo import: %w", err)
	}
	draft := advisory.Record{Advisory: advisory.Advisory{Title: "WordPress core: stored XSS", TitleVI: "WordPress: lỗi XSS lưu trữ",
		TLP: tlp.Amber, Products: []advisory.Product{{CPE: "cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Upper: "6.4.3"}}}},
		Scores: []advisory.Score{{Vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"}}}}
	if _, err := d.Advisory.Create(ctx, sys, draft); err != nil {
		return fmt.Errorf("demo draft: %w", err)
	}
	// The KEV catalogue as a feed, not pulled on a schedule (a demo runs
	// offline): "Pull now" on the feeds page fetches it.
	if _, err := d.Advisory.CreateFeed(ctx, sys, advisory.Feed{Name: "CISA KEV", Kind: "kev",
		URL: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"}); err != nil {
		return fmt.Errorf("demo advisory feed: %w", err)
	}
	// Work a few items: the bank acknowledged, Đà Nẵng is remediating.
	res, err := d.Advisory.ListActions(ctx, sys, advisory.ActionFilter{}, page.Request{Limit: 100})
	if err != nil {
		return err
	}
	for i, it := range res.Items {
		var steps []advisory.Action
		switch i % 3 {
		case 1:
			steps = []advisory.Action{advisory.ActAcknowledge}
		case 2:
			steps = []advisory.Action{advisory.ActAcknowledge, advisory.ActStart}
		}
		for _, st := range steps {
			if _, err := past.Act(ctx, sys, it.ID, st, advisory.ActInput{}); err != nil {
				return fmt.Errorf("demo action %s: %w", st, err)
			}
		}
	}
	// A month of daily snapshots: the debt grew as the items fell overdue.
	for day := 30; day >= 0; day-- {
		at := now.AddDate(0, 0, -day)
		if _, err := d.Advisory.WithClock(func() time.Time { return at }).SnapshotDebt(ctx); err != nil {
			return fmt.Errorf("demo debt snapshot: %w", err)
		}
	}
	_ = users
	return nil
}
