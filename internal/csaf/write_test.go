package csaf

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

var testIssuer = Issuer{Name: "Khiên Test CERT", Namespace: "https://cert.example.vn", Contact: "ir@cert.example.vn", Engine: "test"}

func sampleAdvisory() advisory.Advisory {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	return advisory.Advisory{
		ID: "adv-1", Source: advisory.SourceKhien, SourceID: "KHIEN-2026-0001", Publisher: "Khiên Test CERT",
		Revision: "3", Status: advisory.StatusPublished, Title: "Remote code execution in Example Server",
		TitleVI: "Lỗ hổng thực thi mã từ xa trong Example Server", Summary: "A crafted request runs code.",
		SummaryVI: "Một yêu cầu được tạo đặc biệt có thể thực thi mã.", Action: "Upgrade to 2.4.1.",
		ActionVI: "Nâng cấp lên 2.4.1.", CVEs: []string{"CVE-2026-1234", "CVE-2026-5678"},
		Scores: []advisory.Score{
			{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Base: 9.8},
			{Version: "4.0", Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Base: 9.3},
		},
		Severity: advisory.SeverityCritical, TLP: tlp.Clear,
		Products: []advisory.Product{
			{CPE: "cpe:2.3:a:example:server:*:*:*:*:*:*:*:*", Name: "Example Server",
				Ranges: []advisory.Range{{Scheme: advisory.SchemeCPE, Lower: "2.0", LowerInclusive: true, Upper: "2.4.1"}}, Fixed: []string{"2.4.1"}},
			{PURL: "pkg:npm/%40example/client", Name: "@example/client", Versions: []string{"1.2.3", "1.2.4"},
				Ranges: []advisory.Range{{Scheme: advisory.SchemeSemver, Upper: "1.0.0"}}},
			{PURL: "pkg:pypi/example-lib", Name: "example-lib"},
		},
		KnownExploited: true, KEVDueDate: t0.AddDate(0, 0, 14),
		References: []string{"https://example.com/advisory"},
		Published:  t0, Updated: t0.Add(48 * time.Hour),
	}
}

func TestWriteRoundTrip(t *testing.T) {
	a := sampleAdvisory()
	b, err := Write(a, testIssuer, "https://cert.example.vn/.well-known/csaf/white/2026/khien-2026-0001.json")
	if err != nil {
		t.Fatal(err)
	}
	got, notes, err := Read(b)
	if err != nil {
		t.Fatalf("own document rejected: %v\n%s", err, b)
	}
	if len(notes) > 0 {
		t.Errorf("notes on own document: %v", notes)
	}
	if got.SourceID != a.SourceID || got.Publisher != testIssuer.Name || got.Revision != "3" || got.Status != "final" || got.TLP != tlp.Clear {
		t.Errorf("identity lost: %+v", got)
	}
	if got.TitleVI != a.TitleVI || got.SummaryVI != a.SummaryVI || got.ActionVI != a.ActionVI || got.Summary != a.Summary || got.Action != a.Action+" (due 2026-03-15, CISA KEV)" {
		t.Errorf("texts lost: %q %q %q %q %q", got.TitleVI, got.SummaryVI, got.ActionVI, got.Summary, got.Action)
	}
	if !slices.Equal(got.CVEs, a.CVEs) || got.Severity != advisory.SeverityCritical {
		t.Errorf("CVEs %v severity %s", got.CVEs, got.Severity)
	}
	if len(got.Products) != 3 {
		t.Fatalf("products: %+v", got.Products)
	}
	p := got.Products[0]
	if p.CPE != a.Products[0].CPE || len(p.Ranges) != 1 || p.Ranges[0] != a.Products[0].Ranges[0] || !slices.Equal(p.Fixed, []string{"2.4.1"}) {
		t.Errorf("CPE product: %+v", p)
	}
	p = got.Products[1]
	if p.PURL != a.Products[1].PURL || !slices.Equal(p.Versions, a.Products[1].Versions) || len(p.Ranges) != 1 || p.Ranges[0] != a.Products[1].Ranges[0] {
		t.Errorf("purl product: %+v", p)
	}
	if p := got.Products[2]; p.PURL != "pkg:pypi/example-lib" || len(p.Ranges)+len(p.Versions) != 0 {
		t.Errorf("every-version product: %+v", p)
	}
}

// TestFirstLastAffected: first_affected and last_affected versions become
// open-ended ranges.
func TestFirstLastAffected(t *testing.T) {
	d, err := FromAdvisory(sampleAdvisory(), testIssuer, "")
	if err != nil {
		t.Fatal(err)
	}
	// CSAFPID-0004 and -0005 are @example/client 1.2.3 and 1.2.4.
	for i := range d.Vulnerabilities {
		s := d.Vulnerabilities[i].ProductStatus
		s.KnownAffected = slices.DeleteFunc(s.KnownAffected, func(id string) bool { return id == "CSAFPID-0004" || id == "CSAFPID-0005" })
		s.FirstAffected, s.LastAffected = []string{"CSAFPID-0004"}, []string{"CSAFPID-0005"}
	}
	if ps := Mandatory(d); len(ps) > 0 {
		t.Fatal(ps)
	}
	a, _ := Convert(d)
	p := a.Products[1]
	if !slices.Contains(p.Ranges, advisory.Range{Scheme: advisory.SchemeSemver, Lower: "1.2.3", LowerInclusive: true}) ||
		!slices.Contains(p.Ranges, advisory.Range{Scheme: advisory.SchemeSemver, Upper: "1.2.4", UpperInclusive: true}) || len(p.Versions) != 0 {
		t.Errorf("%+v", p)
	}
}

func TestWriteRejects(t *testing.T) {
	a := sampleAdvisory()
	a.Products = nil
	if _, err := Write(a, testIssuer, ""); err == nil || !strings.Contains(err.Error(), "no product") {
		t.Errorf("advisory without products: %v", err)
	}
	if _, err := Write(sampleAdvisory(), Issuer{Name: "x"}, ""); err == nil {
		t.Error("issuer without namespace accepted")
	}
}

func TestWriteVariants(t *testing.T) {
	for name, edit := range map[string]func(*advisory.Advisory){
		"no CVE":    func(a *advisory.Advisory) { a.CVEs = nil },
		"draft":     func(a *advisory.Advisory) { a.Status = advisory.StatusDraft; a.Revision = "" },
		"amber":     func(a *advisory.Advisory) { a.TLP = tlp.AmberStrict },
		"no scores": func(a *advisory.Advisory) { a.Scores = nil; a.Severity = advisory.SeverityNone },
		"cvss2": func(a *advisory.Advisory) {
			a.Scores = []advisory.Score{{Version: "2.0", Vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}
		},
		"no dates":     func(a *advisory.Advisory) { a.Published, a.Updated = time.Time{}, time.Time{} },
		"odd versions": func(a *advisory.Advisory) { a.Products[1].Versions = []string{"1.0 beta", "<2", "2:1.0-1"} },
		"only english": func(a *advisory.Advisory) { a.TitleVI, a.SummaryVI, a.ActionVI = "", "", "" },
		"deb and rpm": func(a *advisory.Advisory) {
			a.Products = []advisory.Product{{PURL: "pkg:deb/debian/openssl", Ranges: []advisory.Range{{Scheme: advisory.SchemeDeb, Upper: "1:3.0.11-1"}}}, {PURL: "pkg:rpm/redhat/openssl", Fixed: []string{"1:3.0.7-25.el9"}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := sampleAdvisory()
			edit(&a)
			b, err := Write(a, testIssuer, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := Read(b); err != nil {
				t.Fatal(err)
			}
		})
	}
}
