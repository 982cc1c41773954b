package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/khien-cert/khien/internal/errs"
)

// TOTP parameters (RFC 6238). SHA-1, 6 digits and 30 s are what every
// authenticator app understands.
const (
	TOTPIssuer     = "Khiên"
	totpPeriod     = 30
	totpSecretSize = 20 // bytes: 160 bits, RFC 4226's recommendation
	totpSkew       = 1  // steps accepted either side of now
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Recovery codes: RecoveryCodes of them, each xxxx-xxxx-xxxx over an
// alphabet without the look-alikes 0, 1, i, l and o (about 59 bits).
const (
	RecoveryCodes    = 10
	recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"
)

// MFAProof is a second factor about to be consumed: a TOTP time step, or
// the hash of a recovery code.
type MFAProof struct {
	UserID       string
	Step         int64  // the TOTP step that matched; 0 when RecoveryHash is set
	RecoveryHash string // hashSecret of the normalised recovery code
}

// Enrolment is a confirmed TOTP secret with its recovery codes (hashed).
type Enrolment struct {
	UserID         string
	SessionID      string // the session that confirmed, now mfa_passed
	Secret         string // base32, as authenticator apps take it
	Step           int64  // the step of the confirming code, so it cannot be replayed
	RecoveryHashes []string
}

// totpStep returns the time step within ±totpSkew of now whose code is
// code, comparing in constant time.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	var found int64
	ok := false
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = step, true
		}
	}
	return found, ok
}

// checkSecret normalises a base32 TOTP secret and checks its size.
func checkSecret(secret string) (string, bool) {
	secret = strings.ToUpper(strings.TrimSpace(secret))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	return secret, err == nil && len(b) == totpSecretSize
}

// newRecoveryCodes returns n fresh recovery codes.
func newRecoveryCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for j := range 12 {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[randIndex(len(recoveryAlphabet))])
		}
		out[i] = b.String()
	}
	return out
}

// randIndex returns a uniform random number in [0, n), n ≤ 256.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// normalizeRecovery reads a recovery code as a person may type it (any
// case, with or without hyphens and spaces) into its canonical form.
func normalizeRecovery(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || r == ' ':
		case r < 128 && strings.IndexByte(recoveryAlphabet, byte(r)) >= 0:
			if b.Len() == 4 || b.Len() == 9 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == 14
}

func mayEnrol(p Principal) error {
	switch {
	case p.TokenID != "" || p.Session == "":
		return forbidden("auth.session_required", "enrol from a browser session")
	case p.Stage == StageTOTP:
		return forbidden("auth.mfa_required", "complete the second factor first")
	}
	return nil
}

// BeginEnrol makes a new TOTP secret for the caller and its otpauth:// URL
// (for a QR code). Nothing is stored until ConfirmEnrol.
func (s *Service) BeginEnrol(ctx context.Context, p Principal) (secret, otpauthURL string, err error) {
	defer errs.Wrap(&err, "auth.BeginEnrol")
	if err := mayEnrol(p); err != nil {
		return "", "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: TOTPIssuer, AccountName: p.Email, Period: totpPeriod,
		SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// ConfirmEnrol stores secret once code proves the app has it, replacing any
// earlier secret and recovery codes, and marks the caller's session as past
// its second factor. It returns the recovery codes, shown only this once.
func (s *Service) ConfirmEnrol(ctx context.Context, p Principal, secret, code string) (codes []string, err error) {
	defer errs.Wrap(&err, "auth.ConfirmEnrol")
	if err := mayEnrol(p); err != nil {
		return nil, err
	}
	secret, ok := checkSecret(secret)
	if !ok {
		return nil, errs.Invalid("auth.bad_secret", "the enrolment secret is not valid; start again",
			errs.Field("secret", "auth.bad_secret", "not a secret Khiên issued"))
	}
	step, ok := totpStep(secret, code, s.now())
	if !ok {
		return nil, errs.Invalid("auth.bad_code", "the code does not match; check the app's clock",
			errs.Field("code", "auth.bad_code", "the code does not match"))
	}
	codes = newRecoveryCodes(RecoveryCodes)
	e := Enrolment{UserID: p.UserID, SessionID: p.Session, Secret: secret, Step: step}
	for _, c := range codes {
		e.RecoveryHashes = append(e.RecoveryHashes, hashSecret(c))
	}
	if err := s.store.EnableTOTP(ctx, p, e); err != nil {
		return nil, err
	}
	return codes, nil
}

// CompleteTOTP passes the second factor of a session with a TOTP code or a
// recovery code. A code is good once: a TOTP step no older than the last one
// used, a recovery code never used. Failures count towards the lockout.
func (s *Service) CompleteTOTP(ctx context.Context, token, code string) (err error) {
	defer errs.Wrap(&err, "auth.CompleteTOTP")
	sess, a, err := s.liveSession(ctx, token)
	if err != nil || sess.MFAPassed {
		return err
	}
	if !a.TOTPEnabled {
		return forbidden("auth.totp_not_enrolled", "enrol a second factor first")
	}
	p := Principal{UserID: a.ID, Email: a.Email, Role: a.Role, Remote: sess.Remote, Session: sess.ID, Stage: StageTOTP}
	now := s.now()
	if a.LockedUntil.After(now) {
		if err := s.fail(ctx, p, a, "locked", false); err != nil {
			return err
		}
		return BadCode()
	}
	proof := MFAProof{UserID: a.ID}
	ok := false
	if proof.Step, ok = totpStep(a.TOTPSecret, code, now); !ok {
		var rc string
		if rc, ok = normalizeRecovery(code); ok {
			proof.RecoveryHash = hashSecret(rc)
		}
	}
	if ok {
		err = s.store.PassMFA(ctx, p, sess.ID, proof)
		if !hasCode(err, "auth.bad_code") {
			return err
		}
	}
	if err := s.fail(ctx, p, a, "bad_code", true); err != nil {
		return err
	}
	return BadCode()
}
