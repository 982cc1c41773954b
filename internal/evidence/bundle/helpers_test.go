package bundle_test

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// keys are a custody key pair and a second, unrelated verifier key, made
// once (key generation is the slow part of a trial).
var keys = sync.OnceValue(func() (k struct {
	signer      note.Signer
	vkey, other string
}) {
	skey, vkey, err := note.GenerateKey(rand.Reader, custody.KeyName)
	if err != nil {
		panic(err)
	}
	if k.signer, err = note.NewSigner(skey); err != nil {
		panic(err)
	}
	_, other, err := note.GenerateKey(rand.Reader, custody.KeyName)
	if err != nil {
		panic(err)
	}
	k.vkey, k.other = vkey, other
	return k
})

// member is one archive member.
type member struct {
	name string
	data []byte
}

// uuidFrom makes a lowercase UUID from the generator.
func uuidFrom(rng *mrand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// makeBundle writes a valid bundle of n small items with a few events each.
func makeBundle(t testing.TB, rng *mrand.Rand, n int) []byte {
	t.Helper()
	k := keys()
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var srcs []bundle.Source
	for range n {
		content := make([]byte, 1+rng.IntN(96))
		for i := range content {
			content[i] = byte(rng.Uint32())
		}
		d, _ := blob.HashReader(t.Context(), bytes.NewReader(content))
		it := bundle.Item{ID: uuidFrom(rng), Name: "disk image #1.dd", Size: d.Size, SHA256: d.SHA256, SHA512: d.SHA512,
			TLP: "AMBER", CollectedBy: "Nguyễn Văn A", CollectedAt: at, Tool: "dd", ToolVersion: "9.4", LegalBasis: "QĐ 12/2026"}
		srcs = append(srcs, bundle.Source{Item: it, Events: chain(t, it, at, 3+rng.IntN(4)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }})
	}
	m := bundle.Manifest{BundleID: uuidFrom(rng), CreatedAt: at.Add(time.Hour), CreatedBy: "inv@cert.vn",
		Recipient: "Viện kiểm sát", Reason: "prosecution", Case: bundle.Case{ID: uuidFrom(rng), Reference: "VN-2026-1"}, Key: k.vkey}
	var buf bytes.Buffer
	if _, err := bundle.Write(&buf, m, srcs, k.signer); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chain makes a valid custody log of n events for it.
func chain(t testing.TB, it bundle.Item, at time.Time, n int) []custody.Event {
	t.Helper()
	kinds := []custody.Kind{custody.Collected, custody.Received, custody.Accessed, custody.Sealed, custody.Analysed, custody.Exported}
	var out []custody.Event
	prev := ""
	for i := range n {
		e := custody.Event{ItemID: it.ID, Seq: int64(i + 1), Kind: kinds[min(i, len(kinds)-1)], At: at.Add(time.Duration(i) * time.Minute),
			Recorded: at.Add(time.Duration(i) * time.Minute), ActorID: "u1", Actor: "inv@cert.vn", Location: "Hà Nội",
			Reason: "điều tra", SHA256: it.SHA256, PrevHash: prev}
		if err := custody.Seal(&e, keys().signer); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// split reads an archive's members in order.
func split(t testing.TB, b []byte) []member {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []member
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{h.Name, data})
	}
}

// join writes members as an archive.
func join(t testing.TB, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: m.name, Size: int64(len(m.data)), Mode: 0o444}); err != nil {
			t.Fatal(err)
		}
		tw.Write(m.data)
	}
	tw.Close()
	return buf.Bytes()
}
