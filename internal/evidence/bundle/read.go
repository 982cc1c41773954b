package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits on what the reader holds in memory or counts. Files are streamed
// and never held.
const (
	maxManifest  = 16 << 20
	maxSignature = 16 << 10
	maxKey       = 4 << 10
	maxLog       = 64 << 20
	maxLogsTotal = 256 << 20
	maxMembers   = 100_000
	maxProblems  = 1000
)

// contents is what one pass over an archive found.
type contents struct {
	text  map[string][]byte // the fixed members and custody logs, whole
	files map[string]digest // files/…, hashed
	seen  map[string]bool
	bytes int64 // of files
}

type digest struct {
	sha256, sha512 string
	size           int64
}

type digester struct {
	h256, h512 hash.Hash
	n          int64
}

func newDigester() *digester { return &digester{h256: sha256.New(), h512: sha512.New()} }

func (d *digester) Write(p []byte) (int, error) {
	d.h256.Write(p)
	d.h512.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

func (d *digester) digest() digest {
	return digest{hex.EncodeToString(d.h256.Sum(nil)), hex.EncodeToString(d.h512.Sum(nil)), d.n}
}

// read makes one pass over the archive in r. Problems with members are
// reported and the pass goes on; an archive that cannot be read further
// ends it with a problem.
func read(r io.Reader, report func(Problem)) *contents {
	c := &contents{text: map[string][]byte{}, files: map[string]digest{}, seen: map[string]bool{}}
	tr := tar.NewReader(r)
	textTotal := int64(0)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				report(Problem{Cause: "the archive is empty"})
			}
			return c
		}
		if err != nil {
			report(Problem{Cause: fmt.Sprintf("not a readable tar archive after %d members: %v", n, err)})
			return c
		}
		if n >= maxMembers {
			report(Problem{Cause: fmt.Sprintf("more than %d members", maxMembers)})
			return c
		}
		if err := c.member(tr, hdr, &textTotal); err != nil {
			report(err.Problem)
			if err.fatal {
				return c
			}
		}
	}
}

// memberProblem is a Problem that may end the pass.
type memberProblem struct {
	Problem
	fatal bool
}

func problem(file, format string, args ...any) *memberProblem {
	return &memberProblem{Problem: Problem{File: file, Cause: fmt.Sprintf(format, args...)}}
}

// member takes in one archive member.
func (c *contents) member(tr *tar.Reader, hdr *tar.Header, textTotal *int64) *memberProblem {
	name := hdr.Name
	if hdr.Typeflag == tar.TypeDir && safePath(strings.TrimSuffix(name, "/")) {
		return nil // directories appear when a bundle is unpacked and packed again
	}
	if !safePath(name) {
		return problem(name, "unsafe member name (absolute, with '..', '\\' or control characters)")
	}
	if hdr.Typeflag != tar.TypeReg {
		return problem(name, "not a regular file (tar type %q): links and devices are not allowed", hdr.Typeflag)
	}
	if c.seen[name] {
		return problem(name, "appears twice in the archive")
	}
	c.seen[name] = true
	if strings.HasPrefix(name, "files/") {
		d := newDigester()
		if _, err := io.CopyBuffer(d, tr, make([]byte, 1<<20)); err != nil {
			return &memberProblem{Problem{File: name, Cause: fmt.Sprintf("cannot be read: %v", err)}, true}
		}
		c.files[name] = d.digest()
		c.bytes += d.n
		return nil
	}
	limit := textLimit(name)
	if limit == 0 {
		return problem(name, "is not part of an evidence bundle")
	}
	if hdr.Size > limit {
		return problem(name, "is %d bytes, more than the %d a bundle allows", hdr.Size, limit)
	}
	if strings.HasPrefix(name, "custody/") {
		if *textTotal += hdr.Size; *textTotal > maxLogsTotal {
			return &memberProblem{Problem{File: name, Cause: fmt.Sprintf("custody logs exceed %d bytes in all", maxLogsTotal)}, true}
		}
	}
	b, err := io.ReadAll(io.LimitReader(tr, limit))
	if err != nil {
		return &memberProblem{Problem{File: name, Cause: fmt.Sprintf("cannot be read: %v", err)}, true}
	}
	c.text[name] = b
	return nil
}

// textLimit is the size bound of a member read whole; 0 for names that are
// not bundle members.
func textLimit(name string) int64 {
	switch name {
	case ManifestName:
		return maxManifest
	case SignatureName:
		return maxSignature
	case KeyName:
		return maxKey
	}
	if id, ok := strings.CutPrefix(name, "custody/"); ok && strings.HasSuffix(id, ".jsonl") && ValidID(strings.TrimSuffix(id, ".jsonl")) {
		return maxLog
	}
	return 0
}

// safePath reports whether name is a relative slash-separated path of
// printable UTF-8 without empty, "." or ".." elements.
func safePath(name string) bool {
	if name == "" || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, `\:`) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
