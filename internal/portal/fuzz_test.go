package portal

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind == errs.KindInternal || e.Code == "" || e.Public == "" || len(e.Fields) == 0 {
		t.Fatalf("refusal %#v does not name a field with a code and a message", err)
	}
}

// FuzzCleanScreenshot: any bytes are refused with a reason or come out as a
// picture of the same type that cleans to itself.
func FuzzCleanScreenshot(f *testing.F) {
	for _, s := range [][]byte{tinyPNG(f), jpegSeed(f), pngHeader(100_000, 100_000), []byte("GIF89a"), {0xff, 0xd8, 0xff, 0xe0}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := CleanScreenshot("f", b)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		again, err := CleanScreenshot("f", s.Data)
		if err != nil || again.Type != s.Type || again.Width != s.Width || again.Height != s.Height {
			t.Fatalf("a cleaned picture does not clean again: %+v, %v", again, err)
		}
	})
}

// FuzzValidateReport: any report is refused field by field or stored as
// clean text that validates again to itself.
func FuzzValidateReport(f *testing.F) {
	f.Add("url", "https://evil.example/x", "", "<script>alert(1)</script>", "5.000.000", "VND", "a@b.example")
	f.Add("bank", "0011 0012 34567", "VCB", "Café\r\nx", "1,5", "USD", "0912345678")
	f.Add("phone", "0168 912 3456", "", "\u202e", "", "", "")
	f.Fuzz(func(t *testing.T, kind, value, bank, desc, loss, cur, contact string) {
		in := ReportInput{Kind: canon.Kind(kind), Value: value, Bank: bank, Description: desc, LossAmount: loss, Currency: cur, Contact: contact}
		r, _, err := ValidateReport(in)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if !utf8.ValidString(r.Description) || strings.ContainsRune(r.Description, '\r') || r.Loss.Amount < 0 || r.Loss.Amount > MaxLoss {
			t.Fatalf("stored %+v", r)
		}
		again, _, err := ValidateReport(ReportInput{Kind: r.Subject.Kind, Value: r.Subject.Value, Description: r.Description,
			Contact: r.Contact, Lang: r.Lang})
		if err != nil || again.Subject != r.Subject || again.Description != r.Description || again.Contact != r.Contact {
			t.Fatalf("%+v does not validate to itself: %+v, %v", r, again, err)
		}
	})
}

// FuzzParseReceipt: a receipt number parses to its canonical form, which
// parses to itself.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{"7KQ4M-X2P9D", "7kq4m x2p9o", "ilIL0-00000", "", "<script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReceipt(s)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if again, err := ParseReceipt(r); err != nil || again != r || len(r) != 11 {
			t.Fatalf("ParseReceipt(%q) = %q, then %q, %v", s, r, again, err)
		}
	})
}

// FuzzCheck: any look-up input gets an answer or a refusal, never a panic,
// and an answer's advice is never empty.
func FuzzCheck(f *testing.F) {
	ix := BuildIndex(genListings(500, now0.Add(time.Hour)))
	for _, q := range genQueries(500, 20) {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		a, err := ix.Check(q, now0)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if len(a.Advice) == 0 || a.Status == "" || (a.Status != StatusUnknown) != (a.Match != nil) {
			t.Fatalf("Check(%q) = %+v", q, a)
		}
	})
}
