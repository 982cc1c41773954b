package org

import (
	"errors"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// checkInvalid fails unless err is a KindInvalid *errs.Error with a field
// problem of the given field and code whose message holds every hint.
func checkInvalid(t *testing.T, err error, field, code string, hints ...string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		t.Fatalf("err = %v (%T), want *errs.Error", err, err)
	}
	if e.Kind != errs.KindInvalid {
		t.Errorf("kind = %v, want invalid", e.Kind)
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code {
			for _, h := range hints {
				if !strings.Contains(f.Message, h) {
					t.Errorf("message %q does not mention %q", f.Message, h)
				}
			}
			return
		}
	}
	t.Errorf("fields = %+v, want field %q code %q", e.Fields, field, code)
}

func TestParseCIDR(t *testing.T) {
	tests := []struct {
		name, in, want string
		hint           string // for errors: part of the message
	}{
		{name: "ipv4", in: "203.0.113.0/24", want: "203.0.113.0/24"},
		{name: "host bits cleared", in: "10.1.2.3/8", want: "10.0.0.0/8"},
		{name: "bare ipv4", in: " 192.0.2.7 ", want: "192.0.2.7/32"},
		{name: "bare ipv6", in: "2001:db8::1", want: "2001:db8::1/128"},
		{name: "ipv6 upper case", in: "2001:DB8::/32", want: "2001:db8::/32"},
		{name: "default route", in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{name: "ipv6 default", in: "::/0", want: "::/0"},
		{name: "mapped prefix", in: "::ffff:10.0.0.0/104", want: "10.0.0.0/8"},
		{name: "mapped address", in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{name: "too long v4", in: "10.0.0.0/33", hint: "prefix length 33 is longer than 32 for IPv4"},
		{name: "too long v6", in: "2001:db8::/129", hint: "longer than 128 for IPv6"},
		{name: "mapped too short", in: "::ffff:0.0.0.0/95", hint: "shorter than /96"},
		{name: "zone", in: "fe80::1%eth0/64", hint: "zone"},
		{name: "garbage", in: "not-an-ip", hint: "not an IPv4 or IPv6 address"},
		{name: "empty", in: "  ", hint: "required"},
		{name: "bad bits", in: "10.0.0.0/x", hint: "not a whole number"},
		{name: "leading zero bits", in: "10.0.0.0/08", hint: "not a whole number"},
		{name: "negative bits", in: "10.0.0.0/-1", hint: "not a whole number"},
		{name: "two slashes", in: "10.0.0.0/8/8", hint: "not a whole number"},
		{name: "octal-looking address", in: "010.0.0.0/8", hint: "not an IPv4"},
		{name: "hostname", in: "example.vn/24", hint: "not an IPv4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCIDR(tt.in)
			if tt.want == "" {
				checkInvalid(t, err, "value", CodeBadCIDR, tt.hint)
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseCIDR(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		name, in, want string
		hint           string
	}{
		{name: "plain", in: "example.gov.vn", want: "example.gov.vn"},
		{name: "upper case and trailing dot", in: " Example.GOV.vn. ", want: "example.gov.vn"},
		{name: "vietnamese", in: "bộcôngan.vn", want: "xn--bcngan-jxa6332d.vn"},
		{name: "vietnamese upper case", in: "BỘCÔNGAN.VN", want: "xn--bcngan-jxa6332d.vn"},
		{name: "vietnamese decomposed", in: "bo\u0323\u0302co\u0302ngan.vn", want: "xn--bcngan-jxa6332d.vn"},
		{name: "a-label kept", in: "xn--bcngan-jxa6332d.vn", want: "xn--bcngan-jxa6332d.vn"},
		{name: "german", in: "müller.de", want: "xn--mller-kva.de"},
		{name: "digits and hyphen", in: "a-1.b2.vn", want: "a-1.b2.vn"},
		{name: "63-char label", in: strings.Repeat("a", 63) + ".vn", want: strings.Repeat("a", 63) + ".vn"},
		{name: "64-char label", in: strings.Repeat("a", 64) + ".vn", hint: "the limit is 63"},
		{name: "too long", in: strings.Repeat("abcdefghi.", 26) + "vn", hint: "the limit is 253"},
		{name: "single label", in: "localhost", hint: "single label"},
		{name: "ipv4", in: "192.0.2.1", hint: "IP address"},
		{name: "ipv6", in: "[2001:db8::1]", hint: "IP address"},
		{name: "numeric tld", in: "foo.123", hint: "all digits"},
		{name: "url", in: "https://example.vn", hint: "URL"},
		{name: "path", in: "example.vn/login", hint: "URL"},
		{name: "email", in: "soc@example.vn", hint: "e-mail"},
		{name: "wildcard", in: "*.example.vn", hint: "wildcard"},
		{name: "port", in: "example.vn:443", hint: "port"},
		{name: "leading hyphen", in: "-a.vn", hint: "hyphen"},
		{name: "trailing hyphen", in: "a-.vn", hint: "hyphen"},
		{name: "reserved hyphens", in: "ab--cd.vn", hint: "RFC 5891"},
		{name: "bad a-label", in: "xn--zz.vn", hint: "internationalised"},
		{name: "underscore", in: "_dmarc.example.vn", hint: "letters, digits and hyphens"},
		{name: "space", in: "ex ample.vn", hint: "letters, digits and hyphens"},
		{name: "empty label", in: "a..vn", hint: "empty label"},
		{name: "two trailing dots", in: "example.vn..", hint: "empty label"},
		{name: "empty", in: "", hint: "required"},
		{name: "invalid utf-8", in: "ex\xffample.vn", hint: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDomain(tt.in)
			if tt.want == "" {
				checkInvalid(t, err, "value", CodeBadDomain, tt.hint)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseASN(t *testing.T) {
	tests := []struct {
		name, in string
		want     uint32
		hint     string
	}{
		{name: "prefixed", in: "AS13335", want: 13335},
		{name: "lower case", in: "as13335", want: 13335},
		{name: "bare", in: " 13335 ", want: 13335},
		{name: "asdot", in: "1.10", want: 65546},
		{name: "asdot prefixed", in: "AS65535.65534", want: 4294967294},
		{name: "asdot reserved", in: "65535.65535", hint: "RFC 7300"},
		{name: "largest", in: "4294967294", want: 4294967294},
		{name: "vnnic", in: "AS7643", want: 7643},
		{name: "zero", in: "AS0", hint: "RFC 7607"},
		{name: "as_trans", in: "23456", hint: "AS_TRANS"},
		{name: "reserved last", in: "4294967295", hint: "RFC 7300"},
		{name: "too large", in: "4294967296", hint: "too large"},
		{name: "negative", in: "-1", hint: "negative"},
		{name: "negative prefixed", in: "AS-5", hint: "negative"},
		{name: "asdot too large", in: "65536.1", hint: "asdot"},
		{name: "asdot empty part", in: "1.", hint: "asdot"},
		{name: "letters", in: "ASabc", hint: "not an AS number"},
		{name: "plus sign", in: "+13335", hint: "not an AS number"},
		{name: "empty", in: "AS", hint: "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseASN(tt.in)
			if tt.want == 0 {
				checkInvalid(t, err, "value", CodeBadASN, tt.hint)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseASN(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCanonicalResource(t *testing.T) {
	tests := []struct {
		name      string
		typ       ResourceType
		in, want  string
		errField  string
		errorCode string
	}{
		{name: "cidr", typ: ResourceCIDR, in: "203.0.113.9/24", want: "203.0.113.0/24"},
		{name: "domain", typ: ResourceDomain, in: "WWW.Example.vn.", want: "www.example.vn"},
		{name: "asn asdot", typ: ResourceASN, in: "1.10", want: "AS65546"},
		{name: "asn", typ: ResourceASN, in: "as7552", want: "AS7552"},
		{name: "bad cidr", typ: ResourceCIDR, in: "10.0.0.0/33", errField: "value", errorCode: CodeBadCIDR},
		{name: "domain given as cidr", typ: ResourceDomain, in: "10.0.0.0/8", errField: "value", errorCode: CodeBadDomain},
		{name: "unknown type", typ: "url", in: "x", errField: "type", errorCode: CodeBadType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalResource(tt.typ, tt.in)
			if tt.errorCode != "" {
				checkInvalid(t, err, tt.errField, tt.errorCode)
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalResource(%s, %q) = %q, %v; want %q", tt.typ, tt.in, got, err, tt.want)
			}
			if again, err := CanonicalResource(tt.typ, got); err != nil || again != got {
				t.Errorf("canonical form %q re-parses to %q, %v", got, again, err)
			}
		})
	}
}

func TestParseCPE(t *testing.T) {
	tests := []struct {
		name, in                 string
		vendor, product, version string
		fs                       string // canonical 2.3 form; "" means the input
		hint                     string
	}{
		{name: "apache", in: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*",
			vendor: "apache", product: "http_server", version: "2.4.57"},
		{name: "upper case", in: "CPE:2.3:A:Apache:HTTP_Server:2.4.57:*:*:*:*:*:*:*",
			vendor: "apache", product: "http_server", version: "2.4.57", fs: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"},
		{name: "os with update", in: "cpe:2.3:o:microsoft:windows_10:1809:*:*:*:*:*:x64:*",
			vendor: "microsoft", product: "windows_10", version: "1809"},
		{name: "hardware", in: "cpe:2.3:h:cisco:asa_5505:-:*:*:*:*:*:*:*",
			vendor: "cisco", product: "asa_5505"},
		{name: "any version", in: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*",
			vendor: "openssl", product: "openssl"},
		{name: "quoted characters", in: `cpe:2.3:a:microsoft:.net_framework:4.8:*:*:*:*:*:*:*`,
			vendor: "microsoft", product: ".net_framework", version: "4.8"},
		{name: "quoted colon", in: `cpe:2.3:a:foo\:bar:baz\!:1.0:*:*:*:*:*:*:*`,
			vendor: "foo:bar", product: "baz!", version: "1.0"},
		{name: "cpe 2.2 uri", in: "cpe:/a:apache:http_server:2.4.57",
			vendor: "apache", product: "http_server", version: "2.4.57", fs: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"},
		{name: "cpe 2.2 na version", in: "cpe:/o:linux:linux_kernel:-",
			vendor: "linux", product: "linux_kernel", fs: "cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"},
		{name: "too few components", in: "cpe:2.3:a:apache:http_server", hint: "has 5 components"},
		{name: "too many components", in: "cpe:2.3:a:apache:http_server:1:*:*:*:*:*:*:*:*", hint: "has 14 components"},
		{name: "empty component", in: "cpe:2.3:a:apache::1:*:*:*:*:*:*:*", hint: "empty"},
		{name: "bad part", in: "cpe:2.3:x:apache:http_server:1:*:*:*:*:*:*:*", hint: "'a', 'o', 'h'"},
		{name: "any vendor", in: "cpe:2.3:a:*:http_server:1:*:*:*:*:*:*:*", hint: "vendor must be given"},
		{name: "wildcard version", in: "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", hint: `"2.4.*" has a wildcard`},
		{name: "wildcard product", in: "cpe:2.3:a:apache:http*:1:*:*:*:*:*:*:*", hint: "wildcard"},
		{name: "not a cpe", in: "apache httpd 2.4", hint: "starts with cpe:2.3:"},
		{name: "space", in: "cpe:2.3:a:apache:http server:1:*:*:*:*:*:*:*", hint: "printable ASCII"},
		{name: "bad percent", in: "cpe:/a:foo%", hint: "not a valid CPE name"},
		{name: "cpe 2.2 unescaped dollar", in: "cpe:/a:0:x$", hint: "2.2 name holds only"},
		{name: "trailing backslash", in: `cpe:2.3:a:foo:bar:1:*:*:*:*:*:*:x\`, hint: "not a valid CPE name"},
		{name: "empty", in: "", hint: "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCPE(tt.in)
			if tt.hint != "" {
				checkInvalid(t, err, "cpe", CodeBadCPE, tt.hint)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.vendor != tt.vendor || c.product != tt.product || c.version != tt.version {
				t.Errorf("got %q %q %q; want %q %q %q", c.vendor, c.product, c.version, tt.vendor, tt.product, tt.version)
			}
			if want := cmpOr(tt.fs, tt.in); c.fs != want {
				t.Errorf("fs = %q, want %q", c.fs, want)
			}
			v, p, ver, err := ParseCPE(tt.in)
			if err != nil || v != c.vendor || p != c.product || ver != c.version {
				t.Errorf("ParseCPE disagrees with parseCPE: %q %q %q %v", v, p, ver, err)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestParsePURL(t *testing.T) {
	tests := []struct {
		name, in                  string
		typ, ns, pkgName, version string
		hint                      string
	}{
		{name: "maven", in: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
			typ: "maven", ns: "org.apache.logging.log4j", pkgName: "log4j-core", version: "2.14.1"},
		{name: "npm scoped", in: "pkg:npm/%40angular/core@16.2.0",
			typ: "npm", ns: "@angular", pkgName: "core", version: "16.2.0"},
		{name: "pypi lower-cased", in: "pkg:pypi/Django@4.2.7", typ: "pypi", pkgName: "django", version: "4.2.7"},
		{name: "deb with qualifiers", in: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
			typ: "deb", ns: "debian", pkgName: "openssl", version: "3.0.11-1~deb12u2"},
		{name: "no version", in: "pkg:golang/golang.org/x/net", typ: "golang", ns: "golang.org/x", pkgName: "net"},
		{name: "not a purl", in: "log4j-core 2.14.1", hint: "not a valid package URL"},
		{name: "no name", in: "pkg:maven/", hint: "not a valid package URL"},
		{name: "no type", in: "pkg:/log4j", hint: "not a valid package URL"},
		{name: "empty", in: " ", hint: "required"},
		{name: "too long", in: "pkg:npm/" + strings.Repeat("a", 600), hint: "at most 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, ns, name, version, err := ParsePURL(tt.in)
			if tt.hint != "" {
				checkInvalid(t, err, "purl", CodeBadPURL, tt.hint)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ != tt.typ || ns != tt.ns || name != tt.pkgName || version != tt.version {
				t.Errorf("got %q %q %q %q; want %q %q %q %q", typ, ns, name, version, tt.typ, tt.ns, tt.pkgName, tt.version)
			}
		})
	}
}
