package vulnfeed

import (
	"slices"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
)

func TestParseCPE(t *testing.T) {
	for _, c := range []struct{ in, name, version string }{
		{"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*", "2.14.1"},
		{"cpe:2.3:o:fedoraproject:fedora:38:*:*:*:*:*:*:*", "cpe:2.3:o:fedoraproject:fedora:*:*:*:*:*:*:*:*", "38"},
		{"cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*", "cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*", ""},
		{"cpe:/a:microsoft:internet_explorer:8.0.6001:beta", "cpe:2.3:a:microsoft:internet_explorer:*:beta:*:*:*:*:*:*", "8.0.6001"},
		{"cpe:2.3:a:vendor:prod\\:uct:1.0\\+build:*:*:*:*:*:*:*", "cpe:2.3:a:vendor:prod\\:uct:*:*:*:*:*:*:*:*", "1.0+build"},
	} {
		got, err := ParseCPE(c.in)
		if err != nil || got.Name != c.name || got.Version != c.version {
			t.Errorf("%s: %+v %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "cpe:2.3:a", "cpe:2.3:a:v:p:1:*:*:*:*:*:*:*:extra", "cpe:2.3:x:v:p:*:*:*:*:*:*:*:*", "pkg:npm/x", "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*"} {
		if got, err := ParseCPE(bad); err == nil {
			t.Errorf("%q accepted: %+v", bad, got)
		}
	}
	for _, c := range []struct{ v, p, want string }{
		{"Microsoft", "Windows Server 2019", "cpe:2.3:a:microsoft:windows_server_2019:*:*:*:*:*:*:*:*"},
		{"Apache Software Foundation", "Apache Log4j2", "cpe:2.3:a:apache_software_foundation:apache_log4j2:*:*:*:*:*:*:*:*"},
		{"n/a", "thing", ""},
		{"Acme", "Widget (Pro)", "cpe:2.3:a:acme:widget_\\(pro\\):*:*:*:*:*:*:*:*"},
	} {
		got := CPEFor(c.v, c.p)
		if got != c.want {
			t.Errorf("CPEFor(%q, %q) = %q, want %q", c.v, c.p, got, c.want)
		}
		if got != "" {
			if _, err := ParseCPE(got); err != nil {
				t.Errorf("CPEFor(%q, %q) does not parse: %v", c.v, c.p, err)
			}
		}
	}
}

func TestParsePURL(t *testing.T) {
	for _, c := range []struct{ in, name, typ, version string }{
		{"pkg:npm/%40angular/core@16.0.0", "pkg:npm/%40angular/core", "npm", "16.0.0"},
		{"pkg:pypi/Django@4.2?x=y#sub", "pkg:pypi/django", "pypi", "4.2"},
		{"pkg:rpm/redhat/openssl@1.1.1k-8.el8_6?arch=x86_64&epoch=1", "pkg:rpm/redhat/openssl", "rpm", "1:1.1.1k-8.el8_6"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core", "maven", "2.14.1"},
		{"pkg:golang/github.com/gin-gonic/gin", "pkg:golang/github.com/gin-gonic/gin", "golang", ""},
	} {
		got, err := ParsePURL(c.in)
		if err != nil || got.Name != c.name || got.Type != c.typ || got.Version != c.version {
			t.Errorf("%s: %+v %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "npm/x", "pkg:", "pkg:npm", "pkg:/x", "cpe:2.3:a:x:y"} {
		if got, err := ParsePURL(bad); err == nil {
			t.Errorf("%q accepted: %+v", bad, got)
		}
	}
}

func TestParseVers(t *testing.T) {
	for _, c := range []struct {
		in       string
		ranges   []advisory.Range
		versions []string
	}{
		{"vers:npm/>=1.0.0|<2.0.1", []advisory.Range{{Scheme: "semver", Lower: "1.0.0", LowerInclusive: true, Upper: "2.0.1"}}, nil},
		{"vers:generic/>=2.9|<=4.1", []advisory.Range{{Scheme: "cpe", Lower: "2.9", LowerInclusive: true, Upper: "4.1", UpperInclusive: true}}, nil},
		{"vers:pypi/<1.0|>=2.0|<2.5|3.0", []advisory.Range{{Scheme: "pep440", Upper: "1.0"}, {Scheme: "pep440", Lower: "2.0", LowerInclusive: true, Upper: "2.5"}}, []string{"3.0"}},
		{"vers:deb/>1:1.0-1", []advisory.Range{{Scheme: "deb", Lower: "1:1.0-1"}}, nil},
		{"vers:rpm/*", []advisory.Range{{Scheme: "rpm"}}, nil},
	} {
		rs, vs, err := ParseVers(c.in)
		if err != nil || !slices.Equal(rs, c.ranges) || !slices.Equal(vs, c.versions) {
			t.Errorf("%s: %+v %v %v", c.in, rs, vs, err)
		}
	}
	for _, bad := range []string{"<1.0", "vers:", "vers:npm/", "vers:unknownthing/<1", "vers:npm/!=1.0", "vers:npm/>=|<2"} {
		if _, _, err := ParseVers(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseCVSS(t *testing.T) {
	for _, c := range []struct {
		in      string
		version string
		base    float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10.0},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "3.0", 8.8},
		{"AV:N/AC:M/Au:N/C:C/I:C/A:C", "2.0", 9.3},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3},
	} {
		s, err := ParseCVSS(c.in, "x")
		if err != nil || s.Version != c.version || s.Base != c.base {
			t.Errorf("%s: %+v %v", c.in, s, err)
		}
	}
	for _, bad := range []string{"", "CVSS:3.1/AV:N", "CVSS:9.9/AV:N", "garbage"} {
		if _, err := ParseCVSS(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if Severity(nil, "MODERATE") != advisory.SeverityMedium || Severity([]advisory.Score{{Base: 7.5}, {Base: 9.1}}, "") != advisory.SeverityCritical {
		t.Error("severity")
	}
}

func TestWildcardUpper(t *testing.T) {
	for in, want := range map[string]string{"5.15.*": "5.16", "6.*": "7", "1.2.3": "1.2.3"} {
		if got, _ := wildcardUpper(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
