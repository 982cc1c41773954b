package detect

import (
	"testing"

	"github.com/khien-cert/khien/internal/intel"
)

// FuzzCanonicalChecks holds the fast checks to their promise: true only for
// values intel's canonicalisers return unchanged.
func FuzzCanonicalChecks(f *testing.F) {
	for _, s := range []string{
		"evil.example", "a.b.evil.example", "EVIL.example", "evil.example.", "xn--bcngan-m5a9a2f.vn",
		"1.2.3.4", "01.2.3.4", "1.2.3", "a..b", "-a.b", "a_b.c", "localhost", "hxxpbin.com",
		"http://evil.example/a/b.php?id=1", "https://evil.example/", "http://evil.example", "HTTP://e.x/",
		"http://e.x:80/", "http://u@e.x/", "http://e.x/a/../b", "http://e.x/%41", "http://e.x/a#f",
		"http://e.x/a?b#c", "http://e.x/(.)", "http://e.x/a?q=[.]", "http://[::1]/", "http://1.2.3.4/x",
		"bad@evil.example", "Bad@evil.example", "a.b+c@evil.example", "a[at]b@evil.example", "mailto:a@b.c",
		"a@1.2.3.4", "hxxp@evil.example", "d41d8cd98f00b204e9800998ecf8427e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if isCanonicalHost(s) {
			if c, ok := intel.CanonicalHost(s); !ok || c != s {
				t.Errorf("isCanonicalHost(%q), but CanonicalHost gives %q, %v", s, c, ok)
			}
		}
		if isCanonicalURL(s) {
			if c, ok := intel.CanonicalURL(s); !ok || c != s {
				t.Errorf("isCanonicalURL(%q), but CanonicalURL gives %q, %v", s, c, ok)
			}
		}
		if isCanonicalEmail(s) {
			if c, err := intel.Canonical(intel.TypeEmail, s); err != nil || c != s {
				t.Errorf("isCanonicalEmail(%q), but Canonical gives %q, %v", s, c, err)
			}
		}
		if c, ok := eventHash(s); ok && c == s {
			if c2, err := intel.Canonical(map[int]intel.Type{32: intel.TypeMD5, 40: intel.TypeSHA1, 64: intel.TypeSHA256}[len(s)], s); err != nil || c2 != s {
				t.Errorf("eventHash(%q) keeps it, but Canonical gives %q, %v", s, c2, err)
			}
		}
	})
}

func TestFastChecksAcceptTheCommonCase(t *testing.T) {
	for _, c := range []struct {
		check func(string) bool
		s     string
	}{
		{isCanonicalHost, "www.login-secure.com.vn"},
		{isCanonicalHost, "_ldap._tcp.example.org"},
		{isCanonicalURL, "http://files.example/update/payload.exe"},
		{isCanonicalURL, "https://evil.example/a/b.php?id=1&x=y"},
		{isCanonicalEmail, "noreply@mail.example.vn"},
	} {
		if !c.check(c.s) {
			t.Errorf("%q takes the slow path", c.s)
		}
	}
}
