package intel

// This file turns observables into their canonical text, the one form the
// store keys on and the detection engine compares against (URLs: url.go).
// Import-side functions (Canonical, Normalize, Classify) trim space, undo a
// defanged scheme (hxxp://) and, for a value not valid as written, try it
// refanged ("1.2.3[.]4", "[:]//", "[@]"); the event-side functions
// (CanonicalHost, CanonicalURL) do neither, since telemetry is not defanged,
// but apply exactly the same host and URL rules, so a value imported from a
// feed and the same value seen in an event compare equal. Every canonical
// form is a fixed point: canonicalising it again returns it unchanged (the
// fuzz targets check this).

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/event"
)

// Stable codes of canonicalisation errors.
const (
	CodeBadValue = "intel.bad_value"
	CodeBadType  = "intel.bad_type"
)

const (
	maxValueLen = 8 << 10 // longer values are refused before any parsing
	maxHostLen  = 253     // octets of an A-label name without the trailing dot
	maxLabelLen = 63
	maxLocalLen = 64 // local part of an e-mail address
	// Prefixes shorter than these would match a large share of all traffic;
	// a feed that lists one is wrong.
	minBitsV4 = 8
	minBitsV6 = 16
)

func badValue(format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(CodeBadValue, msg, errs.Field("value", CodeBadValue, msg))
}

// Canonical returns the canonical text of v as an indicator of type t:
// addresses unmapped in their shortest form; a CIDR masked (a bare address
// becomes a /32 or /128; prefixes shorter than /8 or, for IPv6, /16 are
// refused as too broad); a domain in lower-case A-labels without the
// trailing dot (a leading "*." is dropped, as a domain indicator covers its
// subdomains anyway); a URL as CanonicalURL gives it (a URL without a scheme
// gets "http://"); a hash in lower-case hex of its exact length; an e-mail
// address in lower case with its domain as a domain. A value that is not
// valid as written is tried refanged ("[.]", "(.)", "[:]", "[@]" …); a
// defanged scheme (hxxp, hxxps) is always undone. The error is an
// *errs.Error of KindInvalid, code intel.bad_value (intel.bad_type for an
// unknown type).
func Canonical(t Type, v string) (string, error) {
	s, err := prepare(v)
	if err != nil {
		return "", err
	}
	c, err := canonicalAs(t, s)
	if err != nil {
		if r := refanger.Replace(s); r != s {
			if c2, err2 := canonicalAs(t, r); err2 == nil {
				return c2, nil
			}
		}
	}
	return c, err
}

func canonicalAs(t Type, s string) (string, error) {
	switch t {
	case TypeIPv4, TypeIPv6:
		return canonicalAddr(t, s)
	case TypeCIDR:
		p, err := parsePrefix(s)
		if err != nil {
			return "", err
		}
		return p.String(), nil
	case TypeDomain:
		return canonicalDomain(s)
	case TypeURL:
		return canonicalURLValue(s)
	case TypeMD5, TypeSHA1, TypeSHA256:
		return canonicalHash(t, s)
	case TypeEmail:
		return canonicalEmail(s)
	}
	msg := fmt.Sprintf("%q is not an indicator type", t)
	return "", errs.Invalid(CodeBadType, msg, errs.Field("type", CodeBadType, msg))
}

// Normalize is Canonical for importers whose source names only the address
// family loosely (a STIX ipv4-addr or a MISP ip-dst may hold a prefix): for
// the three IP types the returned type follows the value, so "10.0.0.0/8"
// given as TypeIPv4 comes back as TypeCIDR and "192.0.2.1/32" given as
// TypeCIDR as TypeIPv4. Other types are returned unchanged.
func Normalize(t Type, v string) (Type, string, error) {
	if t != TypeIPv4 && t != TypeIPv6 && t != TypeCIDR {
		c, err := Canonical(t, v)
		return t, c, err
	}
	s, err := prepare(v)
	if err != nil {
		return "", "", err
	}
	p, err := parsePrefix(s)
	if err != nil {
		var err2 error
		if p, err2 = parsePrefix(refanger.Replace(s)); err2 != nil {
			return "", "", err
		}
	}
	nt, c := prefixType(p)
	return nt, c, nil
}

// Classify guesses the type of a bare value from a list and returns it with
// the value's canonical text: an IPv4 or IPv6 address (also "addr:port"), a
// prefix (a /32 or /128 is an address), a URL (anything with "://", or a
// host followed by a path), an MD5, SHA-1 or SHA-256 hash by its length in
// hex, an e-mail address, or a domain name of two labels or more. It reports
// false for anything else.
func Classify(v string) (Type, string, bool) {
	s, err := prepare(v)
	if err != nil {
		return "", "", false
	}
	if t, c, ok := classify(s); ok {
		return t, c, true
	}
	if r := refanger.Replace(s); r != s {
		return classify(r)
	}
	return "", "", false
}

func classify(s string) (Type, string, bool) {
	if strings.Contains(s, "://") {
		c, ok := CanonicalURL(s)
		return TypeURL, c, ok
	}
	if p, err := parsePrefix(s); err == nil {
		t, c := prefixType(p)
		return t, c, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		a := ap.Addr().Unmap()
		return addrType(a), a.String(), true
	}
	switch len(s) {
	case 32, 40, 64:
		if isHex(s) {
			t := map[int]Type{32: TypeMD5, 40: TypeSHA1, 64: TypeSHA256}[len(s)]
			return t, strings.ToLower(s), true
		}
	}
	if strings.Contains(s, "@") && !strings.Contains(s, "/") {
		c, err := canonicalEmail(s)
		return TypeEmail, c, err == nil
	}
	if hostPort, _, ok := strings.Cut(s, "/"); ok {
		host, _, _ := strings.Cut(hostPort, ":") // an IPv6 host would need brackets
		if _, err := canonicalDomain(host); err != nil && !isIPv4(host) {
			return "", "", false
		}
		c, ok := CanonicalURL("http://" + s)
		return TypeURL, c, ok
	}
	c, err := canonicalDomain(s)
	return TypeDomain, c, err == nil
}

// refanger undoes the usual ways of defanging an observable for e-mail and
// reports. It is applied only to a value that is not valid as written, so
// a canonical value (a URL path may hold "(.)") stays a fixed point; the
// scheme forms (hxxp, hXXps) are undone always, by prepare.
var refanger = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".",
	"[://]", "://", "[:]", ":", "[@]", "@", "[at]", "@",
)

// prepare trims, bounds and checks an import-side value and undoes a
// defanged scheme.
func prepare(v string) (string, error) {
	s := strings.TrimSpace(v)
	switch {
	case s == "":
		return "", badValue("the value is empty")
	case len(s) > maxValueLen:
		return "", badValue("the value is %d bytes long; the limit is %d", len(s), maxValueLen)
	case !utf8.ValidString(s):
		return "", badValue("the value is not valid UTF-8")
	}
	if defangedScheme(s) {
		s = "http" + s[4:]
	}
	return s, nil
}

// defangedScheme reports a value that starts with hxxp or hxxps (any case)
// and then ':' or '[': a defanged URL, not a name such as hxxpress.example.
func defangedScheme(s string) bool {
	if len(s) < 5 || !strings.EqualFold(s[:4], "hxxp") {
		return false
	}
	rest := s[4:]
	if rest[0] == 's' || rest[0] == 'S' {
		rest = rest[1:]
	}
	return rest != "" && (rest[0] == ':' || rest[0] == '[')
}

// parsePrefix reads an address or a prefix: masked, IPv4-mapped forms
// unmapped, zones refused; a bare address becomes a full-length prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, badValue("%q has an IPv6 zone", s)
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
		if err != nil {
			return netip.Prefix{}, badValue("%q is not an IP address", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, badValue("%q is not an IP prefix such as 192.0.2.0/24", s)
	}
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() {
		if bits < 96 {
			return netip.Prefix{}, badValue("%q is an IPv4-mapped prefix shorter than /96", s)
		}
		a, bits = a.Unmap(), bits-96
	}
	if a.Is4() && bits < minBitsV4 || a.Is6() && bits < minBitsV6 {
		return netip.Prefix{}, badValue("%q is too broad for an indicator (the shortest prefixes are /%d and /%d)", s, minBitsV4, minBitsV6)
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// prefixType returns the indicator type and text of a masked prefix: a
// single address for a full-length prefix, else a CIDR.
func prefixType(p netip.Prefix) (Type, string) {
	if p.IsSingleIP() {
		return addrType(p.Addr()), p.Addr().String()
	}
	return TypeCIDR, p.String()
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func addrType(a netip.Addr) Type {
	if a.Is4() {
		return TypeIPv4
	}
	return TypeIPv6
}

func canonicalAddr(t Type, s string) (string, error) {
	p, err := parsePrefix(s)
	if err != nil {
		return "", err
	}
	if !p.IsSingleIP() {
		return "", badValue("%q is a prefix; give it as type cidr", s)
	}
	if got := addrType(p.Addr()); got != t {
		return "", badValue("%q is an %s address, not %s", s, got, t)
	}
	return p.Addr().String(), nil
}

func canonicalHash(t Type, s string) (string, error) {
	want := map[Type]int{TypeMD5: 32, TypeSHA1: 40, TypeSHA256: 64}[t]
	if len(s) != want || !isHex(s) {
		return "", badValue("a %s hash is %d hexadecimal digits", t, want)
	}
	return strings.ToLower(s), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// canonicalDomain is CanonicalHost with the rules of a domain indicator: not
// an IP address, two labels or more, a last label that is not all digits.
func canonicalDomain(s string) (string, error) {
	s = strings.TrimPrefix(s, "*.")
	if _, err := parsePrefix(s); err == nil {
		return "", badValue("%q is an IP address, not a domain name", s)
	}
	h, ok := CanonicalHost(s)
	if !ok {
		return "", badValue("%q is not a valid domain name", s)
	}
	dot := strings.LastIndexByte(h, '.')
	if dot < 0 {
		return "", badValue("%q has a single label; a domain indicator needs a full name such as example.com", s)
	}
	if isDigits(h[dot+1:]) {
		return "", badValue("%q ends in an all-digit label", s)
	}
	return h, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func canonicalEmail(s string) (string, error) {
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", badValue("%q is not an e-mail address", s)
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > maxLocalLen || strings.ContainsFunc(local, badLocalRune) {
		return "", badValue("%q has an invalid local part", s)
	}
	d, err := canonicalDomain(domain)
	if err != nil {
		return "", badValue("%q has an invalid domain", s)
	}
	return strings.ToLower(local) + "@" + d, nil
}

// badLocalRune reports characters an unquoted local part may not hold.
func badLocalRune(r rune) bool {
	return r <= ' ' || r == 0x7f || strings.ContainsRune(`@<>()[]\,;:"`, r) || r == utf8.RuneError
}

// CanonicalHost returns the canonical form of a host as an event or a URL
// carries it: an IP address (brackets allowed) in its unmapped shortest
// form, or a host name as event.CanonicalHost gives it (lower-case A-labels
// without the trailing dot; letters, digits, '-' and '_'), so an indicator
// and the events it must match agree on every name. Single-label names are
// accepted (an event may name "intranet"); domain indicators need two labels
// (see Canonical). It reports false for anything else.
func CanonicalHost(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2*maxHostLen+8 || s == "" {
		return "", false
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		a, err := netip.ParseAddr(s[1 : len(s)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		return a.Unmap().String(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return "", false
		}
		return a.Unmap().String(), true
	}
	return event.CanonicalHost(s)
}
