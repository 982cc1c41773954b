package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/khien-cert/khien/internal/errs"
)

// Params are the argon2id cost parameters of new password hashes. Existing
// hashes keep the parameters written in their PHC string, so raising the
// cost later does not break old passwords.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory per hash, in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // bytes of random salt
	KeyLen    uint32 // bytes of derived key
	// Concurrent bounds how many hashes run at once, so that a burst of
	// log-ins cannot take MemoryKiB × burst of RAM. Further callers wait.
	Concurrent int
}

// DefaultParams suit a 2-core server: RFC 9106's second recommended option
// (t=3, m=64 MiB) with p=2 to use both cores. One hash takes about 0.1–0.2 s
// and 64 MiB; at most four run at once (256 MiB).
var DefaultParams = Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 2, SaltLen: 16, KeyLen: 32, Concurrent: 4}

// TestParams are cheap parameters for tests. Never use them in production.
var TestParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32, Concurrent: 8}

// Password length bounds, in characters.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// Hasher hashes and verifies passwords with argon2id in PHC string format:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash> (unpadded standard base64).
// Passwords are NFC-normalised first, so that Vietnamese typed as composed
// or decomposed characters (keyboards and systems differ) is one password.
type Hasher struct {
	p   Params
	sem chan struct{}
}

// NewHasher returns a Hasher for p.
func NewHasher(p Params) *Hasher {
	return &Hasher{p: p, sem: make(chan struct{}, max(1, p.Concurrent))}
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password with a fresh salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	rand.Read(salt)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(norm.NFC.String(password)), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, h.p.KeyLen)
	return encodePHC(h.p, salt, key), nil
}

// Verify reports, in constant time, whether password matches the PHC string
// encoded. A malformed string is an error.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummy returns a well-formed hash that matches no password, with this
// hasher's parameters, so that checking an unknown account costs the same.
func (h *Hasher) dummy() string {
	salt, key := make([]byte, h.p.SaltLen), make([]byte, h.p.KeyLen)
	rand.Read(salt)
	rand.Read(key)
	return encodePHC(h.p, salt, key)
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses a PHC argon2id string, refusing parameters far outside
// anything Khiên writes (a corrupted row must not cost gigabytes).
func decodePHC(s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("auth: not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("auth: unsupported argon2 version %q", parts[2])
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil {
		return p, nil, nil, fmt.Errorf("auth: argon2 parameters %q: %w", parts[3], err)
	}
	if p.Time < 1 || p.Time > 16 || threads < 1 || threads > 16 || p.MemoryKiB < 8*threads || p.MemoryKiB > 1<<21 {
		return p, nil, nil, fmt.Errorf("auth: argon2 parameters %q out of range", parts[3])
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("auth: argon2 salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("auth: argon2 key")
	}
	return p, salt, key, nil
}

// CheckPassword applies the password policy: 12 to 256 characters (after
// NFC normalisation) and not the account's e-mail address. The error is errs.KindInvalid on field
// "password".
func CheckPassword(password, email string) error {
	password = norm.NFC.String(password)
	n := utf8.RuneCountInString(password)
	var f errs.Fields
	switch {
	case n < MinPasswordLen:
		f.Add("password", "password.too_short", fmt.Sprintf("use at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		f.Add("password", "password.too_long", fmt.Sprintf("use at most %d characters", MaxPasswordLen))
	case email != "" && strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		f.Add("password", "password.is_email", "the password must not be the e-mail address")
	}
	return f.Err("password.weak")
}
