package vuln_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/vuln"
)

func rng(scheme, lo string, loInc bool, hi string, hiInc bool) advisory.Range {
	return advisory.Range{Scheme: scheme, Lower: lo, LowerInclusive: loInc, Upper: hi, UpperInclusive: hiInc}
}

// matchCase is one advisory against items; want lists "item:product" for
// the items it must match, in item id order.
type matchCase struct {
	name  string
	adv   advisory.Advisory
	items []vuln.Item
	want  []string
	probs []string // substrings of problems (advisory's and items') that must be reported
}

func TestMatchCases(t *testing.T) {
	cases := []matchCase{{
		name: "npm semver with pre-releases and a scoped package",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:npm/lodash", Ranges: []advisory.Range{rng("semver", "", false, "4.17.21", false)}},
			{PURL: "pkg:npm/%40babel/core", Ranges: []advisory.Range{rng("", "7.0.0", true, "7.23.2", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:npm/lodash@4.17.20"},
			{ID: "2", PURL: "pkg:npm/lodash@4.17.21"},
			{ID: "3", PURL: "pkg:npm/lodash@4.17.21-rc.1"},
			{ID: "4", PURL: "pkg:npm/lodash", Version: "v4.17.4"},
			{ID: "5", PURL: "pkg:npm/@babel/core@7.22.0"},
			{ID: "6", PURL: "pkg:npm/%40babel/core@7.23.2"},
			{ID: "7", PURL: "pkg:npm/%40babel/core@7.0.0-beta.1"},
			{ID: "8", PURL: "pkg:npm/lodash.merge@4.0.0"},
		},
		want: []string{"1:0", "3:0", "4:0", "5:1"},
	}, {
		name: "Go modules: module paths fold case, v prefixes",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:golang/github.com/foo/bar", Ranges: []advisory.Range{rng("semver", "0", true, "1.2.4", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:golang/github.com/Foo/Bar@v1.2.3"},
			{ID: "2", PURL: "pkg:golang/github.com/foo/bar@v1.2.4"},
			// A pseudo-version of 0.0.0 is a pre-release, below 0.0.0, but an
			// inclusive lower bound "0" means "from the first version" (OSV).
			{ID: "3", PURL: "pkg:golang/github.com/foo/bar@v0.0.0-20191109021931-daa7c04131f5"},
			{ID: "4", PURL: "pkg:golang/github.com/foo/bar@v0.1.0-20191109021931-daa7c04131f5"},
		},
		want: []string{"1:0", "3:0", "4:0"},
	}, {
		name: "PyPI: PEP 503 names, PEP 440 versions",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:pypi/django_rest-framework", Ranges: []advisory.Range{rng("pep440", "3.0a1", true, "3.0.post1", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:pypi/Django.REST_Framework", Version: "3.0"},
			{ID: "2", PURL: "pkg:pypi/django-rest-framework@3.0.post1"},
			{ID: "3", PURL: "pkg:pypi/django-rest-framework@3.0.0a1"},
			{ID: "4", PURL: "pkg:pypi/django-rest-framework@3.0.dev1"},
			{ID: "5", PURL: "pkg:pypi/django-rest-framework@3.0+ubuntu.1"},
		},
		want: []string{"1:0", "3:0", "5:0"},
	}, {
		name: "Maven: qualifiers, case-sensitive group",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:maven/org.apache.logging.log4j/log4j-core", Ranges: []advisory.Range{rng("maven", "2.0-beta9", true, "2.15.0", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
			{ID: "2", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0"},
			{ID: "3", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.0"},
			{ID: "4", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.0-beta8"},
			{ID: "5", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0-rc1"},
			{ID: "6", PURL: "pkg:maven/Org.Apache.Logging.Log4j/log4j-core@2.14.1"},
			{ID: "7", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0.GA"},
		},
		want: []string{"1:0", "3:0", "5:0"},
	}, {
		name: "Debian: revisions, epochs, distribution namespaces",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:deb/debian/openssl", Ranges: []advisory.Range{rng("deb", "", false, "1.1.1n-0+deb11u5", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u4?arch=amd64"},
			{ID: "2", PURL: "pkg:deb/debian/openssl@1.1.1n-0+deb11u5"},
			{ID: "3", PURL: "pkg:deb/ubuntu/openssl@1.1.1f-1ubuntu2"},
			{ID: "4", PURL: "pkg:deb/debian/openssl", Version: "1:1.0"},
			{ID: "5", PURL: "pkg:deb/debian/openssl", Version: "1.1.1n~rc1-1"},
		},
		want: []string{"1:0", "5:0"},
	}, {
		name: "RPM: epochs, releases, tildes",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:rpm/redhat/openssl", Ranges: []advisory.Range{rng("rpm", "", false, "1:1.1.1k-12.el8_9", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:rpm/redhat/openssl@1:1.1.1k-7.el8_6"},
			{ID: "2", PURL: "pkg:rpm/redhat/openssl@1.1.1k-12.el8_9"},
			{ID: "3", PURL: "pkg:rpm/redhat/openssl@1:1.1.1k-12.el8_9"},
			{ID: "4", PURL: "pkg:rpm/redhat/openssl", Version: "1:1.1.1k-12.el8_9.1"},
			{ID: "5", PURL: "pkg:rpm/redhat/openssl", Version: "1:1.1.1k~pre1-1"},
		},
		want: []string{"1:0", "2:0", "5:0"},
	}, {
		name: "CPE: case folding, escaping, version in the name or beside it, inclusive bounds",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{rng("cpe", "2.4.49", true, "2.4.50", true)}},
			{CPE: `cpe:2.3:a:micro\$oft:internet_explorer:*:*:*:*:*:*:*:*`},
		}},
		items: []vuln.Item{
			{ID: "1", CPE: `cpe:2.3:a:Apache:HTTP_Server:2.4.49:*:*:*:*:*:*:*`},
			{ID: "2", CPE: "cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*"},
			{ID: "3", CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", Version: "2.4.50"},
			{ID: "4", CPE: `cpe:/a:apache:http_server:2.4.49`},
			{ID: "5", CPE: `cpe:2.3:a:micro\$oft:internet_explorer:8\.0:*:*:*:*:*:*:*`},
			{ID: "6", CPE: "cpe:2.3:a:apache:http_server:2.4.50.0:*:*:*:*:*:*:*"},
			{ID: "7", CPE: "cpe:2.3:a:apache:tomcat:2.4.49:*:*:*:*:*:*:*"},
		},
		want: []string{"1:0", "3:0", "4:0", "5:1", "6:0"},
	}, {
		name: "CPE: a concrete version without ranges is that version",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{CPE: "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"},
		}},
		items: []vuln.Item{
			{ID: "1", CPE: "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"},
			{ID: "2", CPE: "cpe:2.3:a:openssl:openssl:1.0.2l:*:*:*:*:*:*:*"},
			{ID: "3", CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", Version: "1.0.2K"},
		},
		want: []string{"1:0", "3:0"},
	}, {
		name: "CPE: target_sw constrains only when both name it",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{CPE: "cpe:2.3:a:acme:forms:*:*:*:*:*:wordpress:*:*", Ranges: []advisory.Range{rng("cpe", "", false, "3.0", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", CPE: "cpe:2.3:a:acme:forms:2.0:*:*:*:*:wordpress:*:*"},
			{ID: "2", CPE: "cpe:2.3:a:acme:forms:2.0:*:*:*:*:drupal:*:*"},
			{ID: "3", CPE: "cpe:2.3:a:acme:forms:2.0:*:*:*:*:*:*:*"},
			{ID: "4", CPE: "cpe:2.3:a:acme:forms:2.0:*:*:*:*:WordPress:*:*"},
		},
		want: []string{"1:0", "3:0", "4:0"},
	}, {
		name: "no range and no version: every version, even none",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:cargo/smallvec"},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:cargo/smallvec@0.6.9"},
			{ID: "2", PURL: "pkg:cargo/SmallVec"},
			{ID: "3", PURL: "pkg:cargo/smallvec2@1.0.0"},
		},
		want: []string{"1:0", "2:0"},
	}, {
		name: "exact versions, an overridden scheme, the first of several products",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{PURL: "pkg:nuget/Newtonsoft.Json", Versions: []string{"12.0.1", "12.0.2"}},
			{CPE: "cpe:2.3:a:newtonsoft:json.net:*:*:*:*:*:*:*:*", Ranges: []advisory.Range{rng("semver", "", false, "13.0.1", false)}},
			{PURL: "pkg:nuget/newtonsoft.json", Ranges: []advisory.Range{rng("", "", false, "13.0.1", false)}},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:nuget/newtonsoft.json@12.0.2"},
			{ID: "2", PURL: "pkg:nuget/Newtonsoft.Json@12.0.3"},
			{ID: "3", CPE: "cpe:2.3:a:newtonsoft:json.net:12.0.3:*:*:*:*:*:*:*"},
			{ID: "4", CPE: "cpe:2.3:a:newtonsoft:json.net:13.0.1:*:*:*:*:*:*:*", PURL: "pkg:nuget/Newtonsoft.Json@12.0.1"},
		},
		want: []string{"1:0", "2:2", "3:1", "4:0"},
	}, {
		name: "bad input is reported and skipped, never widened to every version",
		adv: advisory.Advisory{ID: "A", Products: []advisory.Product{
			{CPE: "cpe:2.3:a:broken", PURL: "pkg:npm/left-pad", Ranges: []advisory.Range{rng("semver", "", false, "1.3.0", false)}},
			{PURL: "pkg:npm/qs", Ranges: []advisory.Range{rng("semver", "not-a-version", true, "", false)}},
			{PURL: "pkg:npm/minimist", Ranges: []advisory.Range{rng("semver", "", false, "1.2.x", false), rng("semver", "1.2.5", true, "1.2.6", false)}},
			{PURL: "pkg:npm/ms", Ranges: []advisory.Range{rng("calver", "", false, "2.0", false)}},
			{PURL: "not a purl"},
		}},
		items: []vuln.Item{
			{ID: "1", PURL: "pkg:npm/left-pad@1.2.0"},
			{ID: "2", PURL: "pkg:npm/qs@6.0.0"},
			{ID: "3", PURL: "pkg:npm/minimist@1.2.5"},
			{ID: "4", PURL: "pkg:npm/minimist@1.0.0"},
			{ID: "5", PURL: "pkg:npm/ms@1.0.0"},
			{ID: "6", PURL: "pkg:npm/left-pad", Version: "latest"},
			{ID: "7", PURL: "pkg:npm/left-pad"},
			{ID: "8", CPE: "cpe:2.3:a:x"},
			{ID: "9"},
		},
		want: []string{"1:0", "3:2"},
		probs: []string{
			`A: products[0].cpe: CPE "cpe:2.3:a:broken"`,
			`A: products[1].ranges[0].lower: semver version "not-a-version"`,
			`A: products[2].ranges[0].upper: semver version "1.2.x"`,
			`A: products[3].ranges[0].scheme: unknown version scheme "calver"`,
			`A: products[4].purl: package URL "not a purl"`,
			`item 6: version: semver version "latest"`,
			`item 7: version: no version`,
			`item 8: cpe: CPE "cpe:2.3:a:x"`,
			`item 9: cpe: names neither`,
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.items {
				tc.items[i].OrgID, tc.items[i].SystemID = "org", "sys"
			}
			var want []vuln.Match
			for _, w := range tc.want {
				item, prod, _ := strings.Cut(w, ":")
				want = append(want, vuln.Match{AdvisoryID: tc.adv.ID, ItemID: item, OrgID: "org", SystemID: "sys", Product: int(prod[0] - '0')})
			}
			advs := []advisory.Advisory{tc.adv}
			if got := vuln.Naive(advs, tc.items); !slices.Equal(got, want) {
				t.Errorf("Naive: %s", diff(got, want))
			}
			ai, aprobs := vuln.NewAdvisoryIndex(advs)
			got, iprobs := ai.MatchProblems(tc.items)
			if !slices.Equal(got, want) {
				t.Errorf("AdvisoryIndex: %s", diff(got, want))
			}
			ii, iprobs2 := vuln.NewInventoryIndex(tc.items)
			got, aprobs2 := ii.Match(tc.adv)
			if !slices.Equal(got, want) {
				t.Errorf("InventoryIndex: %s", diff(got, want))
			}
			for _, p := range tc.probs {
				for name, ps := range map[string][]vuln.Problem{
					"advisory index": append(aprobs, iprobs...), "inventory index": append(iprobs2, aprobs2...),
				} {
					if !slices.ContainsFunc(ps, func(q vuln.Problem) bool { return strings.Contains(q.String(), p) }) {
						t.Errorf("%s: no problem %q among %v", name, p, ps)
					}
				}
			}
			if len(tc.probs) == 0 && len(aprobs)+len(iprobs)+len(iprobs2)+len(aprobs2) > 0 {
				t.Errorf("unexpected problems: %v %v %v %v", aprobs, iprobs, iprobs2, aprobs2)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	ai, probs := vuln.NewAdvisoryIndex(nil)
	if m := ai.Match(nil); len(m) != 0 || len(probs) != 0 {
		t.Errorf("empty advisory index: %v %v", m, probs)
	}
	if m := ai.Match([]vuln.Item{{ID: "1", PURL: "pkg:npm/x@1.0.0"}}); len(m) != 0 {
		t.Errorf("empty advisory index matched %v", m)
	}
	ii, _ := vuln.NewInventoryIndex(nil)
	if m, _ := ii.Match(advisory.Advisory{ID: "A", Products: []advisory.Product{{PURL: "pkg:npm/x"}}}); len(m) != 0 {
		t.Errorf("empty inventory index matched %v", m)
	}
	if m := vuln.Naive(nil, nil); len(m) != 0 {
		t.Errorf("Naive of nothing: %v", m)
	}
}
