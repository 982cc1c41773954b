package urlpath

import "testing"

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"":              "/",
		"/a/b":          "/a/b",
		"/a/./b/../c":   "/a/c",
		"/a/b/..":       "/a/",
		"/../a":         "/a",
		"/%7euser/%2fx": "/~user/%2Fx",
		"/đường dẫn":    "/%C4%91%C6%B0%E1%BB%9Dng%20d%E1%BA%ABn",
		"/50%":          "/50%25",
		"/q?x=1&y=%41":  "/q?x=1&y=A",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if again := Normalize(Normalize(in)); again != Normalize(in) {
			t.Errorf("Normalize is not idempotent on %q: %q", in, again)
		}
	}
}
