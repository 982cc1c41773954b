package vuln

import (
	"errors"
	"strings"
	"testing"
)

// checkOrder checks that versions, written ascending with "=" joining equal
// ones ("1.0 = 1.0.0"), compare that way pairwise, in both directions.
func checkOrder(t *testing.T, scheme string, chains []string) {
	t.Helper()
	for _, chain := range chains {
		type ranked struct {
			v    string
			rank int
		}
		var vs []ranked
		for i, group := range strings.Split(chain, " < ") {
			for v := range strings.SplitSeq(group, " = ") {
				vs = append(vs, ranked{strings.TrimSpace(v), i})
			}
		}
		for _, a := range vs {
			for _, b := range vs {
				got, err := Compare(scheme, a.v, b.v)
				if err != nil {
					t.Errorf("%s: Compare(%q, %q): %v", scheme, a.v, b.v, err)
					continue
				}
				if want := cmpInt(a.rank, b.rank); got != want {
					t.Errorf("%s: Compare(%q, %q) = %d, want %d (chain %q)", scheme, a.v, b.v, got, want, chain)
				}
			}
		}
	}
}

// checkInvalid checks that each version is refused with an error naming
// the scheme and the value.
func checkInvalid(t *testing.T, scheme string, bad []string) {
	t.Helper()
	for _, v := range bad {
		_, err := Parse(scheme, v)
		if err == nil {
			t.Errorf("%s: Parse(%q) succeeded, want an error", scheme, v)
			continue
		}
		var ve *VersionError
		if !errors.As(err, &ve) || ve.Scheme != scheme || ve.Value != v || !strings.Contains(err.Error(), scheme) {
			t.Errorf("%s: Parse(%q) error %q does not name the scheme and the value", scheme, v, err)
		}
	}
}

func TestSemverOrder(t *testing.T) {
	checkOrder(t, "semver", []string{
		// semver.org §11
		"1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0",
		"1.0.0 < 2.0.0 < 2.1.0 < 2.1.1",
		"0.9.9 < 0.10.0 < 0.10.1 < 1.0.0-0 < 1.0.0",
		"1.0.0 = v1.0.0 = V1.0.0 = =1.0.0 = 1.0.0+build.5 = 1.0.0+20130313144700 = 1.0 = 1",
		"1.0.0-rc.1+build.1 = 1.0.0-rc.1 < 1.0.0-rc.1.0 < 1.0.0-rc.2",
		"1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0-a < 1.0.0-a-b",
		"1.0.0-alpha.01 = 1.0.0-alpha.1 < 1.0.0-alpha.x",
		// Go pseudo-versions
		"v0.0.0-20191109021931-daa7c04131f5 < v0.0.0-20200101000000-000000000000 < v0.0.1",
		"v1.2.3 < v1.2.4-0.20191109021931-daa7c04131f5 < v1.2.4",
		// NuGet four parts, RubyGems dotted pre-releases
		"4.0.0 < 4.0.0.1 < 4.0.1",
		"1.2.3.beta1 = 1.2.3-beta1 < 1.2.3.rc1 < 1.2.3",
		"18.2.0 < 18.3.0-canary-1 < 18.3.0-next < 18.3.0 < 18.3.1",
		"4.17.20 < 4.17.21 < 4.18.0",
		"99999999999999999999.0.0 < 100000000000000000000.0.0",
	})
	checkInvalid(t, "semver", []string{"", "abc", "1.2.3.4.5", "1..2", "1.2.3-", "1.2.3-a..b", "1.2.3+", "1.2.x", "1.2.3-al$pha", "v", " "})
}

func TestPEP440Order(t *testing.T) {
	checkOrder(t, "pep440", []string{
		// The ordering example of the PEP
		"1.0.dev456 < 1.0a1 < 1.0a2.dev456 < 1.0a12.dev456 < 1.0a12 < 1.0b1.dev456 < 1.0b2 < 1.0b2.post345.dev456 < 1.0b2.post345 < 1.0rc1.dev456 < 1.0rc1 < 1.0 < 1.0+abc.5 < 1.0+abc.7 < 1.0+5 < 1.0.post456.dev34 < 1.0.post456 < 1.0.15 < 1.1.dev1",
		"1.0 = 1.0.0 = 1 = v1.0 = 1.0.0.0 = 0!1.0",
		"1.0a1 = 1.0alpha1 = 1.0-a1 = 1.0.a.1 = 1.0A1 = 1.0_alpha_1",
		"1.0b0 = 1.0b = 1.0beta = 1.0-beta",
		"1.0rc1 = 1.0c1 = 1.0pre1 = 1.0preview1 = 1.0-rc-1",
		"1.0.post1 = 1.0-1 = 1.0post1 = 1.0.rev1 = 1.0-r1 = 1.0_post_1",
		"1.0.dev0 = 1.0.dev = 1.0dev = 1.0-dev0",
		"1.0+ubuntu-1 = 1.0+ubuntu.1 = 1.0+ubuntu_1 = 1.0+UBUNTU.1",
		"1.0+a < 1.0+a.b < 1.0+a.1 < 1.0+b < 1.0+1 < 1.0+2 < 1.0+10",
		"2.0 < 1!0.1 < 1!1.0 < 2!0.0.1",
		"2.31.0 < 2.32.0 < 2.32.3 < 2.32.4",
		"3.2.5 < 3.2.18 < 4.0a1 < 4.0 < 4.2.7",
		"1.26.0 < 1.26.5 < 1.26.18 < 2.0.0a1 < 2.0.0",
	})
	checkInvalid(t, "pep440", []string{"", "abc", "1.0-", "1.0+", "1.0+a..b", "1.0x", "1.0.", "!1.0", "1!", "1.0 1", "1.0+a$"})
}

func TestMavenOrder(t *testing.T) {
	checkOrder(t, "maven", []string{
		// The POM reference's examples
		"1-snapshot < 1 < 1-sp",
		"1 = 1.0 = 1.0.0 = 1-0 = 1.ga = 1-ga = 1.final = 1.release = 1-GA",
		"1-alpha1 = 1-alpha-1 = 1-a1 < 1-a-1",
		"1-alpha < 1-beta < 1-milestone < 1-rc = 1-cr < 1-snapshot < 1 < 1-sp < 1-abc < 1-xyz",
		"1-1 < 1-2 < 1-2.1 < 1-10 < 1.1",
		"1-sp < 1.0.1",
		"1-rc1 < 1-rc2 < 1-rc10 < 1",
		// Java ecosystem reality
		"2.9.10 < 2.9.10.1 < 2.9.10.8 < 2.10.0 < 2.10.0.pr1 < 2.10.1 < 2.12.7.1",
		"5.3.18 = 5.3.18.RELEASE < 5.3.19",
		"1.0.0.M1 < 1.0.0.RC1 < 1.0.0 = 1.0.0.RELEASE < 1.0.1",
		"2.14.1 < 2.15.0-rc1 < 2.15.0-rc2 < 2.15.0 < 2.16.0 < 2.17.1",
		"30.1-android < 30.1-jre < 31.0-jre < 31.0.1-jre < 32.0.0-android",
		"9.4.43.v20210629 < 9.4.44.v20210927",
		"1.0-SNAPSHOT < 1.0 < 1.0.1-SNAPSHOT < 1.0.1",
		"2.0.0.Final = 2.0.0 < 2.0.0.SP1 < 2.0.1.Final",
	})
	checkInvalid(t, "maven", []string{"", "1.0 beta", "1.0\tx"})
}

func TestDebOrder(t *testing.T) {
	checkOrder(t, "deb", []string{
		"1.0~rc1 < 1.0 < 1.0a < 1.0+b1 < 1.0.1",
		"1.0~~ < 1.0~~a < 1.0~ < 1.0 < 1.0a",
		"1.0 = 0:1.0 = 1.0-0 = 00:1.0",
		"1.0-1 < 1.0-1ubuntu1 < 1.0-1ubuntu1.1 < 1.0-1.1 < 1.0-2",
		"2:1.0 < 3:0.1",
		"9.9 < 1:0.1",
		"1.1.1f-1ubuntu2 < 1.1.1f-1ubuntu2.16 < 1.1.1f-1ubuntu2.20 < 1.1.1n-0+deb11u5",
		"7.64.0-4 < 7.64.0-4+deb10u1 < 7.64.0-4+deb10u2 < 7.74.0-1.3+deb11u7",
		"2.31-13+deb11u5 < 2.31-13+deb11u10",
		"1.2.3-1~bpo11+1 < 1.2.3-1",
		"1:2.30-1 < 1:2.30-1+b1 < 1:2.30.1-1",
		"1.0.010 = 1.0.10",
	})
	checkInvalid(t, "deb", []string{"", "a1.0", "x:1.0", "1.0-", "1.0_1", "1.0-a_b", ":1.0", "1.0 1"})
}

func TestRPMOrder(t *testing.T) {
	checkOrder(t, "rpm", []string{
		"1.0~rc1 < 1.0 < 1.0^git1 < 1.0.1",
		"1.0~rc1 < 1.0~rc2 < 1.0",
		"1.0 = 1_0 = 1.0. = 0:1.0",
		"1.0a < 1.0b < 1.0.1",
		"1.0 < 1.0a < 1.0.0",
		"1.1.1k-12.el8_9 < 1.1.1k-14.el8_6 < 1:1.1.1k-1.el8",
		"3.0.7-24.el9 < 3.0.7-25.el9 < 3.0.7-27.el9_4",
		"2.28-225.el8 < 2.28-225.el8_8.6 < 2.28-236.el8",
		"5.14.0-362.8.1.el9_3 < 5.14.0-362.13.1.el9_3 < 5.14.0-427.13.1.el9_4",
		"1.0 < 1.0-1 < 1.0-2",
		"alpha < 1",
		"1.01 = 1.1 < 1.10",
	})
	checkInvalid(t, "rpm", []string{"", "...", "1.0-", "a:1.0", "1.0 1"})
}

func TestGenericOrder(t *testing.T) {
	checkOrder(t, "cpe", []string{
		"2.4.48 < 2.4.49 < 2.4.50 < 2.4.51",
		"2.4 = 2.4.0 = 2-4 = 2_4_0",
		"1.0.2 < 1.0.2a < 1.0.2k < 1.0.2za < 1.1.0",
		"2.0dev < 2.0alpha1 < 2.0beta < 2.0rc1 < 2.0rc2 < 2.0 < 2.0.1",
		"10.0.17763.1 < 10.0.19041.1 < 10.0.19041.1415",
		"8.0 < 8.0.1 < 8.1 < 9",
		"0 < 0.1 < 1",
		"5.7.36 < 8.0.27",
		"9.0.40 < 9.0.41 < 10.0.0-milestone1 < 10.0.0 < 10.0.0-m1",
	})
	checkInvalid(t, "cpe", []string{"", "*", "-", "..."})
}

func TestUnknownScheme(t *testing.T) {
	_, err := Compare("npm", "1.0", "2.0")
	if err == nil || !strings.Contains(err.Error(), "npm") {
		t.Fatalf("Compare in an unknown scheme: %v", err)
	}
}

func TestSchemeForPURL(t *testing.T) {
	for typ, want := range map[string]string{
		"npm": "semver", "golang": "semver", "cargo": "semver", "nuget": "semver", "gem": "semver",
		"pypi": "pep440", "PyPI": "pep440", "maven": "maven", "deb": "deb", "rpm": "rpm",
		"apk": "cpe", "generic": "cpe", "github": "cpe",
	} {
		if got := SchemeForPURL(typ); got != want {
			t.Errorf("SchemeForPURL(%q) = %q, want %q", typ, got, want)
		}
	}
}
