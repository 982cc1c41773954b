package portal

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// ReportInput is a report as a form or an API call sends it.
type ReportInput struct {
	Kind        canon.Kind `json:"kind"`
	Value       string     `json:"value"` // what the scam used, as typed
	Bank        string     `json:"bank"`  // for a bank account: the bank (short name, name or BIN)
	Category    Category   `json:"category"`
	Description string     `json:"description"`
	LossAmount  string     `json:"loss_amount"` // as typed: "5.000.000"
	Currency    string     `json:"currency"`    // "VND" when empty
	Contact     string     `json:"contact"`     // optional e-mail or phone for reviewers; never shown publicly
	Lang        string     `json:"lang"`        // "vi" or "en"
	Screenshots [][]byte   `json:"-"`
}

// Report is one stored report. Description, Contact and Screenshots are
// for reviewers only.
type Report struct {
	ID          string        `json:"id"`
	EntryID     string        `json:"entry_id"`
	Subject     canon.Subject `json:"subject"`
	Category    Category      `json:"category,omitempty"`
	Description string        `json:"description,omitempty"`
	Loss        Money         `json:"loss,omitzero"`
	Contact     string        `json:"contact,omitempty"`
	Lang        string        `json:"lang"`
	Screenshots []string      `json:"screenshots,omitempty"` // IDs, in the order sent
	ReporterID  string        `json:"reporter_id,omitempty"` // staff who filed it; "" for a citizen
	ReceiptHash string        `json:"-"`
	CreatedAt   time.Time     `json:"created_at"`
}

// Text bounds of a report.
var (
	descriptionRule = textRule{field: "description", max: 4000, multiLine: true}
	contactRule     = textRule{field: "contact", max: 254}
)

// CodeBadReport is the code of a report refused for its fields.
const CodeBadReport = "portal.bad_report"

// ValidateReport checks a report and returns what would be stored: the
// subject normalised, texts cleaned, the loss parsed, the contact in its
// canonical form and the screenshots re-encoded. Every problem is named on
// its field; nothing is partly accepted.
func ValidateReport(in ReportInput) (Report, []Screenshot, error) {
	var fs errs.Fields
	r := Report{Category: in.Category, Lang: in.Lang}
	sub, err := subjectOf(in)
	if err != nil {
		addFields(&fs, err)
	}
	r.Subject = sub
	if r.Category != "" && !slices.Contains(Categories, r.Category) {
		fs.Add("category", "portal.bad_category", "choose a kind of scam from the list")
	}
	r.Description = descriptionRule.clean(in.Description, &fs)
	r.Loss = parseMoney(in.LossAmount, in.Currency, &fs)
	r.Contact = cleanContact(in.Contact, &fs)
	switch r.Lang {
	case "":
		r.Lang = "vi"
	case "vi", "en":
	default:
		fs.Add("lang", "portal.bad_lang", "the language is vi or en")
	}
	shots := cleanShots(in.Screenshots, &fs)
	if err := fs.Err(CodeBadReport); err != nil {
		return Report{}, nil, tooLargeFirst(err, fs)
	}
	for _, s := range shots {
		r.Screenshots = append(r.Screenshots, s.ID)
	}
	return r, shots, nil
}

// subjectOf normalises what the report is about. A bank account comes as
// a bank and a number, or both in Value ("VCB 0011001234567").
func subjectOf(in ReportInput) (canon.Subject, error) {
	if in.Kind == canon.KindBank && strings.TrimSpace(in.Bank) != "" {
		return canon.BankAccount(in.Bank, in.Value)
	}
	return canon.Normalize(in.Kind, in.Value)
}

// addFields copies an error's field problems (or its code on field
// "value") into fs.
func addFields(fs *errs.Fields, err error) {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok {
		fs.Add("value", "portal.bad_value", "the value is not valid")
		return
	}
	if len(e.Fields) == 0 {
		fs.Add("value", e.Code, e.Public)
	}
	*fs = append(*fs, e.Fields...)
}

// cleanContact accepts an e-mail address or a Vietnamese phone number.
func cleanContact(s string, fs *errs.Fields) string {
	var local errs.Fields
	s = contactRule.clean(s, &local)
	if s == "" || len(local) > 0 {
		*fs = append(*fs, local...)
		return s
	}
	if e, err := canon.Email(s); err == nil {
		return e.Value
	}
	if p, err := canon.Phone(s); err == nil {
		return p.Value
	}
	fs.Add("contact", "portal.bad_contact", "give an e-mail address or a Vietnamese phone number, or leave it empty")
	return ""
}

func cleanShots(files [][]byte, fs *errs.Fields) []Screenshot {
	if len(files) > MaxScreenshots {
		fs.Add("screenshots", "portal.too_many_screenshots", "attach at most "+strconv.Itoa(MaxScreenshots)+" pictures")
		return nil
	}
	var out []Screenshot
	for i, b := range files {
		s, err := CleanScreenshot("screenshots["+strconv.Itoa(i)+"]", b)
		if err != nil {
			addFields(fs, err)
			continue
		}
		out = append(out, s)
	}
	return out
}

// tooLargeFirst makes a refusal that includes an oversized picture
// KindTooLarge, so the transport answers 413, keeping every field.
func tooLargeFirst(err error, fs errs.Fields) error {
	if slices.ContainsFunc(fs, func(f errs.FieldError) bool { return f.Code == CodeShotLarge }) {
		e, _ := errors.AsType[*errs.Error](err)
		c := *e
		c.Kind = errs.KindTooLarge
		return &c
	}
	return err
}
