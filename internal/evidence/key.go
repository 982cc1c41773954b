package evidence

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/notekey"
)

// The custody key lives beside the audit key in the data directory, but is
// a key of its own: custody signatures go to courts in export bundles, and
// the audit key can then be rotated or kept without touching them.
const keyBase = "keys/custody"

// Key is the platform's custody signing key.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	Public   string // the verifier key text, as written to keys/custody.pub
}

// LoadOrCreateKey reads the custody key from keys/custody.key inside root,
// generating it on first use (see internal/notekey for how the files are
// kept); keys/custody.pub holds the verifier key for people who check bundles.
func LoadOrCreateKey(root *os.Root) (Key, error) {
	s, v, vkey, err := notekey.LoadOrCreate(root, keyBase, custody.KeyName)
	if err != nil {
		return Key{}, fmt.Errorf("custody key: %w", err)
	}
	return Key{Signer: s, Verifier: v, Public: vkey}, nil
}
