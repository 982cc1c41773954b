// Package mailer sends notification deliveries by e-mail through an SMTP
// server (github.com/wneessen/go-mail). Each message is plain text in the
// recipient's language; its subject and an X-Khien-Ref header carry the
// reference, its Message-ID is the delivery's ID (so a retried delivery
// that did reach the server is recognisable as the same message), and its
// body ends with the absolute link to the page in Khiên.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/khien-cert/khien/internal/notify"
)

// TLS modes.
const (
	TLSNone     = "none"     // plain SMTP (a relay on the same host or network)
	TLSStartTLS = "starttls" // STARTTLS required
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Config says how to reach the SMTP server.
type Config struct {
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	From     string // "Khiên <noreply@cert.example.vn>"
	TLS      string // none, starttls or tls
	BaseURL  string // Khiên's public URL, to make links absolute
	Timeout  time.Duration
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// Sender is a notify.Sender for e-mail.
type Sender struct {
	c      Config
	from   *mail.Address
	domain string // for Message-IDs
}

// New checks c and returns a Sender.
func New(c Config) (*Sender, error) {
	if c.Host == "" || c.Port <= 0 || c.Port > 65535 {
		return nil, errors.New("mailer: an SMTP host and port are needed")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("mailer: from address %q: %w", c.From, err)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mailer: TLS mode %q: want none, starttls or tls", c.TLS)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	domain := "khien.invalid"
	if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
		domain = u.Hostname()
	}
	return &Sender{c: c, from: from, domain: domain}, nil
}

// footer introduces the link at the end of a message.
var footer = map[string]string{
	"vi": "Xem trong Khiên: ",
	"en": "Open in Khiên: ",
}

// Message builds the e-mail of delivery d.
func (s *Sender) Message(d notify.Delivery) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	m.FromMailAddress(s.from)
	if err := m.To(d.Recipient); err != nil {
		return nil, notify.Permanent(fmt.Errorf("recipient %q: %w", d.Recipient, err))
	}
	m.Subject(d.Subject)
	m.SetMessageIDWithValue(d.ID + "@" + s.domain)
	m.SetDate()
	if d.Ref != "" {
		m.SetGenHeader("X-Khien-Ref", d.Ref)
	}
	m.SetGenHeader("X-Khien-Kind", d.Kind)
	m.SetGenHeader("Content-Language", d.Lang)
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBodyString(gomail.TypeTextPlain, s.body(d))
	return m, nil
}

// body is the text of the message: the notice's body, then the link.
func (s *Sender) body(d notify.Delivery) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(d.Body, "\n"))
	if d.Link != "" {
		f, ok := footer[d.Lang]
		if !ok {
			f = footer["vi"]
		}
		b.WriteString("\n\n" + f + strings.TrimRight(s.c.BaseURL, "/") + d.Link)
	}
	if d.Ref != "" {
		b.WriteString("\n\n[" + d.Ref + "]")
	}
	b.WriteString("\n")
	return b.String()
}

// client makes a go-mail client for one connection.
func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.c.Port), gomail.WithTimeout(s.c.Timeout), gomail.WithHELO(s.domain)}
	switch s.c.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.c.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.c.TLSConfig))
	}
	if s.c.Username != "" {
		// Over TLS, the strongest mechanism the server offers; without TLS
		// only PLAIN, which go-mail sends only to a server on this machine.
		mech := gomail.SMTPAuthAutoDiscover
		if s.c.TLS == TLSNone {
			mech = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(mech),
			gomail.WithUsername(s.c.Username), gomail.WithPassword(s.c.Password))
	}
	return gomail.NewClient(s.c.Host, opts...)
}

// Send delivers d. A recipient the server refuses for good is a permanent
// failure; anything else is worth retrying.
func (s *Sender) Send(ctx context.Context, d notify.Delivery) error {
	m, err := s.Message(d)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return notify.Permanent(err)
	}
	err = c.DialAndSendWithContext(ctx, m)
	if se, ok := errors.AsType[*gomail.SendError](err); ok && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() {
		return notify.Permanent(err)
	}
	return err
}
