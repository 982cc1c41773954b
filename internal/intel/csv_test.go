package intel

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

func values(inds []Indicator) []string {
	var out []string
	for _, ind := range inds {
		out = append(out, string(ind.Type)+" "+ind.Value)
	}
	return out
}

func TestReadCSVNamedColumns(t *testing.T) {
	in := "id,indicator,itype,seen,note,level\n" +
		"1,192.0.2.1,ipv4,2016-03-23 20:35:01 UTC,\"scanner, port 22\",red\n" +
		"# 2,commented.example,fqdn,,,\n" +
		"3,evil.example,fqdn,2016-03-23,,nonsense\n" +
		"4,,ipv4,,,\n"
	res, err := ReadCSV(strings.NewReader(in), Indicator{TLP: tlp.Green},
		Columns{Value: "Indicator", Type: "itype", FirstSeen: "seen", Description: "note", TLP: "6"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeIPv4: 1, TypeDomain: 1}, Skipped{ReasonEmptyValue: 1})
	a, b := res.Indicators[0], res.Indicators[1]
	if a.Value != "192.0.2.1" || a.TLP != tlp.Red || a.Description != "scanner, port 22" ||
		!a.ValidFrom.Equal(time.Date(2016, 3, 23, 20, 35, 1, 0, time.UTC)) {
		t.Errorf("first row %+v", a)
	}
	if b.Value != "evil.example" || b.TLP != tlp.Green || b.Description != "" || !b.ValidFrom.Equal(time.Date(2016, 3, 23, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("second row %+v", b)
	}
}

func TestReadCSVNoHeader(t *testing.T) {
	in := "\uFEFFx;192.0.2.1;a\r\ny;192.0.2.2;b\r\n;evil.example;c\r\n"
	res, err := ReadCSV(strings.NewReader(in), Indicator{}, Columns{Value: "2", NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ipv4 192.0.2.1", "ipv4 192.0.2.2", "domain evil.example"}
	if got := values(res.Indicators); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadCSVGuess(t *testing.T) {
	// The header comes from the last comment line; the value column is the
	// one that classifies best: url (3 of 3) over host (2 of 3, as a cell
	// spans lines, one of them starting with '#').
	in := "# generated today\n# when,host,url,count\n" +
		"2020-01-01,evil.example,http://evil.example/a,3\n" +
		"2020-01-02,192.0.2.7,http://192.0.2.7/b,4\n" +
		"2020-01-03,\"multi\n# not a comment\nline\",http://x.example/,5\n"
	res, err := ReadCSV(strings.NewReader(in), Indicator{}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeURL: 3}, nil)
	res, err = ReadCSV(strings.NewReader(in), Indicator{}, Columns{Value: "host"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeDomain: 1, TypeIPv4: 1}, Skipped{ReasonUnrecognised: 1})
	if n := res.Notes[0]; n.Where != "row 3" || n.Detail != "multi\n# not a comment\nline" {
		t.Errorf("note %+v", n)
	}
}

func TestReadCSVRanges(t *testing.T) {
	in := "Start\tEnd\tName\n" +
		"10.0.0.1\t10.0.0.6\tx\n" +
		"192.0.2.0\t192.0.2.255\ty\n" +
		"10.0.0.9\t10.0.0.1\tbackwards\n" +
		"10.0.0.9\t2001:db8::1\tmixed\n"
	res, err := ReadCSV(strings.NewReader(in), Indicator{}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ipv4 10.0.0.1", "cidr 10.0.0.2/31", "cidr 10.0.0.4/31", "ipv4 10.0.0.6", "cidr 192.0.2.0/24"}
	if got := values(res.Indicators); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if res.Skipped[ReasonBadRange] != 2 {
		t.Errorf("skipped %v", res.Skipped)
	}
	all, err := rangePrefixes("0.0.0.0", "255.255.255.255")
	if err != nil || len(all) != 1 || all[0].String() != "0.0.0.0/0" {
		t.Errorf("whole space: %v %v", all, err)
	}
	v6, err := rangePrefixes("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")
	if err != nil || len(v6) != 128 {
		t.Errorf("IPv6 space but one: %d prefixes, %v", len(v6), err)
	}
}

func TestReadCSVTyped(t *testing.T) {
	res, err := ReadCSV(strings.NewReader("value\nevil.example\n192.0.2.1\n"), Indicator{Type: TypeDomain}, Columns{Value: "value"})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, map[Type]int{TypeDomain: 1}, Skipped{ReasonBadValue: 1})
}

func TestReadCSVEmpty(t *testing.T) {
	for _, in := range []string{"", "# only comments\n\n", "ip,name\n"} {
		res, err := ReadCSV(strings.NewReader(in), Indicator{}, Columns{})
		if err != nil || len(res.Indicators) != 0 {
			t.Errorf("ReadCSV(%q) = %v, %v", in, res, err)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, c := range []struct {
		name, in string
		col      Columns
		kind     errs.Kind
		code     string
	}{
		{"unknown column", "a,b\n1,2\n", Columns{Value: "ip"}, errs.KindInvalid, CodeBadCSV},
		{"position out of range", "a,b\n1,2\n", Columns{Value: "0"}, errs.KindInvalid, CodeBadCSV},
		{"no indicators", "a,b\n1,2\nx,y\n", Columns{}, errs.KindInvalid, CodeBadCSV},
		{"line too long", "ip\n" + strings.Repeat("1", MaxLineBytes+1) + "\n", Columns{}, errs.KindTooLarge, CodeTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.in), Indicator{}, c.col)
			if e, ok := err.(*errs.Error); !ok || e.Kind != c.kind || e.Code != c.code {
				t.Fatalf("error %#v, want %v %s", err, c.kind, c.code)
			}
		})
	}
}

// TestReadCSVCorpus reads the real CSV-like feeds of the corpus with the
// value column guessed. The counts were checked against the files with
// grep, cut and sort -u.
func TestReadCSVCorpus(t *testing.T) {
	for _, c := range []struct {
		file    string
		want    map[Type]int
		skipped Skipped
	}{
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__bambenek_ipv4_feed.txt", map[Type]int{TypeIPv4: 19}, Skipped{"duplicate": 3}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__bambenek_fqdn_feed.txt", map[Type]int{TypeDomain: 15}, nil},
		{"feeds/intelmq-testdata/intelmq__bambenek_c2-ipmasterlist.txt", map[Type]int{TypeIPv4: 1}, nil},
		{"feeds/intelmq-testdata/intelmq__bambenek_dga-feed.txt", map[Type]int{TypeDomain: 1}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__csirtg_feed.txt", map[Type]int{TypeIPv4: 16}, Skipped{"duplicate": 9}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__csirtg_feed2_csv.txt", map[Type]int{TypeIPv4: 1}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__smrt_data_feed_defanged.txt", map[Type]int{TypeIPv4: 6}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__ransomware_abuse_ch_feed.txt", map[Type]int{TypeDomain: 14, TypeIPv4: 1}, Skipped{"duplicate": 6}},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__sansedu_block.txt", map[Type]int{TypeCIDR: 15}, nil},
		{"feeds/intelmq-testdata/intelmq__dshield_block.txt", map[Type]int{TypeCIDR: 2}, nil},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__spamhaus_drop.txt", map[Type]int{TypeCIDR: 737}, nil},
		{"feeds/intelmq-testdata/intelmq__spamhaus_cert.txt", map[Type]int{TypeIPv4: 11}, Skipped{"duplicate": 8}},
		{"feeds/intelmq-testdata/intelmq__cymru_certname_20190327.txt", map[Type]int{TypeIPv4: 1}, Skipped{"duplicate": 34}},
		{"feeds/intelmq-testdata/intelmq__cymru_infected_20171031.txt", map[Type]int{TypeIPv4: 1}, Skipped{"duplicate": 8}},
		{"feeds/intelmq-testdata/intelmq__dataplane_dnsrd.txt", map[Type]int{TypeIPv4: 1}, nil},
		{"feeds/intelmq-testdata/intelmq__dataplane_sshpwauth.txt", map[Type]int{TypeIPv4: 2}, Skipped{ReasonUnrecognised: 1}}, // an AS name holds '|'
		{"feeds/intelmq-testdata/intelmq__cert_eu_example.csv", map[Type]int{TypeIPv4: 2}, nil},
		{"feeds/intelmq-testdata/intelmq__shadowserver_test_smb.csv", map[Type]int{TypeIPv4: 3}, nil},
		{"feeds/intelmq-testdata/intelmq__shadowserver_test_telnet.csv", map[Type]int{TypeIPv4: 1}, Skipped{"duplicate": 1}},
		{"feeds/intelmq-testdata/intelmq__zoneh_defacement_accepted.csv", map[Type]int{TypeURL: 2}, nil},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			f, err := os.Open(corpusFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := ReadCSV(f, Indicator{}, Columns{})
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, c.want, c.skipped)
		})
	}
}

// TestReadCSVCorpusColumns checks what the auto-mapped columns bring.
func TestReadCSVCorpusColumns(t *testing.T) {
	read := func(rel string, col Columns) ImportResult {
		f, err := os.Open(corpusFile(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		res, err := ReadCSV(f, Indicator{}, col)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	eu := read("feeds/intelmq-testdata/intelmq__cert_eu_example.csv", Columns{})
	if a, b := eu.Indicators[0], eu.Indicators[1]; a.Value != "109.125.93.10" || a.TLP != tlp.Amber || b.TLP != tlp.Green ||
		!a.ValidFrom.Equal(time.Date(2019, 4, 1, 3, 13, 20, 0, time.UTC)) || !b.ValidFrom.IsZero() ||
		!strings.HasPrefix(b.Description, "This type most often refers to a URL") {
		t.Errorf("CERT.EU rows %+v\n%+v", a, b)
	}
	rw := read("feeds/csirtg-smrt-testdata/csirtg-smrt__ransomware_abuse_ch_feed.txt", Columns{Value: "URL"})
	if len(rw.Indicators) != 21 || rw.Indicators[0].Value != "http://ipekmodakaftan.com/ikd5sl" ||
		!rw.Indicators[0].ValidFrom.Equal(time.Date(2016, 3, 23, 15, 23, 31, 0, time.UTC)) {
		t.Errorf("ransomware tracker by URL: %d, first %+v", len(rw.Indicators), rw.Indicators[0])
	}
	cs := read("feeds/csirtg-smrt-testdata/csirtg-smrt__csirtg_feed.txt", Columns{})
	if d := cs.Indicators[0].Description; d != "sourced from firewall logs (incomming WAN, TCP, Syn, blocked)" {
		t.Errorf("csirtg description %q", d)
	}
	ds := read("feeds/intelmq-testdata/intelmq__dshield_block.txt", Columns{})
	if got := values(ds.Indicators); !slices.Equal(got, []string{"cidr 43.229.53.0/24", "cidr 194.63.140.0/24"}) {
		t.Errorf("DShield %q", got)
	}
}
