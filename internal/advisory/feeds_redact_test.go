package advisory

import (
	"strings"
	"testing"
)

func TestRedactFeedURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://user:pa55@feeds.example/csaf/x.json", "https://user:xxxxx@feeds.example/csaf/x.json"},
		{"https://ghp_token123@feeds.example/x", "https://xxxxx@feeds.example/x"},
		{"https://feeds.example/x?y=1", "https://feeds.example/x?y=1"},
		{"https://user:%zz@host", "xxxxx"},
	} {
		if got := RedactURL(c.in); got != c.want {
			t.Errorf("RedactURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	f := redactFeed(Feed{URL: "https://u:pa55word@h/x", LastError: "all 2 documents failed; first: https://u:pa55word@h/x/doc.json: bad"})
	if strings.Contains(f.URL+f.LastError, "pa55word") || !strings.Contains(f.LastError, "xxxxx") {
		t.Errorf("redacted feed = %+v", f)
	}
}
