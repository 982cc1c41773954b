package canon

// This file normalises bank accounts: a bank from Banks, named by its short
// name, its name, another usual name or its BIN, and the account number as
// digits only.

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Bank is one bank of the list.
type Bank struct {
	Code    string   `json:"code"` // short name, as people write it: "VCB"
	BIN     string   `json:"bin"`  // NAPAS bank identification number: "970436"
	Name    string   `json:"name"` // brand name: "Vietcombank"
	Aliases []string `json:"aliases,omitempty"`
}

// Account number bounds: NAPAS carries 6 to 19 digits.
const (
	MinAccountLen = 6
	MaxAccountLen = 19
)

// Codes of the bank normalisers.
const (
	CodeBankUnknown  = "portal.bank_unknown"
	CodeBankRequired = "portal.bank_required"
	CodeAcctChars    = "portal.account_bad_chars"
	CodeAcctLength   = "portal.account_bad_length"
)

const acctPrefix = "acct:"

// banksByName maps the folded code, name, aliases and BIN of every bank to
// its place in Banks. It is built once and never written afterwards.
var banksByName = func() map[string]int {
	m := map[string]int{}
	for i, b := range Banks {
		for _, n := range append([]string{b.Code, b.BIN, b.Name}, b.Aliases...) {
			m[foldName(n)] = i
		}
	}
	return m
}()

// foldName is a bank name's matching form: lower case, no diacritics, đ as
// d, without spaces, dots, hyphens and dashes; a trailing "bank" or a
// leading "ngan hang" (Vietnamese for bank) is dropped.
func foldName(s string) string {
	t := strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.IsSpace(r), r == '.', r == '-', r == '–', r == '_':
			return -1
		case r == 'đ' || r == 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, norm.NFD.String(s))
	t = strings.TrimPrefix(t, "nganhang")
	if t != "bank" {
		t = strings.TrimSuffix(t, "bank")
	}
	return t
}

// LookupBank finds a bank by short name, name, another usual name or BIN,
// ignoring case, diacritics, spaces and a "Bank"/"Ngân hàng" word.
func LookupBank(s string) (Bank, bool) {
	i, ok := banksByName[foldName(strings.TrimSpace(s))]
	if !ok {
		return Bank{}, false
	}
	return Banks[i], true
}

// BankAccount returns the Subject of an account at a bank: Value
// "BIN:digits", Key "bank:BIN:digits". The number may hold spaces, dots and
// dashes between digits; it must have 6 to 19 digits.
func BankAccount(bank, number string) (Subject, error) {
	bank = strings.TrimSpace(bank)
	if bank == "" {
		return Subject{}, invalid("bank", CodeBankRequired, "choose the bank of the account")
	}
	b, ok := LookupBank(bank)
	if !ok {
		return Subject{}, invalid("bank", CodeBankUnknown, "%s is not a Vietnamese bank we know; choose it from the list", quote(bank))
	}
	d, err := accountDigits(number)
	if err != nil {
		return Subject{}, err
	}
	v := b.BIN + ":" + d
	return Subject{Kind: KindBank, Value: v, Key: "bank:" + v}, nil
}

// accountDigits returns the digits of an account number.
func accountDigits(s string) (string, error) {
	s, err := prepare(s, "the account number")
	if err != nil {
		return "", err
	}
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-':
		default:
			return "", invalid("value", CodeAcctChars, "an account number has digits only; %s is not one", quote(string(r)))
		}
	}
	d := b.String()
	if len(d) < MinAccountLen || len(d) > MaxAccountLen {
		return "", invalid("value", CodeAcctLength, "an account number has %d to %d digits; this one has %d",
			MinAccountLen, MaxAccountLen, len(d))
	}
	return d, nil
}

// BankAccountText reads a bank account written in one piece: "VCB
// 0011001234567", "Vietcombank: 0011 0012 34567" or "970436:0011001234567"
// (the form Value takes).
func BankAccountText(s string) (Subject, error) {
	s, err := prepare(s, "a bank and an account number")
	if err != nil {
		return Subject{}, err
	}
	if bank, number, ok := strings.Cut(s, ":"); ok {
		return BankAccount(bank, number)
	}
	words := strings.Fields(s)
	for n := min(len(words)-1, 4); n >= 1; n-- {
		if _, ok := LookupBank(strings.Join(words[:n], " ")); ok {
			return BankAccount(strings.Join(words[:n], " "), strings.Join(words[n:], " "))
		}
	}
	return Subject{}, invalid("bank", CodeBankRequired, "write the bank before the account number, such as %s", quote("VCB 0011001234567"))
}

// accountKey is the key of an account number looked up without its bank.
func accountKey(s string) (string, bool) {
	d, err := accountDigits(s)
	if err != nil {
		return "", false
	}
	return acctPrefix + d, true
}
