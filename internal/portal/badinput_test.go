package portal

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/portal/guard"
)

// TestRefusedReportStoresNothing sends hostile and broken reports; each is
// refused with a clear error on the right field and changes nothing.
func TestRefusedReportStoresNothing(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	good := ReportInput{Kind: canon.KindURL, Value: "https://evil.example/"}
	replayed := client(s)
	if _, err := s.Submit(t.Context(), good, replayed); err != nil {
		t.Fatal(err)
	}
	before := f.counts()
	long := strings.Repeat("đ", 4001)
	for _, tc := range []struct {
		name   string
		in     ReportInput
		c      func() Client
		kind   errs.Kind
		code   string
		fields []string
	}{
		{"unknown kind", ReportInput{Kind: "fax", Value: "1"}, nil, errs.KindInvalid, CodeBadReport, []string{"kind"}},
		{"script URL", ReportInput{Kind: canon.KindURL, Value: "javascript:alert(document.cookie)"}, nil, errs.KindInvalid, CodeBadReport, []string{"value"}},
		{"impossible phone", ReportInput{Kind: canon.KindPhone, Value: "0952 345 678"}, nil, errs.KindInvalid, CodeBadReport, []string{"value"}},
		{"bank without bank", ReportInput{Kind: canon.KindBank, Value: "0011001234567"}, nil, errs.KindInvalid, CodeBadReport, []string{"bank"}},
		{"everything wrong", ReportInput{Kind: canon.KindDomain, Value: "com.vn", Category: "<b>", Description: long,
			LossAmount: "năm triệu", Currency: "VND", Contact: "<script>", Lang: "fr"}, nil, errs.KindInvalid, CodeBadReport,
			[]string{"value", "category", "description", "loss", "contact", "lang"}},
		{"control characters", ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: "a\x1b[31mred"}, nil,
			errs.KindInvalid, CodeBadReport, []string{"description"}},
		{"direction override", ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: "gpj.\u202eexe"}, nil,
			errs.KindInvalid, CodeBadReport, []string{"description"}},
		{"too many pictures", ReportInput{Kind: canon.KindDomain, Value: "evil.example", Screenshots: make([][]byte, 6)}, nil,
			errs.KindInvalid, CodeBadReport, []string{"screenshots"}},
		{"not a picture", ReportInput{Kind: canon.KindDomain, Value: "evil.example", Screenshots: [][]byte{[]byte("<svg onload=alert(1)>")}}, nil,
			errs.KindInvalid, CodeBadReport, []string{"screenshots[0]"}},
		{"huge picture", ReportInput{Kind: canon.KindDomain, Value: "evil.example", Screenshots: [][]byte{bytes.Repeat([]byte{0x89}, MaxScreenshotBytes+1)}}, nil,
			errs.KindTooLarge, CodeBadReport, []string{"screenshots[0]"}},
		{"honeypot", good, func() Client { c := client(s); c.Honeypot = "http://spam.example"; return c }, errs.KindInvalid, guard.CodeHoneypot, []string{"website"}},
		{"no proof of work", good, func() Client { return Client{Remote: "192.0.2.10"} }, errs.KindInvalid, guard.CodePoWMalformed, []string{"pow"}},
		{"replayed proof of work", good, func() Client { return replayed }, errs.KindInvalid, guard.CodePoWReplayed, []string{"pow"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(s)
			if tc.c != nil {
				c = tc.c()
			}
			_, err := s.Submit(t.Context(), tc.in, c)
			wantErr(t, err, tc.kind, tc.code)
			e, _ := err.(*errs.Error)
			var fields []string
			for _, fe := range e.Fields {
				if !slices.Contains(fields, fe.Field) {
					fields = append(fields, fe.Field)
				}
				if fe.Code == "" || fe.Message == "" {
					t.Errorf("field problem without code or message: %+v", fe)
				}
			}
			if !slices.Equal(fields, tc.fields) {
				t.Errorf("fields = %q, want %q", fields, tc.fields)
			}
			if got := f.counts(); got != before {
				t.Errorf("a refused report changed the store: %s, was %s", got, before)
			}
		})
	}
}

func TestRateLimitStoresNothing(t *testing.T) {
	f := newFake()
	s := New(Deps{Store: f, PoWKey: testK, PoW: guard.PoWOptions{Bits: 2, MinAge: -1},
		Report: guard.LimitOptions{Every: time.Hour, Burst: 2}, Lookup: guard.LimitOptions{Every: time.Hour, Burst: 3}})
	in := ReportInput{Kind: canon.KindDomain, Value: "evil.example"}
	for range 2 {
		mustSubmit(t, s, in)
	}
	before := f.counts()
	_, err := s.Submit(t.Context(), in, client(s))
	wantErr(t, err, errs.KindRateLimited, guard.CodeRateLimited)
	if f.counts() != before {
		t.Error("a limited report was stored")
	}
	for range 3 {
		lookup(t, s, "evil.example")
	}
	_, err = s.Lookup("evil.example", Client{Remote: "198.51.100.1:1"})
	wantErr(t, err, errs.KindRateLimited, guard.CodeRateLimited)
	_, err = s.Receipt(t.Context(), "7KQ4M-X2P9D", Client{Remote: "198.51.100.1"})
	wantErr(t, err, errs.KindRateLimited, guard.CodeRateLimited)
}

// TestTextIsStoredAsText: markup is neither run nor stripped; it stays
// exactly what was written, for the page to escape.
func TestTextIsStoredAsText(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	desc := "<script>alert(1)</script>\r\n<img src=x onerror=alert(2)> \"quoted\" 'x' & Cafe\u0301"
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: desc})
	r := f.reports[0]
	want := "<script>alert(1)</script>\n<img src=x onerror=alert(2)> \"quoted\" 'x' & Café"
	if r.Description != want {
		t.Errorf("stored %q, want %q (NFC, CRLF as LF, markup untouched)", r.Description, want)
	}
}

// TestNoReporterDataInPublicShapes checks, by type and by value, that what
// the public sees carries nothing a reporter gave.
func TestNoReporterDataInPublicShapes(t *testing.T) {
	for typ, allowed := range map[reflect.Type][]string{
		reflect.TypeFor[Listing]():       {"ID", "Kind", "Value", "Key", "Category", "State", "Reports", "PublishedAt", "ExpiresAt", "UpdatedAt"},
		reflect.TypeFor[Hit]():           {"Kind", "Key", "Status", "Reports", "ExpiresAt"},
		reflect.TypeFor[Answer]():        {"Status", "Kind", "Value", "Match", "Exact", "Advice"},
		reflect.TypeFor[ReceiptStatus](): {"Receipt", "Type", "Kind", "Value", "At", "Status"},
	} {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, allowed) {
			t.Errorf("%s has fields %q; a new public field must be checked for personal data first", typ, got)
		}
	}
	f := newFake()
	s := newService(t, f)
	secret := []string{"reporter-secret@mail.example", "Nguyễn Văn Bí Mật", "+84987654321"}
	sub := mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: secret[1],
		Contact: secret[0], Screenshots: [][]byte{tinyPNG(t)}})
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "evil.example", Description: "x", Contact: "0987 654 321"})
	e, _ := f.EntryByKey(t.Context(), "domain:evil.example")
	s.Confirm(t.Context(), ana, e.ID, "", "")
	s.Confirm(t.Context(), binh, e.ID, "", "")
	var out []any
	out = append(out, lookup(t, s, "evil.example"))
	st, _ := s.Receipt(t.Context(), sub.Receipt, Client{})
	out = append(out, st, Indicators([]Listing{e.Listing}, zeroIndicator))
	s.Published(t.Context(), func(l Listing) error { out = append(out, l); return nil })
	b, _ := json.Marshal(out)
	for _, x := range append(secret, f.reports[0].Screenshots[0], "ana@cert.example", "u-ana") {
		if bytes.Contains(b, []byte(x)) {
			t.Errorf("public output holds %q: %s", x, b)
		}
	}
}

func tinyPNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
