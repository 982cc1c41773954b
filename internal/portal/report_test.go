package portal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

func TestValidateReport(t *testing.T) {
	r, shots, err := ValidateReport(ReportInput{Kind: canon.KindBank, Bank: "MB", Value: "0912.345.678",
		Category: "investment", Description: "  Cafe\u0301 lừa đầu tư\r\nchuyển khoản  ", LossAmount: "5.000.000",
		Contact: "Victim@Mail.Example", Lang: "en", Screenshots: [][]byte{tinyPNG(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject.Key != "bank:970422:0912345678" || r.Description != "Café lừa đầu tư\nchuyển khoản" ||
		r.Loss != (Money{5_000_000, "VND"}) || r.Contact != "victim@mail.example" || r.Lang != "en" ||
		len(shots) != 1 || r.Screenshots[0] != shots[0].ID {
		t.Errorf("report = %+v", r)
	}
	r, _, err = ValidateReport(ReportInput{Kind: canon.KindPhone, Value: "0912345678", Contact: "0987 654 321"})
	if err != nil || r.Contact != "+84987654321" || r.Lang != "vi" || r.Loss != (Money{}) {
		t.Errorf("report = %+v, %v", r, err)
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		amount, currency string
		want             Money
		bad              bool
	}{
		{"5.000.000", "", Money{5_000_000, "VND"}, false},
		{"5,000,000", "vnd", Money{5_000_000, "VND"}, false},
		{"5 000 000", "VND", Money{5_000_000, "VND"}, false},
		{"1,250.50", "USD", Money{125_050, "USD"}, false},
		{"1.250,50", "EUR", Money{125_050, "EUR"}, false},
		{"1,250", "USD", Money{125_000, "USD"}, false},
		{"300", "USDT", Money{30_000, "USDT"}, false},
		{"", "VND", Money{}, false},
		{"năm triệu", "VND", Money{}, true},
		{"-5", "VND", Money{}, true},
		{"1e9", "VND", Money{}, true},
		{"5", "BTC", Money{}, true},
		{strings.Repeat("9", 19), "VND", Money{}, true},
		{"2.000.000.000.000.000", "VND", Money{}, true},
	} {
		got, err := ParseMoney(tc.amount, tc.currency)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseMoney(%q, %q) = %+v, %v", tc.amount, tc.currency, got, err)
		}
	}
}

func TestReceipts(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := NewReceipt()
		if len(r) != 11 || r[5] != '-' || seen[r] {
			t.Fatalf("receipt %q is malformed or repeated", r)
		}
		seen[r] = true
		if p, err := ParseReceipt(strings.ToLower(strings.ReplaceAll(r, "-", " "))); err != nil || p != r {
			t.Fatalf("ParseReceipt(%q) = %q, %v", r, p, err)
		}
	}
	if p, err := ParseReceipt("7kq4m x2p9o"); err != nil || p != "7KQ4M-X2P90" {
		t.Errorf("O for 0: %q, %v", p, err)
	}
	if p, err := ParseReceipt("ilIL0-00000"); err != nil || p != "11110-00000" {
		t.Errorf("I and L for 1: %q, %v", p, err)
	}
	for _, bad := range []string{"", "7KQ4M-X2P9", "7KQ4M-X2P9DD", "7KQ4M-X2P9U", "<script>-xx"} {
		if _, err := ParseReceipt(bad); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("ParseReceipt(%q) = %v", bad, err)
		}
	}
}

// pngWithText is a PNG carrying a tEXt chunk (as editors write an author
// or a place) and bytes after its end.
func pngWithText(t *testing.T) []byte {
	b := tinyPNG(t)
	text := pngChunk("tEXt", append([]byte("Author\x00"), "Nguyen Secret GPS 21.0285,105.8542"...))
	out := append(append(append([]byte{}, b[:33]...), text...), b[33:]...) // after the signature and IHDR
	return append(out, "TRAILING-SECRET"...)
}

func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(append(out, typ...), data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// jpegSeed is a small JPEG.
func jpegSeed(t testing.TB) []byte {
	m := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range m.Pix {
		m.Pix[i] = byte(i)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegWithEXIF is a JPEG with an APP1 EXIF segment after SOI.
func jpegWithEXIF(t *testing.T) []byte {
	b := bytes.NewBuffer(jpegSeed(t))
	payload := []byte("Exif\x00\x00MM\x00*GPS Secret iPhone 15")
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	seg = append(seg, payload...)
	raw := b.Bytes()
	return append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
}

func TestCleanScreenshot(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		typ  string
	}{
		{"png with text and trailer", pngWithText(t), "image/png"},
		{"jpeg with exif", jpegWithEXIF(t), "image/jpeg"},
	} {
		s, err := CleanScreenshot("f", tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, secret := range []string{"Secret", "GPS", "Exif", "tEXt", "TRAILING"} {
			if bytes.Contains(s.Data, []byte(secret)) {
				t.Errorf("%s: %q survived cleaning", tc.name, secret)
			}
		}
		if s.Type != tc.typ || len(s.ID) != 64 || s.Width == 0 {
			t.Errorf("%s: %+v", tc.name, s)
		}
		again, err := CleanScreenshot("f", s.Data)
		if err != nil || again.Width != s.Width || again.Height != s.Height {
			t.Errorf("%s: the clean picture does not read back: %v", tc.name, err)
		}
	}
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	bomb := pngHeader(100_000, 100_000)
	for _, tc := range []struct {
		name string
		in   []byte
		kind errs.Kind
		code string
	}{
		{"empty", nil, errs.KindInvalid, CodeShotEmpty},
		{"gif", gif, errs.KindInvalid, CodeShotType},
		{"html named .png", []byte("<html><script>alert(1)</script>"), errs.KindInvalid, CodeShotType},
		{"png header only", pngHeader(10, 10), errs.KindInvalid, CodeShotBroke},
		{"decompression bomb", bomb, errs.KindInvalid, CodeShotSize},
		{"truncated jpeg", jpegWithEXIF(t)[:60], errs.KindInvalid, CodeShotBroke},
		{"too large", append(tinyPNG(t), make([]byte, MaxScreenshotBytes)...), errs.KindTooLarge, CodeShotLarge},
	} {
		_, err := CleanScreenshot("screenshots[0]", tc.in)
		e, ok := errors.AsType[*errs.Error](err)
		if !ok || e.Kind != tc.kind || e.Code != tc.code || len(e.Fields) != 1 || e.Fields[0].Field != "screenshots[0]" {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// pngHeader is a PNG signature and an IHDR chunk claiming w×h (8-bit
// grey), and no pixel data.
func pngHeader(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
}
