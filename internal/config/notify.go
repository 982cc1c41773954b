package config

import (
	"fmt"
	"net/mail"
	"strconv"
)

// SMTP is the server notification e-mail goes through. An empty Host means
// none: e-mail deliveries then wait in the outbox, and the outbox page says
// so.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`     // 587 by default
	Username string `json:"username"` // empty: no authentication
	Password string `json:"password"` // redacted in logs
	From     string `json:"from"`     // "Khiên <noreply@cert.example.vn>"
	TLS      string `json:"tls"`      // none, starttls (default) or tls
}

// Configured reports whether e-mail can be sent.
func (s SMTP) Configured() bool { return s.Host != "" }

// problems lists what is wrong with s.
func (s SMTP) problems() []string {
	var out []string
	switch s.TLS {
	case "none", "starttls", "tls":
	default:
		out = append(out, fmt.Sprintf("smtp-tls: want none, starttls or tls, got %q", s.TLS))
	}
	if !s.Configured() {
		return out
	}
	if s.Port < 1 || s.Port > 65535 {
		out = append(out, fmt.Sprintf("smtp-port: %d is not a port", s.Port))
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		out = append(out, fmt.Sprintf("smtp-from: %q is not an e-mail address (\"Name <addr@host>\" or addr@host)", s.From))
	}
	if s.Password != "" && s.Username == "" {
		out = append(out, "smtp-password: needs smtp-username")
	}
	return out
}

// notifyOptions are the notification settings, made with options()'s
// helpers for strings and booleans.
func notifyOptions(mk func(string, string, func(*Config) *string) option, boolOpt func(string, string, func(*Config) *bool) option) []option {
	return []option{
		mk("smtp-host", "SMTP server for notification e-mail; empty: e-mail waits in the outbox", func(c *Config) *string { return &c.SMTP.Host }),
		{name: "smtp-port", help: "SMTP port (587 STARTTLS, 465 TLS, 25 none)",
			get: func(c *Config) string { return strconv.Itoa(c.SMTP.Port) },
			set: func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("smtp-port: want a number, got %q", v)
				}
				c.SMTP.Port = n
				return nil
			}},
		mk("smtp-username", "SMTP user name; empty: no authentication", func(c *Config) *string { return &c.SMTP.Username }),
		mk("smtp-password", "SMTP password (prefer the environment or the config file)", func(c *Config) *string { return &c.SMTP.Password }),
		mk("smtp-from", "sender of notification e-mail, e.g. \"Khiên <noreply@cert.example.vn>\"", func(c *Config) *string { return &c.SMTP.From }),
		mk("smtp-tls", "SMTP transport security: none, starttls or tls", func(c *Config) *string { return &c.SMTP.TLS }),
		boolOpt("webhook-allow-http", "let webhooks use plain http:// to a loopback address (testing)", func(c *Config) *bool { return &c.WebhookAllowHTTP }),
	}
}
