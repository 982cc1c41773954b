package detect

// Fast checks that a value is already canonical. Decoders hand the matcher
// canonical hosts, hashes and e-mail addresses, and most URLs are canonical
// too; proving it by a scan that does not allocate keeps the matcher from
// calling intel's canonicalisers (which build new strings) on every event.
// Each check may answer false for a canonical value ("not sure": the caller
// then canonicalises), never true for a value the canonicaliser would
// change; FuzzCanonicalChecks holds them to that.

import (
	"strings"

	"github.com/khien-cert/khien/internal/intel"
)

const (
	maxHostLen  = 253
	maxLabelLen = 63
	maxURLLen   = 8 << 10
	maxLocalLen = 64
)

// hostShape reports whether s is a lower-case ASCII host name of labels of
// 1 to 63 bytes from [a-z0-9_-], 253 bytes at most, with no "xn--"
// (A-labels go through IDNA checks); numeric reports a last label of digits
// only (an IPv4 address, or not a domain).
func hostShape(s string) (ok, numeric bool) {
	if len(s) == 0 || len(s) > maxHostLen {
		return false, false
	}
	label, digits := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false, false
			}
			label, digits = 0, true
			continue
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'z' || c == '-' || c == '_':
			digits = false
		default:
			return false, false
		}
		if label++; label > maxLabelLen {
			return false, false
		}
	}
	if label == 0 || strings.Contains(s, "xn--") {
		return false, false
	}
	return true, digits
}

// isCanonicalHost reports whether intel.CanonicalHost(s) returns s.
func isCanonicalHost(s string) bool {
	ok, _ := hostShape(s)
	return ok
}

// isCanonicalDomain reports whether intel.Canonical(TypeDomain, s) returns
// s: a canonical host of two labels or more whose last label is not all
// digits. Import-side refanging turns a leading "hxxp" into "http", so
// such names take the slow path.
func isCanonicalDomain(s string) bool {
	ok, numeric := hostShape(s)
	return ok && !numeric && strings.IndexByte(s, '.') > 0 && !hasHxxp(s)
}

func hasHxxp(s string) bool { return len(s) >= 4 && strings.EqualFold(s[:4], "hxxp") }

// isCanonicalURL reports whether both intel.CanonicalURL(s) and
// intel.Canonical(TypeURL, s) return s. It accepts http and https URLs
// with a canonical host, no userinfo or port, a non-empty path without
// percent-escapes or dot segments, an optional query of printable ASCII,
// no fragment, and none of the brackets that refanging rewrites.
func isCanonicalURL(s string) bool {
	var rest string
	switch {
	case strings.HasPrefix(s, "http://"):
		rest = s[len("http://"):]
	case strings.HasPrefix(s, "https://"):
		rest = s[len("https://"):]
	default:
		return false
	}
	if len(s) > maxURLLen {
		return false
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 || !isCanonicalHost(rest[:slash]) {
		return false // no path, or a host with a port, userinfo, brackets or a query right after it
	}
	path, query, _ := strings.Cut(rest[slash:], "?")
	return cleanPath(path) && cleanQuery(query)
}

// cleanPath reports a path that percent-normalisation and dot-segment
// removal leave as it is.
func cleanPath(p string) bool {
	seg := 0 // start of the current segment, after its '/'
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if s := p[seg:i]; s == "." || s == ".." {
				return false
			}
			seg = i + 1
			continue
		}
		if !pathByte(p[i]) {
			return false
		}
	}
	return true
}

// pathByte reports bytes a canonical path holds literally: unreserved and
// reserved characters except '%' (escapes), '#', '?', and the brackets
// that refanging looks for.
func pathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/@!$&'*+,;=", c) >= 0
}

// cleanQuery reports a query of printable ASCII without '#' or the
// brackets that refanging looks for.
func cleanQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' || c == '[' || c == '(' || c == '{' {
			return false
		}
	}
	return true
}

// isCanonicalEmail reports whether intel.Canonical(TypeEmail, s) returns s:
// a local part of [a-z0-9._%+-], 64 bytes at most, '@', a canonical domain.
func isCanonicalEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > maxLocalLen || hasHxxp(s) || len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		return false
	}
	for i := 0; i < at; i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("._%+-", c) >= 0) {
			return false
		}
	}
	return isCanonicalDomain(s[at+1:])
}

// eventURL returns the canonical form of a URL seen in an event.
func eventURL(s string) (string, bool) {
	if isCanonicalURL(s) {
		return s, true
	}
	return intel.CanonicalURL(s)
}

// eventHost returns the canonical form of a host seen in an event.
func eventHost(s string) (string, bool) {
	if isCanonicalHost(s) {
		return s, true
	}
	return intel.CanonicalHost(s)
}
