package canon

import (
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

// CodeBadEmail is the code of Email's refusals.
const CodeBadEmail = "portal.bad_email"

// foldingMail are the mail domains that ignore dots and "+tags" in the
// local part, so that j.doe+x@gmail.com reaches jdoe@gmail.com.
var foldingMail = map[string]string{"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}

// Email returns the Subject of an e-mail address: Value as intel gives it
// (lower case, domain in A-labels, "mailto:" and defanging undone); Key
// "email:" and the address, for Gmail without dots and "+tags".
func Email(s string) (Subject, error) {
	s, err := prepare(s, "an e-mail address")
	if err != nil {
		return Subject{}, err
	}
	c, err := intel.Canonical(intel.TypeEmail, s)
	if err != nil {
		return Subject{}, invalid("value", CodeBadEmail, "%s", errs.PublicMessage(err))
	}
	return Subject{Kind: KindEmail, Value: c, Key: "email:" + mailKey(c)}, nil
}

func mailKey(c string) string {
	at := strings.LastIndexByte(c, '@')
	local, domain := c[:at], c[at+1:]
	d, ok := foldingMail[domain]
	if !ok {
		return c
	}
	local, _, _ = strings.Cut(local, "+")
	if local = strings.ReplaceAll(local, ".", ""); local == "" {
		return c
	}
	return local + "@" + d
}
