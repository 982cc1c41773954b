package portal

// This file checks and cleans the screenshots a citizen attaches. A file is
// typed by its first bytes, never by its name or the browser's word; only
// PNG and JPEG are taken. Its dimensions are read from the header before
// any pixel is decoded, so a small file that claims a huge picture (a
// decompression bomb) is refused cheaply. The picture is then decoded and
// encoded afresh with the standard library's encoders, which write pixels
// and nothing else: EXIF (with the GPS position and the phone's model), XMP,
// ICC profiles, PNG text chunks and anything appended after the image are
// gone. The stored picture is named by the SHA-256 of its clean bytes.
//
// The EXIF orientation is not applied: a photo taken sideways is stored
// sideways. Screenshots, the common case, have none.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strconv"

	"github.com/khien-cert/khien/internal/errs"
)

// Bounds of one screenshot.
const (
	MaxScreenshotBytes = 8 << 20
	MaxScreenshotSide  = 12_000
	MaxScreenshotArea  = 40_000_000 // pixels: a 12-megapixel photo fits three times
	MaxScreenshots     = 5
)

// Screenshot is a cleaned picture.
type Screenshot struct {
	ID     string `json:"id"` // hex SHA-256 of Data
	Type   string `json:"type"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Data   []byte `json:"-"`
}

// Codes of CleanScreenshot.
const (
	CodeShotEmpty = "portal.screenshot_empty"
	CodeShotLarge = "portal.screenshot_too_large"
	CodeShotType  = "portal.screenshot_type"
	CodeShotBroke = "portal.screenshot_unreadable"
	CodeShotSize  = "portal.screenshot_dimensions"
)

// imageFormat is one picture format the portal takes.
type imageFormat struct {
	typ    string
	magic  []byte
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
	encode func(io.Writer, image.Image) error
}

var imageFormats = []imageFormat{
	{"image/png", []byte("\x89PNG\r\n\x1a\n"), png.DecodeConfig, png.Decode, png.Encode},
	{"image/jpeg", []byte{0xff, 0xd8, 0xff}, jpeg.DecodeConfig, jpeg.Decode,
		func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 88}) }},
}

// CleanScreenshot checks one uploaded file and returns it re-encoded. field
// names it in errors ("screenshots[2]").
func CleanScreenshot(field string, b []byte) (Screenshot, error) {
	bad := func(kind errs.Kind, code, msg string) (Screenshot, error) {
		return Screenshot{}, &errs.Error{Kind: kind, Code: code, Public: msg, Fields: []errs.FieldError{errs.Field(field, code, msg)}}
	}
	if len(b) == 0 {
		return bad(errs.KindInvalid, CodeShotEmpty, "the file is empty")
	}
	if len(b) > MaxScreenshotBytes {
		return bad(errs.KindTooLarge, CodeShotLarge, "a picture may be at most "+strconv.Itoa(MaxScreenshotBytes>>20)+" MB")
	}
	i := slices.IndexFunc(imageFormats, func(f imageFormat) bool { return bytes.HasPrefix(b, f.magic) })
	if i < 0 {
		return bad(errs.KindInvalid, CodeShotType, "only PNG and JPEG pictures can be attached")
	}
	f := imageFormats[i]
	cfg, err := f.config(bytes.NewReader(b))
	if err != nil {
		return bad(errs.KindInvalid, CodeShotBroke, "the picture cannot be read; it may be damaged")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxScreenshotSide || cfg.Height > MaxScreenshotSide ||
		cfg.Width*cfg.Height > MaxScreenshotArea {
		return bad(errs.KindInvalid, CodeShotSize, "the picture is "+strconv.Itoa(cfg.Width)+"×"+strconv.Itoa(cfg.Height)+
			" pixels; the limit is "+strconv.Itoa(MaxScreenshotArea/1_000_000)+" megapixels")
	}
	m, err := f.decode(bytes.NewReader(b))
	if err != nil {
		return bad(errs.KindInvalid, CodeShotBroke, "the picture cannot be read; it may be damaged")
	}
	var out bytes.Buffer
	out.Grow(len(b))
	if err := f.encode(&out, m); err != nil {
		return Screenshot{}, errs.Internal("portal.CleanScreenshot", err)
	}
	sum := sha256.Sum256(out.Bytes())
	r := m.Bounds()
	return Screenshot{ID: hex.EncodeToString(sum[:]), Type: f.typ, Width: r.Dx(), Height: r.Dy(), Data: out.Bytes()}, nil
}
