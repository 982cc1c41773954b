package intel

import (
	"errors"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// wantInvalid fails unless err is an *errs.Error of KindInvalid with code.
func wantInvalid(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind != errs.KindInvalid || e.Code != code || e.Public == "" || len(e.Fields) == 0 {
		t.Fatalf("error %#v, want KindInvalid %s with a message and a field", err, code)
	}
}

func TestCanonical(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, c := range []struct {
		name string
		t    Type
		in   string
		want string // "" for an error
	}{
		{"ipv4", TypeIPv4, " 192.0.2.1 ", "192.0.2.1"},
		{"ipv4 defanged", TypeIPv4, "192[.]0[.]2[.]1", "192.0.2.1"},
		{"ipv4 mapped", TypeIPv4, "::ffff:192.0.2.1", "192.0.2.1"},
		{"ipv4 leading zero", TypeIPv4, "010.0.0.1", ""},
		{"ipv4 given a prefix", TypeIPv4, "192.0.2.0/24", ""},
		{"ipv4 given ipv6", TypeIPv4, "2001:db8::1", ""},
		{"ipv6 shortest", TypeIPv6, "2001:DB8:0:0:0::1", "2001:db8::1"},
		{"ipv6 zone", TypeIPv6, "fe80::1%eth0", ""},
		{"cidr masked", TypeCIDR, "192.0.2.77/24", "192.0.2.0/24"},
		{"cidr bare address", TypeCIDR, "192.0.2.1", "192.0.2.1/32"},
		{"cidr mapped", TypeCIDR, "::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"cidr v6", TypeCIDR, "2001:db8:1::/32", "2001:db8::/32"},
		{"cidr mapped too short", TypeCIDR, "::ffff:0:0/95", ""},
		{"cidr too long", TypeCIDR, "192.0.2.0/33", ""},
		{"cidr too broad", TypeCIDR, "0.0.0.0/0", ""},
		{"cidr /8", TypeCIDR, "10.1.2.3/8", "10.0.0.0/8"},
		{"cidr v6 too broad", TypeCIDR, "2000::/3", ""},
		{"domain case and dot", TypeDomain, "Evil.Example.COM.", "evil.example.com"},
		{"domain wildcard", TypeDomain, "*.evil.example", "evil.example"},
		{"domain IDN", TypeDomain, "bücher.example", "xn--bcher-kva.example"},
		{"domain Vietnamese IDN", TypeDomain, "bộcôngan.vn", "xn--bcngan-jxa6332d.vn"},
		{"domain fullwidth", TypeDomain, "ｅｖｉｌ．ｅｘａｍｐｌｅ", "evil.example"},
		{"domain defanged", TypeDomain, "evil[.]example", "evil.example"},
		{"domain underscore", TypeDomain, "_dmarc.evil.example", "_dmarc.evil.example"},
		{"domain starting hxxp", TypeDomain, "hxxpress.example", "hxxpress.example"},
		{"email starting hxxp", TypeEmail, "hxxp@evil.example", "hxxp@evil.example"},
		{"domain single label", TypeDomain, "localhost", ""},
		{"domain is an address", TypeDomain, "192.0.2.1", ""},
		{"domain empty label", TypeDomain, "a..example", ""},
		{"domain digit tld", TypeDomain, "example.123", ""},
		{"domain space", TypeDomain, "domain autuo.xicp.net", ""},
		{"domain long label", TypeDomain, long + ".example", ""},
		{"url", TypeURL, "HTTP://Evil.Example:80/a/./b/../c?Q=1#frag", "http://evil.example/a/c?Q=1"},
		{"url defanged", TypeURL, "hxxps://evil[.]example/x", "https://evil.example/x"},
		{"url defanged colon", TypeURL, "hXXp[:]//evil[.]example", "http://evil.example/"},
		{"url defanged https", TypeURL, "HXXPS[://]evil[.]example/a", "https://evil.example/a"},
		{"url escapes", TypeURL, "https://bücher.example/%7euser/%2f/%zz/%41", "https://xn--bcher-kva.example/~user/%2F/%25zz/A"},
		{"url ipv6 port", TypeURL, "http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"},
		{"url no scheme", TypeURL, "evil.example/path", "http://evil.example/path"},
		{"url raw bytes", TypeURL, "http://evil.example/a b/é", "http://evil.example/a%20b/%C3%A9"},
		{"url path keeps (.)", TypeURL, "http://evil.example/a(.)b", "http://evil.example/a(.)b"},
		{"url no host", TypeURL, "http:///path", ""},
		{"url bad port", TypeURL, "http://evil.example:99999/", ""},
		{"url javascript", TypeURL, "javascript:alert(1)", ""},
		{"md5", TypeMD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5 short", TypeMD5, "d41d8cd98f00b204e9800998ecf8427", ""},
		{"sha1 not hex", TypeSHA1, strings.Repeat("g", 40), ""},
		{"sha256", TypeSHA256, strings.Repeat("AB", 32), strings.Repeat("ab", 32)},
		{"email", TypeEmail, "Alice@Example.COM", "alice@example.com"},
		{"email mailto", TypeEmail, "mailto:bob@example.com", "bob@example.com"},
		{"email defanged", TypeEmail, "alice[@]example[.]com", "alice@example.com"},
		{"email IDN", TypeEmail, "an@bücher.example", "an@xn--bcher-kva.example"},
		{"email single label", TypeEmail, "alice@localhost", ""},
		{"email no local", TypeEmail, "@example.com", ""},
		{"email space", TypeEmail, "a b@example.com", ""},
		{"empty", TypeDomain, "  ", ""},
		{"too long", TypeURL, "http://x.example/" + strings.Repeat("a", maxValueLen), ""},
		{"bad utf8", TypeDomain, "ex\xffample.com", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Canonical(c.t, c.in)
			if c.want == "" {
				wantInvalid(t, err, CodeBadValue)
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Canonical(%s, %q) = %q, %v; want %q", c.t, c.in, got, err, c.want)
			}
			if again, err := Canonical(c.t, got); err != nil || again != got {
				t.Fatalf("not a fixed point: %q → %q, %v", got, again, err)
			}
		})
	}
}

func TestCanonicalBadType(t *testing.T) {
	_, err := Canonical("asn", "AS1")
	wantInvalid(t, err, CodeBadType)
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		t, wantT Type
		in, want string
	}{
		{TypeIPv4, TypeCIDR, "10.1.0.0/8", "10.0.0.0/8"},
		{TypeCIDR, TypeIPv4, "192.0.2.1/32", "192.0.2.1"},
		{TypeIPv6, TypeIPv4, "::ffff:192.0.2.1", "192.0.2.1"},
		{TypeIPv4, TypeIPv6, "2001:db8::1/128", "2001:db8::1"},
		{TypeIPv4, TypeIPv4, "192.0.2[.]1", "192.0.2.1"},
		{TypeDomain, TypeDomain, "X.Example", "x.example"},
	} {
		gotT, got, err := Normalize(c.t, c.in)
		if err != nil || gotT != c.wantT || got != c.want {
			t.Errorf("Normalize(%s, %q) = %s %q %v; want %s %q", c.t, c.in, gotT, got, err, c.wantT, c.want)
		}
	}
	if _, _, err := Normalize(TypeIPv4, "evil.example"); err == nil {
		t.Error("Normalize(ipv4, a domain) succeeded")
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		in    string
		wantT Type // "" when it does not classify
		want  string
	}{
		{"192.0.2.1", TypeIPv4, "192.0.2.1"},
		{"80[.]82[.]78[.]27", TypeIPv4, "80.82.78.27"},
		{"192.0.2.1:8080", TypeIPv4, "192.0.2.1"},
		{"192.0.2.9/24", TypeCIDR, "192.0.2.0/24"},
		{"192.0.2.1/32", TypeIPv4, "192.0.2.1"},
		{"2001:db8::1/128", TypeIPv6, "2001:db8::1"},
		{"2a06:e480::/29", TypeCIDR, "2a06:e480::/29"},
		{"[2001:db8::1]:443", TypeIPv6, "2001:db8::1"},
		{"D41D8CD98F00B204E9800998ECF8427E", TypeMD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{strings.Repeat("a", 40), TypeSHA1, strings.Repeat("a", 40)},
		{strings.Repeat("b", 64), TypeSHA256, strings.Repeat("b", 64)},
		{"Evil.Example", TypeDomain, "evil.example"},
		{"http://evil.example", TypeURL, "http://evil.example/"},
		{"hxxp://evil[.]example/x", TypeURL, "http://evil.example/x"},
		{"evil.example/dl/a.exe", TypeURL, "http://evil.example/dl/a.exe"},
		{"192.0.2.1/login.php", TypeURL, "http://192.0.2.1/login.php"},
		{"Bob@Evil.Example", TypeEmail, "bob@evil.example"},
		{"AS260", "", ""},
		{"Site", "", ""},
		{"http://www..example.com/phishing", "", ""},
		{"", "", ""},
		{"not/a/url", "", ""},
		{strings.Repeat("a", 33), "", ""},
	} {
		gotT, got, ok := Classify(c.in)
		if ok != (c.wantT != "") || ok && (gotT != c.wantT || got != c.want) {
			t.Errorf("Classify(%q) = %s %q %v; want %s %q", c.in, gotT, got, ok, c.wantT, c.want)
		}
	}
}

func TestCanonicalHost(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Evil.Example.", "evil.example"},
		{"intranet", "intranet"},
		{"[2001:DB8::1]", "2001:db8::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"BÜCHER.example", "xn--bcher-kva.example"},
		{"-edge-.example", "-edge-.example"},
		{"bad host", ""},
		{"a..b", ""},
		{"", ""},
		{".", ""},
		{"evil.example:80", ""},
		{"[192.0.2.1]", ""},
		{"fe80::1%eth0", ""},
		{strings.Repeat("a.", 127) + "aa", ""},
	} {
		got, ok := CanonicalHost(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("CanonicalHost(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestCanonicalURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://Evil.Example:443", "https://evil.example/"},
		{"https://evil.example:8443/A/%7E/%c3%a9?b=%7e#x", "https://evil.example:8443/A/~/%C3%A9?b=%7e"},
		{"http://evil.example:/", "http://evil.example/"},
		{"http://evil.example:0080/", "http://evil.example/"},
		{"ftp://evil.example:21/f", "ftp://evil.example/f"},
		{"http://u:p@evil.example/", "http://u:p@evil.example/"},
		{"http://evil.example/a/../../b/./", "http://evil.example/b/"},
		{"http://evil.example/%2e%2E/x", "http://evil.example/x"},
		{"http://evil.example//double//", "http://evil.example//double//"},
		{"http://evil.example?q", "http://evil.example/?q"},
		{"http://evil.example/%", "http://evil.example/%25"},
		{"http://[::ffff:192.0.2.1]/", "http://192.0.2.1/"},
		{"evil.example/x", ""},
		{"1http://evil.example/", ""},
		{"http://evil example/", ""},
		{"http://[2001:db8::1/", ""},
		{"http://[2001:db8::1]x/", ""},
	} {
		got, ok := CanonicalURL(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", c.in, got, ok, c.want)
			continue
		}
		if ok {
			if again, _ := CanonicalURL(got); again != got {
				t.Errorf("not a fixed point: %q → %q", got, again)
			}
		}
	}
}
