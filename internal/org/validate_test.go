package org

import (
	"errors"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// fieldCodes returns "field:code" for every problem of a validation error.
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != errs.KindInvalid {
		t.Fatalf("err = %v, want a KindInvalid *errs.Error", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func sameList(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func TestValidateSoftware(t *testing.T) {
	tests := []struct {
		name string
		in   Software
		want Software // after normalising, when valid
		errs []string // field:code
	}{
		{name: "cpe fills fields",
			in: Software{CPE: " cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:* "},
			want: Software{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*",
				Vendor: "apache", Product: "http_server", Version: "2.4.57"}},
		{name: "cpe 2.2 converted",
			in: Software{CPE: "cpe:/a:nginx:nginx:1.24.0"},
			want: Software{CPE: "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*",
				Vendor: "nginx", Product: "nginx", Version: "1.24.0"}},
		{name: "explicit names kept",
			in: Software{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", Vendor: "Apache", Product: "Apache HTTP Server", Version: "2.4.57"},
			want: Software{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*",
				Vendor: "Apache", Product: "Apache HTTP Server", Version: "2.4.57"}},
		{name: "purl fills fields",
			in: Software{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			want: Software{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
				Vendor: "org.apache.logging.log4j", Product: "log4j-core", Version: "2.14.1"}},
		{name: "cpe any version, explicit version",
			in:   Software{CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Version: "3.0.11"},
			want: Software{CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Vendor: "openssl", Product: "openssl", Version: "3.0.11"}},
		{name: "cpe and purl agree",
			in: Software{CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			want: Software{CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
				Vendor: "apache", Product: "log4j", Version: "2.14.1"}},
		{name: "product only, NFC",
			in:   Software{Product: "  Pha\u0302\u0300n me\u0302\u0300m ke\u0302\u0301 toa\u0301n ", Version: "5"},
			want: Software{Product: "Phần mềm kế toán", Version: "5"}},
		{name: "nothing given", in: Software{Vendor: "acme"}, errs: []string{"product:software.missing_identity"}},
		{name: "version differs from cpe",
			in:   Software{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", Version: "2.4.58"},
			errs: []string{"version:software.version_mismatch"}},
		{name: "purl differs from cpe",
			in:   Software{CPE: "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"},
			errs: []string{"purl:software.version_mismatch"}},
		{name: "version differs from purl",
			in:   Software{PURL: "pkg:npm/lodash@4.17.21", Version: "4.17.20"},
			errs: []string{"version:software.version_mismatch"}},
		{name: "bad cpe and bad purl",
			in:   Software{CPE: "cpe:2.3:a:apache", PURL: "npm/lodash"},
			errs: []string{"cpe:software.bad_cpe", "purl:software.bad_purl"}},
		{name: "too long product",
			in:   Software{Product: strings.Repeat("x", 513)},
			errs: []string{"product:software.too_long"}},
		{name: "not utf-8",
			in:   Software{Product: "ph\xe1n m\xe8m"},
			errs: []string{"product:text.bad_encoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in
			err := ValidateSoftware(&s)
			if got := fieldCodes(t, err); !sameList(got, tt.errs) {
				t.Fatalf("problems = %v, want %v (err %v)", got, tt.errs, err)
			}
			if err == nil && s != tt.want {
				t.Errorf("got  %+v\nwant %+v", s, tt.want)
			}
			if err == nil {
				again := s
				if err := ValidateSoftware(&again); err != nil || again != s {
					t.Errorf("not idempotent: %+v, %v", again, err)
				}
			}
		})
	}
}

func TestValidateSystem(t *testing.T) {
	tests := []struct {
		name   string
		in     System
		errs   []string
		status SystemStatus
	}{
		{name: "default status", in: System{Name: " Cổng dịch vụ công ", Level: 3}, status: SystemOperating},
		{name: "retired", in: System{Name: "Old mail", Level: 1, Status: "retired"}, status: SystemRetired},
		{name: "level 0", in: System{Name: "x", Level: 0}, errs: []string{"security_level:system.bad_level"}},
		{name: "level 6", in: System{Name: "x", Level: 6}, errs: []string{"security_level:system.bad_level"}},
		{name: "no name", in: System{Name: "   ", Level: 2}, errs: []string{"name:system.bad_name"}},
		{name: "long name", in: System{Name: strings.Repeat("ệ", 201), Level: 2}, errs: []string{"name:system.bad_name"}},
		{name: "200-character name", in: System{Name: strings.Repeat("ệ", 200), Level: 2}, status: SystemOperating},
		{name: "bad status", in: System{Name: "x", Level: 2, Status: "running"}, errs: []string{"status:system.bad_status"}},
		{name: "long description", in: System{Name: "x", Level: 2, Description: strings.Repeat("a", 4001)},
			errs: []string{"description:system.too_long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in
			err := ValidateSystem(&s)
			if got := fieldCodes(t, err); !sameList(got, tt.errs) {
				t.Fatalf("problems = %v, want %v", got, tt.errs)
			}
			if err == nil && s.Status != tt.status {
				t.Errorf("status = %q, want %q", s.Status, tt.status)
			}
		})
	}
	s := System{Name: "x", Level: 9}
	e, _ := errors.AsType[*errs.Error](ValidateSystem(&s))
	if msg := e.Fields[0].Message; !strings.Contains(msg, "1 to 5") {
		t.Errorf("level message %q does not say 1 to 5", msg)
	}
}

func TestEffectiveLevel(t *testing.T) {
	tests := []struct {
		name       string
		own        int
		components []int
		want       int
	}{
		{name: "no components", own: 2, want: 2},
		{name: "component higher", own: 2, components: []int{1, 4, 3}, want: 4},
		{name: "own highest", own: 5, components: []int{1, 2}, want: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EffectiveLevel(tt.own, tt.components); got != tt.want {
				t.Errorf("EffectiveLevel(%d, %v) = %d, want %d", tt.own, tt.components, got, tt.want)
			}
		})
	}
}

func TestValidateOrg(t *testing.T) {
	ok := Org{Slug: "bo-cong-an", Name: "Bộ Công an", Kind: KindMinistry}
	tests := []struct {
		name string
		edit func(*Org)
		errs []string
	}{
		{name: "valid", edit: func(*Org) {}},
		{name: "two-character slug", edit: func(o *Org) { o.Slug = "a1" }},
		{name: "one-character slug", edit: func(o *Org) { o.Slug = "a" }, errs: []string{"slug:org.bad_slug"}},
		{name: "upper-case slug", edit: func(o *Org) { o.Slug = "Bo-cong-an" }, errs: []string{"slug:org.bad_slug"}},
		{name: "leading hyphen", edit: func(o *Org) { o.Slug = "-bca" }, errs: []string{"slug:org.bad_slug"}},
		{name: "64-character slug", edit: func(o *Org) { o.Slug = strings.Repeat("a", 64) }, errs: []string{"slug:org.bad_slug"}},
		{name: "no name", edit: func(o *Org) { o.Name = "" }, errs: []string{"name:org.bad_name"}},
		{name: "bad kind", edit: func(o *Org) { o.Kind = "club" }, errs: []string{"kind:org.bad_kind"}},
		{name: "long province", edit: func(o *Org) { o.Province = strings.Repeat("x", 101) }, errs: []string{"province:org.too_long"}},
		{name: "several problems", edit: func(o *Org) { o.Slug, o.Name, o.Sector = "", "", strings.Repeat("x", 101) },
			errs: []string{"slug:org.bad_slug", "name:org.bad_name", "sector:org.too_long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			if got := fieldCodes(t, ValidateOrg(&o)); !sameList(got, tt.errs) {
				t.Errorf("problems = %v, want %v", got, tt.errs)
			}
		})
	}
}

func TestValidateContact(t *testing.T) {
	base := Contact{Name: "Nguyễn Văn An", Role: ContactDuty, Email: "soc@bocongan.gov.vn"}
	const v4 = "0123 4567 89AB CDEF 0123  4567 89ab cdef 0123 4567"
	tests := []struct {
		name  string
		edit  func(*Contact)
		errs  []string
		check func(*testing.T, Contact)
	}{
		{name: "defaults", edit: func(*Contact) {}, check: func(t *testing.T, c Contact) {
			if c.Language != "vi" {
				t.Errorf("language = %q, want vi", c.Language)
			}
		}},
		{name: "display name dropped", edit: func(c *Contact) { c.Email = "SOC <soc@bocongan.gov.vn>" },
			check: func(t *testing.T, c Contact) {
				if c.Email != "soc@bocongan.gov.vn" {
					t.Errorf("email = %q", c.Email)
				}
			}},
		{name: "v4 fingerprint", edit: func(c *Contact) { c.PGPFingerprint = v4 },
			check: func(t *testing.T, c Contact) {
				if c.PGPFingerprint != "0123456789ABCDEF0123456789ABCDEF01234567" {
					t.Errorf("fingerprint = %q", c.PGPFingerprint)
				}
			}},
		{name: "v6 fingerprint", edit: func(c *Contact) { c.PGPFingerprint = strings.Repeat("ab", 32) }},
		{name: "phone", edit: func(c *Contact) { c.Phone, c.Language = "+84 (24) 3822-6111", "EN" },
			check: func(t *testing.T, c Contact) {
				if c.Language != "en" {
					t.Errorf("language = %q", c.Language)
				}
			}},
		{name: "two addresses", edit: func(c *Contact) { c.Email = "a@x.vn, b@x.vn" }, errs: []string{"email:contact.bad_email"}},
		{name: "no domain dot", edit: func(c *Contact) { c.Email = "root@localhost" }, errs: []string{"email:contact.bad_email"}},
		{name: "no email", edit: func(c *Contact) { c.Email = "" }, errs: []string{"email:contact.bad_email"}},
		{name: "short phone", edit: func(c *Contact) { c.Phone = "113" }, errs: []string{"phone:contact.bad_phone"}},
		{name: "letters in phone", edit: func(c *Contact) { c.Phone = "call 0243822611" }, errs: []string{"phone:contact.bad_phone"}},
		{name: "plus inside phone", edit: func(c *Contact) { c.Phone = "84+243822611" }, errs: []string{"phone:contact.bad_phone"}},
		{name: "short fingerprint", edit: func(c *Contact) { c.PGPFingerprint = "0123456789ABCDEF" },
			errs: []string{"pgp_fingerprint:contact.bad_pgp_fingerprint"}},
		{name: "non-hex fingerprint", edit: func(c *Contact) { c.PGPFingerprint = strings.Repeat("G", 40) },
			errs: []string{"pgp_fingerprint:contact.bad_pgp_fingerprint"}},
		{name: "bad role and language", edit: func(c *Contact) { c.Role, c.Language = "boss", "fr" },
			errs: []string{"role:contact.bad_role", "language:contact.bad_language"}},
		{name: "no name", edit: func(c *Contact) { c.Name = " " }, errs: []string{"name:contact.bad_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.edit(&c)
			if got := fieldCodes(t, ValidateContact(&c)); !sameList(got, tt.errs) {
				t.Fatalf("problems = %v, want %v", got, tt.errs)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}
