package guard

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestPoWRoundTrip(t *testing.T) {
	p := NewPoW([]byte("0123456789abcdef0123456789abcdef"), PoWOptions{Bits: 8})
	c := p.Issue(t0)
	if c.Bits != 8 || !c.Expires.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("challenge = %+v", c)
	}
	nonce := Solve(c.Token, c.Bits)
	if LeadingZeros(c.Token, nonce) < 8 {
		t.Fatalf("Solve gave a nonce of %d bits", LeadingZeros(c.Token, nonce))
	}
	at := t0.Add(5 * time.Second)
	if err := p.Verify(c.Token, nonce, at); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	wantCode(t, p.Verify(c.Token, nonce, at), CodePoWReplayed)
	if p.Remembered() != 1 {
		t.Errorf("Remembered = %d", p.Remembered())
	}
}

func TestPoWRefusals(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	p := NewPoW(key, PoWOptions{Bits: 6})
	c := p.Issue(t0)
	good := Solve(c.Token, c.Bits)
	bad := "0"
	for LeadingZeros(c.Token, bad) >= c.Bits {
		bad += "0"
	}
	raw, _ := base64.RawURLEncoding.DecodeString(c.Token)
	raw[1] = 1 // lower the difficulty: the MAC no longer matches
	lowered := base64.RawURLEncoding.EncodeToString(raw)
	other := NewPoW([]byte("another key, another server......"), PoWOptions{Bits: 6}).Issue(t0)
	for _, tc := range []struct {
		name, token, nonce string
		at                 time.Time
		code               string
	}{
		{"empty token", "", good, t0.Add(time.Minute), CodePoWMalformed},
		{"not base64", "!!!", good, t0.Add(time.Minute), CodePoWMalformed},
		{"empty nonce", c.Token, "", t0.Add(time.Minute), CodePoWMalformed},
		{"long nonce", c.Token, fmt.Sprintf("%065d", 1), t0.Add(time.Minute), CodePoWMalformed},
		{"nonce with space", c.Token, "1 2", t0.Add(time.Minute), CodePoWMalformed},
		{"tampered difficulty", lowered, good, t0.Add(time.Minute), CodePoWMalformed},
		{"other server's token", other.Token, Solve(other.Token, 6), t0.Add(time.Minute), CodePoWMalformed},
		{"expired", c.Token, good, t0.Add(10 * time.Minute), CodePoWExpired},
		{"too fast", c.Token, good, t0.Add(time.Second), CodePoWTooFast},
		{"too little work", c.Token, bad, t0.Add(time.Minute), CodePoWWrong},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, p.Verify(tc.token, tc.nonce, tc.at), tc.code) })
	}
	if p.Remembered() != 0 {
		t.Errorf("refused answers were remembered: %d", p.Remembered())
	}
	if err := p.Verify(c.Token, good, t0.Add(time.Minute)); err != nil {
		t.Errorf("the good answer after refusals: %v", err)
	}
}

func TestPoWReplayMemoryIsBounded(t *testing.T) {
	p := NewPoW([]byte("k"), PoWOptions{Bits: 1, MaxUsed: 2, TTL: time.Minute, MinAge: -1})
	answer := func(at time.Time) error {
		c := p.Issue(at)
		return p.Verify(c.Token, Solve(c.Token, c.Bits), at)
	}
	for i := range 2 {
		if err := answer(t0); err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
	}
	e := answer(t0)
	if !errs.Is(e, errs.KindRateLimited) {
		t.Fatalf("a full replay memory accepted a token: %v", e)
	}
	// Once the remembered tokens expire, a sweep frees room.
	if err := answer(t0.Add(2 * time.Minute)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if p.Remembered() != 1 {
		t.Errorf("Remembered = %d, want 1 after the sweep", p.Remembered())
	}
}

func TestIssueBitsClamps(t *testing.T) {
	p := NewPoW([]byte("k"), PoWOptions{})
	if c := p.IssueBits(t0, 99); c.Bits != MaxBits {
		t.Errorf("bits = %d", c.Bits)
	}
	if c := p.IssueBits(t0, 0); c.Bits != 1 {
		t.Errorf("bits = %d", c.Bits)
	}
	if c := p.Issue(t0); c.Bits != 16 {
		t.Errorf("default bits = %d", c.Bits)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(LimitOptions{Every: time.Minute, Burst: 3})
	for i := range 3 {
		if !l.Allow("198.51.100.7:4000", t0) {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if l.Allow("198.51.100.7:5000", t0) {
		t.Fatal("the fourth request from one address (another port) was allowed")
	}
	wantCode(t, l.Limit("198.51.100.7", t0), CodeRateLimited)
	if !l.Allow("198.51.100.8", t0) {
		t.Fatal("another address shares the bucket")
	}
	if !l.Allow("198.51.100.7", t0.Add(time.Minute)) {
		t.Fatal("no token after a minute")
	}
	// An IPv6 /64 is one client; the next /64 is another.
	for range 3 {
		l.Allow("[2001:db8:1:2::1]:443", t0)
	}
	if l.Allow("2001:db8:1:2:ffff::9", t0) {
		t.Error("a second address in the same /64 has its own bucket")
	}
	if !l.Allow("2001:db8:1:3::1", t0) {
		t.Error("the next /64 shares the bucket")
	}
	if got := l.Clients(); got != 4 {
		t.Errorf("Clients = %d, want 4", got)
	}
	// Idle buckets are dropped once they would be full again.
	l.Allow("203.0.113.1", t0.Add(time.Hour))
	if got := l.Clients(); got != 1 {
		t.Errorf("Clients after an idle hour = %d, want 1", got)
	}
}

func TestLimiterFailsClosedWhenFull(t *testing.T) {
	l := NewLimiter(LimitOptions{Every: time.Minute, Burst: 2, MaxClients: 2})
	if !l.Allow("192.0.2.1", t0) || !l.Allow("192.0.2.2", t0) {
		t.Fatal("first clients refused")
	}
	if l.Allow("192.0.2.3", t0.Add(time.Second)) {
		t.Fatal("a new client was let in past MaxClients")
	}
	if !l.Allow("192.0.2.1", t0.Add(time.Second)) {
		t.Fatal("a known client was refused")
	}
	if !l.Allow("192.0.2.3", t0.Add(time.Hour)) {
		t.Fatal("no room after the idle buckets went")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":         "192.0.2.1/32",
		"192.0.2.1:8080":    "192.0.2.1/32",
		"::ffff:192.0.2.1":  "192.0.2.1/32",
		"[2001:db8::1]:443": "2001:db8::/64",
		"fe80::1%eth0":      "fe80::/64",
		"not an address":    "invalid Prefix",
		"":                  "invalid Prefix",
	} {
		if got := ClientKey(in).String(); got != want {
			t.Errorf("ClientKey(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHoneypot(t *testing.T) {
	if err := Honeypot("  "); err != nil {
		t.Errorf("blank: %v", err)
	}
	wantCode(t, Honeypot("http://spam.example"), CodeHoneypot)
}

// FuzzVerify: any token and nonce are refused with a code, never a panic;
// what verifies carries the work it claims and verifies once only.
func FuzzVerify(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	c := NewPoW(key, PoWOptions{Bits: 4}).Issue(t0)
	f.Add(c.Token, Solve(c.Token, 4))
	f.Add("", "0")
	f.Add(c.Token[:len(c.Token)-2]+"AA", "1")
	f.Fuzz(func(t *testing.T, token, nonce string) {
		p := NewPoW(key, PoWOptions{Bits: 4, MinAge: -1})
		at := t0.Add(time.Minute)
		err := p.Verify(token, nonce, at)
		if err == nil {
			if LeadingZeros(token, nonce) < 4 {
				t.Fatalf("%q, %q verified without the work", token, nonce)
			}
			wantCode(t, p.Verify(token, nonce, at), CodePoWReplayed)
			return
		}
		if e, ok := errors.AsType[*errs.Error](err); !ok || e.Code == "" {
			t.Fatalf("Verify error %#v", err)
		}
	})
}
