package org

// This file turns what people type into canonical values: IP prefixes,
// domain names, AS numbers, CPE names and package URLs. Every parser trims
// space, refuses with an *errs.Error of KindInvalid that names the field, a
// stable code and an English reason, and returns a form that parses back to
// itself.

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/knqyf263/go-cpe/common"
	"github.com/knqyf263/go-cpe/naming"
	"github.com/package-url/packageurl-go"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

// Stable codes of the parsers' errors.
const (
	CodeBadCIDR   = "resource.bad_cidr"
	CodeBadDomain = "resource.bad_domain"
	CodeBadASN    = "resource.bad_asn"
	CodeBadType   = "resource.bad_type"
	CodeBadCPE    = "software.bad_cpe"
	CodeBadPURL   = "software.bad_purl"
)

const (
	maxDomainLen    = 253 // octets of an A-label name without the trailing dot
	maxLabelLen     = 63
	maxResourceText = 1024 // longer input is refused before any parsing
	maxIdentLen     = 512  // CPE, package URL
)

// invalid returns a KindInvalid error about one field. The reason is both the
// field's message and the public text.
func invalid(field, code, format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(code, msg, errs.Field(field, code, msg))
}

// ParseCIDR parses an IPv4 or IPv6 prefix. A bare address becomes a /32 or
// /128, host bits are cleared, and an IPv4-mapped IPv6 prefix
// (::ffff:a.b.c.d/n, n ≥ 96) becomes the IPv4 prefix it stands for. Zones are
// refused.
func ParseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	bad := func(format string, args ...any) (netip.Prefix, error) {
		return netip.Prefix{}, invalid("value", CodeBadCIDR, format, args...)
	}
	switch {
	case s == "":
		return bad("an IP prefix such as 203.0.113.0/24 is required")
	case len(s) > 64:
		return bad("an IP prefix is at most 64 characters long")
	case strings.ContainsRune(s, '%'):
		return bad("%q has an IPv6 zone; a prefix cannot have one", s)
	}
	addrText, bitsText, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return bad("%q is not an IPv4 or IPv6 address", addrText)
	}
	family, width := "IPv6", addr.BitLen()
	if addr.Is4() {
		family = "IPv4"
	}
	bits := width
	if hasBits {
		if bits, err = parseDecimal(bitsText, 3); err != nil {
			return bad("prefix length %q is not a whole number from 0 to %d", bitsText, width)
		}
		if bits > width {
			return bad("prefix length %d is longer than %d for %s", bits, width, family)
		}
	}
	if addr.Is4In6() {
		if bits < 96 {
			return bad("%s is an IPv4-mapped IPv6 prefix shorter than /96; write the IPv4 prefix instead", s)
		}
		addr, bits = addr.Unmap(), bits-96
	}
	return netip.PrefixFrom(addr, bits).Masked(), nil
}

// parseDecimal parses 1 to maxDigits ASCII digits without a sign or a
// superfluous leading zero.
func parseDecimal(s string, maxDigits int) (int, error) {
	if s == "" || len(s) > maxDigits || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return int(n), err
}

// domainProfile is a strict IDNA 2008 lookup profile (UTS #46 mapping
// without transitional processing, STD3 rules, the bidi and joiner rules).
// Lengths are checked by ParseDomain itself to give clearer messages.
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
)

// ParseDomain returns the canonical form of a domain name: lower-case
// A-labels (punycode), without the trailing dot. It refuses IP addresses,
// URLs, wildcards, single labels and names whose last label is all digits.
func ParseDomain(s string) (string, error) {
	s = norm.NFC.String(strings.TrimSpace(s))
	bad := func(format string, args ...any) (string, error) {
		return "", invalid("value", CodeBadDomain, format, args...)
	}
	switch {
	case s == "":
		return bad("a domain name such as example.gov.vn is required")
	case len(s) > maxResourceText:
		return bad("a domain name is at most %d characters long", maxDomainLen)
	case !utf8.ValidString(s):
		return bad("the domain name is not valid UTF-8")
	case strings.Contains(s, "://") || strings.ContainsAny(s, "/?#@"):
		return bad("%q looks like a URL or an e-mail address; give only the host name, such as example.gov.vn", s)
	case strings.Contains(s, "*"):
		return bad("%q is a wildcard; claim the parent domain instead, which covers every name under it", s)
	}
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return bad("%q is an IP address; claim it as a CIDR resource", s)
	}
	if strings.Contains(s, ":") {
		return bad("%q has a colon; give the host name without a port", s)
	}
	s = strings.TrimSuffix(s, ".")
	if msg := checkLabels(s); msg != "" {
		return bad("%s", msg)
	}
	a, err := domainProfile.ToASCII(s)
	if err != nil {
		return bad("%q is not a valid internationalised domain name (%v)", s, err)
	}
	a = strings.ToLower(a)
	if msg := checkLabels(a); msg != "" {
		return bad("%s", msg)
	}
	if len(a) > maxDomainLen {
		return bad("the domain name is %d characters long in A-label form; the limit is %d", len(a), maxDomainLen)
	}
	return a, nil
}

// checkLabels checks the label rules on a name and returns a reason, or ""
// when the name passes. Non-ASCII labels are only checked for emptiness and
// hyphens; IDNA conversion checks the rest, and checkLabels runs again on the
// A-label form.
func checkLabels(s string) string {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("%q has a single label; give a full domain name such as example.gov.vn", s)
	}
	for _, l := range labels {
		switch {
		case l == "":
			return fmt.Sprintf("%q has an empty label (two dots in a row, or a leading dot)", s)
		case l[0] == '-' || l[len(l)-1] == '-':
			return fmt.Sprintf("label %q starts or ends with a hyphen", l)
		case !isASCII(l):
			continue
		case len(l) >= 4 && l[2:4] == "--" && !strings.EqualFold(l[:2], "xn"):
			return fmt.Sprintf("label %q has hyphens in its third and fourth places, which are reserved (RFC 5891)", l)
		case len(l) > maxLabelLen:
			return fmt.Sprintf("label %q is %d characters long; the limit is %d", l, len(l), maxLabelLen)
		case !isLDH(l):
			return fmt.Sprintf("label %q may hold only letters, digits and hyphens", l)
		}
	}
	if tld := labels[len(labels)-1]; isDigits(tld) {
		return fmt.Sprintf("the last label %q is all digits; no top-level domain is", tld)
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLDH(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseASN parses an autonomous system number written as "AS13335",
// "as13335", "13335" or in asdot notation ("1.10" is 65546). It refuses
// AS0 (RFC 7607), AS23456 (AS_TRANS, RFC 6793) and AS4294967295 (RFC 7300).
func ParseASN(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	bad := func(format string, args ...any) (uint32, error) {
		return 0, invalid("value", CodeBadASN, format, args...)
	}
	t := s
	if len(t) >= 2 && strings.EqualFold(t[:2], "as") {
		t = t[2:]
	}
	if t == "" {
		return bad("an AS number such as AS13335 is required")
	}
	if t[0] == '-' {
		return bad("%q is negative; AS numbers are 1 to 4294967294", s)
	}
	var n uint64
	if hi, lo, dot := strings.Cut(t, "."); dot {
		h, err1 := parseDecimal(hi, 5)
		l, err2 := parseDecimal(lo, 5)
		if err1 != nil || err2 != nil || h > 0xffff || l > 0xffff {
			return bad("%q is not in asdot form (two numbers from 0 to 65535, such as 1.10)", s)
		}
		n = uint64(h)<<16 | uint64(l)
	} else {
		if !isDigits(t) {
			return bad("%q is not an AS number; write it as AS13335 or 13335", s)
		}
		var err error
		if n, err = strconv.ParseUint(t, 10, 32); err != nil {
			return bad("%q is too large; AS numbers are 1 to 4294967294", s)
		}
	}
	switch n {
	case 0:
		return bad("AS0 is reserved and never announced (RFC 7607)")
	case 23456:
		return bad("AS23456 is AS_TRANS, a placeholder for 4-byte AS numbers (RFC 6793); give the real AS number")
	case 4294967295:
		return bad("AS4294967295 is reserved (RFC 7300)")
	}
	return uint32(n), nil
}

// FormatASN returns the canonical text of an AS number, "AS13335".
func FormatASN(n uint32) string {
	return "AS" + strconv.FormatUint(uint64(n), 10)
}

// CanonicalResource returns the canonical form of a resource value of the
// given type: a masked prefix, a lower-case A-label domain or "AS<n>".
func CanonicalResource(t ResourceType, value string) (string, error) {
	switch t {
	case ResourceCIDR:
		p, err := ParseCIDR(value)
		if err != nil {
			return "", err
		}
		return p.String(), nil
	case ResourceDomain:
		return ParseDomain(value)
	case ResourceASN:
		n, err := ParseASN(value)
		if err != nil {
			return "", err
		}
		return FormatASN(n), nil
	}
	return "", invalid("type", CodeBadType, "resource type %q is not one of cidr, domain, asn", t)
}

// cpeName is a parsed CPE name: its canonical 2.3 formatted string and the
// unquoted vendor, product and version ("" when ANY or NA).
type cpeName struct {
	fs, vendor, product, version string
}

// ParseCPE parses a CPE 2.3 formatted string
// (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)
// or a CPE 2.2 URI (cpe:/a:vendor:product:version) and returns its vendor,
// product and version without CPE quoting. The part must be a, o or h; vendor
// and product must be given without wildcards, since an inventory names one
// product. The version is "" when the name leaves it open (* or -).
func ParseCPE(s string) (vendor, product, version string, err error) {
	c, err := parseCPE(s)
	return c.vendor, c.product, c.version, err
}

const cpeExample = "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"

func parseCPE(s string) (cpeName, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func(format string, args ...any) (cpeName, error) {
		return cpeName{}, invalid("cpe", CodeBadCPE, format, args...)
	}
	switch {
	case s == "":
		return bad("a CPE name such as %s is required", cpeExample)
	case len(s) > maxIdentLen:
		return bad("a CPE name is at most %d characters long", maxIdentLen)
	case !strings.HasPrefix(s, "cpe:2.3:") && !strings.HasPrefix(s, "cpe:/"):
		return bad("a CPE name starts with cpe:2.3: (or cpe:/ in the older 2.2 form), such as %s", cpeExample)
	case !isPrintableASCII(s):
		return bad("a CPE name holds only printable ASCII characters without spaces")
	}
	var wfn common.WellFormedName
	var err error
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		comps := splitCPE(s)
		if len(comps) != 13 {
			return bad("the CPE name has %d components; a CPE 2.3 name has 13, such as %s", len(comps), cpeExample)
		}
		for i, c := range comps {
			if c == "" {
				return bad("component %d of the CPE name is empty; use * for any value", i+1)
			}
		}
		wfn, err = unbindCPE(naming.UnbindFS, s)
	default:
		if strings.Trim(s[len("cpe:/"):], "abcdefghijklmnopqrstuvwxyz0123456789._~%:-") != "" {
			return bad("a CPE 2.2 name holds only letters, digits, . _ ~ - and %%-escapes; use the 2.3 form for other characters")
		}
		wfn, err = unbindCPE(naming.UnbindURI, s)
	}
	if err != nil {
		return bad("not a valid CPE name: %v", err)
	}
	return cpeFromWFN(wfn)
}

// cpeFromWFN checks the attributes an inventory needs and binds the name
// back to a 2.3 formatted string.
func cpeFromWFN(wfn common.WellFormedName) (cpeName, error) {
	bad := func(format string, args ...any) (cpeName, error) {
		return cpeName{}, invalid("cpe", CodeBadCPE, format, args...)
	}
	if p, _ := wfn.Get(common.AttributePart).(string); p != "a" && p != "o" && p != "h" {
		return bad("the CPE part must be a (application), o (operating system) or h (hardware)")
	}
	var c cpeName
	for _, a := range []struct {
		attr string
		dst  *string
		open bool // may be ANY or NA
	}{
		{common.AttributeVendor, &c.vendor, false},
		{common.AttributeProduct, &c.product, false},
		{common.AttributeVersion, &c.version, true},
	} {
		v, ok := wfn.Get(a.attr).(string)
		switch {
		case !ok && a.open:
			continue
		case !ok:
			return bad("the CPE %s must be given, not * or -", a.attr)
		case hasCPEWildcard(v):
			return bad("the CPE %s %q has a wildcard; an inventory names one exact %s", a.attr, UnquoteCPE(v), a.attr)
		}
		*a.dst = UnquoteCPE(v)
	}
	fs, err := bindCPE(wfn)
	if err != nil {
		return bad("not a valid CPE name: %v", err)
	}
	c.fs = fs
	return c, nil
}

// unbindCPE calls a go-cpe unbinder. That library indexes its input without
// bounds checks in places, so a panic on hostile input becomes an error.
func unbindCPE(unbind func(string) (common.WellFormedName, error), s string) (w common.WellFormedName, err error) {
	defer func() {
		if r := recover(); r != nil {
			w, err = nil, fmt.Errorf("malformed quoting or percent-encoding")
		}
	}()
	return unbind(s)
}

func bindCPE(w common.WellFormedName) (fs string, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, err = "", fmt.Errorf("malformed quoting")
		}
	}()
	return naming.BindToFS(w), nil
}

// splitCPE splits a formatted string at its unquoted colons.
func splitCPE(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the quoted character
		case ':':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// hasCPEWildcard reports whether a WFN value has an unquoted * or ?.
func hasCPEWildcard(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// UnquoteCPE removes WFN quoting: `2\.4\.57` becomes `2.4.57`.
func UnquoteCPE(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// ParsePURL parses a package URL such as
// pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 and returns its type,
// namespace, name and version (unescaped). Type and name are required.
func ParsePURL(s string) (typ, namespace, name, version string, err error) {
	p, err := parsePURL(s)
	return p.Type, p.Namespace, p.Name, p.Version, err
}

func parsePURL(s string) (packageurl.PackageURL, error) {
	s = strings.TrimSpace(s)
	bad := func(format string, args ...any) (packageurl.PackageURL, error) {
		return packageurl.PackageURL{}, invalid("purl", CodeBadPURL, format, args...)
	}
	switch {
	case s == "":
		return bad("a package URL such as pkg:npm/lodash@4.17.21 is required")
	case len(s) > maxIdentLen:
		return bad("a package URL is at most %d characters long", maxIdentLen)
	case !utf8.ValidString(s):
		return bad("the package URL is not valid UTF-8")
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return bad("not a valid package URL: %v", err)
	}
	if p.Type == "" || strings.TrimSpace(p.Name) == "" {
		return bad("a package URL needs a type and a name, such as pkg:npm/lodash@4.17.21")
	}
	return p, nil
}
