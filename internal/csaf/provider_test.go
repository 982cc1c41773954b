package csaf

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/khien-cert/khien/internal/advisory"
	"github.com/khien-cert/khien/internal/tlp"
)

var (
	keyOnce   sync.Once
	keySigner *Signer
)

// testSigner makes one key per test binary (generation is the slow part).
func testSigner(t testing.TB) *Signer {
	keyOnce.Do(func() {
		k, err := GenerateKey("Khiên Test CERT", "csaf@cert.example.vn")
		if err != nil {
			t.Fatal(err)
		}
		keySigner, err = NewSigner(k)
		if err != nil {
			t.Fatal(err)
		}
	})
	return keySigner
}

func testAdvisories() []advisory.Advisory {
	a := sampleAdvisory()
	b := sampleAdvisory()
	b.SourceID, b.Title, b.Published, b.Updated = "KHIEN-2025-0042", "Old one", time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	amber := sampleAdvisory()
	amber.SourceID, amber.TLP = "KHIEN-2026-0002", tlp.Amber
	draft := sampleAdvisory()
	draft.SourceID, draft.Status = "KHIEN-2026-0003", advisory.StatusDraft
	bad := sampleAdvisory()
	bad.SourceID, bad.Products = "KHIEN-2026-0004", nil
	return []advisory.Advisory{a, b, amber, draft, bad}
}

func TestBuildProvider(t *testing.T) {
	s := testSigner(t)
	tree, err := BuildProvider(testAdvisories(), ProviderOptions{BaseURL: "https://cert.example.vn", Issuer: testIssuer, Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Count != 2 || len(tree.Skipped) != 3 {
		t.Fatalf("count %d skipped %+v", tree.Count, tree.Skipped)
	}
	for _, want := range []string{
		"provider-metadata.json", "white/csaf-feed-tlp-white.json", "white/index.txt", "white/changes.csv",
		"white/2026/khien-2026-0001.json", "white/2026/khien-2026-0001.json.sha256", "white/2026/khien-2026-0001.json.sha512",
		"white/2026/khien-2026-0001.json.asc", "white/2025/khien-2025-0042.json", "openpgp/" + s.Fingerprint() + ".asc",
	} {
		if _, ok := tree.Files[want]; !ok {
			t.Errorf("missing %s", want)
		}
	}
	for p := range tree.Files {
		if strings.Contains(p, "0002") || strings.Contains(p, "0003") || strings.Contains(p, "0004") {
			t.Errorf("%s must not be published", p)
		}
	}
	if got := string(tree.Files["white/index.txt"].Body); got != "2025/khien-2025-0042.json\n2026/khien-2026-0001.json\n" {
		t.Errorf("index.txt = %q", got)
	}
	if got := string(tree.Files["white/changes.csv"].Body); !strings.HasPrefix(got, `"2026/khien-2026-0001.json","2026-03-03T08:00:00Z"`) {
		t.Errorf("changes.csv = %q", got)
	}
	doc := tree.Files["white/2026/khien-2026-0001.json"].Body
	s256, s512 := sha256.Sum256(doc), sha512.Sum512(doc)
	if got := string(tree.Files["white/2026/khien-2026-0001.json.sha256"].Body); got != hex.EncodeToString(s256[:])+"  khien-2026-0001.json\n" {
		t.Errorf("sha256 = %q", got)
	}
	if got := string(tree.Files["white/2026/khien-2026-0001.json.sha512"].Body); !strings.HasPrefix(got, hex.EncodeToString(s512[:])) {
		t.Errorf("sha512 = %q", got)
	}
	if err := VerifySignature(doc, string(tree.Files["white/2026/khien-2026-0001.json.asc"].Body), s.PublicKey()); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := VerifySignature(append(bytes.Clone(doc), ' '), string(tree.Files["white/2026/khien-2026-0001.json.asc"].Body), s.PublicKey()); err == nil {
		t.Error("signature verifies a changed document")
	}
	if _, _, err := Read(doc); err != nil {
		t.Errorf("published document invalid: %v", err)
	}
	validate := func(name string, fn func(any) ([]string, error)) {
		var v any
		if err := json.Unmarshal(tree.Files[name].Body, &v); err != nil {
			t.Fatal(err)
		}
		msgs, err := fn(v)
		if err != nil || len(msgs) > 0 {
			t.Errorf("%s fails its schema: %v %v\n%s", name, err, msgs, tree.Files[name].Body)
		}
	}
	validate("provider-metadata.json", gocsaf.ValidateProviderMetadata)
	validate("white/csaf-feed-tlp-white.json", gocsaf.ValidateROLIE)
	for _, name := range []string{"service.json", "white/category-white.json"} {
		if _, ok := tree.Files[name]; !ok {
			t.Errorf("missing %s", name)
		}
	}
	if _, err := gocsaf.LoadROLIEServiceDocument(bytes.NewReader(tree.Files["service.json"].Body)); err != nil {
		t.Errorf("service.json: %v", err)
	}
	if st := string(SecurityTxt("https://cert.example.vn/", "ir@cert.example.vn", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))); st !=
		"Contact: mailto:ir@cert.example.vn\nExpires: 2027-01-01T00:00:00Z\nCSAF: https://cert.example.vn/.well-known/csaf/provider-metadata.json\n" {
		t.Errorf("security.txt: %q", st)
	}
	pmd := string(tree.Files["provider-metadata.json"].Body)
	for _, want := range []string{`"role": "csaf_trusted_provider"`, s.Fingerprint(), "https://cert.example.vn/.well-known/csaf/white/csaf-feed-tlp-white.json"} {
		if !strings.Contains(pmd, want) {
			t.Errorf("provider-metadata.json lacks %s", want)
		}
	}
	dirs := tree.Dirs()
	if got := strings.Join(dirs["white/"], ","); got != "2025/,2026/,category-white.json,changes.csv,csaf-feed-tlp-white.json,index.txt" {
		t.Errorf("white/ lists %s", got)
	}
}

func TestBuildProviderNeedsKey(t *testing.T) {
	if _, err := BuildProvider(nil, ProviderOptions{BaseURL: "https://x", Issuer: testIssuer}); err == nil {
		t.Error("built without a key")
	}
	if _, err := BuildProvider(nil, ProviderOptions{BaseURL: "ftp://x", Issuer: testIssuer, Signer: testSigner(t)}); err == nil {
		t.Error("built for a non-http base")
	}
}

func TestLoadOrCreateSigner(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	a, err := LoadOrCreateSigner(root, "keys/csaf-openpgp.asc", "CERT", "csaf@cert.example.vn")
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSigner(root, "keys/csaf-openpgp.asc", "CERT", "csaf@cert.example.vn")
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() || len(a.Fingerprint()) != 40 {
		t.Errorf("key changed across starts: %s vs %s", a.Fingerprint(), b.Fingerprint())
	}
	fi, err := root.Stat("keys/csaf-openpgp.asc")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi.Mode(), err)
	}
	if err := root.Chmod("keys/csaf-openpgp.asc", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSigner(root, "keys/csaf-openpgp.asc", "CERT", "x@y"); err == nil {
		t.Error("a world-readable key was accepted")
	}
}
