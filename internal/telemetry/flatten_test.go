package telemetry

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFlatten(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"nesting and arrays", `{"a":{"b":[1,"x",{"c":true}]},"d":null,"e":false}`,
			map[string]string{"a.b.0": "1", "a.b.1": "x", "a.b.2.c": "true", "d": "", "e": "false"}},
		{"empty containers add nothing", `{"a":{},"b":[],"c":[[]],"d":1}`, map[string]string{"d": "1"}},
		{"numbers keep their text", `{"a":1880489165303449,"b":-0.5e-3,"c":18446744073709551616,"d":0}`,
			map[string]string{"a": "1880489165303449", "b": "-0.5e-3", "c": "18446744073709551616", "d": "0"}},
		{"escapes", `{"u":"\/a\\b\"c\u00e9\ud83d\ude00\n\t","lone":"\ud800x"}`,
			map[string]string{"u": "/a\\b\"cé😀\n\t", "lone": "\uFFFDx"}},
		{"escaped keys", `{"a\/b":{"c\u0064":1}}`, map[string]string{"a/b.cd": "1"}},
		{"dotted keys stay as they are", `{"id.orig_h":"10.0.0.1","id":{"resp_h":"10.0.0.2"}}`,
			map[string]string{"id.orig_h": "10.0.0.1", "id.resp_h": "10.0.0.2"}},
		{"last repeated key wins", `{"a":1,"a":2}`, map[string]string{"a": "2"}},
		{"whitespace", " \n{ \"a\" :\t[ 1 , 2 ] }\r\n", map[string]string{"a.0": "1", "a.1": "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flatten([]byte(tc.in))
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestFlattenErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"empty", "", "event.bad_json"},
		{"not an object", `"x"`, "event.not_object"},
		{"trailing comma", `{"a":1,}`, "event.bad_json"},
		{"leading zero", `{"a":01}`, "event.bad_json"},
		{"bare dot", `{"a":1.}`, "event.bad_json"},
		{"bad escape", `{"a":"\x"}`, "event.bad_json"},
		{"short unicode escape", `{"a":"\u12"}`, "event.bad_json"},
		{"control character", "{\"a\":\"x\ty\"}", "event.bad_json"},
		{"unterminated", `{"a":"x`, "event.bad_json"},
		{"trailing data", `{"a":1} x`, "event.bad_json"},
		{"two objects", `{"a":1}{"b":2}`, "event.bad_json"},
		{"unquoted key", `{a:1}`, "event.bad_json"},
		{"NaN", `{"a":NaN}`, "event.bad_json"},
		{"too deep", strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), "event.bad_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := flatten([]byte(tc.in))
			if codeOf(err) != tc.code {
				t.Errorf("error %v, want %s", err, tc.code)
			}
		})
	}
}

// TestFlattenMatchesEncodingJSON flattens every JSON record of the corpus
// both ways: ours and encoding/json (UseNumber) plus a plain walk.
func TestFlattenMatchesEncodingJSON(t *testing.T) {
	root := filepath.Join(corpusDir(t), "telemetry")
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || strings.Contains(path, "jc-fixtures") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return Split(bytes.NewReader(b), 0, func(pos int, raw []byte, err error) error {
			if err != nil {
				t.Errorf("%s:%d: %v", path, pos, err)
				return nil
			}
			compareFlatten(t, raw)
			n++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 9517 { // the JSON records of the corpus, counted by hand
		t.Errorf("only %d records compared", n)
	}
}

func compareFlatten(t *testing.T, raw []byte) {
	t.Helper()
	got, err := flatten(raw)
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	jerr := d.Decode(&v)
	m, isObject := v.(map[string]any)
	if jerr != nil || !isObject {
		if err == nil {
			t.Errorf("encoding/json refuses %.80q (%v) but flatten accepts it", raw, jerr)
		}
		return
	}
	want := map[string]string{}
	flattenAny("", m, want)
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("flatten(%.80q) = %v, %v; want %v", raw, got, err, want)
	}
}

func TestParseTimestamp(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2016-09-19T15:13:55.657295+0000", "2016-09-19T15:13:55.657295Z"},
		{"2021-10-08T12:40:00.965786+0300", "2021-10-08T09:40:00.965786Z"},
		{"2021-10-08T12:40:00.965786+03:00", "2021-10-08T09:40:00.965786Z"},
		{"2021-10-08T12:40:00-02", "2021-10-08T14:40:00Z"},
		{"2018-03-24T17:15:20.865716Z", "2018-03-24T17:15:20.865716Z"},
		{"2025-12-25 14:30:27.352", "2025-12-25T14:30:27.352Z"},
		{"2025-12-25T14:30:27", "2025-12-25T14:30:27Z"},
		{"2025-12-25T14:30:27.1234567891234Z", "2025-12-25T14:30:27.123456789Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2016-13-19T15:13:55Z", ""},
		{"2016-09-19T24:00:00Z", ""},
		{"2016-09-19T15:13:55.Z", ""},
		{"2016-09-19T15:13:55+0000x", ""},
		{"203-10-11T22:14:15.003Z", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseTimestamp(tc.in)
			if tc.want == "" {
				if ok {
					t.Errorf("accepted: %v", got)
				}
				return
			}
			w, _ := time.Parse(time.RFC3339Nano, tc.want)
			if !ok || !got.Equal(w) || got.Location() != time.UTC {
				t.Errorf("got %v, %v; want %v", got, ok, w)
			}
		})
	}
	for _, tc := range []struct{ in, want string }{
		{"1521911720.615923", "2018-03-24T17:15:20.615923Z"},
		{"1521911720", "2018-03-24T17:15:20Z"},
		{"1.521911720615923e9", "2018-03-24T17:15:20.615923Z"},
	} {
		got, ok := parseEpoch(tc.in)
		w, _ := time.Parse(time.RFC3339Nano, tc.want)
		if !ok || got.Sub(w).Abs() > time.Microsecond {
			t.Errorf("parseEpoch(%q) = %v, %v; want %v", tc.in, got, ok, w)
		}
	}
}

// TestDecodeConcurrently decodes mixed records from several goroutines (the
// parser state is pooled and remembers key spellings between records) and
// compares with decoding them one by one.
func TestDecodeConcurrently(t *testing.T) {
	var raws [][]byte
	for _, g := range []string{"suricata-eve/suricata-verify__*.json", "zeek/*ssh*", "windows-evtx-json/sigma-regression/proc_creation_win_c*.json"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir(t), "telemetry", g))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			Split(bytes.NewReader(b), 0, func(_ int, raw []byte, err error) error {
				raws = append(raws, bytes.Clone(raw))
				return err
			})
		}
	}
	want := make([]map[string]string, len(raws))
	for i, raw := range raws {
		ev, _ := Decode("", raw)
		want[i] = ev.Fields
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for n := range 3 * len(raws) {
				i := (n*7 + g) % len(raws)
				if ev, _ := Decode("", raws[i]); !maps.Equal(ev.Fields, want[i]) {
					t.Errorf("record %d decodes differently in parallel", i)
					return
				}
			}
		})
	}
	wg.Wait()
}
