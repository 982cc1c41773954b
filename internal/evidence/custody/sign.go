package custody

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// KeyName is the name of the platform's custody signing key, as it appears
// in signatures and in the verifier key of an export bundle.
const KeyName = "khien-custody"

// SignedText is the note text an event's signature covers.
func SignedText(itemID string, seq int64, hash string) string {
	return "khien custody event\n" + itemID + " " + strconv.FormatInt(seq, 10) + "\n" + hash + "\n"
}

// Seal computes e's Hash (PrevHash must be set) and signs it with s.
func Seal(e *Event, s note.Signer) error {
	e.Hash, e.Sig = "", ""
	e.Hash = e.ComputeHash()
	sig, err := SignText(SignedText(e.ItemID, e.Seq, e.Hash), s)
	if err != nil {
		return fmt.Errorf("custody: sign event %d of %s: %w", e.Seq, e.ItemID, err)
	}
	e.Sig = sig
	return nil
}

// VerifySig checks e's signature against its own number and hash.
func VerifySig(e Event, v note.Verifier) error {
	return VerifyText(SignedText(e.ItemID, e.Seq, e.Hash), e.Sig, v)
}

// SignText signs text (which must end in a newline) and returns the
// signature block: the note's signature line.
func SignText(text string, s note.Signer) (string, error) {
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		return "", err
	}
	return string(msg[len(text)+1:]), nil
}

// VerifyText checks that sig is exactly one signature of text by the key
// of v, written in canonical form.
func VerifyText(text, sig string, v note.Verifier) error {
	n, err := note.Open([]byte(text+"\n"+sig), note.VerifierList(v))
	if err != nil {
		if _, ok := errors.AsType[*note.UnverifiedNoteError](err); ok {
			return fmt.Errorf("not signed by key %s+%08x", v.Name(), v.KeyHash())
		}
		if _, ok := errors.AsType[*note.InvalidSignatureError](err); ok {
			return fmt.Errorf("signature does not verify with key %s+%08x", v.Name(), v.KeyHash())
		}
		return fmt.Errorf("malformed signature: %v", err)
	}
	if len(n.Sigs) != 1 || len(n.UnverifiedSigs) != 0 {
		return errors.New("want exactly one signature, by the custody key")
	}
	if sig != canonicalSig(n.Sigs[0]) {
		return errors.New("signature is not in canonical form (it was edited)")
	}
	return nil
}

// canonicalSig is how note writes a signature line, with the base64 text
// re-encoded (a decoder ignores unused trailing bits; this does not).
func canonicalSig(s note.Signature) string {
	b, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil {
		return ""
	}
	return "— " + s.Name + " " + base64.StdEncoding.EncodeToString(b) + "\n"
}

// KeyID names a verifier as "name+hash", for messages and pinning.
func KeyID(v note.Verifier) string { return fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash()) }

// ParseVerifier reads a verifier key ("name+hash+base64"), ignoring
// surrounding white space.
func ParseVerifier(text string) (note.Verifier, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errors.New("empty verifier key")
	}
	v, err := note.NewVerifier(text)
	if err != nil {
		return nil, fmt.Errorf("not a verifier key: %v", err)
	}
	return v, nil
}
