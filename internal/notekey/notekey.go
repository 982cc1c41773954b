// Package notekey keeps Ed25519 signing keys in the sumdb/note format inside
// the data directory: the audit trail's key and the evidence custody key are
// two keys of this one kind.
//
// Invariants: the secret key file is authoritative, mode 0600 in a 0700
// directory, and refused when others may read it; it appears whole or not at
// all (written to a synced temporary file, then hard-linked into place), so
// two processes starting at once end up with the same key. The public file
// beside it is derived and rewritten when missing or different.
package notekey

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
	"path"
	"runtime"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// LoadOrCreate returns the signer kept at base+".key" inside root, generating
// one named name on first use, with its verifier and the verifier key text
// (also written to base+".pub").
func LoadOrCreate(root *os.Root, base, name string) (note.Signer, note.Verifier, string, error) {
	secretFile, publicFile := base+".key", base+".pub"
	if err := root.MkdirAll(path.Dir(base), 0o700); err != nil {
		return nil, nil, "", err
	}
	skey, err := Secret(root, secretFile, func() (string, error) {
		k, _, err := note.GenerateKey(rand.Reader, name)
		return k, err
	})
	if err != nil {
		return nil, nil, "", err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s is not a note signer key: %w", secretFile, err)
	}
	if s.Name() != name {
		return nil, nil, "", fmt.Errorf("%s holds key %q, want %q", secretFile, s.Name(), name)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, nil, "", err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, "", fmt.Errorf("derived verifier: %w", err)
	}
	if err := writePublic(root, publicFile, vkey); err != nil {
		return nil, nil, "", err
	}
	return s, v, vkey, nil
}

// Secret returns the secret kept in file name inside root (a key of any
// kind, as text), refusing a file others may read. When the file is missing
// it stores what generate makes: written beside it and linked into place, so
// it appears whole or not at all, and if another process created it first,
// that process's secret wins.
func Secret(root *os.Root, name string, generate func() (string, error)) (string, error) {
	secret, err := readSecret(root, name)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if secret, err = generate(); err != nil {
		return "", fmt.Errorf("generate %s: %w", name, err)
	}
	tmp, err := writeTemp(root, name, secret+"\n", 0o600)
	if err != nil {
		return "", err
	}
	defer root.Remove(tmp)
	if err := root.Link(tmp, name); errors.Is(err, fs.ErrExist) {
		return readSecret(root, name)
	} else if err != nil {
		return "", err
	}
	return strings.TrimSpace(secret), nil
}

// readSecret reads a secret file, refusing one that others may read.
func readSecret(root *os.Root, secretFile string) (string, error) {
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
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// writePublic makes publicFile hold vkey, replacing it atomically when
// it is missing or different.
func writePublic(root *os.Root, publicFile, vkey string) error {
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
