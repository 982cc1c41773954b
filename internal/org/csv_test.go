package org

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/khien-cert/khien/internal/errs"
)

func TestParseInventoryCSVSample(t *testing.T) {
	f, err := os.Open("testdata/inventory.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, bad, err := ParseInventoryCSV(f, 100)
	if err != nil || len(bad) != 0 {
		t.Fatalf("err = %v, row errors = %+v", err, bad)
	}
	if len(rows) != 10 {
		t.Fatalf("got %d rows, want 10", len(rows))
	}
	for i, r := range rows {
		if r.Line != i+2 {
			t.Errorf("row %d: line = %d, want %d", i, r.Line, i+2)
		}
		if r.System == "" || r.Software.Product == "" {
			t.Errorf("line %d: system %q product %q", r.Line, r.System, r.Software.Product)
		}
	}
	want := map[int]Software{
		2:  {CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", Vendor: "apache", Product: "http_server", Version: "2.4.57"},
		8:  {PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", Vendor: "org.apache.logging.log4j", Product: "log4j-core", Version: "2.14.1"},
		10: {Vendor: "VNPT", Product: "Phần mềm quản lý văn bản, điều hành", Version: "5.2"},
		11: {CPE: "cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*", Vendor: "fortinet", Product: "fortios", Version: "7.2.5"},
	}
	for _, r := range rows {
		if w, ok := want[r.Line]; ok && r.Software != w {
			t.Errorf("line %d:\n got  %+v\n want %+v", r.Line, r.Software, w)
		}
	}
	if rows[0].System != "Cổng dịch vụ công" {
		t.Errorf("system = %q", rows[0].System)
	}
}

func TestParseInventoryCSVBadRows(t *testing.T) {
	f, err := os.Open("testdata/inventory_bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, bad, err := ParseInventoryCSV(f, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Line != 3 || rows[0].Software.Product != "nginx" {
		t.Errorf("valid rows = %+v, want line 3 (nginx) only", rows)
	}
	var got []string
	for _, e := range bad {
		got = append(got, fmt.Sprintf("%d %s:%s", e.Row, e.Field, e.Code))
		if e.Message == "" {
			t.Errorf("row %d: no message", e.Row)
		}
	}
	want := []string{
		"2 version:software.version_mismatch",
		"5 system:inventory.missing_system",
		"6 cpe:software.bad_cpe",
		"7 purl:software.bad_purl",
		"8 product:software.missing_identity",
		"9 purl:software.version_mismatch",
		"10 :inventory.extra_cells",
	}
	if !sameList(got, want) {
		t.Errorf("row errors:\n got  %q\n want %q", got, want)
	}
}

func TestParseInventoryCSV(t *testing.T) {
	const nginx = "cpe:2.3:a:nginx:nginx:1.24.0:*:*:*:*:*:*:*"
	tests := []struct {
		name    string
		in      string
		max     int
		lines   []int  // lines of the valid rows
		bad     []int  // rows of the row errors
		errCode string // whole-file error
		errKind errs.Kind
		hint    string
	}{
		{name: "header only", in: "system,cpe\n", lines: nil},
		{name: "header without newline", in: "product", lines: nil},
		{name: "crlf and blank lines", in: "product,version\r\n\r\nnginx,1.24\r\n\r\n\r\napache,2.4\r\n", lines: []int{3, 6}},
		{name: "case-insensitive header", in: "SYSTEM, Cpe ,Version\nweb," + nginx + ",\n", lines: []int{2}},
		{name: "bom and semicolons", in: "\uFEFFsystem;cpe;version\nweb;" + nginx + ";1.24.0\n", lines: []int{2}},
		{name: "commas win", in: "system,product\nweb,a;b\n", lines: []int{2}},
		{name: "quoted cell over two lines", in: "product,version\n\"multi\nline\",1\nnext,2\n", lines: []int{2, 4}},
		{name: "short row", in: "product,vendor,version\nnginx\n", lines: []int{2}},
		{name: "only delimiters is blank", in: "product,version\n,\n,,\n", lines: nil},
		{name: "extra empty cells ignored", in: "product\nnginx,,\n", lines: []int{2}},
		{name: "bad rows reported", in: "system,product\n,nginx\nweb,\n", bad: []int{2, 3}},
		{name: "windows-1258 cell", in: "product\nph\xe1n m\xe8m\n", bad: []int{2}},
		{name: "exactly max rows", in: "product\na\nb\nc\n", max: 3, lines: []int{2, 3, 4}},
		{name: "too many rows", in: "product\na\nb\nc\nd\n", max: 3,
			errCode: CodeTooManyRows, errKind: errs.KindTooLarge, hint: "more than 3 rows"},
		{name: "empty file", in: "", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "header"},
		{name: "only blank lines", in: "\n\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "header"},
		{name: "unknown column", in: "system,cpe,owner\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: `unknown column "owner"`},
		{name: "duplicate column", in: "cpe,CPE\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "twice"},
		{name: "empty column name", in: "cpe,,version\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "column 2"},
		{name: "no identity column", in: "system,version\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "cpe, purl or product"},
		{name: "bare quote", in: "product\nnginx \"x\" y\n", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "line 2"},
		{name: "utf-16", in: "\xff\xfep\x00r\x00", errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "UTF-16"},
		{name: "huge header", in: strings.Repeat("x", 9000), errCode: CodeBadCSV, errKind: errs.KindInvalid, hint: "header line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad, err := ParseInventoryCSV(strings.NewReader(tt.in), tt.max)
			if tt.errCode != "" {
				e, ok := errors.AsType[*errs.Error](err)
				if !ok || e.Code != tt.errCode || e.Kind != tt.errKind || !strings.Contains(e.Public, tt.hint) {
					t.Fatalf("err = %#v, want %s/%v mentioning %q", err, tt.errCode, tt.errKind, tt.hint)
				}
				if rows != nil || bad != nil {
					t.Errorf("rows and row errors returned with a whole-file error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines, badRows []int
			for _, r := range rows {
				lines = append(lines, r.Line)
			}
			for _, b := range bad {
				badRows = append(badRows, b.Row)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) || fmt.Sprint(badRows) != fmt.Sprint(tt.bad) {
				t.Errorf("lines %v, bad rows %v; want %v, %v (%+v)", lines, badRows, tt.lines, tt.bad, bad)
			}
		})
	}
}

func TestParseInventoryCSVReaderFailure(t *testing.T) {
	cause := errors.New("body too large")
	r := io.MultiReader(strings.NewReader("product\nnginx\n"), iotest.ErrReader(cause))
	_, _, err := ParseInventoryCSV(r, 10)
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Code != CodeBadCSV || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want %s wrapping the reader's error", err, CodeBadCSV)
	}
}
