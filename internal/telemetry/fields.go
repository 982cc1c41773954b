package telemetry

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

// fields is a record's flattened fields (see flatten), which the format
// mappers read.
type fields map[string]string

// first returns the first non-empty value among keys.
func (f fields) first(keys ...string) string {
	for _, k := range keys {
		if v := f[k]; v != "" {
			return v
		}
	}
	return ""
}

// list returns the values at key: the value itself when it is a scalar, or
// key.0, key.1 … when it was an array.
func (f fields) list(key string) []string {
	if v, ok := f[key]; ok {
		return []string{v}
	}
	var out []string
	for i := 0; ; i++ {
		v, ok := f[key+"."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

// each calls fn with N and the value at prefix.N.suffix for N = 0, 1, …
// up to the first element that lacks it (suffix is "" for an array of
// scalars, else starts with a dot).
func (f fields) each(prefix, suffix string, fn func(int, string)) {
	for i := 0; ; i++ {
		v, ok := f[prefix+"."+strconv.Itoa(i)+suffix]
		if !ok {
			return
		}
		fn(i, v)
	}
}

// parseAddr parses an IP address, unmapping IPv4-in-IPv6 and dropping an
// IPv6 zone; anything else gives the zero Addr (the invariant: valid or
// zero).
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// parsePort parses a port number; anything else gives 0.
func parsePort(s string) uint16 {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}

// parseInt parses a small integer such as a severity; anything else gives 0.
func parseInt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < -1<<20 || n > 1<<20 {
		return 0
	}
	return n
}

// lower returns s in lower case, trimmed; protocol names are compared so.
func lower(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// addHosts adds host names, skipping placeholders such as "-" that have
// no letter or digit.
func addHosts(ev *event.Event, hosts ...string) {
	for _, h := range hosts {
		if isName(h) {
			ev.AddHost(h)
		}
	}
}

// isName reports whether s has a letter or digit, which placeholders such
// as "-" lack.
func isName(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80
	})
}

func addHashes(ev *event.Event, hashes ...string) {
	for _, h := range hashes {
		if h != "" {
			ev.AddHash(h)
		}
	}
}

func addEmails(ev *event.Event, emails ...string) {
	for _, e := range emails {
		if e != "" {
			ev.AddEmail(e)
		}
	}
}

// webURL builds the URL of an HTTP request from what sensors log: a Host
// header, the request target, the server port and the scheme ("" to let
// port 443 mean https). An absolute target is used as it is; a port other
// than the scheme's default is added when the host has none.
func webURL(host, target string, port uint16, scheme string) string {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return target
	}
	if !isName(host) || target != "" && target[0] != '/' {
		return ""
	}
	if scheme == "" {
		scheme = "http"
		if port == 443 {
			scheme = "https"
		}
	}
	bracketed := strings.HasPrefix(host, "[")
	hasPort := bracketed && strings.Contains(host, "]:") || !bracketed && strings.Count(host, ":") == 1
	if !bracketed && strings.Count(host, ":") > 1 {
		host = "[" + host + "]" // a bare IPv6 address
	}
	if !hasPort && port != 0 && !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
		host += ":" + strconv.Itoa(int(port))
	}
	return scheme + "://" + host + target
}

// serverPort guesses which of a connection's two ports is the server's:
// 80 or 443 if either is, otherwise the lower one (clients use ephemeral
// ports, which are high). Sensors log some events in the server-to-client
// direction, so the destination port alone is not enough.
func serverPort(a, b uint16) uint16 {
	switch {
	case a == 80 || a == 443:
		return a
	case b == 80 || b == 443:
		return b
	case a == 0 || b != 0 && b < a:
		return b
	}
	return a
}

func itoa(i int) string { return strconv.Itoa(i) }
