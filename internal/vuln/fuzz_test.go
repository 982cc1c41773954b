package vuln

import (
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
)

// checkTotal parses three strings in scheme and checks, on those the
// scheme accepts, that Compare is a total order: reflexive, antisymmetric,
// transitive, and that equal versions compare alike with a third. It also
// checks Compare and Parse never panic and errors name scheme and value.
func checkTotal(t *testing.T, scheme string, ss ...string) {
	var vs []Version
	for _, s := range ss {
		v, err := Parse(scheme, s)
		if err != nil {
			ve, ok := err.(*VersionError)
			if !ok || ve.Scheme != scheme || ve.Value != s {
				t.Fatalf("Parse(%q): error %v does not name the scheme and value", s, err)
			}
			continue
		}
		if v.Scheme() != scheme || v.String() != s {
			t.Fatalf("Parse(%q) = %q in %q", s, v.String(), v.Scheme())
		}
		vs = append(vs, v)
	}
	for _, a := range vs {
		if c := a.Compare(a); c != 0 {
			t.Fatalf("Compare(%q, itself) = %d", a, c)
		}
		for _, b := range vs {
			ab, ba := a.Compare(b), b.Compare(a)
			if ab != -ba || ab < -1 || ab > 1 {
				t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
			}
			for _, c := range vs {
				bc, ac := b.Compare(c), a.Compare(c)
				if ab <= 0 && bc <= 0 && ac > 0 {
					t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
				}
				if ab == 0 && ac != bc {
					t.Fatalf("%q = %q but they compare %d and %d with %q", a, b, ac, bc, c)
				}
			}
		}
	}
}

func fuzzScheme(f *testing.F, scheme string, seeds ...string) {
	for i := range seeds {
		f.Add(seeds[i], seeds[(i+1)%len(seeds)], seeds[(i+2)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) { checkTotal(t, scheme, a, b, c) })
}

func FuzzParseSemver(f *testing.F) {
	fuzzScheme(f, advisory.SchemeSemver, "1.0.0", "1.0.0-alpha.1", "v2.3.4+build", "1.0.0-rc.1.x-y", "1.2", "1.2.3.beta1", "1.2.3.4", "0.0.0-20191109021931-daa7c04131f5")
}

func FuzzParsePEP440(f *testing.F) {
	fuzzScheme(f, advisory.SchemePEP440, "1.0", "1!2.0", "1.0a1", "1.0.post1.dev2", "1.0+local.7", "1.0rc1", "1.0-1", "2.0.dev3", "v1.0_beta_2")
}

func FuzzParseMaven(f *testing.F) {
	fuzzScheme(f, advisory.SchemeMaven, "1.0", "1.0-SNAPSHOT", "1.0.0.RC1", "1-sp", "31.0-jre", "1.0.alpha", "1.sp", "1-a1", "2.0.0.Final", "1-1.foo-bar1baz-.1")
}

func FuzzParseDeb(f *testing.F) {
	fuzzScheme(f, advisory.SchemeDeb, "1.0", "1:2.3-4", "1.0~rc1-1", "1.1.1n-0+deb11u5", "2.31-13+deb11u10", "1.0-1ubuntu0.1", "1.0a")
}

func FuzzParseRPM(f *testing.F) {
	fuzzScheme(f, advisory.SchemeRPM, "1.0", "1:1.1.1k-12.el8_9", "1.0~rc1", "1.0^git1", "5.14.0-362.8.1.el9_3", "alpha", "1_0")
}

func FuzzParseCPEVersion(f *testing.F) {
	fuzzScheme(f, advisory.SchemeCPE, "2.4.49", "1.0.2k", "2.0rc1", "10.0.19041.1415", "8.0 update 121", "0", "1.0-beta")
}

// FuzzCPE feeds CPE names to the identity parser: it must not panic, and a
// name it accepts has a key that parsing the key's own parts again keeps.
func FuzzCPE(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
		`cpe:2.3:a:micro\$oft:internet_explorer:8\.0:beta:*:*:*:*:*:*`,
		"cpe:/a:openssl:openssl:1.0.2k",
		"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*",
		"cpe:2.3:a:vendor:plugin:*:*:*:*:*:wordpress:*:*",
		`cpe:2.3:a:vendor:product:1\.2\+b1:*:*:*:*:*:*:*`,
		"cpe:2.3:a:vendor:product:1.2~RC1:sp1:*:*:*:*:*:*",
		"cpe:2.3:a:vendor:product:1.2:*:*:*:*:*:*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCPE(s)
		// The items' parser shares one parse among versions of a name: it
		// must give what a parse of the whole name gives.
		n2, err2 := newItemParser().cpe(s)
		if (err == nil) != (err2 == nil) || n != n2 {
			t.Fatalf("parseCPE(%q) = %+v, %v; itemParser.cpe = %+v, %v", s, n, err, n2, err2)
		}
		if err != nil {
			return
		}
		if len(n.key) < len("cpe:a::") {
			t.Fatalf("parseCPE(%q): key %q", s, n.key)
		}
	})
}

// FuzzPURL feeds package URLs to the identity parser.
func FuzzPURL(f *testing.F) {
	for _, s := range []string{
		"pkg:npm/%40babel/core@7.0.0", "pkg:pypi/Django_REST.framework@3.0", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
		"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u5?arch=amd64", "pkg:golang/github.com/Foo/Bar@v1.2.3", "pkg:rpm/redhat/openssl@1:1.1.1k-12.el8_9",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parsePURL(s)
		if err != nil {
			return
		}
		if n.typ == "" || n.key == "" {
			t.Fatalf("parsePURL(%q) = %+v", s, n)
		}
	})
}

// FuzzAgree builds one advisory and one item from fuzzed names, bounds
// and versions and checks that both indexes agree with Naive.
func FuzzAgree(f *testing.F) {
	f.Add("pkg:npm/lodash", "semver", "1.0.0", "2.0.0", true, "pkg:npm/lodash@1.5.0", "")
	f.Add("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "", "0", "2.4.50", true, "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "")
	f.Add("pkg:pypi/django", "pep440", "", "4.0a1", false, "pkg:pypi/Django", "3.2.1")
	f.Add("pkg:deb/debian/openssl", "deb", "1.1.1", "", false, "pkg:deb/debian/openssl", "1.1.1n-0+deb11u5")
	f.Add("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*", "", "", "", true, "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*", "")
	f.Add("pkg:npm/ms", "calver", "", "", false, "pkg:npm/ms@1.0.0", "")
	f.Fuzz(func(t *testing.T, name, scheme, lo, hi string, inc bool, itemName, version string) {
		p := advisory.Product{Ranges: []advisory.Range{{Scheme: scheme, Lower: lo, LowerInclusive: inc, Upper: hi, UpperInclusive: !inc}}}
		if lo == "" && hi == "" && inc {
			p.Ranges = nil // and with !inc an unbounded range
		}
		it := Item{ID: "i", OrgID: "o", SystemID: "s", Version: version}
		if len(name) > 4 && name[:4] == "cpe:" {
			p.CPE = name
		} else {
			p.PURL = name
		}
		if len(itemName) > 4 && itemName[:4] == "cpe:" {
			it.CPE = itemName
		} else {
			it.PURL = itemName
		}
		advs := []advisory.Advisory{{ID: "a", Products: []advisory.Product{p, {PURL: name, Versions: []string{hi}}}}}
		items := []Item{it}
		want := Naive(advs, items)
		ai, _ := NewAdvisoryIndex(advs)
		if got := ai.Match(items); !equalMatches(got, want) {
			t.Fatalf("AdvisoryIndex %v, Naive %v", got, want)
		}
		ii, _ := NewInventoryIndex(items)
		if got, _ := ii.Match(advs[0]); !equalMatches(got, want) {
			t.Fatalf("InventoryIndex %v, Naive %v", got, want)
		}
	})
}

func equalMatches(a, b []Match) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
