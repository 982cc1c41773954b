package org

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold maps text to its search form: NFC-normalised, lower-case, with
// Vietnamese (and other) diacritics removed and đ folded to d, so that
// "Bộ Công an", "bo cong an" and "BO CONG AN" all find each other.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.NewReplacer("đ", "d", "Đ", "d").Replace(strings.ToLower(out))
}
