package importer

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// corpusFile is the path of a file of the shared corpus (see corpustest).
func corpusFile(t testing.TB, rel string) string { return corpustest.File(t, rel) }

func codeOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Code
	}
	return ""
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name, file, doc string
		want            intel.Format
		code            string
	}{
		{"stix bundle", "x.json", `{"type":"bundle","id":"bundle--1","objects":[]}`, intel.FormatSTIX, ""},
		{"stix array", "x", ` [{"type":"indicator","id":"indicator--1"}]`, intel.FormatSTIX, ""},
		{"misp event", "x.json", `{"Event":{"info":"x"}}`, intel.FormatMISP, ""},
		{"misp response", "x.json", `{"response":[{"Event":{"info":"x"}}]}`, intel.FormatMISP, ""},
		{"misp manifest", "manifest.json", `{"00000000-0000-0000-0000-000000000000":{"info":"x"}}`, intel.FormatMISPFeed, ""},
		{"other json", "x.txt", `{"indicators":[]}`, "", CodeUnknownFormat},
		{"json lines", "x.txt", "{\"ip\":\"192.0.2.1\"}\n{\"ip\":\"192.0.2.2\"}\n", "", CodeUnknownFormat},
		{"gzip", "x.gz", "\x1f\x8b\x08\x00", "", CodeCompressed},
		{"list", "x.txt", "# c\n192.0.2.1\nevil.example\n", intel.FormatList, ""},
		{"adblock header is not JSON", "x.txt", "[Adblock Plus 2.0]\n||evil.example^\n", intel.FormatList, ""},
		{"csv by content", "x.txt", "a,b\n1,2\n3,4\n", intel.FormatCSV, ""},
		{"csv by name", "x.csv", "192.0.2.1\n", intel.FormatCSV, ""},
		{"hosts file with tabs", "hosts", "0.0.0.0\ta.example\n0.0.0.0\tb.example\n", intel.FormatList, ""},
		{"urls with a comma now and then", "x.txt", "http://a.example/x,y\nhttp://b.example/\nhttp://c.example/\n", intel.FormatList, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Detect(c.file, []byte(c.doc))
			if got != c.want || codeOf(err) != c.code {
				t.Fatalf("Detect = %q, %v; want %q %q", got, err, c.want, c.code)
			}
		})
	}
}

// TestDryRunCorpus dry-runs real files of every format; the counts are
// those the format packages' own corpus tests check.
func TestDryRunCorpus(t *testing.T) {
	for _, c := range []struct {
		file    string
		format  intel.Format
		added   map[intel.Type]int
		skipped intel.Skipped
		events  int
	}{
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__spamhaus_drop.txt", intel.FormatCSV, map[intel.Type]int{intel.TypeCIDR: 737}, nil, 0},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__openphish_feed.txt", intel.FormatList, map[intel.Type]int{intel.TypeURL: 42}, nil, 0},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__alienvault_feed.txt", intel.FormatList, map[intel.Type]int{intel.TypeIPv4: 12}, nil, 0},
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__csirtg_feed.txt", intel.FormatCSV, map[intel.Type]int{intel.TypeIPv4: 16}, intel.Skipped{"duplicate": 9}, 0},
		{"feeds/intelmq-testdata/intelmq__dshield_block.txt", intel.FormatCSV, map[intel.Type]int{intel.TypeCIDR: 2}, nil, 0},
		{"feeds/intelmq-testdata/intelmq__spamhaus_asndrop.txt", intel.FormatList, map[intel.Type]int{}, intel.Skipped{intel.ReasonUnrecognised: 2}, 0},
		{"feeds/blocklists/usom__ips.head3000.txt", intel.FormatList, map[intel.Type]int{intel.TypeIPv4: 3000}, nil, 0},
		{"stix2/oasis-schemas-examples__apt1.json", intel.FormatSTIX,
			map[intel.Type]int{intel.TypeCIDR: 4, intel.TypeDomain: 3, intel.TypeMD5: 3}, intel.Skipped{"not_indicator": 64, "compound_and": 2}, 0},
		{"misp/pymisp__sighting_1-ursnif.json", intel.FormatMISP, map[intel.Type]int{intel.TypeDomain: 4, intel.TypeURL: 1}, nil, 0},
		{"misp/feed-chrome-mal-ids/manifest.json", intel.FormatMISPFeed, map[intel.Type]int{}, nil, 79},
		{"misp/feed-chrome-mal-ids/049f01a5-7e01-559b-83e8-3a67738bbbe1.json", intel.FormatMISP, map[intel.Type]int{},
			intel.Skipped{"not_to_ids": 2, "type:text": 1}, 0},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			f, err := os.Open(corpusFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rep, err := DryRun(filepath.Base(c.file), f)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, n := range rep.Added {
				total += n
			}
			if rep.Format != c.format || !maps.Equal(rep.Added, c.added) || total != rep.Total || len(rep.Manifest) != c.events ||
				(!maps.Equal(rep.Skipped, c.skipped) && (len(rep.Skipped) > 0 || len(c.skipped) > 0)) {
				t.Errorf("report %s %v total %d skipped %v events %d; want %s %v %v %d",
					rep.Format, rep.Added, rep.Total, rep.Skipped, len(rep.Manifest), c.format, c.added, c.skipped, c.events)
			}
		})
	}
}

func TestDryRunRefuses(t *testing.T) {
	for _, c := range []struct{ file, code string }{
		{"feeds/csirtg-smrt-testdata/csirtg-smrt__phishtank_feed.json.gz", CodeCompressed},
		{"feeds/intelmq-testdata/intelmq__microsoft_ctip_azure.txt", CodeUnknownFormat},
		{"feeds/intelmq-testdata/intelmq__alienvault_test_parser_otx.data", CodeUnknownFormat},
		{"stix2/cti-taxii-server__medallion-default_data.json", CodeUnknownFormat},
		{"misp/misp-core__feed-metadata-defaults.json", CodeUnknownFormat},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			f, err := os.Open(corpusFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := DryRun(filepath.Base(c.file), f); codeOf(err) != c.code {
				t.Fatalf("error %v, want %s", err, c.code)
			}
		})
	}
}

func TestReportString(t *testing.T) {
	rep, err := DryRun("list.txt", strings.NewReader("192.0.2.1\n192.0.2.2\nevil.example\nAS1\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.String()
	for _, want := range []string{"list.txt: list, 3 indicators", "add ipv4          2  e.g. 192.0.2.1, 192.0.2.2",
		"add domain        1", "TLP:AMBER", "skip unrecognised", "note line 4: unrecognised AS1"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}

func TestRead(t *testing.T) {
	csv := "ip,name\n192.0.2.1,x\n"
	res, err := Read(intel.FormatAuto, "feed.csv", strings.NewReader(csv), intel.Indicator{TLP: tlp.Green, Source: "s"})
	if err != nil || len(res.Indicators) != 1 || res.Indicators[0].TLP != tlp.Green || res.Indicators[0].Source != "s" {
		t.Errorf("auto: %v, %v", res, err)
	}
	res, err = Read(intel.FormatList, "feed.csv", strings.NewReader(csv), intel.Indicator{})
	if err != nil || len(res.Indicators) != 1 || res.Skipped[intel.ReasonUnrecognised] != 1 {
		t.Errorf("as a list: %v, %v", res, err)
	}
	manifest := `{"00000000-0000-0000-0000-000000000000":{"info":"x"}}`
	if _, err := Read(intel.FormatAuto, "manifest.json", strings.NewReader(manifest), intel.Indicator{}); codeOf(err) != CodeManifest {
		t.Errorf("manifest: %v", err)
	}
	event := `{"Event":{"info":"x","Attribute":[{"type":"domain","value":"a.example","to_ids":true}]}}`
	if res, err := Read(intel.FormatMISPFeed, "x.json", strings.NewReader(event), intel.Indicator{}); err != nil || len(res.Indicators) != 1 {
		t.Errorf("feed event: %v, %v", res, err)
	}
	if _, err := Read(intel.FormatMISPFeed, "x.json", strings.NewReader(`{"info":"bare"}`), intel.Indicator{}); err == nil {
		t.Error("a bare event read as a feed event file")
	}
	if _, err := Read("yaml", "x", strings.NewReader("a"), intel.Indicator{}); codeOf(err) != CodeUnknownFormat {
		t.Errorf("unknown format: %v", err)
	}
}

func TestReadDocumentOptions(t *testing.T) {
	event := `{"Event":{"info":"x","Attribute":[{"type":"domain","value":"a.example","to_ids":false}]}}`
	res, err := ReadDocument("e.json", strings.NewReader(event), Options{IncludeNotToIDs: true})
	if err != nil || len(res.Indicators) != 1 {
		t.Errorf("IncludeNotToIDs: %v, %v", res, err)
	}
	bundle := `[{"type":"url","id":"url--1","value":"http://a.example"}]`
	res, err = ReadDocument("b.json", strings.NewReader(bundle), Options{Observables: true})
	if err != nil || len(res.Indicators) != 1 {
		t.Errorf("Observables: %v, %v", res, err)
	}
	res, err = ReadDocument("c.csv", strings.NewReader("a,b\n192.0.2.1,192.0.2.2\n"), Options{Columns: intel.Columns{Value: "b"}})
	if err != nil || len(res.Indicators) != 1 || res.Indicators[0].Value != "192.0.2.2" {
		t.Errorf("Columns: %v, %v", res, err)
	}
	_, err = ReadDocument("big.txt", bytes.NewReader(make([]byte, 101)), Options{MaxBytes: 100})
	if !errs.Is(err, errs.KindTooLarge) {
		t.Errorf("MaxBytes: %v", err)
	}
}
