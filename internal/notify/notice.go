// Package notify delivers what Khiên has to tell people — by e-mail and by
// webhook — through a transactional outbox: a notice is written in the same
// transaction as the change it reports, so nothing acknowledged is lost, and a
// dispatcher delivers it afterwards with retries and backoff, honouring each
// user's preferences.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notice is one thing to tell. Callers fill it and hand it to the store in
// the transaction of the change; the store expands it into deliveries.
type Notice struct {
	Kind     string          // what happened, dotted: "incident.breach"; preferences are per kind
	Ref      string          // the reference every message carries (incident number, advisory id)
	OrgID    string          // organisation concerned; its webhooks receive the notice
	Users    []string        // user IDs to tell by e-mail (their preferences apply)
	Contacts []string        // contact roles of OrgID to tell by e-mail ("duty-24x7", "ciso", …)
	Emails   []string        // further addresses
	Text     map[string]Text // by language ("vi", "en"); a recipient gets theirs, else vi, else en
	Link     string          // path in the UI ("/incidents/…"), made absolute with the base URL
	Data     map[string]any  // machine-readable payload sent to webhooks
	NotAfter time.Time       // zero, or when delivery stops being worth trying
}

// Text is a message in one language.
type Text struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Channels a delivery goes through.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Delivery states.
const (
	StatePending    = "pending"    // waiting for its next attempt
	StateSent       = "sent"       // accepted by the SMTP server or webhook receiver
	StateFailed     = "failed"     // gave up after the last attempt; an administrator may retry
	StateSuppressed = "suppressed" // the recipient's preferences say no
)

// Validate checks a notice before it is queued.
func (n Notice) Validate() error {
	var bad []string
	if n.Kind == "" || strings.ContainsAny(n.Kind, " \t\r\n") {
		bad = append(bad, "kind")
	}
	if len(n.Text) == 0 {
		bad = append(bad, "text")
	}
	for lang, t := range n.Text {
		if lang != "vi" && lang != "en" || strings.TrimSpace(t.Subject) == "" || strings.ContainsAny(t.Subject, "\r\n") {
			bad = append(bad, "text."+lang)
		}
	}
	if len(n.Contacts) > 0 && n.OrgID == "" {
		bad = append(bad, "org_id")
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return fmt.Errorf("notify: notice %q: bad %s", n.Kind, strings.Join(bad, ", "))
	}
	return nil
}

// In returns the text for lang, falling back to Vietnamese, then English.
func (n Notice) In(lang string) Text {
	for _, l := range []string{lang, "vi", "en"} {
		if t, ok := n.Text[l]; ok {
			return t
		}
	}
	return Text{}
}

// Subject is the subject line of the message in lang, carrying the reference.
func (n Notice) Subject(lang string) string {
	s := n.In(lang).Subject
	if n.Ref != "" && !strings.Contains(s, n.Ref) {
		s = "[" + n.Ref + "] " + s
	}
	return s
}
