package mailer_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/notify/mailer"
)

// received is one message the test server accepted.
type received struct {
	from string
	to   []string
	data []byte
}

// server is an in-process SMTP server (github.com/emersion/go-smtp) that
// keeps what it receives; it wants AUTH PLAIN user/pass and refuses the
// recipient "nobody@…" for good and "busy@…" for now.
type server struct {
	mu    sync.Mutex
	msgs  []received
	authd []string
}

func (s *server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s    *server
	auth bool
	cur  received
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "khien" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		x.auth = true
		x.s.mu.Lock()
		x.s.authd = append(x.s.authd, user)
		x.s.mu.Unlock()
		return nil
	}), nil
}
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if !x.auth {
		return smtp.ErrAuthRequired
	}
	x.cur = received{from: from}
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "nobody@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "busy@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	}
	x.cur.to = append(x.cur.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.cur.data = b
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, x.cur)
	x.s.mu.Unlock()
	return nil
}
func (x *session) Reset()        { x.cur = received{} }
func (x *session) Logout() error { return nil }

// start runs the server on a loopback port until the test ends. It offers
// STARTTLS with the certificate of httptest's test CA, returned as a pool.
func start(t *testing.T) (*server, int, *x509.CertPool) {
	t.Helper()
	be := &server{}
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // the "none" mode's test: PLAIN on loopback
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	srv.TLSConfig = hs.TLS.Clone()
	srv.TLSConfig.NextProtos = nil
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	hs.Close()
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return be, ln.Addr().(*net.TCPAddr).Port, pool
}

// newSender connects with STARTTLS when pool is given, else in the clear.
func newSender(t *testing.T, port int, pool *x509.CertPool) *mailer.Sender {
	t.Helper()
	c := mailer.Config{Host: "127.0.0.1", Port: port, Username: "khien", Password: "s3cret",
		From: "Khiên VNCERT <noreply@cert.example.vn>", TLS: mailer.TLSNone, BaseURL: "https://khien.example.vn/", Timeout: 5 * time.Second}
	if pool != nil {
		c.TLS, c.TLSConfig = mailer.TLSStartTLS, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}
	s, err := mailer.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSendToRealSMTPServer delivers through a real SMTP conversation and
// reads the message back: recipient, headers, the reference in the subject
// and in X-Khien-Ref, the body in the recipient's language, and the
// absolute link.
func TestSendToRealSMTPServer(t *testing.T) {
	be, port, pool := start(t)
	s := newSender(t, port, pool)
	for _, c := range []struct {
		lang, to, subject, body, footer string
	}{
		{"en", "soc@bank.example.vn", "[KH-2026-0042] Incident breached its deadline", "The 72 h deadline passed.", "Open in Khiên: "},
		{"vi", "truc@bank.example.vn", "[KH-2026-0042] Sự cố đã quá hạn", "Đã quá hạn 72 giờ.", "Xem trong Khiên: "},
	} {
		d := notify.Delivery{ID: "0193-" + c.lang, Kind: notify.KindIncidentBreach, Ref: "KH-2026-0042", Channel: notify.ChannelEmail,
			Recipient: c.to, Lang: c.lang, Subject: c.subject, Body: c.body, Link: "/incidents/KH-2026-0042"}
		if err := s.Send(t.Context(), d); err != nil {
			t.Fatalf("%s: %v", c.lang, err)
		}
		be.mu.Lock()
		got := be.msgs[len(be.msgs)-1]
		be.mu.Unlock()
		if got.from != "noreply@cert.example.vn" || len(got.to) != 1 || got.to[0] != c.to {
			t.Errorf("envelope: from %q to %v", got.from, got.to)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
		if err != nil {
			t.Fatal(err)
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || subj != c.subject {
			t.Errorf("subject %q (%v), want %q", subj, err, c.subject)
		}
		if ref := m.Header.Get("X-Khien-Ref"); ref != "KH-2026-0042" {
			t.Errorf("X-Khien-Ref = %q", ref)
		}
		if id := m.Header.Get("Message-Id"); id != "<0193-"+c.lang+"@khien.example.vn>" {
			t.Errorf("Message-ID = %q", id)
		}
		if l := m.Header.Get("Content-Language"); l != c.lang {
			t.Errorf("Content-Language = %q", l)
		}
		body := decodeBody(t, m)
		for _, want := range []string{c.body, c.footer + "https://khien.example.vn/incidents/KH-2026-0042", "[KH-2026-0042]"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s body lacks %q:\n%s", c.lang, want, body)
			}
		}
		if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q", ct)
		}
	}
	if len(be.authd) != 2 {
		t.Errorf("authenticated %d times", len(be.authd))
	}
}

// TestSendRefusals: a recipient refused for good is a permanent failure, a
// temporary refusal and an unreachable server are worth retrying.
func TestSendRefusals(t *testing.T) {
	_, port, _ := start(t)
	s := newSender(t, port, nil)
	d := notify.Delivery{ID: "x", Kind: notify.KindIncidentNote, Subject: "s", Body: "b", Lang: "vi"}
	d.Recipient = "nobody@bank.example.vn"
	if err := s.Send(t.Context(), d); err == nil || !notify.IsPermanent(err) {
		t.Errorf("550: %v (permanent %v)", err, notify.IsPermanent(err))
	}
	d.Recipient = "busy@bank.example.vn"
	if err := s.Send(t.Context(), d); err == nil || notify.IsPermanent(err) {
		t.Errorf("451: %v", err)
	}
	d.Recipient = "not an address"
	if err := s.Send(t.Context(), d); !notify.IsPermanent(err) {
		t.Errorf("bad address: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	d.Recipient = "soc@bank.example.vn"
	if err := newSender(t, dead, nil).Send(ctx, d); err == nil || notify.IsPermanent(err) {
		t.Errorf("no server: %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, c := range map[string]mailer.Config{
		"no host":  {Port: 25, From: "a@b.vn", TLS: "none"},
		"bad from": {Host: "h", Port: 25, From: "nope", TLS: "none"},
		"bad tls":  {Host: "h", Port: 25, From: "a@b.vn", TLS: "ssl"},
		"bad port": {Host: "h", Port: 70000, From: "a@b.vn", TLS: "tls"},
	} {
		if _, err := mailer.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
