// Package bundle writes and verifies sealed evidence export bundles: what a
// prosecutor or court expert receives and checks offline, with no access to
// Khiên.
//
// A bundle is an uncompressed POSIX tar archive holding
//
//	MANIFEST.json           the bundle: case, items with hashes and metadata,
//	                        where each item's file and custody log are, and
//	                        the hash, count and head of each log
//	MANIFEST.sig            the custody key's signature over the manifest's SHA-256
//	custody.pub             the custody key's verifier key (name+hash+base64)
//	custody/<item-id>.jsonl each item's full custody log, one signed event a line
//	files/<item-id>/<name>  each item's content
//
// Why tar: it is written in one pass to any io.Writer (no seeking, no
// central directory), so a multi-gigabyte export streams straight to a disk
// or a response; it is read in one pass too, so the verifier hashes every
// file as it streams past and holds only the small text members in memory;
// every operating system can unpack it (Windows ships tar); and it has one
// header per member, where zip keeps two copies of each name (local header
// and central directory) that a crafted archive can make disagree.
// Compression would gain nothing on disk images and would hide the members
// from tools.
//
// Invariants a valid bundle holds (Verify checks every one and names the
// member and entry that breaks it): every member has a safe relative name
// and is a regular file listed by the manifest, once; MANIFEST.sig is one
// canonical signature of the manifest by custody.pub, which is the key the
// manifest names (and the pinned key when one is given); every file has the
// size, SHA-256 and SHA-512 the manifest states; every custody log has the
// SHA-256, event count and head hash the manifest states and is a valid log
// of its item (see package custody). The reader bounds what it buffers, so
// a hostile archive costs at most those bounds in memory.
package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Format identifies this version of the bundle format.
const Format = "khien-evidence-bundle/1"

// Names of the fixed members.
const (
	ManifestName  = "MANIFEST.json"
	SignatureName = "MANIFEST.sig"
	KeyName       = "custody.pub"
)

// Manifest describes a bundle. Its JSON is what MANIFEST.sig signs.
type Manifest struct {
	Format    string    `json:"format"`
	BundleID  string    `json:"bundle_id"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"` // e-mail of the exporting user
	Recipient string    `json:"recipient"`  // to whom it goes, free text
	Reason    string    `json:"reason"`
	Case      Case      `json:"case"`
	Key       string    `json:"key"` // the custody verifier key, as in custody.pub
	Items     []Item    `json:"items"`
}

// Case is the case the items belong to.
type Case struct {
	ID        string `json:"id"`
	OrgID     string `json:"org_id"`
	Reference string `json:"reference"`
	Title     string `json:"title"`
}

// Item is one exported item: its content, metadata and custody log.
type Item struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"` // the original file name
	Path           string    `json:"path"` // member holding the content
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256"`
	SHA512         string    `json:"sha512"`
	TLP            string    `json:"tlp"`
	Description    string    `json:"description"`
	SourceDevice   string    `json:"source_device"`
	SourceSystem   string    `json:"source_system"`
	SourceLocation string    `json:"source_location"`
	CollectedBy    string    `json:"collected_by"`
	CollectedAt    time.Time `json:"collected_at"`
	Method         string    `json:"method"`
	Tool           string    `json:"tool"`
	ToolVersion    string    `json:"tool_version"`
	LegalBasis     string    `json:"legal_basis"`
	SealNumber     string    `json:"seal_number"`
	SuppliedHash   string    `json:"supplied_hash"` // the collector's hash, as given
	Custody        Log       `json:"custody"`
}

// Log locates and pins an item's custody log.
type Log struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // of the whole member
	Events int64  `json:"events"`
	Head   string `json:"head"` // hash of the last event
}

// ManifestText is the note text MANIFEST.sig signs, given the manifest's bytes.
func ManifestText(manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return "khien evidence bundle\n" + hex.EncodeToString(sum[:]) + "\n"
}

// LogPath is where item id's custody log lives in a bundle.
func LogPath(id string) string { return "custody/" + id + ".jsonl" }

// FilePath is where item id's content lives in a bundle, under a name made
// safe from the original name.
func FilePath(id, name string) string { return "files/" + id + "/" + SafeName(name) }

// SafeName reduces a file name to letters, digits, '.', '-' and '_' (other
// bytes become '_'), without leading dots, at most 100 bytes; "content"
// when nothing is left.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	b := []byte(name)
	for i, c := range b {
		if !safeByte(c) {
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), ".")
	if len(s) > 100 {
		s = s[:100]
	}
	if s == "" {
		return "content"
	}
	return s
}

func safeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'
}

// validFileName reports whether s could come from SafeName.
func validFileName(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !safeByte(s[i]) {
			return false
		}
	}
	return true
}

// ValidID reports whether s is a lowercase UUID, the form of item IDs.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
