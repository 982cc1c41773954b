package telemetry

import (
	"errors"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// splitResult renders what Split reported: "pos:raw" or "pos:!code".
func splitResult(t *testing.T, in string, max int) ([]string, error) {
	t.Helper()
	var got []string
	err := Split(strings.NewReader(in), max, func(pos int, raw []byte, err error) error {
		if max > 0 && len(raw) > max {
			t.Errorf("record %d of %d bytes passed with a limit of %d", pos, len(raw), max)
		}
		if err != nil {
			got = append(got, strconv.Itoa(pos)+":!"+codeOf(err))
		} else {
			got = append(got, strconv.Itoa(pos)+":"+string(raw))
		}
		return nil
	})
	return got, err
}

func TestSplit(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", 100) + `"}`
	for _, tc := range []struct {
		name, in string
		max      int
		want     []string
	}{
		{"NDJSON with blank lines and CRLF", "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", 0,
			[]string{`1:{"a":1}`, `4:{"b":2}`, `5:{"c":3}`}},
		{"NDJSON with a bad line", "{\"a\":1}\n{\"b\":\n{\"c\":3}\n", 0,
			[]string{`1:{"a":1}`, `2:{"b":`, `3:{"c":3}`}},
		{"NDJSON with a long line in the middle", `{"a":1}` + "\n" + big + "\n" + `{"c":3}`, 50,
			[]string{`1:{"a":1}`, `2:!event.too_long`, `3:{"c":3}`}},
		{"NDJSON with invalid UTF-8", "{\"a\":1}\n{\"b\":\"\xff\"}\n", 0, []string{`1:{"a":1}`, `2:!event.bad_utf8`}},
		{"concatenated pretty objects", "{\n  \"a\": 1,\n  \"b\": {\"c\": \"}\"}\n}\n{\n  \"d\": [1, 2]\n}\n", 0,
			[]string{"1:{\n  \"a\": 1,\n  \"b\": {\"c\": \"}\"}\n}", "2:{\n  \"d\": [1, 2]\n}"}},
		{"objects back to back", "{\n\"a\":1}{\"b\":\"x\\\"}\"}", 0, []string{"1:{\n\"a\":1}", `2:{"b":"x\"}"}`}},
		{"array of objects", "[\n {\"a\": 1},\n {\"b\": [2]}\n]\n", 0, []string{`1:{"a": 1}`, `2:{"b": [2]}`}},
		{"array on one line with scalars", `[{"a":1},2,"x"]`, 0, []string{`1:{"a":1}`, `2:2`, `3:"x"`}},
		{"pretty object cut short, next one recovered", "{\n  \"a\": 1,\n{\n  \"b\": 2\n}\n", 0,
			[]string{"1:!event.bad_json", "2:{\n  \"b\": 2\n}"}},
		{"string broken by a newline", "{\n  \"a\": \"x\n  \"b\": 2\n}\n{\n\"c\":3\n}", 0,
			[]string{"1:!event.bad_json", "2:{\n\"c\":3\n}"}},
		{"too long pretty object", "{\n \"a\": \"" + strings.Repeat("y", 80) + "\"\n}\n{\n\"b\":1}", 40,
			[]string{"1:!event.too_long", "2:{\n\"b\":1}"}},
		{"stream ends inside an object", "{\n\"a\": [1,\n", 0, []string{"1:!event.bad_json"}},
		{"syslog lines", "<13>Jan  1 00:00:00 h a: x\n\nCEF:0|a|b|c|d|e|1|\n", 0,
			[]string{"1:<13>Jan  1 00:00:00 h a: x", "3:CEF:0|a|b|c|d|e|1|"}},
		{"first line too long", strings.Repeat("z", 100) + "\nok\n", 10, []string{"1:!event.too_long", "2:ok"}},
		{"byte order mark", "\uFEFF{\"a\":1}\n", 0, []string{`1:{"a":1}`}},
		{"empty stream", "", 0, nil},
		{"only blank lines", "\n \n\t\n", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitResult(t, tc.in, tc.max)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %q (%v)\nwant %q", got, err, tc.want)
			}
		})
	}
}

func TestSplitStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Split(strings.NewReader("{}\n{}\n{}\n"), 0, func(int, []byte, error) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("err %v after %d records", err, n)
	}
	broken := errors.New("read failed")
	err = Split(io.MultiReader(strings.NewReader("{}\n"), errReader{broken}), 0, func(int, []byte, error) error { return nil })
	if err != broken {
		t.Errorf("reader error: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestSplitBoundedMemory feeds a line far larger than the limit and checks
// that it is skipped without Split buffering it.
func TestSplitBoundedMemory(t *testing.T) {
	const size = 64 << 20
	r := io.MultiReader(strings.NewReader("{\"a\":1}\n"), &repeatReader{b: 'x', n: size}, strings.NewReader("\n{\"b\":2}\n"))
	var got []string
	err := Split(r, 1024, func(pos int, raw []byte, err error) error {
		got = append(got, strconv.Itoa(pos)+":"+codeOf(err)+string(raw))
		return nil
	})
	if err != nil || !slices.Equal(got, []string{`1:{"a":1}`, "2:event.too_long", `3:{"b":2}`}) {
		t.Errorf("got %q (%v)", got, err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	Split(&repeatReader{b: 'x', n: size}, 1024, func(int, []byte, error) error { return nil })
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("%d bytes allocated to skip one %d-byte line", n, size)
	}
}

// repeatReader yields n copies of b.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}
