package publicweb

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestTemplateKeysAreTranslated fails when a template uses a message key
// that the catalogues (which load only with the same keys in vi and en) lack.
func TestTemplateKeysAreTranslated(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	use := regexp.MustCompile(`\.T "([^"]+)"`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	used := 0
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range use.FindAllSubmatch(b, -1) {
			used++
			if !c.has(string(m[1])) {
				t.Errorf("%s uses %q, which neither catalogue has", f, m[1])
			}
		}
	}
	if used < 20 {
		t.Errorf("only %d message keys found in the templates; is the pattern right?", used)
	}
}
