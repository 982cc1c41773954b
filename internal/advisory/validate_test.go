package advisory

import (
	"errors"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

func TestValidate(t *testing.T) {
	good := func() Record {
		return Record{Advisory: Advisory{Title: " nginx ", TLP: tlp.Clear, CVEs: []string{"cve-2024-3094", "CVE-2024-3094"},
			Scores:   []Score{{Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}},
			Products: []Product{{CPE: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", Ranges: []Range{{Scheme: SchemeCPE, Upper: "1.25.3"}}}, {PURL: "pkg:npm/lodash"}}}}
	}
	r := good()
	if err := Validate(&r, nil); err != nil {
		t.Fatalf("good record: %v", err)
	}
	if r.Title != "nginx" || len(r.CVEs) != 1 || r.CVEs[0] != "CVE-2024-3094" || r.Scores[0].Base != 9.3 || r.Severity != SeverityCritical || r.Scores[0].Version != "4.0" {
		t.Errorf("normalised %+v", r.Advisory)
	}
	cases := []struct {
		name  string
		edit  func(*Record)
		field string
	}{
		{"no title", func(r *Record) { r.Title = " " }, "title"},
		{"bad TLP", func(r *Record) { r.TLP = 0 }, "tlp"},
		{"bad CVE", func(r *Record) { r.CVEs = []string{"CVE-24-1"} }, "cves[0]"},
		{"bad vector", func(r *Record) { r.Scores[0].Vector = "CVSS:3.1/AV:N/AC:L" }, "scores[0].vector"},
		{"CVSS 2 vector", func(r *Record) { r.Scores[0].Vector = "AV:N/AC:L/Au:N/C:P/I:P/A:P" }, "scores[0].vector"},
		{"CPE 2.2", func(r *Record) { r.Products[0].CPE = "cpe:/a:f5:nginx" }, "products[0].cpe"},
		{"CPE without product", func(r *Record) { r.Products[0].CPE = "cpe:2.3:a:f5:*:*:*:*:*:*:*:*:*" }, "products[0].cpe"},
		{"bad purl", func(r *Record) { r.Products[1].PURL = "npm/lodash" }, "products[1].purl"},
		{"neither", func(r *Record) { r.Products[1].PURL = "" }, "products[1].cpe"},
		{"bad scheme", func(r *Record) { r.Products[0].Ranges[0].Scheme = "calver" }, "products[0].ranges[0].scheme"},
		{"empty range", func(r *Record) { r.Products[0].Ranges[0].Upper = "" }, "products[0].ranges[0]"},
		{"bad profile", func(r *Record) { r.DueProfile = "asap" }, "due_profile"},
	}
	for _, c := range cases {
		r := good()
		c.edit(&r)
		err := Validate(&r, nil)
		e, ok := errors.AsType[*errs.Error](err)
		if !ok || e.Kind != errs.KindInvalid {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		found := false
		for _, f := range e.Fields {
			found = found || f.Field == c.field
		}
		if !found {
			t.Errorf("%s: no problem on %s in %+v", c.name, c.field, e.Fields)
		}
	}
	// A version the scheme cannot compare.
	r = good()
	r.Products[0].Ranges[0].Upper = "1.x.y"
	check := func(scheme, v string) error {
		if strings.Contains(v, "x") {
			return errors.New("not a version")
		}
		return nil
	}
	if err := Validate(&r, check); err == nil || !strings.Contains(err.(*errs.Error).Fields[0].Field, "upper") {
		t.Errorf("bad version: %v", err)
	}
}

func FuzzCheckCPE(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:f5:nginx:1.24.0:*:*:*:*:*:*:*", "cpe:2.3:a:\\:x:y:*:*:*:*:*:*:*:*", "cpe:2.3:", "cpe:2.3:a:%01:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckCPE(s) // must not panic
	})
}

func FuzzCheckPURL(f *testing.F) {
	for _, s := range []string{"pkg:npm/lodash@4.17.21", "pkg:maven/org.apache.logging.log4j/log4j-core", "pkg:", "pkg:a/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = CheckPURL(s)
	})
}

func FuzzScoreVector(f *testing.F) {
	for _, s := range []string{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.1/", "CVSS:4.0/AV:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		base, _, err := ScoreVector(s)
		if err == nil && (base < 0 || base > 10) {
			t.Fatalf("%q scored %v", s, base)
		}
	})
}
