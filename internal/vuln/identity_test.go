package vuln

import "testing"

func TestCPEIdentity(t *testing.T) {
	for _, tc := range []struct {
		in, key, version string
		attrs            cpeAttrs
	}{
		{"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*", "cpe:a:apache:http_server", "2.4.49", cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}},
		{"CPE:2.3:A:Apache:HTTP_Server:2.4.49:*:*:*:*:*:*:*", "cpe:a:apache:http_server", "2.4.49", cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}},
		{"cpe:/a:apache:http_server:2.4.49", "cpe:a:apache:http_server", "2.4.49", cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}},
		{`cpe:2.3:a:micro\$oft:internet_explorer:8\.0\.6001:beta:*:*:*:*:*:*`, "cpe:a:micro$oft:internet_explorer", "8.0.6001", cpeAttrs{"beta", "*", "*", "*", "*", "*", "*"}},
		{`cpe:/a:micro%24oft:internet_explorer:8.0.6001:beta`, "cpe:a:micro$oft:internet_explorer", "8.0.6001", cpeAttrs{"beta", "*", "*", "*", "*", "*", "*"}},
		{"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*", "cpe:o:linux:linux_kernel", "-", cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}},
		{"cpe:2.3:a:acme:forms:*:*:*:*:*:WordPress:x64:*", "cpe:a:acme:forms", "*", cpeAttrs{"*", "*", "*", "*", "wordpress", "x64", "*"}},
		{"cpe:2.3:h:cisco:rv320:-:*:*:*:*:*:*:*", "cpe:h:cisco:rv320", "-", cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}},
	} {
		n, err := parseCPE(tc.in)
		if err != nil {
			t.Errorf("parseCPE(%q): %v", tc.in, err)
			continue
		}
		if n.key != tc.key || n.version != tc.version || n.attrs != tc.attrs {
			t.Errorf("parseCPE(%q) = %q %q %v, want %q %q %v", tc.in, n.key, n.version, n.attrs, tc.key, tc.version, tc.attrs)
		}
	}
	for _, bad := range []string{
		"", "cpe:2.3:a:apache", "apache:http_server", "cpe:2.3:x:apache:http_server:*:*:*:*:*:*:*:*",
		"cpe:2.3:a:*:http_server:*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:-:*:*:*:*:*:*:*:*", "cpe:/a%:00000000000000",
	} {
		if n, err := parseCPE(bad); err == nil {
			t.Errorf("parseCPE(%q) = %+v, want an error", bad, n)
		}
	}
}

func TestCPEAttrsAgree(t *testing.T) {
	any := cpeAttrs{"*", "*", "*", "*", "*", "*", "*"}
	wp := cpeAttrs{"*", "*", "*", "*", "wordpress", "*", "*"}
	drupal := cpeAttrs{"*", "*", "*", "*", "drupal", "*", "*"}
	na := cpeAttrs{"-", "*", "*", "*", "*", "*", "*"}
	sp1 := cpeAttrs{"sp1", "*", "*", "*", "*", "*", "*"}
	for _, tc := range []struct {
		adv, item cpeAttrs
		want      bool
	}{
		{any, any, true}, {wp, any, true}, {wp, wp, true}, {wp, drupal, false}, {any, drupal, true},
		{na, sp1, false}, {na, na, true}, {na, any, true}, {sp1, sp1, true},
	} {
		if got := tc.adv.agree(&tc.item); got != tc.want {
			t.Errorf("%v agree %v = %v, want %v", tc.adv, tc.item, got, tc.want)
		}
	}
	if any.concrete() || !wp.concrete() || !na.concrete() {
		t.Error("concrete: wrong")
	}
}

func TestPURLIdentity(t *testing.T) {
	for _, tc := range []struct{ in, key, typ, version string }{
		{"pkg:npm/lodash@4.17.21", "purl:npm//lodash", "npm", "4.17.21"},
		{"pkg:npm/%40babel/core@7.0.0", "purl:npm/@babel/core", "npm", "7.0.0"},
		{"pkg:npm/@babel/core", "purl:npm/@babel/core", "npm", ""},
		{"pkg:NPM/lodash", "purl:npm//lodash", "npm", ""},
		{"pkg:pypi/Django_REST.framework@3.0", "purl:pypi//django-rest-framework", "pypi", "3.0"},
		{"pkg:pypi/zope.interface", "purl:pypi//zope-interface", "pypi", ""},
		{"pkg:pypi/a__b--c", "purl:pypi//a-b-c", "pypi", ""},
		{"pkg:golang/github.com/Foo/Bar@v1.2.3", "purl:golang/github.com/foo/bar", "golang", "v1.2.3"},
		{"pkg:maven/Org.Example/Lib@1.0", "purl:maven/Org.Example/Lib", "maven", "1.0"},
		{"pkg:nuget/Newtonsoft.Json@13.0.1", "purl:nuget//newtonsoft.json", "nuget", "13.0.1"},
		{"pkg:cargo/SmallVec@1.0.0", "purl:cargo//smallvec", "cargo", "1.0.0"},
		{"pkg:deb/Debian/OpenSSL@1.1.1n-0%2Bdeb11u5?arch=amd64&distro=bullseye", "purl:deb/debian/openssl", "deb", "1.1.1n-0+deb11u5"},
		{"pkg:rpm/redhat/openssl@1%3A1.1.1k-12.el8_9?arch=x86_64", "purl:rpm/redhat/openssl", "rpm", "1:1.1.1k-12.el8_9"},
		{"pkg:gem/rails@7.0.0#lib", "purl:gem//rails", "gem", "7.0.0"},
		{" pkg:npm/lodash ", "purl:npm//lodash", "npm", ""},
	} {
		n, err := parsePURL(tc.in)
		if err != nil {
			t.Errorf("parsePURL(%q): %v", tc.in, err)
			continue
		}
		if n.key != tc.key || n.typ != tc.typ || n.version != tc.version {
			t.Errorf("parsePURL(%q) = %+v, want %q %q %q", tc.in, n, tc.key, tc.typ, tc.version)
		}
	}
	for _, bad := range []string{"", "npm/lodash", "pkg:npm", "pkg:/lodash", "pkg:npm/", "http://example.com/x"} {
		if n, err := parsePURL(bad); err == nil {
			t.Errorf("parsePURL(%q) = %+v, want an error", bad, n)
		}
	}
}
