package portal

// A receipt number lets a citizen follow a report (or an appeal) without an
// account. It is ten symbols of Crockford's base32 (no I, L, O or U, so
// nothing reads as another symbol) from crypto/rand — 50 bits, which the
// look-up rate limits put far out of reach of guessing — written in two
// groups of five: "7KQ4M-X2P9D". Only its SHA-256 is stored, like a token's.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
)

const (
	receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	receiptLen      = 10
)

// CodeBadReceipt is the code of ParseReceipt's refusal.
const CodeBadReceipt = "portal.bad_receipt"

// NewReceipt returns a fresh receipt number.
func NewReceipt() string {
	var b [receiptLen]byte
	rand.Read(b[:])
	out := make([]byte, 0, receiptLen+1)
	for i, c := range b {
		if i == receiptLen/2 {
			out = append(out, '-')
		}
		out = append(out, receiptAlphabet[c&31]) // 256 is a multiple of 32: uniform
	}
	return string(out)
}

// ParseReceipt reads a receipt number as a person may type it back: any
// case, with or without the dash or spaces, O for 0 and I or L for 1.
func ParseReceipt(s string) (string, error) {
	s = strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(strings.TrimSpace(s)))
	if len(s) != receiptLen || strings.Trim(s, receiptAlphabet) != "" {
		const msg = "a receipt number has ten letters and digits, such as 7KQ4M-X2P9D"
		return "", errs.Invalid(CodeBadReceipt, msg, errs.Field("receipt", CodeBadReceipt, msg))
	}
	return s[:receiptLen/2] + "-" + s[receiptLen/2:], nil
}

// receiptHash is what the store keeps of a canonical receipt number.
func receiptHash(r string) string {
	sum := sha256.Sum256([]byte("khien-portal-receipt\x00" + r))
	return hex.EncodeToString(sum[:])
}
