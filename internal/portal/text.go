package portal

// This file holds the rules every piece of free text from the public
// follows before it is stored: valid UTF-8, NFC, no control characters
// (line breaks and tabs allowed where a field is multi-line), no invisible
// direction overrides, bounded length in characters. Text is stored as
// text and escaped by whoever renders it; nothing here strips or rewrites
// markup, so what a reviewer reads is exactly what the citizen wrote.

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

// textRule bounds one field.
type textRule struct {
	field     string
	max       int  // characters (runes) after NFC
	required  bool // must not be empty
	multiLine bool // may hold line breaks and tabs
}

// clean applies r to s and returns the stored form, adding a problem to fs
// when s breaks the rule. Line breaks are stored as "\n".
func (r textRule) clean(s string, fs *errs.Fields) string {
	if !utf8.ValidString(s) {
		fs.Add(r.field, "portal.text_bad_utf8", "the text is not valid UTF-8")
		return ""
	}
	s = strings.TrimSpace(norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n")))
	switch n := utf8.RuneCountInString(s); {
	case n == 0 && r.required:
		fs.Add(r.field, "portal.text_required", "this field is required")
	case n > r.max:
		fs.Add(r.field, "portal.text_too_long", "at most "+strconv.Itoa(r.max)+" characters; this has "+strconv.Itoa(n))
	case strings.ContainsFunc(s, r.forbidden):
		fs.Add(r.field, "portal.text_bad_chars", "the text holds control or invisible formatting characters")
	}
	return s
}

func (r textRule) forbidden(c rune) bool {
	if r.multiLine && (c == '\n' || c == '\t') {
		return false
	}
	return unicode.IsControl(c) || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0xfeff
}

// Money is an amount in the currency's minor unit (VND has none, so a
// VND amount is in đồng; a USD amount is in cents).
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency,omitempty"`
}

// currencyDigits are the currencies a loss may be given in, with the
// number of digits of their minor unit.
var currencyDigits = map[string]int{"VND": 0, "USD": 2, "EUR": 2, "CNY": 2, "JPY": 0, "KRW": 0, "THB": 2, "SGD": 2, "USDT": 2}

// MaxLoss bounds a reported loss (in minor units).
const MaxLoss = 1_000_000_000_000_000

// ParseMoney reads an amount as people write it: "5.000.000" or "5,000,000"
// or "5 000 000" đồng, "1,250.50" or "1.250,50" dollars. Separators group
// thousands; in a currency with a minor unit, a last separator followed by
// exactly its digits is the decimal mark. Empty text is no loss; an empty
// currency is VND.
func ParseMoney(amount, currency string) (Money, error) {
	var fs errs.Fields
	m := parseMoney(amount, currency, &fs)
	return m, fs.Err("portal.bad_amount")
}

func parseMoney(amount, currency string, fs *errs.Fields) Money {
	amount = strings.TrimSpace(amount)
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if amount == "" {
		return Money{}
	}
	if currency == "" {
		currency = "VND"
	}
	dig, ok := currencyDigits[currency]
	if !ok {
		fs.Add("currency", "portal.bad_currency", "choose a currency from the list")
		return Money{}
	}
	whole, frac := amount, ""
	if dig > 0 {
		if i := strings.LastIndexAny(amount, ".,"); i >= 0 && len(amount)-i-1 == dig {
			whole, frac = amount[:i], amount[i+1:]
		}
	}
	whole = strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(whole)
	frac += strings.Repeat("0", dig-len(frac))
	if whole == "" || !allDigits(whole) || !allDigits(frac) || len(whole)+len(frac) > 18 {
		fs.Add("loss", "portal.bad_amount", "write the amount in digits, such as 5.000.000")
		return Money{}
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > MaxLoss {
		fs.Add("loss", "portal.bad_amount", "the amount is too large")
		return Money{}
	}
	return Money{Amount: n, Currency: currency}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
