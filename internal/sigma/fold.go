package sigma

// This file holds the case-insensitive comparisons of the hot path. They fold
// ASCII letters only and never allocate; patterns holding non-ASCII letters
// that have a case are compiled to regular expressions instead (see glob.go),
// so the fold here is exact for every pattern that reaches it.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lower folds one ASCII byte to lower case; other bytes are unchanged.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// lowerASCII returns s with ASCII letters folded to lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

// hasCasedNonASCII reports whether s holds a non-ASCII letter that has
// another case, which ASCII folding would compare wrongly.
func hasCasedNonASCII(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r != utf8.RuneError && unicode.SimpleFold(r) != r {
			return true
		}
	}
	return false
}

// equalAt reports whether s[i:] begins with p, folding when fold is set.
// With fold, p must already be lower case.
func equalAt(s string, i int, p string, fold bool) bool {
	if len(s)-i < len(p) || i < 0 {
		return false
	}
	if !fold {
		return s[i:i+len(p)] == p
	}
	for j := 0; j < len(p); j++ {
		if lower(s[i+j]) != p[j] {
			return false
		}
	}
	return true
}

// equalFold compares two strings of any case, folding ASCII on both sides.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// indexFrom returns the first index ≥ from where s holds p, or -1. With fold,
// p must be lower case. It jumps between occurrences of p's first byte that
// has no case (a byte strings.IndexByte can find quickly), falling back to a
// byte-by-byte scan when every byte of p is a letter.
func indexFrom(s string, from int, p string, fold bool) int {
	if !fold {
		if from > len(s) {
			return -1
		}
		if i := strings.Index(s[from:], p); i >= 0 {
			return from + i
		}
		return -1
	}
	anchor := -1
	for k := 0; k < len(p); k++ {
		if c := p[k]; c < 'a' || c > 'z' {
			anchor = k
			break
		}
	}
	last := len(s) - len(p)
	if anchor < 0 {
		for i := from; i <= last; i++ {
			if equalAt(s, i, p, true) {
				return i
			}
		}
		return -1
	}
	for i := from; i <= last; {
		j := strings.IndexByte(s[i+anchor:last+anchor+1], p[anchor])
		if j < 0 {
			return -1
		}
		if equalAt(s, i+j, p, true) {
			return i + j
		}
		i += j + 1
	}
	return -1
}
