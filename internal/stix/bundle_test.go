package stix

import (
	"maps"
	"os"
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

func readFile(t *testing.T, rel string, opt Options) (intel.ImportResult, error) {
	t.Helper()
	f, err := os.Open(corpusFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Read(f, opt)
}

type counts = map[intel.Type]int

func checkCounts(t *testing.T, res intel.ImportResult, want counts, skipped intel.Skipped) {
	t.Helper()
	got := counts{}
	for _, ind := range res.Indicators {
		got[ind.Type]++
		if c, err := intel.Canonical(ind.Type, ind.Value); err != nil || c != ind.Value || !ind.TLP.Valid() || ind.ExternalID == "" {
			t.Errorf("indicator %+v is not canonical, marked and identified", ind)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("indicators %v, want %v", got, want)
	}
	if !maps.Equal(res.Skipped, skipped) && (len(res.Skipped) > 0 || len(skipped) > 0) {
		t.Errorf("skipped %v, want %v", res.Skipped, skipped)
	}
}

// TestReadCorpus reads every STIX file of the corpus. The counts were
// checked with jq and an independent Python count of the patterns.
func TestReadCorpus(t *testing.T) {
	const ni, obs, and, obj, dup = ReasonNotIndicator, ReasonObservable, ReasonAnd, ReasonObject, "duplicate"
	for _, c := range []struct {
		file    string
		want    counts
		skipped intel.Skipped
	}{
		{"cti-documentation__defining-campaigns-threat-actors-intrusion-sets.json", counts{}, intel.Skipped{ni: 26}},
		{"cti-documentation__identifying-a-threat-actor-profile.json", counts{}, intel.Skipped{ni: 3}},
		{"cti-documentation__indicator-for-malicious-url.json", counts{intel.TypeURL: 1}, intel.Skipped{ni: 2}},
		{"cti-documentation__malware-indicator-for-file-hash.json", counts{intel.TypeSHA256: 1}, intel.Skipped{ni: 2}},
		{"cti-documentation__sighting-of-an-indicator.json", counts{intel.TypeURL: 1}, intel.Skipped{ni: 3}},
		{"cti-documentation__sighting-of-observed-data.json", counts{}, intel.Skipped{ni: 4, obs: 4}},
		{"cti-documentation__threat-actor-leveraging-attack-patterns-and-malware.json", counts{}, intel.Skipped{ni: 7}},
		{"cti-documentation__using-granular-markings.json", counts{}, intel.Skipped{ni: 3, obj: 1}},
		{"cti-documentation__using-marking-definitions.json", counts{intel.TypeIPv4: 1}, intel.Skipped{ni: 3}},
		{"cti-python-stix2__sco-examples-array.json", counts{}, intel.Skipped{obs: 82}},
		{"cti-python-stix2__v20-malware-object.json", counts{}, intel.Skipped{ni: 1}},
		{"cti-python-stix2__v21-attack-pattern-object.json", counts{}, intel.Skipped{ni: 1}},
		{"cti-python-stix2__v21-malware-object.json", counts{}, intel.Skipped{ni: 1}},
		{"misp-stix__test_attributes_collection_stix21.json", counts{intel.TypeDomain: 1}, intel.Skipped{ni: 3, obs: 9, and: 1, obj: 1}},
		{"misp-stix__test_event1_stix21.json", counts{intel.TypeDomain: 1}, intel.Skipped{ni: 4, obs: 4}},
		{"misp-stix__test_event2_stix21.json", counts{}, intel.Skipped{ni: 5, obs: 5, and: 1, obj: 1}},
		{"misp-stix__test_events_collection_stix21.json", counts{intel.TypeDomain: 1}, intel.Skipped{ni: 8, obs: 9, and: 1, obj: 1}},
		{"misp-stix__test_objects_collection_stix21.json", counts{}, intel.Skipped{ni: 3, obs: 12, and: 2, obj: 1}},
		{"mitre-attack-stix-data__ics-attack-18.1.json", counts{}, intel.Skipped{ni: 1826}},
		{"oasis-schemas-examples__apt1.json", counts{intel.TypeCIDR: 4, intel.TypeDomain: 3, intel.TypeMD5: 3}, intel.Skipped{ni: 64, and: 2}},
		{"oasis-schemas-examples__indicator-for-c2-ip-address.json", counts{intel.TypeIPv4: 1}, nil},
		{"oasis-schemas-examples__indicator-to-campaign-relationship.json", counts{intel.TypeIPv4: 1}, intel.Skipped{ni: 2}},
		{"oasis-schemas-examples__indicators-for-C2-with-COA.json", counts{intel.TypeIPv4: 1, intel.TypeSHA256: 1}, intel.Skipped{ni: 6}},
		{"oasis-schemas-examples__infrastructure.json", counts{}, intel.Skipped{ni: 8, obs: 2}},
		{"oasis-schemas-examples__interop-objectmarking-test.json", counts{}, intel.Skipped{ni: 1}},
		{"oasis-schemas-examples__malicious-email-indicator-with-attachment.json", counts{}, intel.Skipped{ni: 4, obj: 2}},
		{"oasis-schemas-examples__poisonivy.json", counts{intel.TypeDomain: 24, intel.TypeIPv4: 18}, intel.Skipped{ni: 130, ReasonBadValue: 1, obj: 2, dup: 22}},
		{"tcm1911-stix2__all-objects-array.json", counts{intel.TypeSHA256: 2}, intel.Skipped{ni: 32, obs: 29, dup: 1}},
	} {
		t.Run(c.file, func(t *testing.T) {
			res, err := readFile(t, "stix2/"+c.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, res, c.want, c.skipped)
		})
	}
}

func TestReadCorpusObservables(t *testing.T) {
	for _, c := range []struct {
		file    string
		want    counts
		skipped intel.Skipped
	}{
		{"cti-python-stix2__sco-examples-array.json",
			counts{intel.TypeIPv4: 12, intel.TypeCIDR: 2, intel.TypeIPv6: 1, intel.TypeDomain: 1, intel.TypeEmail: 4,
				intel.TypeURL: 1, intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 9},
			intel.Skipped{ReasonObject: 35, "duplicate": 16}},
		{"cti-documentation__sighting-of-observed-data.json", counts{intel.TypeMD5: 1, intel.TypeSHA1: 1},
			intel.Skipped{ReasonNotIndicator: 4, ReasonObject: 1}},
		{"misp-stix__test_objects_collection_stix21.json",
			counts{intel.TypeEmail: 2, intel.TypeMD5: 1, intel.TypeSHA1: 1, intel.TypeSHA256: 1, intel.TypeIPv4: 1, intel.TypeDomain: 1},
			intel.Skipped{ReasonNotIndicator: 3, ReasonAnd: 2, ReasonObject: 4}},
	} {
		t.Run(c.file, func(t *testing.T) {
			res, err := readFile(t, "stix2/"+c.file, Options{Observables: true})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, res, c.want, c.skipped)
		})
	}
}

func TestReadCorpusFields(t *testing.T) {
	res, err := readFile(t, "stix2/cti-documentation__using-marking-definitions.json", Options{Defaults: intel.Indicator{TLP: tlp.Green, Source: "oasis"}})
	if err != nil {
		t.Fatal(err)
	}
	ind := res.Indicators[0]
	if ind.TLP != tlp.Amber || ind.Source != "oasis" || ind.Value != "10.0.0.0" ||
		ind.ExternalID != "indicator--33fe3b22-0201-47cf-85d0-97c02164528d" {
		t.Errorf("indicator %+v", ind)
	}
	res, err = readFile(t, "stix2/oasis-schemas-examples__apt1.json", Options{Defaults: intel.Indicator{TLP: tlp.Green}})
	if err != nil {
		t.Fatal(err)
	}
	first := res.Indicators[0]
	if first.Type != intel.TypeCIDR || first.Value != "223.166.0.0/15" || first.TLP != tlp.Green {
		t.Errorf("first apt1 indicator %+v", first)
	}
}

func TestReadEnvelopes(t *testing.T) {
	ind := func(id, pattern string) string {
		return `{"type":"indicator","spec_version":"2.1","id":"indicator--` + id + `","pattern":"` + pattern + `","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}`
	}
	a, b := ind("a", "[ipv4-addr:value = '10.0.0.1']"), ind("b", "[domain-name:value = 'b.example']")
	for _, c := range []struct{ name, doc string }{
		{"bundle", `{"type":"bundle","id":"bundle--1","objects":[` + a + `,` + b + `]}`},
		{"array", "\uFEFF [" + a + "," + b + "]"},
	} {
		res, err := Read(strings.NewReader(c.doc), Options{})
		if err != nil || len(res.Indicators) != 2 {
			t.Errorf("%s: %v, %v", c.name, res, err)
		}
	}
	res, err := Read(strings.NewReader(a), Options{})
	if err != nil || len(res.Indicators) != 1 {
		t.Errorf("bare object: %v, %v", res, err)
	}
	res, err = Read(strings.NewReader(`{"type":"bundle","id":"bundle--1"}`), Options{})
	if err != nil || len(res.Indicators) != 0 {
		t.Errorf("empty bundle: %v, %v", res, err)
	}
	res, err = Read(strings.NewReader(`[1, {"id":"x"}, {"type":"indicator","id":"indicator--c","confidence":"high"}, `+a+`]`), Options{})
	if err != nil || len(res.Indicators) != 1 || res.Skipped[ReasonBadObject] != 3 {
		t.Errorf("bad objects: %v, %v", res, err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		kind      errs.Kind
		code      string
	}{
		{"not JSON", "indicator", errs.KindInvalid, CodeBadJSON},
		{"trailing data", `{"type":"bundle","id":"bundle--1","objects":[]} x`, errs.KindInvalid, CodeBadJSON},
		{"objects not a list", `{"type":"bundle","id":"bundle--1","objects":{}}`, errs.KindInvalid, CodeBadJSON},
		{"no type", `{"id":"x","objects":[]}`, errs.KindInvalid, CodeNotSTIX},
		{"MISP", `{"Event":{"info":"x"}}`, errs.KindInvalid, CodeNotSTIX},
		{"too large", `{"type":"bundle","id":"bundle--1","objects":[` + strings.Repeat(" ", 100) + `]}`, errs.KindTooLarge, intel.CodeTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.doc), Options{MaxBytes: 100})
			if e, ok := err.(*errs.Error); !ok || e.Kind != c.kind || e.Code != c.code {
				t.Fatalf("error %#v, want %v %s", err, c.kind, c.code)
			}
		})
	}
	t.Run("medallion", func(t *testing.T) {
		_, err := readFile(t, "stix2/cti-taxii-server__medallion-default_data.json", Options{})
		if e, ok := err.(*errs.Error); !ok || e.Code != CodeNotSTIX {
			t.Fatalf("error %#v, want %s", err, CodeNotSTIX)
		}
	})
}

// TestReadIndicatorFields covers TLP markings (TLP 1.0, TLP 2.0 and the
// document's own), validity, confidence, labels and the skips of whole
// indicators.
func TestReadIndicatorFields(t *testing.T) {
	doc := `{"type":"bundle","id":"bundle--1","objects":[
	{"type":"marking-definition","id":"marking-definition--own","definition_type":"tlp","definition":{"tlp":"red"}},
	{"type":"marking-definition","id":"marking-definition--ext","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}},
	{"type":"marking-definition","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","definition_type":"statement","definition":{"statement":"not a TLP"}},
	{"type":"indicator","id":"indicator--1","name":"C2","description":"the C2 server","pattern":"[ipv4-addr:value = '10.0.0.1']",
	 "valid_from":"2020-01-01T00:00:00.127931Z","valid_until":"2021-01-01T00:00:00Z","confidence":85,"indicator_types":["malicious-activity"],"labels":["apt","malicious-activity"],
	 "object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]},
	{"type":"indicator","id":"indicator--2","name":"only a name","pattern":"[domain-name:value = 'a.example']","object_marking_refs":["marking-definition--own"]},
	{"type":"indicator","id":"indicator--3","pattern":"[domain-name:value = 'b.example']","object_marking_refs":["marking-definition--ext"]},
	{"type":"indicator","id":"indicator--4","pattern":"[domain-name:value = 'c.example']","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]},
	{"type":"indicator","id":"indicator--5","pattern":"[domain-name:value = 'd.example']","revoked":true},
	{"type":"indicator","id":"indicator--6","pattern":"title: x","pattern_type":"Sigma"},
	{"type":"indicator","id":"indicator--7","pattern":"[domain-name:value = 'e.example'"},
	{"type":"indicator","id":"indicator--8"}
	]}`
	res, err := Read(strings.NewReader(doc), Options{Defaults: intel.Indicator{Confidence: 50}})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res, counts{intel.TypeIPv4: 1, intel.TypeDomain: 3},
		intel.Skipped{ReasonNotIndicator: 3, ReasonRevoked: 1, "pattern_type:sigma": 1, ReasonBadPattern: 2})
	one := res.Indicators[0]
	if one.TLP != tlp.AmberStrict || one.Description != "the C2 server" || one.Confidence != 85 ||
		!one.ValidFrom.Equal(time.Date(2020, 1, 1, 0, 0, 0, 127931000, time.UTC)) ||
		!one.ValidUntil.Equal(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		strings.Join(one.Labels, ",") != "malicious-activity,apt" {
		t.Errorf("indicator--1 %+v", one)
	}
	for i, want := range []tlp.Level{tlp.Red, tlp.AmberStrict, tlp.Green} {
		if got := res.Indicators[i+1]; got.TLP != want || got.Confidence != 50 {
			t.Errorf("indicator %s: TLP %v confidence %d, want %v 50", got.ExternalID, got.TLP, got.Confidence, want)
		}
	}
	if res.Indicators[1].Description != "only a name" {
		t.Errorf("description %q", res.Indicators[1].Description)
	}
	var noted bool
	for _, n := range res.Notes {
		noted = noted || n.Where == "indicator--7" && n.Reason == ReasonBadPattern && strings.Contains(n.Detail, `want "]"`)
	}
	if !noted {
		t.Errorf("no note of the parse error: %+v", res.Notes)
	}
}

func TestDetect(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"type":"bundle","id":"bundle--1"}`:              true,
		`[{"type":"indicator","id":"indicator--1"}]`:      true,
		`{"type":"malware","id":"malware--1","name":"x"}`: true,
		`{"Event":{"info":"x"}}`:                          false,
		`[{"Event":{"info":"x"}}]`:                        false,
		`{"/discovery":{"title":"x"}}`:                    false,
		`not json`:                                        false,
		`{"type":"note","id":"x"}`:                        false,
	} {
		if got := Detect([]byte(doc)); got != want {
			t.Errorf("Detect(%s) = %v", doc, got)
		}
	}
}
