// Package vulnfeed reads vulnerability data from outside sources — CVE JSON 5
// records, NVD API 2.0 responses, OSV records and the CISA Known Exploited
// Vulnerabilities catalogue — into the one advisory model
// (advisory.Advisory). It also holds the small helpers every reader shares:
// CVSS vectors scored with go-cvss, CPE 2.3 names and package URLs
// normalised, and the mapping from a source's version type to the scheme a
// range compares in.
//
// Readers are pure: bytes in, documents out, no I/O. A reader never fails a
// whole batch for one bad record: it returns one Doc per record, and a Doc
// whose Err is set names the record and the reason. Problems are things the
// reader noticed but could carry on past (an unknown version type, a git
// range that cannot be compared); they do not stop the import.
package vulnfeed

import (
	"errors"
	"fmt"

	"github.com/khien-cert/khien/internal/advisory"
)

// Doc is one record read from a source document.
type Doc struct {
	ID       string            // the record's id (CVE id, OSV id…), or a position when it has none
	Advisory advisory.Advisory // valid only when Err is nil
	Problems []string          // what was noticed but did not stop the reading
	Err      error             // why the record was rejected
}

// ErrInvalid marks a document or record that cannot be read.
var ErrInvalid = errors.New("invalid")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// maxDocument bounds the size of one document a reader accepts.
const maxDocument = 64 << 20

func tooBig(data []byte) error {
	if len(data) > maxDocument {
		return invalid("document of %d bytes is larger than %d", len(data), maxDocument)
	}
	return nil
}
