package audit

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
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// KeyName is the name of Khiên's audit signing key, as it appears in the
// signature lines of every signed tree head.
const KeyName = "khien-audit"

// Where the audit key lives inside the data directory. The secret key file
// is authoritative; the public file is derived from it and rewritten when it
// is missing or does not match.
const (
	keyDir     = "keys"
	secretFile = "keys/audit.key"
	publicFile = "keys/audit.pub"
)

// LoadOrCreateKey returns the audit signer and its verifier, reading the
// Ed25519 note key kept at keys/audit.key inside root and generating one named
// name (normally KeyName) on first use. The secret key file is created with
// mode 0600 in a 0700 directory and is refused if others may read it; the
// verifier key is kept beside it in keys/audit.pub (0644) for people who check
// the log from outside. Two processes starting at once end up with the same key.
func LoadOrCreateKey(root *os.Root, name string) (note.Signer, note.Verifier, error) {
	if name == "" || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r == '+' || unicode.IsSpace(r) }) {
		return nil, nil, fmt.Errorf("audit key: bad key name %q: want non-empty text without spaces or '+'", name)
	}
	if err := root.MkdirAll(keyDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	skey, err := readSecret(root)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createSecret(root, name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %s is not a note signer key: %w", secretFile, err)
	}
	if s.Name() != name {
		return nil, nil, fmt.Errorf("audit key: %s holds key %q, want %q", secretFile, s.Name(), name)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("audit key: derived verifier: %w", err)
	}
	if err := writePublic(root, vkey); err != nil {
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

// readSecret reads the secret key file, refusing one that others may read.
func readSecret(root *os.Root) (string, error) {
	f, err := root.Open(secretFile)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s has mode %04o: others may read the secret key; make it 0600", secretFile, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// createSecret generates a key and links it into place, so the file appears
// whole or not at all. If another process created it first, its key wins.
func createSecret(root *os.Root, name string) (string, error) {
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	tmp, err := writeTemp(root, secretFile, skey+"\n", 0o600)
	if err != nil {
		return "", err
	}
	defer root.Remove(tmp)
	if err := root.Link(tmp, secretFile); errors.Is(err, fs.ErrExist) {
		return readSecret(root)
	} else if err != nil {
		return "", err
	}
	return skey, nil
}

// writePublic makes keys/audit.pub hold vkey, replacing it atomically when
// it is missing or different.
func writePublic(root *os.Root, vkey string) error {
	if b, err := root.ReadFile(publicFile); err == nil && strings.TrimSpace(string(b)) == vkey {
		return nil
	}
	tmp, err := writeTemp(root, publicFile, vkey+"\n", 0o644)
	if err != nil {
		return err
	}
	defer root.Remove(tmp)
	return root.Rename(tmp, publicFile)
}

// writeTemp writes data to a fresh file beside name with exactly mode perm
// (whatever the umask), synced to disk, and returns its name.
func writeTemp(root *os.Root, name, data string, perm os.FileMode) (string, error) {
	var r [8]byte
	rand.Read(r[:])
	tmp := name + ".tmp-" + hex.EncodeToString(r[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(data)
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
		root.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// verifierKey derives the verifier key of a note signer key
// "PRIVATE+KEY+name+hash+base64(alg, seed)" already accepted by note.NewSigner.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5) // base64 may itself hold "+"
	if len(parts) != 5 {
		return "", errors.New("malformed signer key")
	}
	b, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(b) != 1+ed25519.SeedSize || b[0] != 1 {
		return "", errors.New("signer key is not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(b[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
