// Package hook sends notification deliveries to webhooks: an HTTP POST of
// the delivery's JSON payload, signed with the webhook's secret.
//
// The receiver checks X-Khien-Signature, "sha256=" and the hex HMAC-SHA256
// with the secret of "<X-Khien-Timestamp>.<body>", and should refuse a
// timestamp far from its clock (a replay). X-Khien-Delivery is the
// delivery's ID: a retry of a delivery the receiver did get carries the same
// one, so receivers can drop duplicates. Any 2xx answer is delivered; 410
// Gone disables the webhook; redirects are not followed.
package hook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/khien-cert/khien/internal/notify"
)

// Config tunes the Sender.
type Config struct {
	AllowHTTP bool          // allow http:// to loopback receivers (tests)
	Timeout   time.Duration // per request; 10 s when 0
	Now       func() time.Time
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// Sender is a notify.Sender for webhooks.
type Sender struct {
	c      Config
	client *http.Client
	// public sends organisations' webhooks (notify.Delivery.Restricted):
	// it dials only public addresses, directly.
	public *http.Client
}

// ErrInternalAddress refuses an organisation's webhook whose address
// resolves to this machine or a non-public network.
var ErrInternalAddress = errors.New("an organisation's webhook must be a public internet address")

// New returns a Sender.
func New(c Config) *Sender {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s := &Sender{c: c, client: &http.Client{Timeout: c.Timeout, Transport: c.Transport, CheckRedirect: noRedirect}}
	s.public = s.client
	if c.Transport == nil {
		// The check is on the address actually dialled, after resolution,
		// so a name pointing inside (or re-pointed there) is refused too.
		d := &net.Dialer{Timeout: c.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return ErrInternalAddress
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !notify.PublicAddr(ip) && !(c.AllowHTTP && ip.Unmap().IsLoopback()) {
				return ErrInternalAddress
			}
			return nil
		}}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy, tr.DialContext = nil, d.DialContext
		s.public = &http.Client{Timeout: c.Timeout, Transport: tr, CheckRedirect: noRedirect}
	}
	return s
}

// Sign is the X-Khien-Signature value of body sent at unix time ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header against body and the timestamp header,
// in constant time; receivers written in Go may use it.
func Verify(secret, signature, timestamp string, body []byte) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body)))
}

// Send POSTs d's payload to its webhook.
func (s *Sender) Send(ctx context.Context, d notify.Delivery) error {
	if err := notify.ValidateWebhookURL(d.Recipient, s.c.AllowHTTP); err != nil {
		return notify.Permanent(fmt.Errorf("webhook address refused: %s", d.Recipient))
	}
	body := []byte(d.Payload)
	ts := s.c.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Recipient, bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(err)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Khien-webhook/1")
	h.Set("X-Khien-Delivery", d.ID)
	h.Set("X-Khien-Event", d.Kind)
	h.Set("X-Khien-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Khien-Signature", Sign(d.Secret, ts, body))
	if d.Ref != "" {
		h.Set("X-Khien-Ref", d.Ref)
	}
	client := s.client
	if d.Restricted {
		client = s.public
	}
	resp, err := client.Do(req)
	if errors.Is(err, ErrInternalAddress) {
		return notify.Permanent(fmt.Errorf("webhook: %w", ErrInternalAddress))
	}
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c/100 == 2:
		return nil
	case c == http.StatusGone:
		return fmt.Errorf("webhook answered %s: %w", resp.Status, notify.ErrGone)
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c/100 == 5 || c/100 == 3:
		return fmt.Errorf("webhook answered %s", resp.Status)
	default:
		return notify.Permanent(fmt.Errorf("webhook answered %s", resp.Status))
	}
}
