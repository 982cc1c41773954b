package canon

// This file normalises web addresses and domain names. The canonical forms
// are intel's; the portal adds the match keys, the public-suffix rule and
// the walk up a name's parents that look-ups use.

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

// Codes of the web normalisers.
const (
	CodeBadURL       = "portal.bad_url"
	CodeURLScheme    = "portal.url_scheme"
	CodeBadDomain    = "portal.bad_domain"
	CodeDomainIsIP   = "portal.domain_is_ip"
	CodeDomainSuffix = "portal.domain_public_suffix"
	CodeDomainEmail  = "portal.domain_is_email"
)

// URL returns the Subject of a web address. A missing scheme is taken to
// be http; defanged forms ("hxxp://", "evil[.]example") are undone; only
// http and https are accepted. Value is intel's canonical URL (fragment
// dropped, host in A-labels, default port dropped, dot segments resolved).
// Key is "url:" and the address without scheme, user information and a
// leading "www.", so http://www.Evil.example/a and https://evil.example/a
// are one entry.
func URL(s string) (Subject, error) {
	s, err := prepare(s, "a web address")
	if err != nil {
		return Subject{}, err
	}
	if scheme, _, ok := strings.Cut(s, "://"); ok {
		switch strings.ToLower(scheme) {
		case "http", "https", "hxxp", "hxxps":
		default:
			return Subject{}, invalid("value", CodeURLScheme, "only web addresses (http or https) can be reported, not %q", scheme+"://")
		}
	}
	c, err := intel.Canonical(intel.TypeURL, s)
	if err != nil {
		return Subject{}, invalid("value", CodeBadURL, "%s is not a valid web address", quote(s))
	}
	p := splitURL(c)
	if !p.ip && !strings.Contains(p.host, ".") {
		return Subject{}, invalid("value", CodeBadURL, "%s has no domain name (such as example.vn)", quote(s))
	}
	return Subject{Kind: KindURL, Value: c, Key: "url:" + p.hostKey() + p.port + p.rest}, nil
}

// urlParts are the pieces of a canonical URL the keys are made of.
type urlParts struct {
	host string // canonical host; an IPv6 address keeps its brackets
	port string // ":8080", or "" for the default
	rest string // path and query, starting with "/"
	ip   bool
}

// splitURL takes apart a URL that intel.CanonicalURL returned.
func splitURL(c string) urlParts {
	_, rest, _ := strings.Cut(c, "://")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, p := rest[:end], urlParts{rest: rest[end:]}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	p.host = authority
	if strings.HasPrefix(authority, "[") {
		i := strings.IndexByte(authority, ']')
		p.host, p.port, p.ip = authority[:i+1], authority[i+1:], true
	} else if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		p.host, p.port = authority[:i], authority[i:]
	}
	if !p.ip {
		_, err := netip.ParseAddr(p.host)
		p.ip = err == nil
	}
	if p.rest == "" || p.rest[0] == '?' {
		p.rest = "/" + p.rest
	}
	return p
}

func (p urlParts) hostKey() string {
	if p.ip {
		return p.host
	}
	return stripWWW(p.host)
}

// stripWWW drops a leading "www." when what remains is still a registrable
// name (not a public suffix such as "com.vn").
func stripWWW(h string) string {
	rest, ok := strings.CutPrefix(h, "www.")
	if !ok {
		return h
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(rest); err != nil {
		return h
	}
	return rest
}

// Domain returns the Subject of a domain name. A pasted web address gives
// its host. Value is the name in lower-case A-labels without the trailing
// dot (intel.Canonical); Key is "domain:" and the name without a leading
// "www.". IP addresses, single labels and public suffixes ("com.vn",
// "github.io": names under which anyone may register) are refused.
func Domain(s string) (Subject, error) {
	s, err := prepare(s, "a domain name")
	if err != nil {
		return Subject{}, err
	}
	if strings.Contains(s, "@") && !strings.Contains(s, "/") {
		return Subject{}, invalid("value", CodeDomainEmail, "%s looks like an e-mail address; report it as an e-mail address", quote(s))
	}
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/?#:") {
		u, err := URL(s)
		if err != nil {
			return Subject{}, invalid("value", CodeBadDomain, "%s is neither a domain name nor a web address", quote(s))
		}
		p := splitURL(u.Value)
		if p.ip {
			return Subject{}, invalid("value", CodeDomainIsIP, "%s is an IP address; report the web address instead", quote(p.host))
		}
		s = p.host
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return Subject{}, invalid("value", CodeDomainIsIP, "%s is an IP address; report the web address instead", quote(a.String()))
	}
	c, err := intel.Canonical(intel.TypeDomain, s)
	if err != nil {
		return Subject{}, invalid("value", CodeBadDomain, "%s", errs.PublicMessage(err))
	}
	if ps, _ := publicsuffix.PublicSuffix(c); ps == c {
		return Subject{}, invalid("value", CodeDomainSuffix,
			"%s is a public suffix under which anyone can register names; report the full name of the site", quote(c))
	}
	return Subject{Kind: KindDomain, Value: c, Key: "domain:" + stripWWW(c)}, nil
}

// domainKeys appends the domain keys of host and of each parent name up to
// the registrable name (eTLD+1): a look-up of a.b.evil.example finds an
// entry for evil.example, never one for "example" or a public suffix.
func domainKeys(out []string, host string) []string {
	host = stripWWW(host)
	top, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return append(out, "domain:"+host)
	}
	for h := host; ; {
		out = append(out, "domain:"+h)
		if len(h) <= len(top) {
			return out
		}
		_, h, _ = strings.Cut(h, ".")
	}
}

// maxPathProbes bounds how many ancestors of a URL's path a look-up tries.
const maxPathProbes = 8

// urlKeys appends the keys a look-up of a canonical URL tries: the address
// with its query, without it, and each ancestor path (with and without its
// trailing slash) up to the root; then the host's domain keys.
func urlKeys(out []string, c string) []string {
	p := splitURL(c)
	base := "url:" + p.hostKey() + p.port
	path, _, hasQuery := strings.Cut(p.rest, "?")
	if hasQuery {
		out = append(out, base+p.rest)
	}
	out = append(out, base+path)
	if strings.HasSuffix(path, "/") && path != "/" {
		out = append(out, base+strings.TrimSuffix(path, "/"))
	} else if path != "/" {
		out = append(out, base+path+"/")
	}
	n := 0
	for path != "/" && n < maxPathProbes {
		path = strings.TrimSuffix(path, "/")
		path = path[:strings.LastIndexByte(path, '/')+1]
		out = append(out, base+path)
		if path != "/" {
			out = append(out, base+strings.TrimSuffix(path, "/"))
		}
		n++
	}
	if path != "/" {
		out = append(out, base+"/")
	}
	if !p.ip {
		out = domainKeys(out, p.host)
	}
	return out
}

// quote is the typographic quotation the messages use.
func quote(s string) string {
	if len(s) > 80 {
		i := 77
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return "\u201c" + s + "\u201d"
}
