package config

import (
	"strings"
	"testing"
)

func TestSMTPConfig(t *testing.T) {
	env := map[string]string{"KHIEN_SMTP_HOST": "mail.cert.example.vn", "KHIEN_SMTP_PASSWORD": "hunter2",
		"KHIEN_SMTP_USERNAME": "khien", "KHIEN_SMTP_FROM": "Khiên <noreply@cert.example.vn>"}
	c, err := Load([]string{"--smtp-port", "465", "--smtp-tls", "tls", "--webhook-allow-http"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !c.SMTP.Configured() || c.SMTP.Port != 465 || c.SMTP.TLS != "tls" || c.SMTP.Password != "hunter2" || !c.WebhookAllowHTTP {
		t.Errorf("loaded %+v", c.SMTP)
	}
	if r := c.Redacted(); r.SMTP.Password == "hunter2" || r.SMTP.Username != "khien" {
		t.Errorf("redacted: %+v", r.SMTP)
	}
	if d := Default(); d.SMTP.Configured() || d.SMTP.Port != 587 || d.SMTP.TLS != "starttls" || d.WebhookAllowHTTP {
		t.Errorf("defaults: %+v", d.SMTP)
	}
	for name, args := range map[string][]string{
		"bad tls":  {"--smtp-host", "h", "--smtp-from", "a@b.vn", "--smtp-tls", "ssl"},
		"bad port": {"--smtp-host", "h", "--smtp-from", "a@b.vn", "--smtp-port", "0"},
		"no from":  {"--smtp-host", "h"},
		"nan port": {"--smtp-port", "x"},
		"pw alone": {"--smtp-host", "h", "--smtp-from", "a@b.vn", "--smtp-password", "p"},
	} {
		_, err := Load(args, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "smtp") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
