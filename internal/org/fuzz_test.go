package org

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// checkFuzzErr fails unless err is an *errs.Error of one of the kinds with a
// code and, for KindInvalid, at least one field problem with a message.
func checkFuzzErr(t *testing.T, err error, kinds ...errs.Kind) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		t.Fatalf("error %v is %T, not *errs.Error", err, err)
	}
	if !slices.Contains(kinds, e.Kind) {
		t.Fatalf("kind %v, want one of %v", e.Kind, kinds)
	}
	if e.Code == "" || e.Public == "" {
		t.Fatalf("error without code or public message: %#v", e)
	}
	if e.Kind == errs.KindInvalid && (len(e.Fields) == 0 || e.Fields[0].Message == "") {
		t.Fatalf("invalid error without a field problem: %#v", e)
	}
}

func FuzzParseCIDR(f *testing.F) {
	for _, s := range []string{"203.0.113.0/24", "10.1.2.3/8", "192.0.2.1", "2001:db8::/32", "::ffff:10.0.0.0/104",
		"::ffff:1.2.3.4", "0.0.0.0/0", "::/0", "10.0.0.0/33", "fe80::1%eth0/64", "1.2.3.4/", "/8", "::ffff:0:0/95"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCIDR(s)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid)
			return
		}
		if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			t.Fatalf("ParseCIDR(%q) = %v, not canonical", s, p)
		}
		if again, err := ParseCIDR(p.String()); err != nil || again != p {
			t.Fatalf("%q → %v → %v, %v", s, p, again, err)
		}
	})
}

func FuzzParseDomain(f *testing.F) {
	for _, s := range []string{"example.gov.vn", "Example.VN.", "bộcôngan.vn", "xn--bcngan-jxa6332d.vn", "müller.de",
		"a..b", "-a.vn", "1.2.3.4", "foo.123", "https://x.vn/", "*.x.vn", "ab--cd.vn", "xn--zz.vn", "\u0644\u0627.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDomain(s)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid)
			return
		}
		if len(d) > maxDomainLen || !isASCII(d) || d != strings.ToLower(d) || strings.HasSuffix(d, ".") {
			t.Fatalf("ParseDomain(%q) = %q, not canonical", s, d)
		}
		for _, again := range []string{d, d + ".", strings.ToUpper(d)} {
			if got, err := ParseDomain(again); err != nil || got != d {
				t.Fatalf("%q → %q; %q → %q, %v", s, d, again, got, err)
			}
		}
	})
}

func FuzzParseASN(f *testing.F) {
	for _, s := range []string{"AS13335", "as7552", "13335", "1.10", "65535.65534", "0", "23456", "4294967295",
		"4294967296", "-1", "AS", "1.", ".1", "AS01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseASN(s)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid)
			return
		}
		if n == 0 || n == 23456 || n == 1<<32-1 {
			t.Fatalf("ParseASN(%q) = reserved %d", s, n)
		}
		for _, again := range []string{FormatASN(n), strconv.FormatUint(uint64(n), 10)} {
			if got, err := ParseASN(again); err != nil || got != n {
				t.Fatalf("%q → %d; %q → %d, %v", s, n, again, got, err)
			}
		}
	})
}

func FuzzParseCPE(f *testing.F) {
	for _, s := range []string{"cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", "cpe:/a:apache:http_server:2.4.57",
		`cpe:2.3:a:foo\:bar:baz\!:1.0:*:*:*:*:*:*:*`, "cpe:2.3:o:microsoft:windows_10:1809:*:*:*:*:*:x64:*",
		"cpe:/o:linux:linux_kernel:-", "cpe:/a:foo%", `cpe:2.3:a:foo:bar:1:*:*:*:*:*:*:x\`, "cpe:/a:a:b:1:~~~~~",
		"cpe:/a:a:b:%01%01:x", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCPE(s)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid)
			return
		}
		if c.product == "" || c.vendor == "" || !strings.HasPrefix(c.fs, "cpe:2.3:") || len(splitCPE(c.fs)) != 13 {
			t.Fatalf("parseCPE(%q) = %+v", s, c)
		}
		if again, err := parseCPE(c.fs); err != nil || again != c {
			t.Fatalf("%q → %+v → %+v, %v", s, c, again, err)
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	for _, s := range []string{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "pkg:npm/%40angular/core@16.2.0",
		"pkg:pypi/Django@4.2.7", "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", "pkg:golang/golang.org/x/net#sub/dir",
		"pkg:/x", "pkg:maven/", "pkg:a/b@%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePURL(s)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid)
			return
		}
		if p.Type == "" || p.Name == "" {
			t.Fatalf("parsePURL(%q) = %+v without type or name", s, p)
		}
		canon := p.ToString()
		again, err := parsePURL(canon)
		if err != nil || again.Type != p.Type || again.Namespace != p.Namespace || again.Name != p.Name ||
			again.Version != p.Version || again.ToString() != canon {
			t.Fatalf("%q → %q → %+v, %v", s, canon, again, err)
		}
	})
}

func FuzzParseInventoryCSV(f *testing.F) {
	for _, name := range []string{"testdata/inventory.csv", "testdata/inventory_bad.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(20))
	}
	f.Add([]byte("\uFEFFsystem;cpe\nweb;cpe:/a:nginx:nginx:1.24.0\n"), uint8(1))
	f.Add([]byte("product\n\"a\nb\",\n\n"), uint8(0))
	f.Add([]byte("product\na\nb\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, limit uint8) {
		maxRows := int(limit % 8)
		rows, bad, err := ParseInventoryCSV(bytes.NewReader(data), maxRows)
		if err != nil {
			checkFuzzErr(t, err, errs.KindInvalid, errs.KindTooLarge)
			if rows != nil || bad != nil {
				t.Fatal("rows returned with a whole-file error")
			}
			return
		}
		if maxRows == 0 {
			maxRows = DefaultMaxInventoryRows
		}
		if len(rows) > maxRows {
			t.Fatalf("%d rows, more than %d", len(rows), maxRows)
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
			again := r.Software
			if err := ValidateSoftware(&again); err != nil || again != r.Software {
				t.Fatalf("line %d: row does not re-validate unchanged: %+v → %+v, %v", r.Line, r.Software, again, err)
			}
		}
		for _, b := range bad {
			if b.Row < 2 || b.Code == "" || b.Message == "" {
				t.Fatalf("bad row error %+v", b)
			}
		}
	})
}
