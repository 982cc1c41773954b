package misp

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// corpusFile is the path of a file of the shared corpus (see corpustest).
func corpusFile(t testing.TB, rel string) string { return corpustest.File(t, rel) }

type counts = map[intel.Type]int

func checkCounts(t *testing.T, res intel.ImportResult, want counts, skipped intel.Skipped) {
	t.Helper()
	got := counts{}
	for _, ind := range res.Indicators {
		got[ind.Type]++
		if c, err := intel.Canonical(ind.Type, ind.Value); err != nil || c != ind.Value || !ind.TLP.Valid() {
			t.Errorf("indicator %+v is not canonical or has no TLP", ind)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("indicators %v, want %v", got, want)
	}
	if !maps.Equal(res.Skipped, skipped) && (len(res.Skipped) > 0 || len(skipped) > 0) {
		t.Errorf("skipped %v, want %v", res.Skipped, skipped)
	}
}

func readEvent(t *testing.T, rel string, opt Options) intel.ImportResult {
	t.Helper()
	f, err := os.Open(corpusFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ReadEvent(f, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestReadEventCorpus reads every MISP event file of the corpus, with and
// without the attributes whose to_ids is false. The counts were checked
// with an independent Python count of the attributes.
func TestReadEventCorpus(t *testing.T) {
	const dup, notIDs = "duplicate", ReasonNotToIDs
	ty := func(s string) string { return ReasonType + ":" + s }
	for _, c := range []struct {
		file                string
		want, wantAll       counts
		skipped, skippedAll intel.Skipped // skippedAll nil: as skipped
	}{
		{"misp-core__tests-event.json", counts{intel.TypeMD5: 27}, nil,
			intel.Skipped{ty("filename"): 6, ty("regkey"): 3, ty("link"): 1, ty("text"): 1}, nil},
		{"misp-stix__test_attributes_collection_1.json", counts{intel.TypeDomain: 1}, nil, intel.Skipped{ty("AS"): 1}, nil},
		{"misp-stix__test_events_collection_1.json", counts{intel.TypeDomain: 1}, nil, intel.Skipped{ty("AS"): 1}, nil},
		{"misp-stix__test_events_collection_2.json", counts{intel.TypeDomain: 1, intel.TypeIPv4: 1}, nil, intel.Skipped{ty("filename"): 1}, nil},
		{"misp-stix__test_objects_collection_1.json",
			counts{intel.TypeEmail: 1, intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 1},
			counts{intel.TypeEmail: 2, intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 1},
			intel.Skipped{notIDs: 1, ty("email-subject"): 1, ty("email-message-id"): 1, ty("filename"): 1, ty("size-in-bytes"): 1, ty("text"): 1},
			intel.Skipped{ty("email-subject"): 1, ty("email-message-id"): 1, ty("filename"): 1, ty("size-in-bytes"): 1, ty("text"): 1}},
		{"misp-stix__test_objects_collection_2.json", counts{intel.TypeDomain: 1, intel.TypeIPv4: 1}, nil, intel.Skipped{ty("text"): 7}, nil},
		{"pymisp__circl-event-57c4445b-c548-4654-af0b-4be3950d210f.json", counts{intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 1}, nil,
			intel.Skipped{ty("link"): 2, ty("comment"): 1, ty("text"): 1, ty("filename"): 1, ty("regkey|value"): 1}, nil},
		{"pymisp__existing_event-sednit-no-wrapper.json", counts{intel.TypeDomain: 18, intel.TypeSHA1: 37, intel.TypeIPv4: 11}, nil,
			intel.Skipped{ty("link"): 1, ty("text"): 38, ty("filename"): 15, dup: 2}, nil},
		{"pymisp__galaxy_1-pubg.json", counts{intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 1}, nil,
			intel.Skipped{ty("link"): 2, ty("comment"): 1, ty("attachment"): 1, ty("text"): 1, ty("datetime"): 1, dup: 1}, nil},
		{"pymisp__japanese_test-unicode.json", counts{}, nil, intel.Skipped{ty("text"): 1}, nil},
		{"pymisp__long_event-asert.json",
			counts{intel.TypeURL: 14, intel.TypeMD5: 74, intel.TypeSHA256: 73, intel.TypeDomain: 12, intel.TypeIPv4: 8, intel.TypeSHA1: 57},
			counts{intel.TypeURL: 14, intel.TypeMD5: 75, intel.TypeSHA256: 75, intel.TypeDomain: 24, intel.TypeEmail: 2, intel.TypeIPv4: 9, intel.TypeSHA1: 58},
			intel.Skipped{ty("filename"): 18, ty("imphash"): 1, ty("pdb"): 3, notIDs: 21, ty("email-subject"): 2, ty("email-attachment"): 3,
				ty("link"): 64, ty("yara"): 1, ty("vulnerability"): 4, ty("pehash"): 1, ty("ssdeep"): 1, ty("snort"): 1, dup: 12},
			intel.Skipped{ty("filename"): 18, ty("imphash"): 1, ty("pdb"): 3, ty("email-subject"): 2, ty("email-attachment"): 3,
				ty("link"): 64, ty("yara"): 1, ty("vulnerability"): 4, ty("pehash"): 1, ty("ssdeep"): 1, ty("snort"): 1, dup: 14}},
		{"pymisp__mainly_objects_1-samsam.json", counts{intel.TypeSHA256: 3, intel.TypeSHA1: 3, intel.TypeMD5: 11}, nil,
			intel.Skipped{ty("text"): 7, ty("attachment"): 1, ty("size-in-bytes"): 11, ty("float"): 11, ty("counter"): 2, ty("filename"): 7,
				ty("mime-type"): 3, ty("ssdeep"): 3, ty("sha512"): 3, notIDs: 9},
			intel.Skipped{ty("text"): 7, ty("attachment"): 1, ty("size-in-bytes"): 11, ty("float"): 11, ty("counter"): 2, ty("filename"): 7,
				ty("mime-type"): 3, ty("ssdeep"): 3, ty("sha512"): 3, dup: 9}},
		{"pymisp__search_index_result.json", counts{}, nil, nil, nil},
		{"pymisp__sighting_1-ursnif.json", counts{intel.TypeDomain: 4, intel.TypeURL: 1}, nil, nil, nil},
		{"pymisp__to_delete1-sunorcal.json", counts{intel.TypeDomain: 4, intel.TypeIPv4: 2, intel.TypeSHA256: 16, intel.TypeSHA1: 14, intel.TypeMD5: 14}, nil,
			intel.Skipped{ty("link"): 15, ty("comment"): 1, ty("regkey"): 5, ty("filename"): 4}, nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			checkCounts(t, readEvent(t, "misp/"+c.file, Options{}), c.want, c.skipped)
			wantAll, skippedAll := c.wantAll, c.skippedAll
			if wantAll == nil {
				wantAll = c.want
			}
			if skippedAll == nil {
				skippedAll = c.skipped
			}
			checkCounts(t, readEvent(t, "misp/"+c.file, Options{IncludeNotToIDs: true}), wantAll, skippedAll)
		})
	}
}

func TestReadEventCorpusFields(t *testing.T) {
	res := readEvent(t, "misp/pymisp__circl-event-57c4445b-c548-4654-af0b-4be3950d210f.json", Options{Defaults: intel.Indicator{TLP: tlp.Red, Source: "circl"}})
	for _, ind := range res.Indicators {
		if ind.TLP != tlp.Clear || ind.Source != "circl" || ind.ExternalID == "" || ind.Description == "" {
			t.Errorf("indicator %+v: want TLP:CLEAR from the event's tlp:white tag", ind)
		}
		if !slices.Contains(ind.Labels, `circl:incident-classification="malware"`) {
			t.Errorf("labels %q", ind.Labels)
		}
	}
	// Event tags arrive as EventTag in the events index; none of its
	// entries has attributes.
	idx := readEvent(t, "misp/pymisp__search_index_result.json", Options{})
	if len(idx.Indicators) != 0 {
		t.Errorf("index result gave %d indicators", len(idx.Indicators))
	}
}

func TestReadEventCorpusRefused(t *testing.T) {
	f, err := os.Open(corpusFile(t, "misp/misp-core__feed-metadata-defaults.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ReadEvent(f, Options{}); !isCode(err, CodeNotMISP) {
		t.Fatalf("feed metadata read as events: %v", err)
	}
}

func isCode(err error, code string) bool {
	e, ok := err.(*errs.Error)
	return ok && e.Code == code && e.Public != ""
}

const attrs = `"Attribute":[
	{"uuid":"a1","type":"ip-dst","value":"192.0.2.1","to_ids":true},
	{"uuid":"a2","type":"ip-src|port","value":"2001:db8::1|443","to_ids":"1","Tag":[{"name":"TLP:RED"}]},
	{"uuid":"a3","type":"domain|ip","value":"evil.example|192.0.2.0/24","to_ids":1,"first_seen":"2020-01-02T03:04:05+07:00"},
	{"uuid":"a4","type":"filename|sha256","value":"a|b.exe|` + "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" + `","to_ids":true},
	{"uuid":"a5","type":"malware-sample","value":"x.zip|79054025255fb1a26e4bc422aef54eb4","to_ids":true},
	{"uuid":"a6","type":"hostname|port","value":"C2.Example.|8080","to_ids":true,"comment":"the C2"},
	{"uuid":"a7","type":"url","value":"hxxp://evil[.]example/x","to_ids":true,"deleted":true},
	{"uuid":"a8","type":"email-src","value":"not an address","to_ids":true},
	{"uuid":"a9","type":"link","value":"https://blog.example/","to_ids":false},
	{"uuid":"a10","type":"sha1","value":"46aba99aa7158e4609aaa72b50990842fd22ae86","to_ids":false},
	{"uuid":"a11","type":"domain","value":"tagged.example","to_ids":true,"Tag":[{"name":"tlp:clear"},{"name":"tlp:amber+strict"}]}
],
"Object":[{"name":"file","deleted":true,"Attribute":[{"uuid":"o1","type":"md5","value":"79054025255fb1a26e4bc422aef54eb4","to_ids":true}]},
          {"name":"domain-ip","Attribute":{"uuid":"o2","type":"domain","value":"obj.example","to_ids":true}}]`

func TestReadEventAttributes(t *testing.T) {
	doc := `{"Event":{"uuid":"e1","info":"Test event","Tag":[{"name":"tlp:green"},{"name":"misp-galaxy:threat-actor=\"Sofacy\""}],` + attrs + `}}`
	res, err := ReadEvent(strings.NewReader(doc), Options{Defaults: intel.Indicator{TLP: tlp.Red}})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res, counts{intel.TypeIPv4: 1, intel.TypeIPv6: 1, intel.TypeDomain: 4, intel.TypeCIDR: 1, intel.TypeSHA256: 1, intel.TypeMD5: 1},
		intel.Skipped{ReasonDeleted: 2, ReasonBadValue: 1, ReasonType + ":link": 1, ReasonNotToIDs: 1})
	byID := map[string][]intel.Indicator{}
	for _, ind := range res.Indicators {
		byID[ind.ExternalID] = append(byID[ind.ExternalID], ind)
	}
	if a := byID["a1"][0]; a.TLP != tlp.Green || a.Description != "Test event" || !slices.Equal(a.Labels, []string{`misp-galaxy:threat-actor="Sofacy"`}) {
		t.Errorf("a1 %+v", a)
	}
	if a := byID["a2"][0]; a.Value != "2001:db8::1" || a.TLP != tlp.Red {
		t.Errorf("a2 %+v: the attribute's tag must override the event's", a)
	}
	if a := byID["a3"]; len(a) != 2 || a[0].Value != "evil.example" || a[1].Value != "192.0.2.0/24" ||
		!a[0].ValidFrom.Equal(time.Date(2020, 1, 1, 20, 4, 5, 0, time.UTC)) {
		t.Errorf("a3 %+v", a)
	}
	if a := byID["a6"][0]; a.Value != "c2.example" || a.Description != "the C2" {
		t.Errorf("a6 %+v", a)
	}
	if a := byID["a11"][0]; a.TLP != tlp.AmberStrict {
		t.Errorf("a11 TLP %v, want the most restrictive tag", a.TLP)
	}
	all, err := ReadEvent(strings.NewReader(doc), Options{IncludeNotToIDs: true})
	if err != nil || all.Skipped[ReasonNotToIDs] != 0 || len(all.Indicators) != len(res.Indicators)+1 {
		t.Errorf("IncludeNotToIDs: %v %v", all.Skipped, err)
	}
}

func TestReadEventEnvelopes(t *testing.T) {
	ev := `{"uuid":"e1","info":"x","Attribute":[{"uuid":"a","type":"domain","value":"a.example","to_ids":true}]}`
	ev2 := `{"uuid":"e2","info":"y","Attribute":[{"uuid":"b","type":"domain","value":"b.example","to_ids":true}]}`
	for _, c := range []struct {
		name, doc string
		want      int
	}{
		{"wrapped", `{"Event":` + ev + `}`, 1},
		{"bare", "\uFEFF" + ev, 1},
		{"response list", `{"response":[{"Event":` + ev + `},{"Event":` + ev2 + `}]}`, 2},
		{"list of wrapped", `[{"Event":` + ev + `},{"Event":` + ev2 + `}]`, 2},
		{"list of bare", `[` + ev + `,` + ev2 + `]`, 2},
		{"attribute search", `{"response":{"Attribute":[{"uuid":"a","type":"ip-dst","value":"192.0.2.1","to_ids":true}]}}`, 1},
		{"object search", `{"response":[{"Object":{"uuid":"o","Attribute":[{"uuid":"a","type":"md5","value":"79054025255fb1a26e4bc422aef54eb4","to_ids":true}]}}]}`, 1},
		{"empty list", `[]`, 0},
		{"numbers as strings", `{"Event":{"uuid":"e","timestamp":1600000000,"threat_level_id":1,"Attribute":[{"uuid":"a","type":"domain","value":"n.example","to_ids":"true","deleted":0,"distribution":5}]}}`, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := ReadEvent(strings.NewReader(c.doc), Options{})
			if err != nil || len(res.Indicators) != c.want {
				t.Fatalf("ReadEvent = %v, %v; want %d indicators", res, err, c.want)
			}
		})
	}
}

func TestReadEventErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, code string }{
		{"not JSON", `Event`, CodeBadJSON},
		{"trailing data", `{"Event":{"info":"x"}} {}`, CodeBadJSON},
		{"wrong type", `{"Event":{"info":"x","Attribute":"none"}}`, CodeBadJSON},
		{"bad to_ids", `{"Event":{"info":"x","Attribute":[{"type":"domain","value":"a.example","to_ids":"maybe"}]}}`, CodeBadJSON},
		{"STIX", `{"type":"bundle","id":"bundle--1","objects":[]}`, CodeNotMISP},
		{"list of other things", `[{"Feed":{}}]`, CodeNotMISP},
		{"response of other things", `{"response":{"Feed":{}}}`, CodeNotMISP},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ReadEvent(strings.NewReader(c.doc), Options{}); !isCode(err, c.code) {
				t.Fatalf("error %#v, want %s", err, c.code)
			}
		})
	}
	_, err := ReadEvent(strings.NewReader(`{"Event":{"info":"`+strings.Repeat("x", 200)+`"}}`), Options{MaxBytes: 100})
	if !errs.Is(err, errs.KindTooLarge) {
		t.Errorf("over the bound: %v", err)
	}
	if _, err := ReadFeedEvent(strings.NewReader(`{"info":"bare"}`), Options{}); !isCode(err, CodeNotMISP) {
		t.Errorf("ReadFeedEvent of a bare event: %v", err)
	}
}
