package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/corpustest"
	"github.com/khien-cert/khien/internal/event"
)

// addSeeds adds inline seeds and, when the corpus is there, up to max
// records of each matching corpus file (records as Split gives them), of at
// most 2 KiB: bigger seeds make mutation and minimisation slow.
func addSeeds(f *testing.F, max int, inline []string, globs ...string) {
	for _, s := range inline {
		f.Add([]byte(s))
	}
	dir := corpustest.Root() // seeds are optional: no skip when it is absent
	for _, g := range globs {
		files, _ := filepath.Glob(filepath.Join(dir, "telemetry", g))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			n := 0
			Split(bytes.NewReader(b), 0, func(_ int, raw []byte, err error) error {
				if err == nil && n < max && len(raw) <= 2048 {
					f.Add(bytes.Clone(raw))
					n++
				}
				return nil
			})
		}
	}
}

// fuzzDecode checks one Decode: an error is a KindInvalid *errs.Error; an
// event keeps the invariants.
func fuzzDecode(t *testing.T, format event.Format, raw []byte) event.Event {
	ev, err := testDecoder.Decode(format, raw)
	if e := modelAgrees(format, raw, ev, err); e != nil {
		t.Fatalf("%q: %v", raw, e)
	}
	if err != nil {
		if e := checkError(err); e != nil {
			t.Fatalf("%q: %v", raw, e)
		}
		return ev
	}
	if e := checkEvent(ev); e != nil {
		t.Fatalf("%q: %v", raw, e)
	}
	return ev
}

func FuzzDecodeEVE(f *testing.F) {
	addSeeds(f, 5, []string{benchEVE, `{"timestamp":"2016-09-19T15:13:55+0000","dns":{"answers":[{"rrtype":"CNAME","rdata":"a.example"}]}}`},
		"suricata-eve/*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzDecode(t, event.FormatEVE, raw)
		fuzzFlattenAgrees(t, raw)
	})
}

// fuzzFlattenAgrees checks flatten against encoding/json: they accept the
// same objects and give the same fields. Inputs where two paths collide
// ({"a":1,"a":2} or {"a.b":1,"a":{"b":2}}) are left out: encoding/json keeps
// one of them, flatten keeps both or the last.
func fuzzFlattenAgrees(t *testing.T, raw []byte) {
	if !utf8.Valid(raw) {
		return // encoding/json replaces bad bytes; Decode refuses them first
	}
	got, err := flatten(raw)
	trimmed := bytes.TrimSpace(raw)
	isObject := len(trimmed) > 0 && trimmed[0] == '{'
	switch valid := json.Valid(raw); {
	case err == nil && !valid:
		t.Fatalf("flatten accepts invalid JSON %q", raw)
	case err != nil && valid && isObject && !strings.Contains(err.Error(), "nested too deeply"):
		t.Fatalf("flatten refuses valid JSON %q: %v", raw, err)
	case err != nil || collides(raw):
		return
	}
	var v map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		t.Fatalf("encoding/json cannot decode %q", raw)
	}
	want := map[string]string{}
	flattenAny("", v, want)
	if !maps.Equal(got, want) {
		t.Fatalf("flatten(%q) = %v, encoding/json gives %v", raw, got, want)
	}
}

// collides reports whether flattening raw produces one key twice or a key
// that is also the prefix of another, or an object repeats a key (whose
// last value may be an empty object or array, which adds no key).
func collides(raw []byte) bool {
	if repeatsKey(raw) {
		return true
	}
	p := flattener{s: string(raw), collect: true}
	p.skipWS()
	if p.object(0) != nil {
		return true
	}
	seen := map[string]bool{}
	for _, kv := range p.kvs {
		if seen[kv.k] {
			return true
		}
		seen[kv.k] = true
	}
	for k := range seen {
		for i := range len(k) {
			if k[i] == '.' && seen[k[:i]] {
				return true
			}
		}
	}
	return false
}

const fuzzZeekHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tx\n" +
	"#fields\tts\tid.orig_h\tid.orig_p\tquery\tanswers\tok\tn\n#types\ttime\taddr\tport\tstring\tvector[string]\tbool\tdouble\n"

func FuzzDecodeZeek(f *testing.F) {
	addSeeds(f, 5, []string{"1521911720.5\t10.0.0.1\t53\texample.com\ta.example,10.0.0.2\tT\t1.5",
		`{"ts":"2018-03-24T17:15:20.865716Z","uid":"C","id.orig_h":"10.0.0.1","query":"x.example"}`}, "zeek/*")
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzDecode(t, event.FormatZeek, raw)
		// The same bytes as rows of a TSV log: every row Split passes must
		// be valid JSON, and decode like any record.
		Split(strings.NewReader(fuzzZeekHeader+string(raw)), 0, func(_ int, rec []byte, err error) error {
			if err != nil {
				if e := checkError(err); e != nil {
					t.Fatal(e)
				}
				return nil
			}
			if !json.Valid(rec) {
				t.Fatalf("TSV row became invalid JSON %q", rec)
			}
			fuzzDecode(t, event.FormatZeek, rec)
			return nil
		})
	})
}

func FuzzDecodeECS(f *testing.F) {
	addSeeds(f, 0, []string{
		`{"@timestamp":"2025-03-01T10:00:00.123Z","event":{"category":["network"]},"source":{"ip":"192.0.2.10","port":51000},"url":{"original":"/a","domain":"x.example","port":8080}}`,
		`{"@timestamp":"2025-03-01T10:00:00Z","url.full":"HTTPS://Evil.Example/a/../b","email":{"to":{"address":["a@b.example"]}}}`})
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzDecode(t, event.FormatECS, raw)
	})
}

func FuzzDecodeWindows(f *testing.F) {
	addSeeds(f, 2, []string{`{"winlog":{"event_id":1,"event_data":{"Hashes":"MD5=0123456789ABCDEF0123456789ABCDEF"}},"@timestamp":"2025-01-01T00:00:00Z"}`},
		"windows-evtx-json/sigma-regression/[a-p]*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzDecode(t, event.FormatWindows, raw)
	})
}

func FuzzDecodeCEF(f *testing.F) {
	addSeeds(f, 30, []string{`CEF:0|V\|x|P|1|s|n|Very-High|src=10.0.0.1 request=x.example/a fileHash=44D88612FEA8A8F36DE82E1278ABB02F msg=a\=b\\c\nd`},
		"cef-syslog/jc-fixtures__cef.out")
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := fuzzDecode(t, event.FormatCEF, raw)
		if ev.Severity < 0 || ev.Severity > 10 {
			t.Fatalf("severity %d", ev.Severity)
		}
	})
}

func FuzzDecodeSyslog(f *testing.F) {
	addSeeds(f, 40, []string{"<13>Mar  8 15:18:40 ::1 sshd: x", "<1>1 - - - - - -", "2024-05-06T07:08:09.1Z h a: x"},
		"cef-syslog/*.out", "cef-syslog/*.log")
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzDecode(t, event.FormatSyslog, raw)
	})
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n{\"b\":2}\n", "{\n \"a\": [1,\n{\n}\n", "[{\"a\":1},2]", fuzzZeekHeader + "1\t-\t-\t-\t-\t-\t-\n",
		"12 <13>1 - - a\n5 <1>ab\n", "<13>x\n\nCEF:0|a|b|c|d|e|1|\n"} {
		f.Add([]byte(s), 16)
	}
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		max = max%512 + 1
		if max <= 0 {
			max += 512
		}
		check := func(pos int, raw []byte, err error, last *int) {
			if len(raw) > max {
				t.Fatalf("record %d of %d bytes with a limit of %d", pos, len(raw), max)
			}
			if err != nil {
				if e := checkError(err); e != nil {
					t.Fatal(e)
				}
			} else if !utf8.Valid(raw) {
				t.Fatalf("record %d is not UTF-8", pos)
			}
			if pos <= *last {
				t.Fatalf("position %d after %d", pos, *last)
			}
			*last = pos
		}
		last := 0
		if err := Split(bytes.NewReader(data), max, func(pos int, raw []byte, err error) error {
			check(pos, raw, err, &last)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		last = 0
		if err := SplitSyslog(bytes.NewReader(data), max, func(pos int, raw []byte, err error) error {
			check(pos, raw, err, &last)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDetect(f *testing.F) {
	addSeeds(f, 2, []string{"unparsable line", "[1]", "CEF:0|", "<1>", "1 2", "Jan 1"},
		"suricata-eve/*.json", "zeek/*.json", "cef-syslog/*.out")
	f.Fuzz(func(t *testing.T, raw []byte) {
		format := Detect(raw)
		_, errAuto := testDecoder.Decode("", raw)
		if format == "" {
			if codeOf(errAuto) != "event.unknown_format" && codeOf(errAuto) != "event.empty" && codeOf(errAuto) != "event.bad_utf8" {
				t.Fatalf("Detect finds nothing in %q but Decode says %v", raw, errAuto)
			}
			return
		}
		fuzzDecode(t, format, raw)
		// Decoding with the format left to detect (JSON records are
		// detected as they are parsed) gives what Detect then Decode give.
		want, errWant := testDecoder.Decode(format, raw)
		got, errGot := testDecoder.Decode("", raw)
		if fmt.Sprint(errGot) != fmt.Sprint(errWant) || !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(\"\", %q) = %+v, %v\nDecode(%q) = %+v, %v", raw, got, errGot, format, want, errWant)
		}
		if err := modelAgrees("", raw, want, errWant); err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
	})
}

// modelAgrees checks DecodeModel against Decode's result for the same
// record: the same error, or the same event but for Fields.
func modelAgrees(format event.Format, raw []byte, want event.Event, wantErr error) error {
	got, err := testDecoder.DecodeModel(format, raw)
	if (err == nil) != (wantErr == nil) || err != nil && (err.Error() != wantErr.Error() || codeOf(err) != codeOf(wantErr)) {
		return fmt.Errorf("DecodeModel error %v, Decode error %v", err, wantErr)
	}
	if got.Fields != nil {
		return fmt.Errorf("DecodeModel kept Fields")
	}
	want.Fields = nil
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("DecodeModel = %+v\nDecode      = %+v", got, want)
	}
	return nil
}

// repeatsKey reports whether an object in raw (valid JSON) has a key twice.
func repeatsKey(raw []byte) bool {
	d := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string token is a key
	}
	var stack []frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		top := len(stack) - 1
		if delim, ok := tok.(json.Delim); ok {
			switch delim {
			case '{', '[':
				if top >= 0 && stack[top].object {
					stack[top].key = true // the value is done once it closes
				}
				stack = append(stack, frame{keys: map[string]bool{}, object: delim == '{', key: delim == '{'})
			default:
				stack = stack[:top]
			}
			continue
		}
		if top >= 0 && stack[top].object {
			if stack[top].key {
				k := tok.(string)
				if stack[top].keys[k] {
					return true
				}
				stack[top].keys[k] = true
			}
			stack[top].key = !stack[top].key
		}
	}
}

func TestRepeatsKey(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":{"b":1},"c":[{"b":2},{"b":3}],"d":2}`: false,
		`{"a":1,"a":2}`:                     true,
		`{"0":{"n":{"0":true},"n":{}}}`:     true,
		`{"a":[{"x":1,"y":{"x":2},"x":3}]}`: true,
		`{"a":{"x":1},"b":{"x":1}}`:         false,
	} {
		if got := repeatsKey([]byte(in)); got != want {
			t.Errorf("repeatsKey(%s) = %v", in, got)
		}
	}
}
