package portal

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

func encoded(t testing.TB, enc func(*bytes.Buffer, image.Image) error, w, h int) []byte {
	t.Helper()
	m := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	var b bytes.Buffer
	if err := enc(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, w, h int) []byte {
	return encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, w, h)
}

// bombHeader is a PNG whose header claims w×h pixels and which holds no
// pixels at all: what a decompression bomb starts with.
func bombHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr[:]...)
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&out, binary.BigEndian, uint32(13))
	out.Write(chunk)
	binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return out.Bytes()
}

// webp builds the first chunk of a WebP file of the given kind.
func webp(kind string, w, h int) []byte {
	var data []byte
	switch kind {
	case "VP8X":
		data = make([]byte, 10)
		data[4], data[5], data[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
		data[7], data[8], data[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	case "VP8L":
		data = make([]byte, 10)
		data[0] = 0x2f
		binary.LittleEndian.PutUint32(data[1:], uint32(w-1)|uint32(h-1)<<14)
	case "VP8 ":
		data = make([]byte, 10)
		data[3], data[4], data[5] = 0x9d, 0x01, 0x2a
		binary.LittleEndian.PutUint16(data[6:], uint16(w))
		binary.LittleEndian.PutUint16(data[8:], uint16(h))
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+len(data)))
	b.WriteString("WEBP" + kind)
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// TestCheckBulletinImage: the type comes from the bytes; sizes are read
// from headers, and a header claiming too many pixels is refused without
// decoding; everything else is a field error on the slot.
func TestCheckBulletinImage(t *testing.T) {
	jpg := encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }, 33, 21)
	gf := encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }, 5, 7)
	for _, c := range []struct {
		name string
		data []byte
		typ  string
		w, h int
		code string
	}{
		{"png", pngOf(t, 64, 48), "image/png", 64, 48, ""},
		{"jpeg", jpg, "image/jpeg", 33, 21, ""},
		{"gif", gf, "image/gif", 5, 7, ""},
		{"webp extended", webp("VP8X", 1200, 800), "image/webp", 1200, 800, ""},
		{"webp lossless", webp("VP8L", 300, 200), "image/webp", 300, 200, ""},
		{"webp lossy", webp("VP8 ", 640, 480), "image/webp", 640, 480, ""},
		{"largest allowed", bombHeader(8000, 8000), "image/png", 8000, 8000, ""},
		{"bomb", bombHeader(100000, 100000), "", 0, 0, CodeImageSize},
		{"too wide", bombHeader(8001, 1), "", 0, 0, CodeImageSize},
		{"webp too tall", webp("VP8X", 10, 9000), "", 0, 0, CodeImageSize},
		{"zero height", webp("VP8 ", 10, 0), "", 0, 0, CodeImageSize},
		{"empty", nil, "", 0, 0, CodeImageEmpty},
		{"too many bytes", append(pngOf(t, 2, 2), make([]byte, MaxBulletinImageBytes)...), "", 0, 0, CodeImageLarge},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "", 0, 0, CodeImageType},
		{"html named .png", []byte("<html><script>alert(1)</script>"), "", 0, 0, CodeImageType},
		{"bmp", []byte("BM\x00\x00\x00\x00"), "", 0, 0, CodeImageType},
		{"truncated png", pngOf(t, 4, 4)[:12], "", 0, 0, CodeImageBroken},
		{"riff not webp", []byte("RIFF\x00\x00\x00\x00WAVEfmt "), "", 0, 0, CodeImageType},
		{"webp bad chunk", append(webp("VP8L", 3, 3)[:12], []byte("ALPH\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")...), "", 0, 0, CodeImageBroken},
		{"webp lossy not a key frame", func() []byte { b := webp("VP8 ", 4, 4); b[20] = 1; return b }(), "", 0, 0, CodeImageBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, err := CheckBulletinImage("image2", c.data)
			if c.code == "" {
				if err != nil || info.Type != c.typ || info.Width != c.w || info.Height != c.h {
					t.Fatalf("got %+v %v, want %s %d×%d", info, err, c.typ, c.w, c.h)
				}
				return
			}
			e, ok := err.(*errs.Error)
			if !ok || e.Code != c.code || len(e.Fields) != 1 || e.Fields[0].Field != "image2" || e.Fields[0].Code != c.code {
				t.Fatalf("got %+v %v, want %s on image2", info, err, c.code)
			}
		})
	}
}

// TestCheckImages: slots with neither file nor kept picture are skipped;
// descriptions are required in both languages; the same picture twice is
// kept once; only new pictures wait to be stored.
func TestCheckImages(t *testing.T) {
	old := []BulletinImage{{SHA256: strings.Repeat("b", 64), Type: "image/gif", Width: 1, Height: 1, Size: 9, AltVI: "cũ", AltEN: "old"}}
	p := pngOf(t, 3, 3)
	var fs errs.Fields
	out, pending := checkImages([]BulletinImageInput{
		{AltVI: "bỏ qua", AltEN: "skipped"},
		{Keep: old[0].SHA256, AltVI: " mới ", AltEN: "new"},
		{Data: p, AltVI: "a", AltEN: "b"},
		{Data: p, AltVI: "c", AltEN: "d"},
	}, old, &fs)
	if len(fs) != 0 || len(out) != 2 || len(pending) != 2 {
		t.Fatalf("out %+v pending %d problems %v", out, len(pending), fs)
	}
	if out[0].AltVI != "mới" || out[0].Type != "image/gif" || out[1].Type != "image/png" || out[1].Size != int64(len(p)) {
		t.Errorf("out %+v", out)
	}
	fs = nil
	checkImages([]BulletinImageInput{{Data: p, AltVI: "", AltEN: strings.Repeat("x", maxAltText+1)},
		{Data: p, AltVI: "ok", AltEN: "bad\u202e"}}, nil, &fs)
	got := map[string]string{}
	for _, f := range fs {
		got[f.Field] = f.Code
	}
	if got["image1_alt_vi"] != "portal.text_required" || got["image1_alt_en"] != "portal.text_too_long" ||
		got["image2_alt_en"] != "portal.text_bad_chars" || len(got) != 3 {
		t.Errorf("descriptions: %v", got)
	}
}

// TestStripMetadata: text chunks of a PNG and EXIF/XMP/comment segments
// of a JPEG go, the pixels stay; a picture sent with a GPS position is
// stored without it.
func TestStripMetadata(t *testing.T) {
	p := pngOf(t, 6, 4)
	text := append([]byte("tEXt"), []byte("GPS\x0021.0285N 105.8542E")...)
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(len(text)-4))
	chunk.Write(text)
	binary.Write(&chunk, binary.BigEndian, crc32.ChecksumIEEE(text))
	tagged := append(append(append([]byte{}, p[:33]...), chunk.Bytes()...), p[33:]...) // after IHDR
	tagged = append(tagged, "trailing secrets"...)
	if _, err := png.Decode(bytes.NewReader(tagged)); err != nil {
		t.Fatalf("the tagged PNG is not a PNG: %v", err)
	}
	out := StripMetadata("image/png", tagged)
	if !bytes.Equal(out, p) {
		t.Errorf("stripped PNG differs from the untagged one (%d vs %d bytes)", len(out), len(p))
	}

	j := encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }, 9, 5)
	exif := []byte("Exif\x00\x00GPS 21.0285N")
	seg := append([]byte{0xff, 0xe1, 0, byte(len(exif) + 2)}, exif...)
	com := append([]byte{0xff, 0xfe, 0, 7}, "hello"...)
	taggedJ := append(append(append(append([]byte{}, j[:2]...), seg...), com...), j[2:]...)
	want, err := jpeg.Decode(bytes.NewReader(taggedJ))
	if err != nil {
		t.Fatalf("the tagged JPEG is not a JPEG: %v", err)
	}
	outJ := StripMetadata("image/jpeg", taggedJ)
	if bytes.Contains(outJ, []byte("GPS")) || bytes.Contains(outJ, []byte("hello")) || !bytes.Equal(outJ, j) {
		t.Errorf("stripped JPEG still carries metadata or lost bytes (%d vs %d)", len(outJ), len(j))
	}
	got, err := jpeg.Decode(bytes.NewReader(outJ))
	if err != nil || got.Bounds() != want.Bounds() {
		t.Fatalf("stripped JPEG: %v", err)
	}

	var fs errs.Fields
	ims, pending := checkImages([]BulletinImageInput{{Data: tagged, AltVI: "a", AltEN: "b"}}, nil, &fs)
	if len(fs) != 0 || len(pending) != 1 || bytes.Contains(pending[0].data, []byte("GPS")) || ims[0].Size != int64(len(p)) {
		t.Errorf("checkImages kept the metadata: %v %+v", fs, ims)
	}
	for _, typ := range []string{"image/gif", "image/webp"} {
		if w := webp("VP8L", 2, 2); !bytes.Equal(StripMetadata(typ, w), w) {
			t.Errorf("%s changed", typ)
		}
	}
}

// FuzzCheckBulletinImage: any bytes either pass with a known type and
// dimensions in bounds, or fail with a field error; nothing panics.
func FuzzCheckBulletinImage(f *testing.F) {
	f.Add(pngOf(f, 2, 2))
	f.Add(bombHeader(100000, 1))
	f.Add(webp("VP8X", 10, 10))
	f.Add(webp("VP8L", 10, 10))
	f.Add(webp("VP8 ", 10, 10))
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := CheckBulletinImage("image1", b)
		if err != nil {
			e, ok := err.(*errs.Error)
			if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "image1" {
				t.Fatalf("error without its field: %v", err)
			}
			return
		}
		switch info.Type {
		case "image/png", "image/jpeg", "image/gif", "image/webp":
		default:
			t.Fatalf("type %q", info.Type)
		}
		if info.Width < 1 || info.Height < 1 || info.Width > MaxBulletinImageSide || info.Height > MaxBulletinImageSide {
			t.Fatalf("dimensions %d×%d passed", info.Width, info.Height)
		}
		// Stripping never grows a picture, nor changes what it is.
		out := StripMetadata(info.Type, b)
		if len(out) > len(b) {
			t.Fatalf("stripping grew %d bytes to %d", len(b), len(out))
		}
		if again, err := CheckBulletinImage("image1", out); err != nil || again != info {
			t.Fatalf("after stripping: %+v %v, was %+v", again, err, info)
		}
	})
}

// BenchmarkCheckBulletinImage: checking and stripping a 2000×1500 photo
// (header only; the pixels are never decoded).
func BenchmarkCheckBulletinImage(b *testing.B) {
	m := image.NewRGBA(image.Rect(0, 0, 2000, 1500))
	for i := range m.Pix {
		m.Pix[i] = byte(i / 4000 * 3)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		info, err := CheckBulletinImage("image1", data)
		if err != nil {
			b.Fatal(err)
		}
		StripMetadata(info.Type, data)
	}
}
