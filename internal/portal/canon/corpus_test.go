package canon

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/corpustest"
)

// corpusLines returns the non-comment lines of a file of the shared
// real-world corpus (../shared/corpus, or $KHIEN_CORPUS), skipping the test
// when the corpus is absent and failing it instead when CI is set.
func corpusLines(t *testing.T, rel string) []string {
	t.Helper()
	f, err := os.Open(corpustest.File(t, "feeds/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestRealPhishingURLs normalises the URLs of a real OpenPhish feed: each
// becomes a fixed point whose look-up tries its own key first and its host's
// domain last.
func TestRealPhishingURLs(t *testing.T) {
	lines := corpusLines(t, "csirtg-smrt-testdata/csirtg-smrt__openphish_feed.txt")
	for _, l := range lines {
		s, err := URL(l)
		if err != nil {
			t.Errorf("URL(%q): %v", l, err)
			continue
		}
		checkNorm(t, KindURL, l, s, nil)
		ps := Probes(l)
		if len(ps) != 1 || ps[0].Subject != s {
			t.Errorf("Probes(%q) = %+v", l, ps)
			continue
		}
		if keys := ps[0].Keys; keys[0] != s.Key || !strings.HasPrefix(keys[len(keys)-1], "domain:") {
			t.Errorf("Probes(%q) keys = %q", l, keys)
		}
	}
	if len(lines) < 40 {
		t.Errorf("read %d URLs", len(lines))
	}
	// IntelMQ's anonymised feed has an empty label: refused, with a reason.
	for _, l := range corpusLines(t, "intelmq-testdata/intelmq__openphish_feed.txt") {
		if _, err := URL(l); err == nil {
			t.Errorf("URL(%q) accepted a host with an empty label", l)
		}
	}
}

// TestRealDomains reads a real domain feed (first CSV column).
func TestRealDomains(t *testing.T) {
	for _, l := range corpusLines(t, "csirtg-smrt-testdata/csirtg-smrt__bambenek_fqdn_feed.txt") {
		name, _, _ := strings.Cut(l, ",")
		s, err := Domain(name)
		if err != nil {
			t.Errorf("Domain(%q): %v", name, err)
			continue
		}
		checkNorm(t, KindDomain, name, s, nil)
	}
}
