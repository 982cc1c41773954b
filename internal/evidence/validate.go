package evidence

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence/bundle"
	"github.com/khien-cert/khien/internal/tlp"
)

// Bounds of text fields, in bytes.
const (
	maxName   = 255
	maxLong   = 4000 // description
	maxShort  = 256  // the other metadata and note fields
	maxReason = 1000
	maxDetail = 2000
	maxCaseID = 64
)

// checker collects field problems, separating oversized fields (which make
// the error KindTooLarge) from malformed ones.
type checker struct {
	fields   errs.Fields
	oversize bool
}

// text checks a free-text field: valid UTF-8, no control characters (but
// line breaks and tabs when multiline), at most max bytes.
func (c *checker) text(field, v string, max int, multiline bool) {
	switch {
	case len(v) > max:
		c.oversize = true
		c.fields.Add(field, "evidence.too_long", fmt.Sprintf("at most %d bytes (this is %d)", max, len(v)))
	case !utf8.ValidString(v):
		c.fields.Add(field, "evidence.bad_text", "not valid UTF-8 text")
	case strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}):
		c.fields.Add(field, "evidence.bad_text", "contains control characters")
	}
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.fields.Add(field, "evidence.required", "required")
	}
}

func (c *checker) err(code string) error {
	if len(c.fields) == 0 {
		return nil
	}
	if c.oversize {
		return &errs.Error{Kind: errs.KindTooLarge, Code: "evidence.too_large",
			Public: "some fields are longer than allowed", Fields: c.fields}
	}
	return errs.Invalid(code, "the evidence details are invalid", c.fields...)
}

// validateMetadata checks m for an item added now by someone cleared to
// clearance, and returns what the content must match.
func validateMetadata(m *Metadata, now time.Time, clearance tlp.Level) (blob.Expect, error) {
	var c checker
	c.text("name", m.Name, maxName, false)
	c.text("description", m.Description, maxLong, true)
	for _, f := range []struct{ name, v string }{
		{"source_device", m.SourceDevice}, {"source_system", m.SourceSystem}, {"source_location", m.SourceLocation},
		{"collected_by", m.CollectedBy}, {"method", m.Method}, {"tool", m.Tool}, {"tool_version", m.ToolVersion},
		{"legal_basis", m.LegalBasis}, {"seal_number", m.SealNumber}, {"supplied_hash", m.SuppliedHash},
	} {
		c.text(f.name, f.v, maxShort, false)
	}
	c.required("collected_by", m.CollectedBy)
	c.required("legal_basis", m.LegalBasis)
	m.CollectedAt = m.CollectedAt.UTC().Truncate(time.Microsecond)
	switch {
	case m.CollectedAt.IsZero():
		c.fields.Add("collected_at", "evidence.required", "required")
	case m.CollectedAt.Year() < 1990 || m.CollectedAt.After(now.Add(5*time.Minute)):
		c.fields.Add("collected_at", "evidence.bad_time", "must be a past time, after 1990")
	}
	switch {
	case !m.TLP.Valid():
		c.fields.Add("tlp", "evidence.bad_tlp", "choose a TLP level")
	case !clearance.Allows(m.TLP):
		c.fields.Add("tlp", "evidence.tlp_above_clearance", "above your clearance of "+clearance.String())
	}
	m.RetainUntil = m.RetainUntil.UTC().Truncate(time.Microsecond)
	if !m.RetainUntil.IsZero() && (m.RetainUntil.Before(now) || m.RetainUntil.Year() > 9999) {
		c.fields.Add("retain_until", "evidence.bad_time", "must be a future date")
	}
	want, err := parseSuppliedHash(m.SuppliedHash)
	if err != "" {
		c.fields.Add("supplied_hash", "evidence.bad_hash", err)
	}
	if e := c.err("evidence.invalid"); e != nil {
		return blob.Expect{}, e
	}
	m.SuppliedHash = canonicalHash(want)
	return want, nil
}

// parseSuppliedHash reads "sha256:<hex>", "sha512:<hex>" (also "sha-256",
// any case) or bare hex whose length says the algorithm.
func parseSuppliedHash(s string) (blob.Expect, string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return blob.Expect{}, ""
	}
	alg, hexText, ok := strings.Cut(s, ":")
	if !ok {
		alg, hexText = "", s
	}
	alg = strings.ReplaceAll(alg, "-", "")
	switch {
	case (alg == "sha256" || alg == "") && blob.ValidSHA256(hexText):
		return blob.Expect{SHA256: hexText}, ""
	case (alg == "sha512" || alg == "") && blob.ValidSHA512(hexText):
		return blob.Expect{SHA512: hexText}, ""
	}
	return blob.Expect{}, "want sha256:<64 hex digits> or sha512:<128 hex digits>"
}

func canonicalHash(e blob.Expect) string {
	switch {
	case e.SHA256 != "":
		return "sha256:" + e.SHA256
	case e.SHA512 != "":
		return "sha512:" + e.SHA512
	}
	return ""
}

// validateNote checks a custody note; reason says whether a reason is required.
func validateNote(n *Note, now time.Time, reason bool) error {
	var c checker
	c.text("location", n.Location, maxShort, false)
	c.text("reason", n.Reason, maxReason, true)
	c.text("to", n.To, maxShort, false)
	c.text("seal", n.Seal, maxShort, false)
	c.text("detail", n.Detail, maxDetail, true)
	if reason {
		c.required("reason", n.Reason)
	}
	n.At = n.At.UTC().Truncate(time.Microsecond)
	if !n.At.IsZero() && (n.At.Year() < 1990 || n.At.After(now.Add(5*time.Minute))) {
		c.fields.Add("at", "evidence.bad_time", "must be a past time, after 1990")
	}
	return c.err("evidence.invalid_note")
}

// checkID refuses an item, transfer or upload ID that is not a UUID, so no
// request-supplied name ever reaches a path or a query unchecked.
func checkID(field, id string) error {
	if bundle.ValidID(id) {
		return nil
	}
	return errs.Invalid("evidence.bad_id", "not a valid ID",
		errs.Field(field, "evidence.bad_id", "an ID looks like 0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9f"))
}

// checkCaseID refuses case IDs outside letters, digits and ". _ : -".
func checkCaseID(id string) error {
	ok := id != "" && len(id) <= maxCaseID && !strings.HasPrefix(id, ".")
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._:-", c) >= 0
	}
	if ok {
		return nil
	}
	return errs.Invalid("evidence.bad_case_id", "not a valid case ID",
		errs.Field("case_id", "evidence.bad_case_id", fmt.Sprintf("1 to %d letters, digits or . _ : -", maxCaseID)))
}
