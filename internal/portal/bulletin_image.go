package portal

// This file holds the pictures of awareness bulletins. A bulletin carries
// at most MaxBulletinImages, each PNG, JPEG, WebP or GIF of at most
// MaxBulletinImageBytes, with a description (alt text) in Vietnamese and in
// English for those who cannot see it. A picture is typed by its first
// bytes, never by its file name or the browser's word, and its dimensions
// are read from its header (CheckBulletinImage): a header that cannot be
// read, or that claims more than MaxBulletinImageSide pixels a side (a
// decompression bomb), is refused before anything is stored. Pixels are
// never decoded here (docs/adr/0010-bulletin-pictures.md). Text metadata is
// cut from PNG and JPEG files without touching their pixels (StripMetadata:
// EXIF with its GPS position, XMP, IPTC, comments); WebP and GIF are kept
// as sent. The bytes go to the service's content-addressed blob store
// (Deps.BulletinImages), named by their SHA-256: the public URL of a
// picture never changes, so it is cached for long.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// Bounds of a bulletin's pictures.
const (
	MaxBulletinImages     = 4
	MaxBulletinImageBytes = 2 << 20
	MaxBulletinImageSide  = 8000
	maxAltText            = 300
)

// BulletinImage is one picture of a bulletin.
type BulletinImage struct {
	SHA256 string `json:"sha256"` // lowercase hex of the bytes; the blob's name
	Type   string `json:"type"`   // image/png, image/jpeg, image/webp or image/gif
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Size   int64  `json:"size"` // bytes
	AltVI  string `json:"alt_vi"`
	AltEN  string `json:"alt_en"`
}

// Alt is the picture's description in lang ("vi" or "en").
func (im BulletinImage) Alt(lang string) string {
	if lang == "en" {
		return im.AltEN
	}
	return im.AltVI
}

// BulletinImageInput is one picture a writer sends: new bytes (Data), or
// the SHA-256 of a picture the bulletin already has (Keep). Data wins when
// both are set. A slot with neither is ignored.
type BulletinImageInput struct {
	Keep  string
	Data  []byte
	AltVI string
	AltEN string
}

// BulletinBlobs keeps the pictures' bytes: a content-addressed blob store
// (internal/blob) of the portal's own.
type BulletinBlobs interface {
	Put(ctx context.Context, r io.Reader, want blob.Expect, limit int64) (blob.Digest, error)
	Open(ctx context.Context, sum string) (io.ReadCloser, int64, error)
}

// Codes of CheckBulletinImage and of the pictures' descriptions.
const (
	CodeImageEmpty   = "portal.image_empty"
	CodeImageLarge   = "portal.image_too_large"
	CodeImageType    = "portal.image_type"
	CodeImageBroken  = "portal.image_unreadable"
	CodeImageSize    = "portal.image_dimensions"
	CodeImageTooMany = "portal.too_many_images"
	CodeImageUnknown = "portal.image_unknown"
)

// ImageField names slot i (from 0) of the pictures in field errors:
// "image1" for the file, "image1_alt_vi" and "image1_alt_en" for its
// descriptions.
func ImageField(i int, suffix string) string { return "image" + strconv.Itoa(i+1) + suffix }

// ImageInfo is what CheckBulletinImage learnt of a picture.
type ImageInfo struct {
	Type          string
	Width, Height int
}

// imageKind is one picture format a bulletin may carry.
type imageKind struct {
	typ    string
	match  func([]byte) bool
	config func(io.Reader) (image.Config, error)
}

var imageKinds = []imageKind{
	{"image/png", prefix("\x89PNG\r\n\x1a\n"), png.DecodeConfig},
	{"image/jpeg", prefix("\xff\xd8\xff"), jpeg.DecodeConfig},
	{"image/gif", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	},
		gif.DecodeConfig},
	{"image/webp", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" },
		webpConfig},
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

// CheckBulletinImage types a picture by its bytes and reads its dimensions
// from its header. field names it in errors.
func CheckBulletinImage(field string, b []byte) (ImageInfo, error) {
	bad := func(kind errs.Kind, code, msg string) (ImageInfo, error) {
		return ImageInfo{}, &errs.Error{Kind: kind, Code: code, Public: msg, Fields: []errs.FieldError{errs.Field(field, code, msg)}}
	}
	if len(b) == 0 {
		return bad(errs.KindInvalid, CodeImageEmpty, "the file is empty")
	}
	if len(b) > MaxBulletinImageBytes {
		return bad(errs.KindTooLarge, CodeImageLarge, "a picture may be at most "+strconv.Itoa(MaxBulletinImageBytes>>20)+" MiB")
	}
	i := slices.IndexFunc(imageKinds, func(k imageKind) bool { return k.match(b) })
	if i < 0 {
		return bad(errs.KindInvalid, CodeImageType, "only PNG, JPEG, WebP and GIF pictures can be attached")
	}
	k := imageKinds[i]
	cfg, err := k.config(bytes.NewReader(b))
	if err != nil {
		return bad(errs.KindInvalid, CodeImageBroken, "the picture cannot be read; it may be damaged")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxBulletinImageSide || cfg.Height > MaxBulletinImageSide {
		return bad(errs.KindInvalid, CodeImageSize, "the picture is "+strconv.Itoa(cfg.Width)+"×"+strconv.Itoa(cfg.Height)+
			" pixels; at most "+strconv.Itoa(MaxBulletinImageSide)+" a side")
	}
	return ImageInfo{Type: k.typ, Width: cfg.Width, Height: cfg.Height}, nil
}

var errWebP = errors.New("portal: not a readable WebP header")

// webpConfig reads a WebP picture's size from its first chunk: VP8X
// (extended: the canvas), VP8L (lossless) or VP8 (lossy key frame).
func webpConfig(r io.Reader) (image.Config, error) {
	var h [30]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return image.Config{}, errWebP
	}
	u24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	var w, ht int
	switch string(h[12:16]) {
	case "VP8X":
		w, ht = 1+u24(h[24:27]), 1+u24(h[27:30])
	case "VP8L":
		if h[20] != 0x2f {
			return image.Config{}, errWebP
		}
		bits := binary.LittleEndian.Uint32(h[21:25])
		w, ht = int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1
	case "VP8 ":
		if h[23] != 0x9d || h[24] != 0x01 || h[25] != 0x2a || h[20]&1 != 0 { // start code of a key frame
			return image.Config{}, errWebP
		}
		w, ht = int(binary.LittleEndian.Uint16(h[26:28])&0x3fff), int(binary.LittleEndian.Uint16(h[28:30])&0x3fff)
	default:
		return image.Config{}, errWebP
	}
	return image.Config{Width: w, Height: ht}, nil
}

// StripMetadata cuts text metadata from a checked picture of type typ
// without decoding it: from a PNG the tEXt, zTXt, iTXt, eXIf and tIME
// chunks; from a JPEG the APP1 (EXIF, XMP), APP13 (IPTC) and COM segments
// before the image data. Anything it cannot walk cleanly is returned as
// it came (CheckBulletinImage has already judged it).
func StripMetadata(typ string, b []byte) []byte {
	var out []byte
	var ok bool
	switch typ {
	case "image/png":
		out, ok = stripPNG(b)
	case "image/jpeg":
		out, ok = stripJPEG(b)
	}
	if !ok {
		return b
	}
	return out
}

func stripPNG(b []byte) ([]byte, bool) {
	const sig = 8
	if len(b) < sig {
		return nil, false
	}
	out := append(make([]byte, 0, len(b)), b[:sig]...)
	for p := sig; p < len(b); {
		if len(b)-p < 12 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint32(b[p:]))
		if n < 0 || n > len(b)-p-12 {
			return nil, false
		}
		end := p + 12 + n
		switch string(b[p+4 : p+8]) {
		case "tEXt", "zTXt", "iTXt", "eXIf", "tIME":
		default:
			out = append(out, b[p:end]...)
		}
		if string(b[p+4:p+8]) == "IEND" {
			return out, true // anything after the end is dropped too
		}
		p = end
	}
	return nil, false
}

func stripJPEG(b []byte) ([]byte, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, false
	}
	out := append(make([]byte, 0, len(b)), b[:2]...)
	for p := 2; p+4 <= len(b); {
		if b[p] != 0xff {
			return nil, false
		}
		m := b[p+1]
		if m == 0xff { // fill byte
			p++
			continue
		}
		if m == 0xd8 || m == 0xd9 || m == 0x01 || m >= 0xd0 && m <= 0xd7 { // markers without a length
			out = append(out, b[p:p+2]...)
			p += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return nil, false
		}
		if m == 0xda { // start of scan: the rest is image data
			return append(out, b[p:]...), true
		}
		if m != 0xe1 && m != 0xed && m != 0xfe {
			out = append(out, b[p:p+2+n]...)
		}
		p += 2 + n
	}
	return nil, false
}

var altRules = struct{ vi, en textRule }{
	textRule{max: maxAltText, required: true},
	textRule{max: maxAltText, required: true},
}

// pendingImage is a new picture, checked, waiting to be stored.
type pendingImage struct {
	img  BulletinImage
	data []byte
}

// checkImages validates the pictures a writer sent against those the
// bulletin has (old) and returns the new list and the bytes to store.
func checkImages(in []BulletinImageInput, old []BulletinImage, fs *errs.Fields) ([]BulletinImage, []pendingImage) {
	var out []BulletinImage
	var pending []pendingImage
	used := 0
	for i, im := range in {
		if len(im.Data) == 0 && im.Keep == "" {
			continue
		}
		if used++; used > MaxBulletinImages {
			fs.Add(ImageField(i, ""), CodeImageTooMany, "at most "+strconv.Itoa(MaxBulletinImages)+" pictures")
			continue
		}
		vi, en := altRules.vi, altRules.en
		vi.field, en.field = ImageField(i, "_alt_vi"), ImageField(i, "_alt_en")
		bi := BulletinImage{AltVI: vi.clean(im.AltVI, fs), AltEN: en.clean(im.AltEN, fs)}
		if len(im.Data) > 0 {
			info, err := CheckBulletinImage(ImageField(i, ""), im.Data)
			if err == nil {
				im.Data = StripMetadata(info.Type, im.Data)
				info, err = CheckBulletinImage(ImageField(i, ""), im.Data)
			}
			if err != nil {
				var e *errs.Error
				if errors.As(err, &e) {
					*fs = append(*fs, e.Fields...)
				}
				continue
			}
			sum := sha256.Sum256(im.Data)
			bi.SHA256, bi.Type, bi.Width, bi.Height, bi.Size = hex.EncodeToString(sum[:]), info.Type, info.Width, info.Height,
				int64(len(im.Data))
			pending = append(pending, pendingImage{img: bi, data: im.Data})
		} else {
			j := slices.IndexFunc(old, func(o BulletinImage) bool { return o.SHA256 == im.Keep })
			if j < 0 {
				fs.Add(ImageField(i, ""), CodeImageUnknown, "the bulletin has no such picture; choose the file again")
				continue
			}
			kept := old[j]
			kept.AltVI, kept.AltEN = bi.AltVI, bi.AltEN
			bi = kept
		}
		if slices.ContainsFunc(out, func(o BulletinImage) bool { return o.SHA256 == bi.SHA256 }) {
			continue // the same picture twice is kept once
		}
		out = append(out, bi)
	}
	return out, pending
}

// putImages stores new pictures' bytes. A picture already stored is found
// again, not written twice.
func (s *Service) putImages(ctx context.Context, pending []pendingImage) error {
	if len(pending) == 0 {
		return nil
	}
	if s.d.BulletinImages == nil {
		return errUnavailable("bulletin pictures")
	}
	for _, p := range pending {
		size := p.img.Size
		if _, err := s.d.BulletinImages.Put(ctx, bytes.NewReader(p.data), blob.Expect{Size: &size, SHA256: p.img.SHA256},
			MaxBulletinImageBytes); err != nil {
			return err
		}
	}
	return nil
}

// imageDigests lists pictures' SHA-256 for the audit trail.
func imageDigests(ims []BulletinImage) []string {
	out := make([]string, 0, len(ims))
	for _, im := range ims {
		out = append(out, im.SHA256)
	}
	return out
}

// PublicBulletinImage opens a picture of a published bulletin; a picture
// of a draft, or one the bulletin does not carry, is not found.
func (s *Service) PublicBulletinImage(ctx context.Context, id, sum string) (BulletinImage, io.ReadCloser, error) {
	if !blob.ValidSHA256(sum) {
		return BulletinImage{}, nil, errs.NotFound("portal.image_not_found")
	}
	b, err := s.PublicBulletin(ctx, id)
	if err != nil {
		return BulletinImage{}, nil, err
	}
	return s.openImage(ctx, b, sum)
}

// StaffBulletinImage opens a picture of a bulletin p may publish for,
// drafts too (for the edit form's previews).
func (s *Service) StaffBulletinImage(ctx context.Context, p auth.Principal, id, sum string) (BulletinImage, io.ReadCloser, error) {
	if !blob.ValidSHA256(sum) {
		return BulletinImage{}, nil, errs.NotFound("portal.image_not_found")
	}
	b, err := s.StaffBulletin(ctx, p, id)
	if err != nil {
		return BulletinImage{}, nil, err
	}
	return s.openImage(ctx, b, sum)
}

func (s *Service) openImage(ctx context.Context, b Bulletin, sum string) (BulletinImage, io.ReadCloser, error) {
	i := slices.IndexFunc(b.Images, func(im BulletinImage) bool { return im.SHA256 == sum })
	if i < 0 || s.d.BulletinImages == nil {
		return BulletinImage{}, nil, errs.NotFound("portal.image_not_found")
	}
	rc, _, err := s.d.BulletinImages.Open(ctx, sum)
	if err != nil {
		return BulletinImage{}, nil, err
	}
	return b.Images[i], rc, nil
}

// BulletinImageGrace is how long a picture no bulletin carries is kept
// after it was last written: long past any request that stored it and is
// still writing its bulletin.
const BulletinImageGrace = 24 * time.Hour

// SweepBulletinImages deletes the pictures no bulletin carries any more
// (removed from their bulletin, or stored by a request that then failed)
// once untouched for BulletinImageGrace, and reports how many went. It
// does nothing when the pictures' store cannot list its blobs.
func (s *Service) SweepBulletinImages(ctx context.Context) (int, error) {
	st, err := s.bulletins()
	if err != nil {
		return 0, err
	}
	bs, ok := s.d.BulletinImages.(blob.Store)
	if !ok {
		return 0, nil
	}
	rep, err := blob.Sweep(ctx, bs, blob.SweepOptions{Now: s.now(), Grace: BulletinImageGrace, Referenced: st.BulletinImageInUse})
	if len(rep.Blobs) > 0 {
		s.d.Logger.Info("bulletin pictures swept", "pictures", len(rep.Blobs))
	}
	return len(rep.Blobs), err
}
