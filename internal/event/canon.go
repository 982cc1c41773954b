package event

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// The canonical forms below are the ones the Event invariants promise. They
// follow the same rules as the threat-intel side (intel.CanonicalHost and
// intel.CanonicalURL), so that a value seen in an event and the same value
// imported from a feed compare equal; a test in internal/telemetry checks
// the two agree. Every canonical form is a fixed point.

const (
	maxHostLen  = 253 // octets of an A-label name without the trailing dot
	maxLabelLen = 63
	maxURLLen   = 8 << 10
	maxLocalLen = 64
)

// idnaProfile maps a Unicode host name to A-labels (UTS #46 without
// transitional processing). It is lenient where real host names are:
// underscores (_ldap._tcp.example.org) and hyphens at label edges pass;
// validHostASCII then keeps the characters to letters, digits, '-' and '_'.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false),
	idna.CheckHyphens(false), idna.BidiRule())

// CanonicalHost returns the canonical form of a host name: lower-case
// A-labels (IDNs as xn--…) without the trailing dot, labels of letters,
// digits, '-' and '_'. It reports false for malformed names and for IP
// address literals, which are not host names (events carry those in their
// address fields).
func CanonicalHost(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2*maxHostLen+8 {
		return "", false
	}
	// The root dot goes first, so that "192.0.2.1." is refused as the
	// address it is and the result is a fixed point.
	if s = strings.TrimSuffix(s, "."); s == "" || isIPLiteral(s) {
		return "", false
	}
	if isASCII(s) {
		s = strings.ToLower(s)
	} else if !utf8.ValidString(s) {
		return "", false
	}
	if !isASCII(s) || strings.Contains(s, "xn--") {
		a, err := idnaProfile.ToASCII(s)
		if err != nil {
			return "", false
		}
		// Some inputs (invalid UTF-8, U+FFFD) map to A-labels that do not
		// map to themselves again; refuse them so the form is a fixed point.
		if again, err := idnaProfile.ToASCII(strings.ToLower(a)); err != nil || again != strings.ToLower(a) {
			return "", false
		}
		s = a
	}
	s = strings.ToLower(s)
	if !validHostASCII(s) {
		return "", false
	}
	return s, true
}

// isIPLiteral reports an IP address, bare or in brackets.
func isIPLiteral(s string) bool {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return true // not a host name either way
	}
	if !mayBeIP(s) {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// mayBeIP reports whether s could be an IP address literal: IPv6 has a
// colon; IPv4 is digits and dots. It spares most names a parse.
func mayBeIP(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ':' {
			return true
		} else if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validHostASCII reports whether s is at most 253 bytes of dot-separated,
// non-empty labels of at most 63 bytes of a-z, 0-9, '-' and '_'.
func validHostASCII(s string) bool {
	if s == "" || len(s) > maxHostLen {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
		if label++; label > maxLabelLen {
			return false
		}
	}
	return label > 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// CanonicalHash returns a file hash as lower-case hex. Only MD5, SHA-1 and
// SHA-256 lengths (32, 40, 64 hex digits) are accepted.
func CanonicalHash(s string) (string, bool) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 32, 40, 64:
	default:
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// CanonicalEmail returns an e-mail address as lower-case local@domain, the
// domain a canonical host name of two labels or more that does not end in
// an all-digit label. It accepts "addr", "<addr>", "Name <addr>" and
// "mailto:addr".
func CanonicalEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		s = s[i+1 : len(s)-1]
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > maxLocalLen {
		return "", false
	}
	local := s[:at]
	for _, r := range local {
		if r <= ' ' || r == 0x7f || r == 0xfffd || strings.ContainsRune(`@<>()[]\,;:"`, r) {
			return "", false
		}
	}
	domain, ok := CanonicalHost(s[at+1:])
	dot := strings.LastIndexByte(domain, '.')
	if !ok || dot < 0 || allDigits(domain[dot+1:]) {
		return "", false
	}
	return strings.ToLower(local) + "@" + domain, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
