package bundle_test

import (
	"archive/tar"
	"bytes"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/evidence/bundle"
)

// TestHostileArchives feeds archives no exporter writes: each must fail
// with a problem naming the member and what is wrong with it.
func TestHostileArchives(t *testing.T) {
	valid := split(t, makeBundle(t, mrand.New(mrand.NewPCG(7, 7)), 1))
	withHeader := func(h tar.Header, data string) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, m := range valid {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: m.name, Size: int64(len(m.data)), Mode: 0o444})
			tw.Write(m.data)
		}
		h.Size = int64(len(data))
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
		tw.Close()
		return buf.Bytes()
	}
	cases := []struct {
		name, file, cause string
		archive           []byte
	}{
		{"parent traversal", "../../etc/passwd", "unsafe member name", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "../../etc/passwd"}, "x")},
		{"traversal inside", "files/../MANIFEST.json", "unsafe member name", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "files/../MANIFEST.json"}, "x")},
		{"absolute", "/etc/cron.d/x", "unsafe member name", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "/etc/cron.d/x"}, "x")},
		{"backslash", `files\x`, "unsafe member name", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: `files\x`}, "x")},
		{"control character", "files/a\x1b[2Jb", "unsafe member name", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "files/a\x1b[2Jb"}, "x")},
		{"symlink", "files/link", "not a regular file", withHeader(tar.Header{Typeflag: tar.TypeSymlink, Name: "files/link", Linkname: "/etc/shadow"}, "")},
		{"hard link", "files/hard", "not a regular file", withHeader(tar.Header{Typeflag: tar.TypeLink, Name: "files/hard", Linkname: "MANIFEST.json"}, "")},
		{"duplicate", bundle.ManifestName, "appears twice", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: bundle.ManifestName}, "{}")},
		{"stranger", "notes.txt", "not part of an evidence bundle", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "notes.txt"}, "hi")},
		{"unlisted file", "files/extra", "not listed in the manifest", withHeader(tar.Header{Typeflag: tar.TypeReg, Name: "files/extra"}, "hi")},
		{"not a tar", "", "not a readable tar archive", []byte("this is not an archive at all, just text that goes on for a while........")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := bundle.Verify(bytes.NewReader(c.archive), bundle.Options{})
			if rep.OK() || !named(rep, c.file, "", c.cause) {
				t.Fatalf("want a problem naming %q with %q; got:\n%s", c.file, c.cause, list(rep))
			}
			for _, p := range rep.Problems {
				if s := p.String(); strings.ContainsRune(s, 0x1b) {
					t.Errorf("problem text carries a control character: %q", s)
				}
			}
		})
	}
}

// TestOversizedMembers: a member larger than a bundle allows is refused by
// its header, before it is read.
func TestOversizedMembers(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: bundle.SignatureName, Size: 1 << 20, Mode: 0o444})
	tw.Write(make([]byte, 1<<20))
	tw.Close()
	rep := bundle.Verify(&buf, bundle.Options{})
	if !named(rep, bundle.SignatureName, "", "more than") {
		t.Fatalf("oversized signature: %s", list(rep))
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"disk.dd":                "disk.dd",
		"../../etc/passwd":       "passwd",
		`C:\evidence\mem.raw`:    "mem.raw",
		"...hidden":              "hidden",
		"ảnh chụp.png":           "___nh_ch___p.png",
		"":                       "content",
		"..":                     "content",
		strings.Repeat("a", 300): strings.Repeat("a", 100),
	} {
		if got := bundle.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
