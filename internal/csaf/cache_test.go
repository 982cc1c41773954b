package csaf

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/khien-cert/khien/internal/advisory"
)

type fakeSource struct {
	mu    sync.Mutex
	advs  []advisory.Advisory
	err   error
	calls int
}

func (f *fakeSource) Published(context.Context) ([]advisory.Advisory, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return append([]advisory.Advisory(nil), f.advs...), f.err
}

func TestCacheRebuildsOnChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The key is made inside the bubble: OpenPGP refuses to sign with
		// a key created after the (fake) signing time.
		k, err := GenerateKey("Khiên Test CERT", "csaf@cert.example.vn")
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
		src := &fakeSource{advs: testAdvisories()[:1]}
		c := NewCache(src, ProviderOptions{BaseURL: "https://cert.example.vn", Issuer: testIssuer, Signer: s}, time.Minute, nil)
		ctx := context.Background()
		t1, err := c.Tree(ctx)
		if err != nil || t1.Count != 1 {
			t.Fatalf("first tree: %v %+v", err, t1)
		}
		// Within the minute the source is not asked again.
		time.Sleep(30 * time.Second)
		if t2, _ := c.Tree(ctx); t2 != t1 || src.calls != 1 {
			t.Fatalf("asked again too soon: calls %d", src.calls)
		}
		// After the minute it is asked, but nothing changed: same tree.
		time.Sleep(31 * time.Second)
		if t2, _ := c.Tree(ctx); t2 != t1 || src.calls != 2 || c.Builds() != 1 {
			t.Fatalf("unchanged source rebuilt: calls %d builds %d", src.calls, c.Builds())
		}
		// A new advisory and an invalidation: rebuilt at once.
		src.mu.Lock()
		src.advs = testAdvisories()[:2]
		src.mu.Unlock()
		c.Invalidate()
		t3, err := c.Tree(ctx)
		if err != nil || t3 == t1 || t3.Count != 2 || c.Builds() != 2 {
			t.Fatalf("change not picked up: %v count %d builds %d", err, t3.Count, c.Builds())
		}
		// A failing source keeps the last good tree.
		src.mu.Lock()
		src.err = errors.New("database down")
		src.mu.Unlock()
		c.Invalidate()
		if t4, err := c.Tree(ctx); err != nil || t4 != t3 {
			t.Fatalf("failing source: %v", err)
		}
	})
}
