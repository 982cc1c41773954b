package bundle

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/evidence/custody"
)

// Source is one item to write: its manifest entry (Write fills Path and
// Custody), its complete custody log and a way to read its content.
type Source struct {
	Item   Item
	Events []custody.Event
	Open   func() (io.ReadCloser, error)
}

// Write writes a bundle of items to w, signing the manifest with s, whose
// verifier key m.Key must be, and returns the manifest as written. Each file
// is hashed as it is copied; content that no longer matches its item stops
// the bundle with an error (what was written by then is not a valid bundle).
func Write(w io.Writer, m Manifest, items []Source, s note.Signer) (Manifest, error) {
	err := write(w, &m, items, s)
	return m, err
}

func write(w io.Writer, m *Manifest, items []Source, s note.Signer) error {
	v, err := custody.ParseVerifier(m.Key)
	if err != nil {
		return fmt.Errorf("bundle: manifest key: %w", err)
	}
	if v.Name() != s.Name() || v.KeyHash() != s.KeyHash() {
		return errors.New("bundle: the manifest's key is not the signer's")
	}
	m.Format = Format
	m.Key = strings.TrimSpace(m.Key)
	m.CreatedAt = m.CreatedAt.UTC()
	logs := make([][]byte, len(items))
	m.Items = make([]Item, len(items))
	for i, src := range items {
		it := src.Item
		it.CollectedAt = it.CollectedAt.UTC()
		it.Path = FilePath(it.ID, it.Name)
		logs[i] = custody.Log(src.Events)
		sum := sha256.Sum256(logs[i])
		it.Custody = Log{Path: LogPath(it.ID), SHA256: hex.EncodeToString(sum[:]), Events: int64(len(src.Events))}
		if n := len(src.Events); n > 0 {
			it.Custody.Head = src.Events[n-1].Hash
		}
		m.Items[i] = it
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("bundle: manifest: %w", err)
	}
	manifest = append(manifest, '\n')
	sig, err := custody.SignText(ManifestText(manifest), s)
	if err != nil {
		return fmt.Errorf("bundle: sign manifest: %w", err)
	}
	tw := tar.NewWriter(w)
	put := func(name string, b []byte) error { return writeMember(tw, *m, name, b) }
	if err := put(ManifestName, manifest); err != nil {
		return err
	}
	if err := put(SignatureName, []byte(sig)); err != nil {
		return err
	}
	if err := put(KeyName, []byte(m.Key+"\n")); err != nil {
		return err
	}
	for i, it := range m.Items {
		if err := put(it.Custody.Path, logs[i]); err != nil {
			return err
		}
	}
	for i, it := range m.Items {
		if err := writeFile(tw, *m, it, items[i].Open); err != nil {
			return err
		}
	}
	return tw.Close()
}

func header(m Manifest, name string, size int64) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o444, ModTime: m.CreatedAt}
}

func writeMember(tw *tar.Writer, m Manifest, name string, b []byte) error {
	if err := tw.WriteHeader(header(m, name, int64(len(b)))); err != nil {
		return fmt.Errorf("bundle: %s: %w", name, err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("bundle: %s: %w", name, err)
	}
	return nil
}

// writeFile copies an item's content into the archive, checking it against
// the item's size and hashes as it goes.
func writeFile(tw *tar.Writer, m Manifest, it Item, open func() (io.ReadCloser, error)) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("bundle: item %s: %w", it.ID, err)
	}
	defer rc.Close()
	if err := tw.WriteHeader(header(m, it.Path, it.Size)); err != nil {
		return fmt.Errorf("bundle: %s: %w", it.Path, err)
	}
	h := newDigester()
	n, err := io.CopyBuffer(io.MultiWriter(tw, h), io.LimitReader(rc, it.Size), make([]byte, 1<<20))
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", it.Path, err)
	}
	d := h.digest()
	if n != it.Size || d.sha256 != it.SHA256 || d.sha512 != it.SHA512 {
		return fmt.Errorf("bundle: item %s: the stored content no longer matches its hashes (%d bytes, SHA-256 %s)", it.ID, n, d.sha256)
	}
	return nil
}
