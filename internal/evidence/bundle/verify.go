package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/evidence/custody"
)

// Problem is one thing wrong with a bundle: the member concerned ("" for the
// archive as a whole), the entry inside it ("entry 3" of a custody log,
// "item <id>" of the manifest; "" for the whole member) and the cause.
type Problem struct {
	File  string
	Entry string
	Cause string
}

func (p Problem) String() string {
	where := "bundle"
	if p.File != "" {
		where = printable(p.File)
	}
	if p.Entry != "" {
		where += ", " + p.Entry
	}
	return where + ": " + printable(p.Cause)
}

// printable quotes text holding control characters, so a hostile member
// name cannot drive the terminal that shows it.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// Options tune verification.
type Options struct {
	// Key, when set, is the verifier key the bundle must be signed with
	// (obtained from the platform out of band): a bundle whose custody.pub
	// differs fails even when it is consistent with itself.
	Key string
}

// Report is the outcome of Verify.
type Report struct {
	BundleID string
	Key      string // the key ID of custody.pub, "name+hash"
	Items    int
	Events   int
	Bytes    int64 // of item content
	Problems []Problem
}

// OK reports whether the bundle passed every check.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify reads a bundle from r in one pass and checks every invariant,
// reporting each failure with the member and entry it concerns.
func Verify(r io.Reader, o Options) Report {
	var rep Report
	report := func(p Problem) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	c := read(r, report)
	rep.Bytes = c.bytes
	v, keyText := checkKey(c, o, report)
	if v != nil {
		rep.Key = custody.KeyID(v)
	}
	m, ok := checkManifest(c, v, keyText, report)
	if !ok {
		return rep
	}
	rep.BundleID, rep.Items = m.BundleID, len(m.Items)
	listed := map[string]bool{ManifestName: true, SignatureName: true, KeyName: true}
	ids := map[string]bool{}
	for i, it := range m.Items {
		entry := "item " + strconv.Itoa(i+1)
		if !ValidID(it.ID) || ids[it.ID] {
			report(Problem{ManifestName, entry, fmt.Sprintf("item ID %q is malformed or repeated", it.ID)})
			continue
		}
		ids[it.ID] = true
		listed[it.Path], listed[it.Custody.Path] = true, true
		checkFile(c, it, entry, report)
		rep.Events += checkLog(c, it, entry, v, report)
	}
	for _, name := range slices.Sorted(maps.Keys(c.seen)) {
		if !listed[name] {
			report(Problem{File: name, Cause: "is not listed in the manifest (a member was added)"})
		}
	}
	return rep
}

// checkKey reads custody.pub and holds it against the pinned key.
func checkKey(c *contents, o Options, report func(Problem)) (note.Verifier, string) {
	b, ok := c.text[KeyName]
	if !ok {
		report(Problem{File: KeyName, Cause: "missing: without the public key no signature can be checked"})
		return nil, ""
	}
	text := strings.TrimSpace(string(b))
	v, err := custody.ParseVerifier(text)
	if err != nil {
		report(Problem{File: KeyName, Cause: err.Error()})
		return nil, ""
	}
	if o.Key != "" && strings.TrimSpace(o.Key) != text {
		report(Problem{File: KeyName, Cause: fmt.Sprintf("is key %s, not the pinned key %s: the key was swapped", custody.KeyID(v), pinnedID(o.Key))})
	}
	return v, text
}

func pinnedID(key string) string {
	if v, err := custody.ParseVerifier(key); err == nil {
		return custody.KeyID(v)
	}
	return "(unreadable)"
}

// checkManifest checks the manifest's signature and parses it; ok is false
// when there is no manifest to go on.
func checkManifest(c *contents, v note.Verifier, keyText string, report func(Problem)) (Manifest, bool) {
	raw, ok := c.text[ManifestName]
	if !ok {
		report(Problem{File: ManifestName, Cause: "missing"})
		return Manifest{}, false
	}
	sig, hasSig := c.text[SignatureName]
	switch {
	case !hasSig:
		report(Problem{File: SignatureName, Cause: "missing: the manifest is not signed"})
	case v != nil:
		if err := custody.VerifyText(ManifestText(raw), string(sig), v); err != nil {
			report(Problem{File: ManifestName, Cause: fmt.Sprintf("the signature in %s does not hold (%v): the manifest, its signature or the key was changed", SignatureName, err)})
		}
	}
	var m Manifest
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil || d.More() {
		report(Problem{File: ManifestName, Cause: fmt.Sprintf("not a valid manifest: %v", err)})
		return Manifest{}, false
	}
	if m.Format != Format {
		report(Problem{File: ManifestName, Cause: fmt.Sprintf("format %q, want %q", m.Format, Format)})
		return Manifest{}, false
	}
	if keyText != "" && strings.TrimSpace(m.Key) != keyText {
		report(Problem{File: KeyName, Cause: fmt.Sprintf("is key %s, but the manifest was signed for %s: the key was swapped", keyID(keyText), keyID(m.Key))})
	}
	return m, true
}

func keyID(text string) string {
	if v, err := custody.ParseVerifier(text); err == nil {
		return custody.KeyID(v)
	}
	return strconv.Quote(text)
}

// checkFile holds an item's content against the manifest.
func checkFile(c *contents, it Item, entry string, report func(Problem)) {
	dir, name, _ := strings.Cut(strings.TrimPrefix(it.Path, "files/"), "/")
	if !strings.HasPrefix(it.Path, "files/") || dir != it.ID || !validFileName(name) {
		report(Problem{ManifestName, entry, fmt.Sprintf("content path %q is not files/%s/<safe name>", it.Path, it.ID)})
		return
	}
	d, ok := c.files[it.Path]
	switch {
	case !ok:
		report(Problem{File: it.Path, Cause: "missing: the item's content is not in the bundle"})
	case d.size != it.Size:
		report(Problem{File: it.Path, Cause: fmt.Sprintf("is %d bytes; the manifest says %d: the file was changed", d.size, it.Size)})
	case d.sha256 != it.SHA256:
		report(Problem{File: it.Path, Cause: fmt.Sprintf("has SHA-256 %s; the manifest says %s: the file was changed", d.sha256, it.SHA256)})
	case d.sha512 != it.SHA512:
		report(Problem{File: it.Path, Cause: fmt.Sprintf("has SHA-512 %s; the manifest says %s: the file was changed", d.sha512, it.SHA512)})
	}
}

// checkLog checks an item's custody log: the member against the manifest,
// then every line and the chain. It returns the number of events read.
func checkLog(c *contents, it Item, entry string, v note.Verifier, report func(Problem)) int {
	path := it.Custody.Path
	if path != LogPath(it.ID) {
		report(Problem{ManifestName, entry, fmt.Sprintf("custody log path %q is not %s", path, LogPath(it.ID))})
		return 0
	}
	raw, ok := c.text[path]
	if !ok {
		report(Problem{File: path, Cause: "missing: the item's custody log is not in the bundle"})
		return 0
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != it.Custody.SHA256 {
		report(Problem{File: path, Cause: fmt.Sprintf("has SHA-256 %s; the manifest says %s: the log was changed", hex.EncodeToString(sum[:]), it.Custody.SHA256)})
	}
	events, ok := parseLog(raw, path, report)
	if !ok {
		return len(events) // the bad lines are named; positions after them would mislead
	}
	for _, p := range custody.Check(events, it.ID, it.SHA256, v) {
		e := ""
		if p.Seq > 0 {
			e = "entry " + strconv.FormatInt(p.Seq, 10)
		}
		report(Problem{path, e, p.Cause})
	}
	n := int64(len(events))
	if n != it.Custody.Events {
		report(Problem{File: path, Cause: fmt.Sprintf("holds %d events; the manifest says %d: events were removed or added", n, it.Custody.Events)})
	}
	if n > 0 && events[n-1].Hash != it.Custody.Head {
		report(Problem{File: path, Entry: "entry " + strconv.FormatInt(n, 10), Cause: fmt.Sprintf("the last event's hash is %s; the manifest says the log ends at %s", events[n-1].Hash, it.Custody.Head)})
	}
	return len(events)
}

// parseLog splits a log into events, reporting each line that is not a
// canonical event; ok is false when there was one.
func parseLog(raw []byte, path string, report func(Problem)) (out []custody.Event, ok bool) {
	ok = true
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		report(Problem{File: path, Cause: "does not end with a newline: it was cut short or edited"})
	}
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			if i < bytes.Count(raw, []byte("\n")) {
				report(Problem{path, "entry " + strconv.Itoa(i+1), "empty line"})
				ok = false
			}
			continue
		}
		e, err := custody.ParseLine(line)
		if err != nil {
			report(Problem{path, "entry " + strconv.Itoa(i+1), err.Error()})
			ok = false
			continue
		}
		out = append(out, e)
	}
	return out, ok
}
