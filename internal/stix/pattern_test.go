package stix

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const (
	sha256a = "AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F"
	sha1a   = "46aba99aa7158e4609aaa72b50990842fd22ae86"
	md5a    = "79054025255fb1a26e4bc422aef54eb4"
)

// TestPatterns parses patterns and converts them: each case names the
// observables it gives ("type value") and the reasons of the branches it
// skips, or the error it must fail with.
func TestPatterns(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth-1) + "[ipv4-addr:value = '10.0.0.1']" + strings.Repeat(")", MaxDepth-1)
	tooDeep := strings.Repeat("(", MaxDepth+1) + "[ipv4-addr:value = '10.0.0.1']" + strings.Repeat(")", MaxDepth+1)
	for _, c := range []struct {
		name, pattern string
		obs           []string
		skips         []string
		err           string // a substring of the error; "" when it parses
	}{
		// equality on each supported observable
		{name: "ipv4", pattern: "[ipv4-addr:value = '198.51.100.1']", obs: []string{"ipv4 198.51.100.1"}},
		{name: "ipv4 CIDR", pattern: "[ipv4-addr:value = '198.51.100.7/24']", obs: []string{"cidr 198.51.100.0/24"}},
		{name: "ipv4 /32 is an address", pattern: "[ipv4-addr:value = '198.51.100.1/32']", obs: []string{"ipv4 198.51.100.1"}},
		{name: "ISSUBSET CIDR", pattern: "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", obs: []string{"cidr 198.51.100.0/24"}},
		{name: "ipv6 /128", pattern: "[ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']", obs: []string{"ipv6 2001:db8:dead:beef:dead:beef:dead:1"}},
		{name: "domain", pattern: "[domain-name:value = 'Example.COM']", obs: []string{"domain example.com"}},
		{name: "url OR url", pattern: "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']", obs: []string{"url http://example.com/foo", "url http://example.com/bar"}},
		{name: "sha256 quoted key", pattern: "[file:hashes.'SHA-256' = '" + sha256a + "']", obs: []string{"sha256 " + strings.ToLower(sha256a)}},
		{name: "sha1 quoted key", pattern: "[file:hashes.'SHA-1' = '" + sha1a + "']", obs: []string{"sha1 " + sha1a}},
		{name: "md5 bare key", pattern: "[file:hashes.MD5 = '" + md5a + "']", obs: []string{"md5 " + md5a}},
		{name: "md5 lower-case key", pattern: "[file:hashes.md5 = '" + md5a + "']", obs: []string{"md5 " + md5a}},
		{name: "email", pattern: "[email-addr:value = 'Bob@Example.com']", obs: []string{"email bob@example.com"}},
		{name: "double equals", pattern: "[domain-name:value == 'a.example']", obs: []string{"domain a.example"}},
		{name: "space and comments", pattern: "[ /* c */ ipv4-addr:value\n=\t'10.0.0.1' // x\n]\u00a0", obs: []string{"ipv4 10.0.0.1"}},
		{name: "string escapes", pattern: `[url:value = 'http://a.example/it\'s\\x']`, obs: []string{`url http://a.example/it's%5Cx`}},
		// OR, IN and parentheses
		{name: "OR of observations", pattern: "[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value = 'a.example']", obs: []string{"ipv4 10.0.0.1", "domain a.example"}},
		{name: "parenthesised OR", pattern: "([ipv4-addr:value = '10.0.0.1'] OR ([domain-name:value = 'a.example']))", obs: []string{"ipv4 10.0.0.1", "domain a.example"}},
		{name: "nested comparison OR", pattern: "[(ipv4-addr:value = '10.0.0.1' OR ipv4-addr:value = '10.0.0.2') OR domain-name:value = 'x.example']", obs: []string{"ipv4 10.0.0.1", "ipv4 10.0.0.2", "domain x.example"}},
		{name: "IN set", pattern: "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2/31')]", obs: []string{"ipv4 10.0.0.1", "cidr 10.0.0.2/31"}},
		{name: "deep nesting", pattern: deep, obs: []string{"ipv4 10.0.0.1"}},
		// branches that are skipped
		{name: "AND of comparisons", pattern: "[file:hashes.'SHA-256' = '" + sha256a + "' AND file:mime_type = 'application/x-pdf']", skips: []string{ReasonAnd}},
		{name: "AND before OR", pattern: "[domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '10.0.0.1' OR url:value = 'http://b.example/']", obs: []string{"url http://b.example/"}, skips: []string{ReasonAnd}},
		{name: "AND of observations", pattern: "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']", skips: []string{ReasonAnd}},
		{name: "FOLLOWEDBY", pattern: "[file:hashes.MD5 = '" + md5a + "'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']", skips: []string{ReasonFollowedBy}},
		{name: "WITHIN on FOLLOWEDBY", pattern: "([file:hashes.MD5 = '" + md5a + "'] FOLLOWEDBY [url:value = 'http://a.example/']) WITHIN 300 SECONDS", skips: []string{ReasonQualifier}},
		{name: "REPEATS", pattern: "[domain-name:value = 'x.example'] REPEATS 5 TIMES", skips: []string{ReasonQualifier}},
		{name: "START STOP", pattern: "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'", skips: []string{ReasonQualifier}},
		{name: "qualified beside plain", pattern: "[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.2'] WITHIN 60.5 SECONDS", obs: []string{"ipv4 10.0.0.1"}, skips: []string{ReasonQualifier}},
		{name: "LIKE", pattern: "[domain-name:value LIKE '%.example']", skips: []string{ReasonOperator}},
		{name: "MATCHES", pattern: `[url:value MATCHES '^http://a\\.example/']`, skips: []string{ReasonOperator}},
		{name: "not equal", pattern: "[ipv4-addr:value != '10.0.0.1']", skips: []string{ReasonOperator}},
		{name: "NOT equal", pattern: "[ipv4-addr:value NOT = '10.0.0.1']", skips: []string{ReasonOperator}},
		{name: "greater than", pattern: "[ipv4-addr:value > '10.0.0.1']", skips: []string{ReasonOperator}},
		{name: "ISSUPERSET", pattern: "[ipv4-addr:value ISSUPERSET '10.0.0.0/8']", skips: []string{ReasonOperator}},
		{name: "ISSUBSET of a domain", pattern: "[domain-name:value ISSUBSET 'a.example']", skips: []string{ReasonOperator}},
		{name: "EXISTS", pattern: "[NOT EXISTS windows-registry-key:values]", skips: []string{ReasonObject}},
		{name: "unsupported object", pattern: "[x509-certificate:serial_number = '4c:0b']", skips: []string{ReasonObject}},
		{name: "unsupported hash", pattern: "[file:hashes.'SHA-512' = 'ab']", skips: []string{ReasonObject}},
		{name: "reference path", pattern: "[domain-name:resolves_to_refs[*].value = '10.0.0.1']", skips: []string{ReasonObject}},
		{name: "bad address", pattern: "[ipv4-addr:value = 'not an ip']", skips: []string{ReasonBadValue}},
		{name: "domain with a space", pattern: "[domain-name:value = 'domain autuo.xicp.net']", skips: []string{ReasonBadValue}},
		{name: "number for a value", pattern: "[ipv4-addr:value = 5]", skips: []string{ReasonBadValue}},
		{name: "typed literals", pattern: "[file:magic_number_hex = h'ffd8' AND artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=' AND file:created = t'2014-01-13T07:03:17.123Z' AND file:size >= -1.5 AND file:x = true AND file:y[-1] < .5]", skips: []string{ReasonAnd}},
		// patterns that do not parse
		{name: "empty", pattern: "", err: "want"},
		{name: "no brackets", pattern: "ipv4-addr:value = '1.2.3.4'", err: `want "[" or "("`},
		{name: "unclosed bracket", pattern: "[ipv4-addr:value = '1.2.3.4'", err: `want "]"`},
		{name: "unterminated string", pattern: "[ipv4-addr:value = '1.2.3.4]", err: "unterminated string"},
		{name: "bad escape", pattern: `[url:value = 'a\nb']`, err: "backslash"},
		{name: "lower-case keyword", pattern: "[a:b = 'x' or a:b = 'y']", err: `want "]"`},
		{name: "hyphen in a property", pattern: "[file:mime-type = 'x']", err: "property name"},
		{name: "missing constant", pattern: "[ipv4-addr:value = ]", err: "a constant"},
		{name: "bad timestamp", pattern: "[file:created = t'2016-13-01T00:00:00Z']", err: "bad timestamp"},
		{name: "bad hex", pattern: "[file:magic_number_hex = h'abc']", err: "bad hex"},
		{name: "bad base64", pattern: "[artifact:payload_bin = b'!!']", err: "bad binary"},
		{name: "LIKE needs a string", pattern: "[file:name LIKE 5]", err: "want a string"},
		{name: "order needs an orderable", pattern: "[file:size > true]", err: "orderable"},
		{name: "two WITHIN", pattern: "[a:b = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS", err: "second WITHIN"},
		{name: "REPEATS zero", pattern: "[a:b = 'x'] REPEATS 0 TIMES", err: "positive number"},
		{name: "REPEATS fraction", pattern: "[a:b = 'x'] REPEATS 1.5 TIMES", err: "positive number"},
		{name: "STOP before START", pattern: "[a:b = 'x'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", err: "STOP is not after START"},
		{name: "too deep", pattern: tooDeep, err: "nested deeper"},
		{name: "trailing text", pattern: "[a:b = 'x'] ]", err: "the end of the pattern"},
		{name: "unterminated comment", pattern: "[a:b = 'x'] /* ", err: "unterminated comment"},
		{name: "leading zero", pattern: "[file:size = 007]", err: "may not start with 0"},
		{name: "stray character", pattern: "[a:b = 'x'] $", err: "unexpected character"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.pattern)
			if c.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Parse(%q) = %v, %v; want a *SyntaxError with %q", c.pattern, p, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.pattern, err)
			}
			obs, skips := Extract(p)
			var gotObs, gotSkips []string
			for _, o := range obs {
				gotObs = append(gotObs, string(o.Type)+" "+o.Value)
			}
			for _, s := range skips {
				gotSkips = append(gotSkips, s.Reason)
			}
			if !slices.Equal(gotObs, c.obs) || !slices.Equal(gotSkips, c.skips) {
				t.Errorf("observables %q skips %q; want %q %q", gotObs, gotSkips, c.obs, c.skips)
			}
			text := p.String()
			again, err := Parse(text)
			if err != nil || again.String() != text {
				t.Errorf("String() = %q does not parse back to itself: %v", text, err)
			}
		})
	}
}

func TestPatternString(t *testing.T) {
	p, err := Parse("([a:b='x' AND (c:'d'.e[*] IN ('y', 1)) OR f:g NOT MATCHES 'it\\'s'] FOLLOWEDBY [h:i = 2]) REPEATS +3 TIMES")
	if err != nil {
		t.Fatal(err)
	}
	want := "([(a:b = 'x' AND c:d.e[*] IN ('y', 1)) OR f:g NOT MATCHES 'it\\'s'] FOLLOWEDBY [h:i = 2]) REPEATS 3 TIMES"
	if got := p.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := Parse("[ipv4-addr:value = '1.2.3.4' XOR x:y = 'z']")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Pos != 29 {
		t.Fatalf("error %v, want a *SyntaxError at 29", err)
	}
	if _, err := Parse(strings.Repeat(" ", MaxPatternLen+1)); err == nil {
		t.Error("an over-long pattern parsed")
	}
}
