package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/evidence/custody"
)

// The custody key lives beside the audit key in the data directory, but is
// a key of its own: custody signatures go to courts in export bundles, and
// the audit key can then be rotated or kept without touching them.
const (
	keyDir        = "keys"
	secretKeyFile = "keys/custody.key"
	publicKeyFile = "keys/custody.pub"
)

// Key is the platform's custody signing key.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	Public   string // the verifier key text, as written to keys/custody.pub
}

// LoadOrCreateKey reads the custody key from keys/custody.key inside root,
// generating it on first use. The secret file is 0600 in a 0700 directory
// and is refused when others may read it; keys/custody.pub holds the
// verifier key for people who check bundles. Two processes starting at
// once end up with the same key (the secret appears by a hard link, whole
// or not at all).
func LoadOrCreateKey(root *os.Root) (Key, error) {
	if err := root.MkdirAll(keyDir, 0o700); err != nil {
		return Key{}, fmt.Errorf("custody key: %w", err)
	}
	skey, err := readSecretKey(root)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createSecretKey(root)
	}
	if err != nil {
		return Key{}, fmt.Errorf("custody key: %w", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil || s.Name() != custody.KeyName {
		return Key{}, fmt.Errorf("custody key: %s is not a %s signer key", secretKeyFile, custody.KeyName)
	}
	vkey, err := publicOf(skey)
	if err != nil {
		return Key{}, fmt.Errorf("custody key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Key{}, fmt.Errorf("custody key: %w", err)
	}
	if b, err := root.ReadFile(publicKeyFile); err != nil || strings.TrimSpace(string(b)) != vkey {
		if err := writeKeyFile(root, publicKeyFile, vkey, 0o644, true); err != nil {
			return Key{}, fmt.Errorf("custody key: %w", err)
		}
	}
	return Key{Signer: s, Verifier: v, Public: vkey}, nil
}

func readSecretKey(root *os.Root) (string, error) {
	f, err := root.Open(secretKeyFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s has mode %04o: others may read the secret key; make it 0600", secretKeyFile, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	return strings.TrimSpace(string(b)), err
}

func createSecretKey(root *os.Root) (string, error) {
	skey, _, err := note.GenerateKey(rand.Reader, custody.KeyName)
	if err != nil {
		return "", err
	}
	if err := writeKeyFile(root, secretKeyFile, skey, 0o600, false); errors.Is(err, fs.ErrExist) {
		return readSecretKey(root) // another process won the race: its key it is
	} else if err != nil {
		return "", err
	}
	return skey, nil
}

// writeKeyFile writes data to a synced temporary file and then gives it
// name: by rename when replace is set, else by a hard link that fails when
// name exists.
func writeKeyFile(root *os.Root, name, data string, perm os.FileMode, replace bool) error {
	var r [8]byte
	rand.Read(r[:])
	tmp := name + ".tmp-" + hex.EncodeToString(r[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer root.Remove(tmp)
	_, err = f.WriteString(data + "\n")
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if replace {
		return root.Rename(tmp, name)
	}
	return root.Link(tmp, name)
}

// publicOf derives the verifier key of a note signer key
// "PRIVATE+KEY+name+hash+base64(1, seed)".
func publicOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return "", errors.New("malformed signer key")
	}
	b, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(b) != 1+ed25519.SeedSize || b[0] != 1 {
		return "", errors.New("the signer key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(b[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
