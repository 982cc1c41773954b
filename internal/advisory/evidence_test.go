package advisory

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzEvidenceType: the sniffer never panics, never accepts a text whose
// first non-blank character opens markup, nor a text with NUL bytes.
func FuzzEvidenceType(f *testing.F) {
	for _, s := range []string{"nginx 1.26.2\n", "<html>", " \n<svg/>", "\ufeff<?xml?>", "%PDF-1.7", "MZ\x90", "\x89PNG\r\n\x1a\n", "RIFF\x00\x00\x00\x00WEBPVP8 ", "ü"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, head []byte, whole bool) {
		ok := evidenceType(head, whole)
		t2 := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n\f")
		if ok && bytes.HasPrefix(t2, []byte("<")) {
			t.Fatalf("markup accepted: %q", head)
		}
		if ok && utf8.Valid(head) && bytes.IndexByte(head, 0) >= 0 && !bytes.HasPrefix(head, []byte("RIFF")) &&
			!bytes.HasPrefix(head, []byte("GIF8")) && !bytes.HasPrefix(head, []byte("PK")) && !bytes.HasPrefix(head, []byte("%PDF")) {
			t.Fatalf("text with NUL accepted: %q", head)
		}
	})
}
