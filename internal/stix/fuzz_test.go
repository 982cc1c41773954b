package stix

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		"[ipv4-addr:value = '198.51.100.1/32' OR ipv6-addr:value ISSUBSET '2001:db8::/32']",
		"([file:hashes.'SHA-256' = 'ab'] FOLLOWEDBY [x:y[*].z != 5]) WITHIN 300.5 SECONDS REPEATS 2 TIMES",
		"[a:b IN ('x', -1, .5, true, h'ff', b'AA==', t'2016-01-01T00:00:00.1Z')] START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:60Z'",
		`[NOT EXISTS a:'b'.c AND d:e NOT MATCHES 'it\'s \\ ok' /* c */] // end`,
		"[(a:b = 'x' OR (c:d = 'y')) AND e:f LIKE '%'] AND [g:h > 1] OR [i:j <= 2]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q): error %#v", s, err)
			}
			return
		}
		text := p.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", s, text, err)
		}
		if again.String() != text {
			t.Fatalf("%q printed %q, then %q", s, text, again.String())
		}
		obs, _ := Extract(p)
		for _, o := range obs {
			if c, err := intel.Canonical(o.Type, o.Value); err != nil || c != o.Value {
				t.Fatalf("observable %s %q is not canonical", o.Type, o.Value)
			}
		}
	})
}

func FuzzReadBundle(f *testing.F) {
	f.Add([]byte(`{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '10.0.0.1']","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}]}`))
	f.Add([]byte(`[{"type":"observed-data","id":"observed-data--1","objects":{"0":{"type":"file","hashes":{"MD5":"79054025255fb1a26e4bc422aef54eb4"}}}},{"type":"url","id":"url--1","value":"http://a.example"}]`))
	f.Add([]byte(`{"type":"indicator","id":"indicator--2","pattern":"[url:value = 'x']","pattern_type":"stix","confidence":101}`))
	for _, name := range []string{"oasis-schemas-examples__indicators-for-C2-with-COA.json", "misp-stix__test_objects_collection_stix21.json"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpus", "stix2", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, obs := range []bool{false, true} {
			res, err := Read(bytes.NewReader(b), Options{Observables: obs, MaxBytes: 1 << 20})
			if err != nil {
				if e, ok := errors.AsType[*errs.Error](err); !ok || e.Code == "" || e.Public == "" {
					t.Fatalf("error %#v is not an *errs.Error with a code and a message", err)
				}
				return
			}
			for _, ind := range res.Indicators {
				if c, err := intel.Canonical(ind.Type, ind.Value); err != nil || c != ind.Value || !ind.TLP.Valid() {
					t.Fatalf("indicator %+v is not canonical or has no TLP", ind)
				}
			}
		}
	})
}
