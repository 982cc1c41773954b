package intel

// This file canonicalises URLs (RFC 3986 section 6 normalisation, and the
// rules of CanonicalURL) for feeds and events alike.

import (
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/urlpath"
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
	b.WriteString(urlpath.Normalize(path))
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
