package bundle_test

import (
	"bytes"
	mrand "math/rand/v2"
	"testing"

	"github.com/khien-cert/khien/internal/evidence/bundle"
)

// FuzzVerify feeds arbitrary bytes to the bundle reader and verifier. It
// must never panic, and whatever it accepts must verify the same way again
// (verification is a pure function of the bytes).
func FuzzVerify(f *testing.F) {
	valid := makeBundle(f, mrand.New(mrand.NewPCG(3, 4)), 2)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(valid[:1024])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0}, 1024))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := bundle.Verify(bytes.NewReader(data), bundle.Options{})
		for _, p := range rep.Problems {
			_ = p.String()
		}
		if rep.OK() {
			again := bundle.Verify(bytes.NewReader(data), bundle.Options{})
			if !again.OK() || again.Items != rep.Items || again.Events != rep.Events {
				t.Fatalf("verification is not repeatable: %+v then %+v", rep, again)
			}
		}
	})
}
