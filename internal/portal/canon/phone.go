package canon

// This file normalises Vietnamese phone numbers to E.164 (+84…).
//
// The national numbering plan since 2018: mobile numbers are 0 and nine
// digits behind a two-digit network prefix (03x, 05x, 07x, 08x, 09x);
// landlines are 0 and ten digits behind an area code (024 Hà Nội and
// 028 Hồ Chí Minh City with eight-digit subscribers, 02xx elsewhere with
// seven). From September to November 2018 the eleven-digit mobile numbers
// (01xx and seven digits) moved to ten digits; people still write and scams
// still quote the old form, so it is mapped to the new one. Service numbers
// 1800 (free) and 1900 (premium) with four or six more digits are kept as
// such. Anything else is refused with the reason.

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Codes of Phone.
const (
	CodePhoneChars     = "portal.phone_bad_chars"
	CodePhoneForeign   = "portal.phone_foreign"
	CodePhoneShort     = "portal.phone_too_short"
	CodePhoneLong      = "portal.phone_too_long"
	CodePhonePrefix    = "portal.phone_bad_prefix"
	CodePhoneOldArea   = "portal.phone_old_area_code"
	CodePhoneOldMobile = "portal.phone_bad_old_prefix"
	CodePhoneArea      = "portal.phone_bad_area_code"
)

// mobilePrefixes are the two digits after the trunk 0 that a mobile
// network uses (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile, and
// the virtual operators on them).
var mobilePrefixes = set(
	"32", "33", "34", "35", "36", "37", "38", "39",
	"52", "55", "56", "58", "59",
	"70", "76", "77", "78", "79",
	"81", "82", "83", "84", "85", "86", "87", "88", "89",
	"90", "91", "92", "93", "94", "96", "97", "98", "99",
)

// oldMobile maps the eleven-digit prefixes retired in 2018 (without the
// trunk 0) to the two digits that replaced them.
var oldMobile = map[string]string{
	// Viettel
	"162": "32", "163": "33", "164": "34", "165": "35", "166": "36", "167": "37", "168": "38", "169": "39",
	// MobiFone
	"120": "70", "121": "79", "122": "77", "126": "76", "128": "78",
	// VinaPhone
	"123": "83", "124": "84", "125": "85", "127": "81", "129": "82",
	// Vietnamobile
	"186": "56", "188": "58",
	// Gmobile
	"199": "59",
}

// areaCodes are the landline area codes of 2017 without the trunk 0; the
// two-digit ones take eight-digit subscriber numbers, the others seven.
var areaCodes = set(
	"24", "28",
	"203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213", "214", "215", "216",
	"218", "219", "220", "221", "222", "225", "226", "227", "228", "229", "232", "233", "234", "235",
	"236", "237", "238", "239", "251", "252", "254", "255", "256", "257", "258", "259", "260", "261",
	"262", "263", "269", "270", "271", "272", "273", "274", "275", "276", "277", "290", "291", "292",
	"293", "294", "296", "297", "299",
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// Phone returns the Subject of a Vietnamese phone number: Value and Key
// "+84…" (Key with "phone:"). It reads 0…, +84…, 84…, 0084… and (+84)
// forms, a "tel:" prefix, full-width digits, and spaces, dots, dashes,
// slashes and parentheses between digits; "+84 (0)…" drops the 0.
func Phone(s string) (Subject, error) {
	s, err := prepare(s, "a phone number")
	if err != nil {
		return Subject{}, err
	}
	n, err := nationalNumber(s)
	if err != nil {
		return Subject{}, err
	}
	if n, err = checkNational(n); err != nil {
		return Subject{}, err
	}
	return Subject{Kind: KindPhone, Value: "+84" + n, Key: "phone:+84" + n}, nil
}

// phoneDigits strips separators and reports whether the number began with
// '+'. Letters and other signs are refused.
func phoneDigits(s string) (string, bool, error) {
	s = norm.NFKC.String(s)
	if len(s) > 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	var b strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0 && !plus && strings.TrimLeft(s[:i], " (") == "":
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '/':
		default:
			return "", false, invalid("value", CodePhoneChars, "%s may not appear in a phone number", quote(string(r)))
		}
	}
	return b.String(), plus, nil
}

// nationalNumber returns the digits after the country code and trunk 0.
func nationalNumber(s string) (string, error) {
	d, plus, err := phoneDigits(s)
	if err != nil {
		return "", err
	}
	switch {
	case d == "":
		return "", invalid("value", CodePhoneShort, "a phone number needs digits")
	case plus && !strings.HasPrefix(d, "84"), strings.HasPrefix(d, "00") && !strings.HasPrefix(d, "0084"):
		return "", invalid("value", CodePhoneForeign, "only Vietnamese numbers (+84) can be reported here")
	case plus:
		d = strings.TrimPrefix(d[2:], "0")
	case strings.HasPrefix(d, "0084"):
		d = strings.TrimPrefix(d[4:], "0")
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	case strings.HasPrefix(d, "84") && (len(d) == 11 || len(d) == 12):
		d = d[2:]
	}
	return d, nil
}

// checkNational checks a national number (no trunk 0) against the plan and
// maps an old eleven-digit mobile number to its new form.
func checkNational(n string) (string, error) {
	if isService(n) {
		return n, nil
	}
	switch {
	case len(n) < 9:
		return "", invalid("value", CodePhoneShort,
			"the number is too short: a mobile number has 10 digits (0 and 9 more), a landline 11 (02…)")
	case len(n) > 10:
		return "", invalid("value", CodePhoneLong,
			"the number is too long: a mobile number has 10 digits (0 and 9 more), a landline 11 (02…)")
	case len(n) == 9 && mobilePrefixes[n[:2]]:
		return n, nil
	case len(n) == 9 && n[0] == '4':
		return "", invalid("value", CodePhoneOldArea,
			"04 was Hà Nội's area code until 2017; landlines there now start with 024")
	case len(n) == 9:
		return "", invalid("value", CodePhonePrefix, "no Vietnamese mobile network uses the prefix 0%s", n[:2])
	case n[0] == '1':
		if p, ok := oldMobile[n[:3]]; ok {
			return p + n[3:], nil
		}
		return "", invalid("value", CodePhoneOldMobile, "the eleven-digit mobile prefix 0%s was never assigned", n[:3])
	case n[0] == '2':
		if areaCodes[n[:2]] || areaCodes[n[:3]] {
			return n, nil
		}
		return "", invalid("value", CodePhoneArea, "0%s is not a Vietnamese area code", n[:3])
	}
	return "", invalid("value", CodePhoneLong,
		"the number is too long for a mobile number (0 and 9 digits), and only landlines (02…) have 11")
}

// isService reports a 1800 or 1900 number with four or six more digits.
func isService(n string) bool {
	return (strings.HasPrefix(n, "1800") || strings.HasPrefix(n, "1900")) && (len(n) == 8 || len(n) == 10)
}
