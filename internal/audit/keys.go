package audit

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/notekey"
)

// KeyName is the name of Khiên's audit signing key, as it appears in the
// signature lines of every signed tree head.
const KeyName = "khien-audit"

// keyBase is where the audit key lives inside the data directory:
// keys/audit.key (secret, authoritative) and keys/audit.pub (derived).
const keyBase = "keys/audit"

// LoadOrCreateKey returns the audit signer and its verifier, reading the
// Ed25519 note key kept at keys/audit.key inside root and generating one named
// name (normally KeyName) on first use (see internal/notekey for how the
// files are kept). The verifier key is kept beside it in keys/audit.pub for
// people who check the log from outside.
func LoadOrCreateKey(root *os.Root, name string) (note.Signer, note.Verifier, error) {
	if name == "" || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r == '+' || unicode.IsSpace(r) }) {
		return nil, nil, fmt.Errorf("audit key: bad key name %q: want non-empty text without spaces or '+'", name)
	}
	s, v, _, err := notekey.LoadOrCreate(root, keyBase, name)
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	return s, v, nil
}

// LoadVerifier parses a verifier key as written to keys/audit.pub
// ("name+hash+base64"), ignoring surrounding white space.
func LoadVerifier(text string) (note.Verifier, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("audit: empty verifier key")
	}
	v, err := note.NewVerifier(text)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	return v, nil
}
