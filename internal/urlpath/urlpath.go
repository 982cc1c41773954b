// Package urlpath puts a URL path in one canonical form (RFC 3986): escapes
// of unreserved characters decoded, other escapes in upper case, bytes that
// may not appear literally escaped, and "." and ".." segments resolved. Both
// the event model and threat intel canonicalise URLs with it, so an event's
// URL and an indicator's compare equal when they name the same resource.
package urlpath

import "strings"

// Normalize returns the canonical form of an absolute path; "" becomes "/".
func Normalize(path string) string { return removeDotSegments(normalizePercent(path)) }

const upperHex = "0123456789ABCDEF"

// normalizePercent decodes escapes of unreserved characters, writes other
// escapes in upper case and escapes bytes that may not appear in a path.
func normalizePercent(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r == '%' || r >= 0x80 || r < 0x80 && !isURLByte(byte(r)) }) {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 8)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			v := unhex(p[i+1])<<4 | unhex(p[i+2])
			if isUnreserved(v) {
				b.WriteByte(v)
			} else {
				b.WriteByte('%')
				b.WriteByte(upperHex[v>>4])
				b.WriteByte(upperHex[v&15])
			}
			i += 2
		case c == '%' || !isURLByte(c):
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// isURLByte reports the bytes a path may hold literally: unreserved and
// reserved characters (RFC 3986).
func isURLByte(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0
}

// removeDotSegments resolves "." and ".." in a path (RFC 3986 §5.2.4); an
// empty path becomes "/".
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		switch seg {
		case ".", "..":
			if seg == ".." && len(out) > 0 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
