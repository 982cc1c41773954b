package event

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/urlpath"
)

var defaultPorts = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}

// CanonicalURL returns the canonical form of an absolute URL with a host:
// scheme and host in lower case (IDNs as A-labels, IPv6 in brackets),
// user information kept, a default port dropped, no fragment; the path
// with "." and ".." resolved ("/" when empty) and percent-encoding in one
// form (unreserved characters decoded, other escapes upper-case, bytes that
// may not appear literally escaped); the query as sent.
func CanonicalURL(s string) (string, bool) {
	c, _, ok := canonicalURL(s)
	return c, ok
}

// canonicalURL also returns the URL's host name ("" for an IP address).
func canonicalURL(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > maxURLLen {
		return "", "", false
	}
	if host, ok := simpleURL(s); ok {
		return s, host, true
	}
	return generalURL(s)
}

// generalURL canonicalises any URL; canonicalURL tries simpleURL first.
func generalURL(s string) (string, string, bool) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return "", "", false
	}
	scheme = strings.ToLower(scheme)
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	path, query, hasQuery := strings.Cut(rest[end:], "?")
	authority, name, ok := canonicalAuthority(scheme, rest[:end])
	if !ok {
		return "", "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(authority)
	b.WriteString(urlpath.Normalize(path))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String(), name, true
}

func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(isAlpha(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// canonicalAuthority returns userinfo@host[:port] in canonical form and the
// host name ("" for an IP address).
func canonicalAuthority(scheme, a string) (string, string, bool) {
	userinfo, hostport := "", a
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		userinfo, hostport = a[:i+1], a[i+1:]
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		i := strings.IndexByte(hostport, ']')
		if i < 0 || i+1 < len(hostport) && hostport[i+1] != ':' {
			return "", "", false
		}
		host, port = hostport[:i+1], strings.TrimPrefix(hostport[i+1:], ":")
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if strings.TrimSpace(host) != host {
		return "", "", false
	}
	h, name, ok := urlHost(host)
	if !ok {
		return "", "", false
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || !allDigits(port) {
			return "", "", false
		}
		if port = strconv.FormatUint(n, 10); defaultPorts[scheme] != port {
			h += ":" + port
		}
	}
	return userinfo + h, name, true
}

// urlHost canonicalises the host of a URL: an IP address (IPv6 in
// brackets, zones refused) or a host name.
func urlHost(host string) (string, string, bool) {
	bare := host
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		bare = host[1 : len(host)-1]
		a, err := netip.ParseAddr(bare)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", "", false
		}
		if a = a.Unmap(); a.Is4() {
			return a.String(), "", true
		}
		return "[" + a.String() + "]", "", true
	}
	if a, err := netip.ParseAddr(bare); err == nil {
		if a.Zone() != "" {
			return "", "", false
		}
		if a = a.Unmap(); a.Is6() {
			return "[" + a.String() + "]", "", true
		}
		return a.String(), "", true
	}
	name, ok := CanonicalHost(host)
	return name, name, ok
}

// urlSafe marks the bytes simpleURL lets through: unreserved characters,
// sub-delimiters, ':', '@', '/' and '?'.
var urlSafe = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?") {
		t[c] = true
	}
	return t
}()

// simpleURL recognises a URL that is already canonical, which is what
// sensors mostly log: a lower-case scheme, a lower-case ASCII host name with
// no port or user information, a non-empty path without dot segments or
// escapes, and no fragment. It spares the hot path the general route, and
// returns the host name.
func simpleURL(s string) (string, bool) {
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", false
	}
	for j := 0; j < i; j++ {
		if c := s[j]; !(c >= 'a' && c <= 'z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", false
		}
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 || rest[end] != '/' {
		return "", false
	}
	host, tail := rest[:end], rest[end:]
	if mayBeIP(host) || !validHostASCII(host) || strings.Contains(host, "xn--") {
		return "", false
	}
	path, _, _ := strings.Cut(tail, "?")
	if strings.Contains(path, "/.") {
		return "", false
	}
	for j := 0; j < len(tail); j++ {
		if !urlSafe[tail[j]] {
			return "", false
		}
	}
	return host, true
}

// AddHost adds a host name in canonical form unless it is malformed or
// already present. It reports whether the name was valid.
func (e *Event) AddHost(s string) bool {
	c, ok := CanonicalHost(s)
	if ok {
		e.Hosts = appendUnique(e.Hosts, c)
	}
	return ok
}

// AddHash adds a file hash in canonical form unless it is malformed or
// already present. It reports whether the hash was valid.
func (e *Event) AddHash(s string) bool {
	c, ok := CanonicalHash(s)
	if ok {
		e.Hashes = appendUnique(e.Hashes, c)
	}
	return ok
}

// AddEmail adds an e-mail address in canonical form unless it is malformed
// or already present. It reports whether the address was valid.
func (e *Event) AddEmail(s string) bool {
	c, ok := CanonicalEmail(s)
	if ok {
		e.Emails = appendUnique(e.Emails, c)
	}
	return ok
}

// AddURL adds a URL in canonical form unless it is malformed or already
// present, and adds its host name to Hosts. It reports whether the URL was
// valid.
func (e *Event) AddURL(s string) bool {
	c, host, ok := canonicalURL(s)
	if !ok {
		return false
	}
	e.URLs = appendUnique(e.URLs, c)
	if host != "" {
		e.Hosts = appendUnique(e.Hosts, host)
	}
	return true
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
