// Package guard holds back abuse of the public portal without an outside
// CAPTCHA service: a light proof of work, a honeypot field and rate limits
// per client network. Every piece is pure and takes the time it decides at,
// so tests drive it without sleeping.
//
// Proof of work. The server issues a challenge token: version, difficulty,
// issue and expiry times and 16 random bytes, authenticated with
// HMAC-SHA-256 under the server's key. The client finds a nonce (at most 64
// printable ASCII bytes) such that SHA-256(token || nonce) begins with at
// least the token's number of zero bits, and sends both back. Verify
// checks, in constant work: the MAC, the expiry, the minimum age (a form
// filled faster than a person can is a script), the hash, and that the
// token was not used before. Used tokens are remembered until they expire,
// so a solved token buys exactly one submission.
//
// Invariants: a token verifies at most once per PoW value (per process: in
// a deployment of several processes, the rate limits bound what replaying
// a token to each one gains); the replay memory never holds a token past its
// expiry plus one sweep and never more than MaxUsed tokens — when full,
// Verify refuses (fails closed) rather than forgets.
package guard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"strconv"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// Codes of Verify's refusals.
const (
	CodePoWMalformed = "portal.pow_malformed"
	CodePoWExpired   = "portal.pow_expired"
	CodePoWTooFast   = "portal.pow_too_fast"
	CodePoWWrong     = "portal.pow_insufficient"
	CodePoWReplayed  = "portal.pow_replayed"
	CodePoWBusy      = "portal.pow_busy"
)

const (
	tokenVersion = 1
	macLen       = 16
	idLen        = 16
	bodyLen      = 1 + 1 + 8 + 8 + idLen // version, bits, issued (ms), expires (ms), id
	tokenLen     = bodyLen + macLen
	// MaxNonce bounds the nonce a client sends.
	MaxNonce = 64
	// MaxBits is the highest difficulty a PoW issues.
	MaxBits = 32
)

// PoWOptions configures a PoW.
type PoWOptions struct {
	Bits    int           // leading zero bits required; default 16 (about 65,000 hashes)
	TTL     time.Duration // how long a challenge may be answered; default 10 minutes
	MinAge  time.Duration // how soon after issue an answer is accepted; default 3 s, negative for none
	MaxUsed int           // bound of the replay memory; default 1<<20
}

// PoW issues and verifies proof-of-work challenges.
type PoW struct {
	key   []byte
	opt   PoWOptions
	mu    sync.Mutex
	used  map[[idLen]byte]int64 // token id → expiry (unix ms)
	swept int64
}

// Challenge is what a client is given to solve.
type Challenge struct {
	Token   string    `json:"token"`
	Bits    int       `json:"bits"`
	Expires time.Time `json:"expires"`
}

// NewPoW returns a PoW keyed with key (at least 32 random bytes, kept by the
// server; a restart with a new key voids outstanding challenges only).
func NewPoW(key []byte, opt PoWOptions) *PoW {
	if opt.Bits <= 0 {
		opt.Bits = 16
	}
	opt.Bits = min(opt.Bits, MaxBits)
	if opt.TTL <= 0 {
		opt.TTL = 10 * time.Minute
	}
	if opt.MinAge < 0 {
		opt.MinAge = 0
	} else if opt.MinAge == 0 {
		opt.MinAge = 3 * time.Second
	}
	if opt.MaxUsed <= 0 {
		opt.MaxUsed = 1 << 20
	}
	return &PoW{key: append([]byte(nil), key...), opt: opt, used: map[[idLen]byte]int64{}}
}

// Issue returns a fresh challenge of the configured difficulty.
func (p *PoW) Issue(now time.Time) Challenge { return p.IssueBits(now, p.opt.Bits) }

// IssueBits returns a fresh challenge of the given difficulty (clamped to
// 1…MaxBits), for raising the cost for a client that already sent much.
func (p *PoW) IssueBits(now time.Time, n int) Challenge {
	n = max(1, min(n, MaxBits))
	exp := now.Add(p.opt.TTL)
	b := make([]byte, bodyLen, tokenLen)
	b[0], b[1] = tokenVersion, byte(n)
	binary.BigEndian.PutUint64(b[2:], uint64(now.UnixMilli()))
	binary.BigEndian.PutUint64(b[10:], uint64(exp.UnixMilli()))
	rand.Read(b[18:bodyLen])
	b = append(b, p.mac(b)...)
	return Challenge{Token: base64.RawURLEncoding.EncodeToString(b), Bits: n, Expires: exp.Truncate(time.Millisecond)}
}

func (p *PoW) mac(body []byte) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write(body)
	return m.Sum(nil)[:macLen]
}

func refuse(code, msg string) *errs.Error {
	return errs.Invalid(code, msg, errs.Field("pow", code, msg))
}

// Verify checks a client's answer to a challenge and spends the token.
func (p *PoW) Verify(token, nonce string, now time.Time) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != tokenLen || b[0] != tokenVersion || len(nonce) == 0 || len(nonce) > MaxNonce || !printable(nonce) {
		return refuse(CodePoWMalformed, "the form's check is missing or damaged; reload the page and try again")
	}
	if !hmac.Equal(p.mac(b[:bodyLen]), b[bodyLen:]) {
		return refuse(CodePoWMalformed, "the form's check is missing or damaged; reload the page and try again")
	}
	issued := int64(binary.BigEndian.Uint64(b[2:]))
	exp := int64(binary.BigEndian.Uint64(b[10:]))
	ms := now.UnixMilli()
	switch {
	case ms >= exp:
		return refuse(CodePoWExpired, "the form has expired; reload the page and try again")
	case ms < issued+p.opt.MinAge.Milliseconds():
		return refuse(CodePoWTooFast, "the form was sent too quickly; wait a moment and send it again")
	case LeadingZeros(token, nonce) < int(b[1]):
		return refuse(CodePoWWrong, "the form's check was not completed; wait for it to finish and send again")
	}
	var id [idLen]byte
	copy(id[:], b[18:bodyLen])
	return p.spend(id, exp, ms)
}

// spend records a token as used, refusing one used before.
func (p *PoW) spend(id [idLen]byte, exp, ms int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.used[id]; ok {
		return refuse(CodePoWReplayed, "this form was already sent; reload the page to send another")
	}
	if len(p.used) >= p.opt.MaxUsed || ms-p.swept > p.opt.TTL.Milliseconds()/4 {
		for k, e := range p.used {
			if e <= ms {
				delete(p.used, k)
			}
		}
		p.swept = ms
	}
	if len(p.used) >= p.opt.MaxUsed {
		return errs.New(errs.KindRateLimited, CodePoWBusy, "the portal is very busy; try again in a few minutes")
	}
	p.used[id] = exp
	return nil
}

// Remembered is how many spent tokens the replay memory holds.
func (p *PoW) Remembered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// LeadingZeros is the number of leading zero bits of SHA-256(token||nonce).
func LeadingZeros(token, nonce string) int {
	h := sha256.New()
	h.Write([]byte(token))
	h.Write([]byte(nonce))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	n := 0
	for i := 0; i < len(sum); i += 8 {
		w := binary.BigEndian.Uint64(sum[i:])
		n += bits.LeadingZeros64(w)
		if w != 0 {
			break
		}
	}
	return n
}

// Solve finds a nonce for a challenge of n bits by counting up in decimal,
// as the portal's page script does. It is for tests, benchmarks and
// command-line clients; the expected work is 2^n hashes.
func Solve(token string, n int) string {
	for i := uint64(0); ; i++ {
		nonce := strconv.FormatUint(i, 10)
		if LeadingZeros(token, nonce) >= n {
			return nonce
		}
	}
}
