package intel

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// corpusFile is the path of a file of the shared corpus (see corpustest).
func corpusFile(t testing.TB, rel string) string { return corpustest.File(t, rel) }

// countTypes counts indicators per type.
func countTypes(inds []Indicator) map[Type]int {
	out := map[Type]int{}
	for _, ind := range inds {
		out[ind.Type]++
	}
	return out
}

// checkResult compares a result's counts with the wanted ones and checks
// that every indicator is canonical and has a TLP.
func checkResult(t *testing.T, res ImportResult, want map[Type]int, skipped Skipped) {
	t.Helper()
	if got := countTypes(res.Indicators); !maps.Equal(got, want) {
		t.Errorf("indicators %v, want %v", got, want)
	}
	if !maps.Equal(res.Skipped, skipped) && (len(res.Skipped) > 0 || len(skipped) > 0) {
		t.Errorf("skipped %v, want %v", res.Skipped, skipped)
	}
	for _, ind := range res.Indicators {
		if c, err := Canonical(ind.Type, ind.Value); err != nil || c != ind.Value || !ind.TLP.Valid() {
			t.Errorf("indicator %+v is not canonical (%q, %v) or has no TLP", ind, c, err)
		}
	}
}

func TestReadList(t *testing.T) {
	in := "\uFEFF# a comment\r\n" +
		"; another\n// and another\n! AdBlock comment\n\n" +
		"192.0.2.1\r\n" +
		"198.51.100.0/24 ; SBL0001\n" +
		"evil[.]example  # trailing comment\n" +
		"0.0.0.0 ads.example tracker.example # blocked\n" +
		"127.0.0.1 localhost\n" +
		"||adblock.example^\n" +
		"hxxp://phish.example/a,b;c|d#e\n" +
		"c2.example,Domain used by x,2016-06-05\n" +
		"2001:db8::1\n" +
		"192.0.2.1\n" +
		"AS260 ; not an indicator\n" +
		strings.Repeat("x", MaxLineBytes+10) + "\n" +
		"last.example"
	res, err := ReadList(strings.NewReader(in), Indicator{TLP: tlp.Green, Source: "test", Confidence: 150})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeIPv4: 1, TypeCIDR: 1, TypeDomain: 6, TypeURL: 1, TypeIPv6: 1},
		Skipped{ReasonUnrecognised: 2, ReasonLineTooLong: 1, "duplicate": 1})
	var values []string
	for _, ind := range res.Indicators {
		values = append(values, ind.Value)
		if ind.TLP != tlp.Green || ind.Source != "test" || ind.Confidence != 100 {
			t.Errorf("defaults not applied: %+v", ind)
		}
	}
	want := []string{"192.0.2.1", "198.51.100.0/24", "evil.example", "ads.example", "tracker.example", "adblock.example",
		"http://phish.example/a,b;c%7Cd", "c2.example", "2001:db8::1", "last.example"}
	if !slices.Equal(values, want) {
		t.Errorf("values\n%q\nwant\n%q", values, want)
	}
	notes := map[string]string{}
	for _, n := range res.Notes {
		notes[n.Where] = n.Reason
	}
	if notes["line 10"] != ReasonUnrecognised || notes["line 16"] != ReasonUnrecognised || notes["line 17"] != ReasonLineTooLong {
		t.Errorf("notes %+v", res.Notes)
	}
}

func TestReadListTyped(t *testing.T) {
	res, err := ReadList(strings.NewReader("evil.example\n192.0.2.1\nhttp://x.example/\n"), Indicator{Type: TypeDomain})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeDomain: 1}, Skipped{ReasonBadValue: 2})
	if res.Indicators[0].TLP != DefaultTLP {
		t.Errorf("TLP %v, want the default %v", res.Indicators[0].TLP, DefaultTLP)
	}
	if len(res.Notes) != 2 || res.Notes[0].Where != "line 2" || !strings.Contains(res.Notes[0].Detail, "IP address") {
		t.Errorf("notes %+v", res.Notes)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadListErrors(t *testing.T) {
	_, err := ReadList(io.MultiReader(strings.NewReader("192.0.2.1\n"), failingReader{}), Indicator{})
	if e, ok := errors.AsType[*errs.Error](err); !ok || e.Kind != errs.KindBadRequest || e.Code != CodeReadFailed {
		t.Errorf("reader failure: %#v", err)
	}
	_, err = ReadList(LimitReader(strings.NewReader(strings.Repeat("192.0.2.1\n", 100)), 500), Indicator{})
	if e, ok := errors.AsType[*errs.Error](err); !ok || e.Kind != errs.KindTooLarge || e.Code != CodeTooLarge {
		t.Errorf("over the limit: %#v", err)
	}
	res, err := ReadList(LimitReader(strings.NewReader(strings.Repeat("192.0.2.1\n", 50)), 500), Indicator{})
	if err != nil || len(res.Indicators) != 1 || res.Skipped["duplicate"] != 49 {
		t.Errorf("at the limit: %v %v", res, err)
	}
}

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("abc"), 3); err != nil || string(b) != "abc" {
		t.Errorf("ReadAll at the bound = %q, %v", b, err)
	}
	if _, err := ReadAll(strings.NewReader("abcd"), 3); !errs.Is(err, errs.KindTooLarge) {
		t.Errorf("ReadAll over the bound: %v", err)
	}
}

func TestWithDefaults(t *testing.T) {
	d := WithDefaults(Indicator{Confidence: -5})
	if d.TLP != DefaultTLP || d.Confidence != 0 {
		t.Errorf("WithDefaults = %+v", d)
	}
	until := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	d = WithDefaults(Indicator{TLP: tlp.Red, Confidence: 70, ValidUntil: until})
	if d.TLP != tlp.Red || d.Confidence != 70 || !d.ValidUntil.Equal(until) {
		t.Errorf("WithDefaults = %+v", d)
	}
}

// TestReadListCorpus reads the real plain lists of the corpus. The counts
// were checked against the files with grep, cut and sort -u.
func TestReadListCorpus(t *testing.T) {
	for _, c := range []struct {
		file    string
		want    map[Type]int
		skipped Skipped
	}{
		{"feeds/blocklists/usom__ips.head3000.txt", map[Type]int{TypeIPv4: 3000}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__spamhaus_drop.txt", map[Type]int{TypeCIDR: 737}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__spamhaus_edrop.txt", map[Type]int{TypeCIDR: 71}, nil},
		{"feeds/intelmq-testdata/intelmq__spamhaus_drop.txt", map[Type]int{TypeCIDR: 2}, nil},
		{"feeds/intelmq-testdata/intelmq__spamhaus_asndrop.txt", map[Type]int{}, Skipped{ReasonUnrecognised: 2}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__openphish_feed.txt", map[Type]int{TypeURL: 42}, nil},
		{"feeds/intelmq-testdata/intelmq__openphish_feed.txt", map[Type]int{}, Skipped{ReasonUnrecognised: 2}}, // www..example.com
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__vxvault_feed.txt", map[Type]int{TypeURL: 12}, Skipped{ReasonUnrecognised: 2}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__sansedu_low.txt", map[Type]int{TypeDomain: 26}, Skipped{ReasonUnrecognised: 1}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__bambenek_ipv4_feed.txt", map[Type]int{TypeIPv4: 19}, Skipped{"duplicate": 3}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__bambenek_fqdn_feed.txt", map[Type]int{TypeDomain: 15}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__alienvault_feed.txt", map[Type]int{TypeIPv4: 12}, nil},
		{"feeds/intelmq-testdata/intelmq__blocklistde_imap.txt", map[Type]int{TypeIPv4: 6}, nil},
		{"feeds/intelmq-testdata/intelmq__spamhaus_cert.txt", map[Type]int{TypeIPv4: 11}, Skipped{"duplicate": 8}},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			f, err := os.Open(corpusFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := ReadList(f, Indicator{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, c.want, c.skipped)
		})
	}
}
