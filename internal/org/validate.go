package org

// This file holds the validators of the registry's records. Each one trims
// and NFC-normalises the record's strings in place, fills defaults, and
// returns every problem at once as an *errs.Error of KindInvalid.

import (
	"cmp"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

// Bounds on free text, in characters.
const (
	maxNameLen        = 200
	maxPlaceLen       = 100 // province, sector
	maxDescriptionLen = 4000
	maxSoftwareField  = 512
	maxEmailLen       = 254
)

// Security levels of an information system (Decree 85/2016).
const (
	MinLevel = 1
	MaxLevel = 5
)

// clean trims space and normalises s to Unicode NFC.
func clean(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}

// CodeBadEncoding is the code of a text field that is not valid UTF-8.
const CodeBadEncoding = "text.bad_encoding"

// checkText adds a problem when s is not valid UTF-8 (CodeBadEncoding) or
// its length in characters is outside [lo, hi] (code).
func checkText(f *errs.Fields, field, code, s string, lo, hi int) {
	if !utf8.ValidString(s) {
		f.Add(field, CodeBadEncoding, "the text is not valid UTF-8; save the file as UTF-8")
		return
	}
	switch n := utf8.RuneCountInString(s); {
	case n < lo && n == 0:
		f.Add(field, code, fmt.Sprintf("%s is required", field))
	case n < lo:
		f.Add(field, code, fmt.Sprintf("%s must be at least %d characters", field, lo))
	case n > hi:
		f.Add(field, code, fmt.Sprintf("%s must be at most %d characters (it has %d)", field, hi, n))
	}
}

// addErr copies the field problems of a parser's *errs.Error into f.
func addErr(f *errs.Fields, err error) {
	if e, ok := errors.AsType[*errs.Error](err); ok && len(e.Fields) > 0 {
		*f = append(*f, e.Fields...)
		return
	}
	f.Add("", "invalid", err.Error())
}

// EffectiveLevel is the security level of a composite system: the highest of
// its own level and its components' levels (Decree 85/2016).
func EffectiveLevel(own int, components []int) int {
	level := own
	for _, c := range components {
		level = max(level, c)
	}
	return level
}

// ValidateSoftware checks one inventory item. It needs a CPE name, a package
// URL or at least a product name. A CPE name is stored in its 2.3 formatted
// form (a 2.2 URI is converted), a package URL in its canonical form. Empty
// Vendor, Product and Version are filled from the CPE name, then from the
// package URL (its namespace as the vendor); a version given explicitly must
// agree with theirs. Every field is at most 512 characters.
func ValidateSoftware(s *Software) error {
	var f errs.Fields
	for _, p := range []*string{&s.CPE, &s.PURL, &s.Vendor, &s.Product, &s.Version} {
		*p = clean(*p)
	}
	if s.CPE == "" && s.PURL == "" && s.Product == "" {
		f.Add("product", "software.missing_identity", "give a CPE name, a package URL or at least a product name")
		return f.Err("software.invalid")
	}
	var cpeVersion, purlVersion string
	if s.CPE != "" {
		if c, err := parseCPE(s.CPE); err != nil {
			addErr(&f, err)
		} else {
			s.CPE = c.fs
			s.Vendor, s.Product = cmp.Or(s.Vendor, clean(c.vendor)), cmp.Or(s.Product, clean(c.product))
			cpeVersion = clean(c.version)
		}
	}
	if s.PURL != "" {
		if p, err := parsePURL(s.PURL); err != nil {
			addErr(&f, err)
		} else {
			s.PURL = p.ToString()
			s.Vendor, s.Product = cmp.Or(s.Vendor, clean(p.Namespace)), cmp.Or(s.Product, clean(p.Name))
			purlVersion = clean(p.Version)
		}
	}
	checkVersions(&f, s, cpeVersion, purlVersion)
	for _, t := range []struct{ field, value string }{
		{"cpe", s.CPE}, {"purl", s.PURL}, {"vendor", s.Vendor}, {"product", s.Product}, {"version", s.Version},
	} {
		checkText(&f, t.field, "software.too_long", t.value, 0, maxSoftwareField)
	}
	return f.Err("software.invalid")
}

// checkVersions compares the explicit version with the CPE name's and the
// package URL's, then fills an empty Version from them.
func checkVersions(f *errs.Fields, s *Software, cpeVersion, purlVersion string) {
	const code = "software.version_mismatch"
	if s.Version != "" && cpeVersion != "" && !strings.EqualFold(s.Version, cpeVersion) {
		f.Add("version", code, fmt.Sprintf("version %q differs from the CPE name's version %q", s.Version, cpeVersion))
	}
	switch {
	case purlVersion == "":
	case cpeVersion != "" && !strings.EqualFold(purlVersion, cpeVersion):
		f.Add("purl", code, fmt.Sprintf("the package URL's version %q differs from the CPE name's version %q", purlVersion, cpeVersion))
	case cpeVersion == "" && s.Version != "" && !strings.EqualFold(s.Version, purlVersion):
		f.Add("version", code, fmt.Sprintf("version %q differs from the package URL's version %q", s.Version, purlVersion))
	}
	s.Version = cmp.Or(s.Version, cpeVersion, purlVersion)
}

// ValidateSystem checks an information system: a name of 1–200 characters,
// a security level from 1 to 5, a known status ("operating" when empty) and a
// description of at most 4000 characters.
func ValidateSystem(s *System) error {
	var f errs.Fields
	s.Name = clean(s.Name)
	s.Description = clean(s.Description)
	s.LevelBasis = clean(s.LevelBasis)
	s.Status = SystemStatus(clean(string(s.Status)))
	checkText(&f, "name", "system.bad_name", s.Name, 1, maxNameLen)
	checkText(&f, "description", "system.too_long", s.Description, 0, maxDescriptionLen)
	checkText(&f, "level_basis", "system.too_long", s.LevelBasis, 0, maxDescriptionLen)
	if s.Level < MinLevel || s.Level > MaxLevel {
		f.Add("security_level", "system.bad_level",
			fmt.Sprintf("the security level must be from %d to %d (Decree 85/2016); got %d", MinLevel, MaxLevel, s.Level))
	}
	if s.Status == "" {
		s.Status = SystemOperating
	}
	if !slices.Contains(SystemStatuses, s.Status) {
		f.Add("status", "system.bad_status",
			fmt.Sprintf("status %q is not one of planned, operating, retired", s.Status))
	}
	return f.Err("system.invalid")
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidateOrg checks an organisation: a slug of 2–63 lower-case letters,
// digits and hyphens starting with a letter or digit, a name of 1–200
// characters, a known kind, and a province and sector of at most 100
// characters.
func ValidateOrg(o *Org) error {
	var f errs.Fields
	o.Slug = clean(o.Slug)
	o.Name = clean(o.Name)
	o.Kind = Kind(clean(string(o.Kind)))
	o.Province = clean(o.Province)
	o.Sector = clean(o.Sector)
	if !slugRE.MatchString(o.Slug) {
		f.Add("slug", "org.bad_slug",
			"the slug must be 2 to 63 lower-case letters, digits or hyphens, starting with a letter or digit")
	}
	checkText(&f, "name", "org.bad_name", o.Name, 1, maxNameLen)
	if !slices.Contains(Kinds, o.Kind) {
		f.Add("kind", "org.bad_kind", fmt.Sprintf("kind %q is not a known kind of organisation", o.Kind))
	}
	checkText(&f, "province", "org.too_long", o.Province, 0, maxPlaceLen)
	checkText(&f, "sector", "org.too_long", o.Sector, 0, maxPlaceLen)
	return f.Err("org.invalid")
}

// ValidateContact checks a contact: a name, a known role, one e-mail address
// (a display name is dropped), an optional phone number of 6–20 digits, an
// optional OpenPGP fingerprint (v4: 40 hex digits, v6: 64; stored upper-case
// without spaces) and a language of "vi" (the default) or "en".
func ValidateContact(c *Contact) error {
	var f errs.Fields
	c.Name = clean(c.Name)
	c.Role = ContactRole(clean(string(c.Role)))
	c.Email = clean(c.Email)
	c.Phone = clean(c.Phone)
	c.PGPFingerprint = clean(c.PGPFingerprint)
	c.Language = strings.ToLower(clean(c.Language))
	checkText(&f, "name", "contact.bad_name", c.Name, 1, maxNameLen)
	if !slices.Contains(ContactRoles, c.Role) {
		f.Add("role", "contact.bad_role", fmt.Sprintf("role %q is not one of duty-24x7, ciso, abuse, technical, legal", c.Role))
	}
	if addr, msg := checkEmail(c.Email); msg != "" {
		f.Add("email", "contact.bad_email", msg)
	} else {
		c.Email = addr
	}
	if msg := checkPhone(c.Phone); msg != "" {
		f.Add("phone", "contact.bad_phone", msg)
	}
	if fp, msg := normalizeFingerprint(c.PGPFingerprint); msg != "" {
		f.Add("pgp_fingerprint", "contact.bad_pgp_fingerprint", msg)
	} else {
		c.PGPFingerprint = fp
	}
	if c.Language == "" {
		c.Language = "vi"
	}
	if c.Language != "vi" && c.Language != "en" {
		f.Add("language", "contact.bad_language", fmt.Sprintf("language %q is not vi or en", c.Language))
	}
	return f.Err("contact.invalid")
}

// checkEmail parses exactly one address and returns its bare form.
func checkEmail(s string) (string, string) {
	if s == "" {
		return "", "an e-mail address is required"
	}
	if len(s) > maxEmailLen {
		return "", fmt.Sprintf("an e-mail address is at most %d characters long", maxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Sprintf("%q is not one e-mail address such as soc@example.gov.vn", s)
	}
	if len(a.Address) > maxEmailLen || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		return "", fmt.Sprintf("%q is not an e-mail address with a full domain, such as soc@example.gov.vn", s)
	}
	return a.Address, ""
}

// checkPhone accepts digits, spaces and + - . ( ), a + only in front, and
// 6 to 20 digits in all. An empty phone passes.
func checkPhone(s string) string {
	if s == "" {
		return ""
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "a phone number holds only digits, spaces and + - . ( ), with + only in front"
		}
	}
	if digits < 6 || digits > 20 {
		return fmt.Sprintf("a phone number has 6 to 20 digits; this one has %d", digits)
	}
	return ""
}

// normalizeFingerprint removes spaces and upper-cases an OpenPGP
// fingerprint, which must then be 40 (v4) or 64 (v6) hex digits.
func normalizeFingerprint(s string) (string, string) {
	fp := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if fp == "" {
		return "", ""
	}
	if (len(fp) != 40 && len(fp) != 64) || strings.Trim(fp, "0123456789ABCDEF") != "" {
		return "", "an OpenPGP fingerprint is 40 hex digits (v4 key) or 64 (v6 key); spaces are ignored"
	}
	return fp, ""
}
