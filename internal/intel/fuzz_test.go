package intel

import (
	"errors"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// checkIndicators fails unless every indicator is canonical and marked.
func checkIndicators(t *testing.T, res ImportResult) {
	t.Helper()
	for _, ind := range res.Indicators {
		if c, err := Canonical(ind.Type, ind.Value); err != nil || c != ind.Value {
			t.Fatalf("indicator %s %q is not canonical: %q, %v", ind.Type, ind.Value, c, err)
		}
		if !ind.TLP.Valid() {
			t.Fatalf("indicator %+v has no TLP", ind)
		}
	}
}

// checkDocErr fails unless err is an *errs.Error with a code and a message.
func checkDocErr(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Code == "" || e.Public == "" {
		t.Fatalf("error %#v is not an *errs.Error with a code and a message", err)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::ffff:1.2.3.4/120", "evil[.]example", "hxxp://a[.]b/c(.)d?e#f",
		"HTTP://[2001:db8::1]:80/%7e/%zz/../x", "bücher.example", "a@B.example", strings.Repeat("f", 64),
		"x.example/a b", "192.0.2.1:8080", "http://u@h.example:65535/", "*.evil.example", "xn--bcher-kva.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ, c, ok := Classify(s)
		if !ok {
			return
		}
		if again, err := Canonical(typ, c); err != nil || again != c {
			t.Fatalf("Classify(%q) = %s %q, but Canonical gives %q, %v", s, typ, c, again, err)
		}
		if t2, c2, ok := Classify(c); !ok || t2 != typ || c2 != c {
			t.Fatalf("Classify(%q) = %s %q, then %s %q %v", s, typ, c, t2, c2, ok)
		}
	})
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"http://evil.example", "HTTPS://A.example:443/./a/../b?x#y", "ftp://[::1]:21/%2e%2E/",
		"ws://u:p@ex.example:0080/%", "http://bücher.example/é", "http://x.example/a[.]b(.)c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, ok := CanonicalURL(s); ok {
			if again, ok := CanonicalURL(u); !ok || again != u {
				t.Fatalf("CanonicalURL(%q) = %q, then %q %v", s, u, again, ok)
			}
		}
		if h, ok := CanonicalHost(s); ok {
			if again, ok := CanonicalHost(h); !ok || again != h {
				t.Fatalf("CanonicalHost(%q) = %q, then %q %v", s, h, again, ok)
			}
		}
	})
}

func FuzzReadList(f *testing.F) {
	f.Add([]byte("# c\n192.0.2.1 ; x\n0.0.0.0 a.example b.example\n||c.example^\nhxxp://d[.]example/\n"))
	f.Add([]byte("\uFEFF1.10.16.0/20 ; SBL256894\r\nevil.example,desc\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadList(strings.NewReader(string(b)), Indicator{})
		if err != nil {
			checkDocErr(t, err)
			return
		}
		checkIndicators(t, res)
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("ip,name\n192.0.2.1,x\n"))
	f.Add([]byte("# when,host\n2020-01-01,evil.example\n"))
	f.Add([]byte("Start\tEnd\n10.0.0.1\t10.0.0.6\n"))
	f.Add([]byte("a;\"b\nc\";d\n#x;y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadCSV(strings.NewReader(string(b)), Indicator{}, Columns{})
		if err != nil {
			checkDocErr(t, err)
			return
		}
		checkIndicators(t, res)
	})
}
