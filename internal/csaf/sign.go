package csaf

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/ProtonMail/gopenpgp/v2/crypto"

	"github.com/khien-cert/khien/internal/notekey"
)

// Signer signs provider files with the platform's OpenPGP key.
type Signer struct {
	ring        *crypto.KeyRing
	fingerprint string
	public      string
}

// GenerateKey makes a new OpenPGP signing key (Curve25519) for name and
// email and returns it armored, unprotected (the data directory protects
// it, as it does the platform's other keys).
func GenerateKey(name, email string) (string, error) {
	k, err := crypto.GenerateKey(name, email, "x25519", 0)
	if err != nil {
		return "", fmt.Errorf("csaf: generate OpenPGP key: %w", err)
	}
	return k.Armor()
}

// NewSigner reads an armored, unlocked private key.
func NewSigner(armored string) (*Signer, error) {
	k, err := crypto.NewKeyFromArmored(armored)
	if err != nil {
		return nil, fmt.Errorf("csaf: OpenPGP key: %w", err)
	}
	if !k.IsPrivate() {
		return nil, errors.New("csaf: the OpenPGP key is not a private key")
	}
	if locked, err := k.IsLocked(); err != nil || locked {
		return nil, errors.New("csaf: the OpenPGP key is locked with a passphrase")
	}
	ring, err := crypto.NewKeyRing(k)
	if err != nil {
		return nil, err
	}
	pub, err := k.GetArmoredPublicKey()
	if err != nil {
		return nil, err
	}
	return &Signer{ring: ring, fingerprint: strings.ToUpper(k.GetFingerprint()), public: pub}, nil
}

// Fingerprint is the key's fingerprint, upper-case hex.
func (s *Signer) Fingerprint() string { return s.fingerprint }

// PublicKey is the armored public key.
func (s *Signer) PublicKey() string { return s.public }

// Sign returns the armored detached signature of data.
func (s *Signer) Sign(data []byte) (string, error) {
	sig, err := s.ring.SignDetached(crypto.NewPlainMessage(data))
	if err != nil {
		return "", fmt.Errorf("csaf: sign: %w", err)
	}
	return sig.GetArmored()
}

// VerifySignature checks an armored detached signature of data against the
// armored public keys given.
func VerifySignature(data []byte, armoredSig string, publicKeys ...string) error {
	if len(publicKeys) == 0 {
		return errors.New("no public key to verify the signature with")
	}
	sig, err := crypto.NewPGPSignatureFromArmored(armoredSig)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	var last error
	for _, pk := range publicKeys {
		k, err := crypto.NewKeyFromArmored(pk)
		if err != nil {
			last = fmt.Errorf("public key: %w", err)
			continue
		}
		ring, err := crypto.NewKeyRing(k)
		if err != nil {
			last = err
			continue
		}
		if err := ring.VerifyDetached(crypto.NewPlainMessage(data), sig, crypto.GetUnixTime()); err != nil {
			last = fmt.Errorf("signature does not verify: %w", err)
			continue
		}
		return nil
	}
	return last
}

// LoadOrCreateSigner reads the signing key kept at name under root (an
// armored private key, mode 0600), making one for the CERT on first start.
func LoadOrCreateSigner(root *os.Root, name, owner, email string) (*Signer, error) {
	if err := root.MkdirAll(path.Dir(name), 0o700); err != nil {
		return nil, err
	}
	b, err := notekey.Secret(root, name, func() (string, error) { return GenerateKey(owner, email) })
	if err != nil {
		return nil, err
	}
	return NewSigner(b)
}

// KeyFingerprint is the fingerprint (upper-case hex) of an armored public
// key.
func KeyFingerprint(armored string) (string, error) {
	k, err := crypto.NewKeyFromArmored(armored)
	if err != nil {
		return "", fmt.Errorf("public key: %w", err)
	}
	return strings.ToUpper(k.GetFingerprint()), nil
}
