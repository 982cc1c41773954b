package mailer_test

import (
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// decodeBody returns a single-part message's text, undoing its transfer
// encoding.
func decodeBody(t *testing.T, m *mail.Message) string {
	t.Helper()
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}
