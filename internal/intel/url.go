package intel

// This file canonicalises URLs (RFC 3986 section 6 normalisation, and the
// rules of CanonicalURL) for feeds and events alike.

import (
	"strconv"
	"strings"
)

// canonicalURLValue is CanonicalURL for an import-side value: a URL without
// a scheme is taken to be http.
func canonicalURLValue(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	c, ok := CanonicalURL(s)
	if !ok {
		return "", badValue("%q is not a valid URL", s)
	}
	return c, nil
}

// defaultPorts are dropped from canonical URLs.
var defaultPorts = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}

// CanonicalURL returns the canonical form of an absolute URL with a host:
// scheme and host in lower case, the host as CanonicalHost gives it, the
// scheme's default port dropped, percent-encoding in the path normalised
// (unreserved characters decoded, other escapes in upper-case hex, bytes
// that may not appear in a URL and stray '%' encoded), "." and ".."
// segments resolved, an empty path made "/", the query kept byte for byte
// and the fragment dropped. Userinfo is kept as written. It reports false
// when s is not such a URL.
func CanonicalURL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > maxValueLen {
		return "", false
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return "", false
	}
	scheme = strings.ToLower(scheme)
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, pathQuery := rest[:end], rest[end:]
	path, query, hasQuery := strings.Cut(pathQuery, "?")
	host, ok := canonicalAuthority(scheme, authority)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	b.WriteString(removeDotSegments(normalizePercent(path)))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	if b.Len() > maxValueLen {
		return "", false // escaping grew it past the bound a canonical URL keeps
	}
	return b.String(), true
}

func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// canonicalAuthority returns userinfo@host:port with the host canonical
// and a default or empty port dropped.
func canonicalAuthority(scheme, a string) (string, bool) {
	userinfo, hostport := "", a
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		userinfo, hostport = a[:i+1], a[i+1:]
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		i := strings.IndexByte(hostport, ']')
		if i < 0 {
			return "", false
		}
		host, port = hostport[:i+1], hostport[i+1:]
		if port != "" && port[0] != ':' {
			return "", false
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	h, ok := CanonicalHost(host)
	if !ok || strings.TrimSpace(host) != host {
		return "", false
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || !isDigits(port) {
			return "", false
		}
		port = strconv.FormatUint(n, 10)
		if defaultPorts[scheme] != port {
			h += ":" + port
		}
	}
	return userinfo + h, true
}

const upperHex = "0123456789ABCDEF"

// normalizePercent rewrites a path's percent-encoding to one form.
func normalizePercent(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1:i+3]):
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

// isUnreserved reports RFC 3986 unreserved characters.
func isUnreserved(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// isURLByte reports bytes that may appear literally in a path: unreserved
// and reserved characters (RFC 3986); '%' is handled by the caller.
func isURLByte(c byte) bool {
	return isUnreserved(c) || strings.IndexByte(":/?#[]@!$&'()*+,;=", c) >= 0
}

// removeDotSegments resolves "." and ".." in an absolute path (RFC 3986
// section 5.2.4); an empty path becomes "/".
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
		last := i == len(segs)-1
		switch seg {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
			continue
		}
		if last {
			out = append(out, "")
		}
	}
	return "/" + strings.Join(out, "/")
}
