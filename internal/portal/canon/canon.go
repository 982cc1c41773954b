// Package canon turns what citizens type into the canonical values the
// public portal stores, matches and distributes: web addresses, domain
// names, Vietnamese phone numbers, bank accounts, e-mail addresses and
// social-media profiles.
//
// Every normaliser returns a Subject with two forms: Value, the canonical
// text that is shown and distributed (a URL as intel.CanonicalURL gives it,
// a domain in lower-case A-labels, a phone number in E.164, a bank account
// as "BIN:digits"), and Key, the match key entries are unique by. The key
// folds what does not change what a value points at: "www." before a
// registrable name, the scheme and user information of a URL, dots and
// "+tags" of a Gmail address, dots and case of a Facebook user name.
//
// Invariants:
//   - the package is pure: no I/O, no clock, no globals that change;
//   - URL and host canonicalisation is intel's (intel.CanonicalURL,
//     intel.CanonicalHost, intel.Canonical): a value the portal publishes
//     and the same value seen in telemetry compare equal;
//   - every Subject is a fixed point: normalising its Value again as the
//     same kind gives the same Subject (the fuzz targets check this);
//   - a key starts with its kind and a colon ("phone:+84912345678"), so keys
//     of different kinds never collide;
//   - refusals are *errs.Error of KindInvalid naming the field "value" (or
//     "bank"), a stable code under "portal." and an English reason the UI
//     may show or translate by code.
package canon

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

// Kind is what a report is about.
type Kind string

const (
	KindURL    Kind = "url"    // a web address
	KindDomain Kind = "domain" // a domain name and every name under it
	KindPhone  Kind = "phone"  // a Vietnamese phone number
	KindBank   Kind = "bank"   // a bank account at a Vietnamese bank
	KindSocial Kind = "social" // a Facebook, Zalo, TikTok or Telegram profile
	KindEmail  Kind = "email"  // an e-mail address
)

// Kinds lists every kind, in the order the UI offers them.
var Kinds = []Kind{KindURL, KindDomain, KindPhone, KindBank, KindSocial, KindEmail}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Subject is one normalised value.
type Subject struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"` // canonical, shown and distributed
	Key   string `json:"key"`   // match key, "<kind>:…"
}

// MaxInput bounds what a normaliser reads; longer input is refused first.
const MaxInput = 2048

// Stable codes shared by several normalisers.
const (
	CodeEmpty    = "portal.value_required"
	CodeTooLong  = "portal.value_too_long"
	CodeBadKind  = "portal.bad_kind"
	CodeBadUTF8  = "portal.value_bad_utf8"
	CodeBadChars = "portal.value_bad_chars"
)

// invalid returns a KindInvalid error about field with the reason as both
// the public text and the field's message.
func invalid(field, code, format string, args ...any) *errs.Error {
	msg := fmt.Sprintf(format, args...)
	return errs.Invalid(code, msg, errs.Field(field, code, msg))
}

// prepare trims, bounds, checks and NFC-normalises raw input.
func prepare(s, what string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid("value", CodeEmpty, "enter %s", what)
	case len(s) > MaxInput:
		return "", invalid("value", CodeTooLong, "the value is %d bytes long; the limit is %d", len(s), MaxInput)
	case !utf8.ValidString(s):
		return "", invalid("value", CodeBadUTF8, "the value is not valid text (UTF-8)")
	}
	if strings.ContainsFunc(s, isControl) {
		return "", invalid("value", CodeBadChars, "the value holds control characters")
	}
	return norm.NFC.String(s), nil
}

// isControl reports C0/C1 controls and the invisible bidirectional
// overrides that can make a value read differently from what it is.
func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0xfeff
}

// Normalize returns the Subject of value as kind k. A bank account is
// written "BANK NUMBER" or "BANK:NUMBER", BANK being a short name, a name
// or a BIN (see BankAccount, which takes them apart).
func Normalize(k Kind, value string) (Subject, error) {
	switch k {
	case KindURL:
		return URL(value)
	case KindDomain:
		return Domain(value)
	case KindPhone:
		return Phone(value)
	case KindBank:
		return BankAccountText(value)
	case KindSocial:
		return Social(value)
	case KindEmail:
		return Email(value)
	}
	return Subject{}, invalid("kind", CodeBadKind, "%q is not a kind of report; choose one of url, domain, phone, bank, social, email", k)
}

// IndexKeys are the keys under which an entry with the given kind and key
// is found: its own key, and for a bank account "acct:<digits>" (so an
// account number looked up without its bank still finds it), for a Zalo
// profile named by a phone number that number's "phone:" key.
func IndexKeys(k Kind, key string) []string {
	out := []string{key}
	switch k {
	case KindBank:
		if i := strings.LastIndexByte(key, ':'); i >= 0 {
			out = append(out, acctPrefix+key[i+1:])
		}
	case KindSocial:
		if rest, ok := strings.CutPrefix(key, "social:zalo:+"); ok {
			out = append(out, "phone:+"+rest)
		}
	}
	return out
}

// Display is the text of a key without its kind, for answers that name
// the entry that matched without carrying the entry itself.
func Display(key string) string {
	_, v, ok := strings.Cut(key, ":")
	if !ok {
		return key
	}
	return v
}

// KindOfKey returns the kind a key belongs to ("acct:" keys are bank).
func KindOfKey(key string) Kind {
	k, _, _ := strings.Cut(key, ":")
	if k+":" == acctPrefix {
		return KindBank
	}
	return Kind(k)
}
