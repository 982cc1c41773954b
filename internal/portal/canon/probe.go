package canon

// This file reads whatever a citizen pastes into the look-up box, without a
// kind, into the readings worth trying and the index keys of each.

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Probe is one reading of a look-up input: the Subject it stands for and
// the index keys to try, the most specific first. Wider keys find entries
// that cover the value: a parent domain, the site of a web address, an
// account number at any bank, the Zalo profile of a phone number.
type Probe struct {
	Subject Subject
	Keys    []string
}

// Probes returns the readings of s, none when s cannot be any kind. An
// e-mail address is also looked up by its domain; a web address by its
// ancestors and its domain; a string of digits as a phone number and as an
// account number at any bank; "@handle" as a TikTok and a Telegram name.
func Probes(s string) []Probe {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxInput || !utf8.ValidString(s) {
		return nil
	}
	switch {
	case looksLikeEmail(s):
		return emailProbe(s)
	case strings.HasPrefix(s, "@"):
		return handleProbes(s)
	}
	if sub, err := Social(s); err == nil {
		return []Probe{{Subject: sub, Keys: IndexKeys(KindSocial, sub.Key)}}
	}
	if out := numberProbes(s); out != nil {
		return out
	}
	if sub, err := BankAccountText(s); err == nil {
		return []Probe{{Subject: sub, Keys: []string{sub.Key}}}
	}
	return webProbe(s)
}

func looksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && !strings.Contains(s, "://") && !strings.Contains(s[:at], "/")
}

func emailProbe(s string) []Probe {
	sub, err := Email(s)
	if err != nil {
		return nil
	}
	keys := domainKeys([]string{sub.Key}, sub.Value[strings.LastIndexByte(sub.Value, '@')+1:])
	return []Probe{{Subject: sub, Keys: keys}}
}

func handleProbes(s string) []Probe {
	var out []Probe
	for _, p := range []string{"tiktok:", "telegram:"} {
		if sub, err := Social(p + s); err == nil {
			out = append(out, Probe{Subject: sub, Keys: []string{sub.Key}})
		}
	}
	return out
}

// numberProbes reads a string of digits (with phone punctuation) as a
// phone number and as an account number.
func numberProbes(s string) []Probe {
	d, _, err := phoneDigits(s)
	if err != nil || len(d) < MinAccountLen {
		return nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return nil // an IPv4 address is dots and digits too
	}
	var out []Probe
	if sub, err := Phone(s); err == nil {
		out = append(out, Probe{Subject: sub, Keys: []string{sub.Key}})
	}
	if !strings.Contains(s, "+") {
		if k, ok := accountKey(s); ok {
			out = append(out, Probe{Subject: Subject{Kind: KindBank, Value: Display(k), Key: k}, Keys: []string{k}})
		}
	}
	return out
}

// webProbe reads s as a web address; a bare host name stands for its
// domain, still tried as the site's root address too.
func webProbe(s string) []Probe {
	sub, err := URL(s)
	if err != nil {
		return nil
	}
	keys := urlKeys(nil, sub.Value)
	if !strings.Contains(s, "://") && !strings.ContainsAny(s, "/?#") {
		if d, err := Domain(s); err == nil {
			sub = d
		}
	}
	return []Probe{{Subject: sub, Keys: keys}}
}
