package csaf

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"strings"
)

// VerifyHash checks data against the content of a .sha256 or .sha512 file
// ("<hex>" or "<hex>  <file name>"); algo is "sha256" or "sha512".
func VerifyHash(data []byte, algo, file string) error {
	fields := strings.Fields(file)
	if len(fields) == 0 {
		return fmt.Errorf("%s file is empty", algo)
	}
	want, err := hex.DecodeString(fields[0])
	if err != nil {
		return fmt.Errorf("%s file does not start with a hex digest", algo)
	}
	var got []byte
	switch algo {
	case "sha256":
		s := sha256.Sum256(data)
		got = s[:]
	case "sha512":
		s := sha512.Sum512(data)
		got = s[:]
	default:
		return fmt.Errorf("unknown hash %s", algo)
	}
	if string(got) != string(want) {
		return fmt.Errorf("%s mismatch: the file says %s, the document hashes to %s", algo, fields[0], hex.EncodeToString(got))
	}
	return nil
}
