package event

import (
	"strings"
	"testing"
)

func TestCanonicalHost(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"lower case", "WWW.Example.COM", "www.example.com", true},
		{"trailing dot", "example.com.", "example.com", true},
		{"address with a trailing dot", "0.0.0.0.", "", false},
		{"only the root", ".", "", false},
		{"spaces trimmed", "  example.com ", "example.com", true},
		{"IDN to A-label", "bücher.example", "xn--bcher-kva.example", true},
		{"A-label kept", "xn--bcher-kva.example", "xn--bcher-kva.example", true},
		{"upper-case A-label", "XN--BCHER-KVA.example", "xn--bcher-kva.example", true},
		{"Vietnamese IDN", "tên-miền.vn", "xn--tn-min-iva0322d.vn", true},
		{"underscore labels", "_ldap._tcp.dc._msdcs.Corp.local", "_ldap._tcp.dc._msdcs.corp.local", true},
		{"single label", "SNOZBERRY", "snozberry", true},
		{"hyphen at label edge", "a-.example", "a-.example", true},
		{"IPv4 is not a host name", "10.0.0.1", "", false},
		{"IPv6 is not a host name", "2001:db8::1", "", false},
		{"bracketed IPv6", "[2001:db8::1]", "", false},
		{"empty", "", "", false},
		{"only a dot", ".", "", false},
		{"empty label", "a..example", "", false},
		{"space inside", "a b.example", "", false},
		{"port", "example.com:80", "", false},
		{"label too long", string(make([]byte, 64)) + ".example", "", false},
		{"slash", "example.com/x", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := CanonicalHost(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("CanonicalHost(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if ok {
				if again, _ := CanonicalHost(got); again != got {
					t.Errorf("not a fixed point: %q → %q", got, again)
				}
			}
		})
	}
}

func TestCanonicalURL(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"already canonical", "http://www.testmyids.com/", "http://www.testmyids.com/", true},
		{"empty path", "http://example.com", "http://example.com/", true},
		{"case", "HTTP://Example.COM/A/B", "http://example.com/A/B", true},
		{"default port", "https://example.com:443/x", "https://example.com/x", true},
		{"other port", "http://www.server.lan:8080/upload.cgi", "http://www.server.lan:8080/upload.cgi", true},
		{"port with leading zero", "http://example.com:0080/", "http://example.com/", true},
		{"fragment dropped", "http://example.com/a#frag", "http://example.com/a", true},
		{"query kept", "http://example.com/a?b=c&d=%2f#x", "http://example.com/a?b=c&d=%2f", true},
		{"dot segments", "http://example.com/a/./b/../c", "http://example.com/a/c", true},
		{"percent unreserved decoded", "http://example.com/%7euser/%2fx", "http://example.com/~user/%2Fx", true},
		{"bytes escaped", "http://example.com/a b", "http://example.com/a%20b", true},
		{"IDN host", "http://bücher.example/", "http://xn--bcher-kva.example/", true},
		{"IPv4 host", "http://82.118.21.221/177v2.dll", "http://82.118.21.221/177v2.dll", true},
		{"IPv6 host", "http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/", true},
		{"mapped IPv6 host", "http://[::ffff:192.0.2.1]/", "http://192.0.2.1/", true},
		{"user info kept", "ftp://user@files.example/", "ftp://user@files.example/", true},
		{"no scheme", "example.com/a", "", false},
		{"bad port", "http://example.com:99999/", "", false},
		{"bad host", "http://exa mple.com/", "", false},
		{"empty host", "http:///a", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := CanonicalURL(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("CanonicalURL(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if ok {
				if again, _ := CanonicalURL(got); again != got {
					t.Errorf("not a fixed point: %q → %q", got, again)
				}
			}
		})
	}
}

func TestCanonicalHashAndEmail(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
		f              func(string) (string, bool)
	}{
		{"md5", "3D7D3EEDD055EFF0C7995491466A7EB7", "3d7d3eedd055eff0c7995491466a7eb7", true, CanonicalHash},
		{"sha1", "5747f6e48c899aee54e4153ac8a8b61e741f45e2", "5747f6e48c899aee54e4153ac8a8b61e741f45e2", true, CanonicalHash},
		{"sha256", " 6E04AD8A79A7D794438E197606AB78B079929D941FE99DD5159702694F7ACE77", "6e04ad8a79a7d794438e197606ab78b079929d941fe99dd5159702694f7ace77", true, CanonicalHash},
		{"imphash length but not hex", "Z83B4C457AFD5EEA31874B00E8A3A956", "", false, CanonicalHash},
		{"wrong length", "abc", "", false, CanonicalHash},
		{"placeholder", "%SCANNED_FILE_HASH%", "", false, CanonicalHash},
		{"email", "Nessus@Hotmail.COM", "nessus@hotmail.com", true, CanonicalEmail},
		{"email in brackets", "<a@b.example>", "a@b.example", true, CanonicalEmail},
		{"email with name", `"Joe" <Joe@B.example>`, "joe@b.example", true, CanonicalEmail},
		{"mailto", "mailto:x@y.example", "x@y.example", true, CanonicalEmail},
		{"single-label domain", "root@localhost", "", false, CanonicalEmail},
		{"IP domain", "a@10.0.0.1", "", false, CanonicalEmail},
		{"no local part", "@example.com", "", false, CanonicalEmail},
		{"space in local part", "a b@example.com", "", false, CanonicalEmail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.f(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAddDeduplicates(t *testing.T) {
	var e Event
	e.AddHost("Example.com")
	e.AddHost("example.com.")
	e.AddURL("http://EXAMPLE.com/x")
	e.AddURL("http://example.com/x#y")
	e.AddHash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	e.AddHash("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	e.AddEmail("a@b.example")
	e.AddEmail("A@B.example")
	if len(e.Hosts) != 1 || len(e.URLs) != 1 || len(e.Hashes) != 1 || len(e.Emails) != 1 {
		t.Errorf("not de-duplicated: %+v", e)
	}
}

// FuzzCanonicalURL checks that the fast path for simple URLs gives what the
// general route gives, and that canonical forms are fixed points.
func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"http://www.testmyids.com/", "http://a.example/x?y=z", "http://a.example/./x",
		"https://b.example/%41", "http://c.example/a b", "http://[::1]/", "http://xn--bcher-kva.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, _, ok := canonicalURL(s)
		if _, fast := simpleURL(s); fast {
			// A URL the fast path keeps must be a fixed point of the general route.
			if g, _, ok2 := generalURL(strings.TrimSpace(s)); !ok2 || g != c {
				t.Fatalf("fast path kept %q, the general route gives %q, %v", c, g, ok2)
			}
		}
		if ok {
			if again, _, ok2 := canonicalURL(c); !ok2 || again != c {
				t.Fatalf("%q → %q → %q", s, c, again)
			}
		}
	})
}

// TestNewIDIsStable pins event IDs: alerts count an event once by its ID,
// so the ID of the same bytes from the same sensor must never change.
func TestNewIDIsStable(t *testing.T) {
	for _, c := range []struct{ sensor, raw, want string }{
		{"sensor-1", `{"a":1}`, "4d412cf5eee3b51069e263607eaa790c"},
		{"", "", "6e340b9cffb37a989ca544e6bb780a2c"},
	} {
		if got := NewID(c.sensor, []byte(c.raw)); got != c.want {
			t.Errorf("NewID(%q, %q) = %s, want %s", c.sensor, c.raw, got, c.want)
		}
	}
	if NewID("a", []byte("b")) == NewID("a\x00", []byte("b")) {
		t.Error("the sensor and the record are not separated")
	}
}

func BenchmarkNewID(b *testing.B) {
	raw := make([]byte, 500)
	for b.Loop() {
		NewID("sensor-1", raw)
	}
}
