package advisory

import (
	"bytes"
	"context"
	"io"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// MaxEvidence bounds one file of remediation evidence.
const MaxEvidence = 32 << 20

// Blobs keeps remediation evidence (a blob store of its own, so the
// evidence vault's sweeper never sees it). An item refers to its file by
// SHA-256.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, want blob.Expect, limit int64) (blob.Digest, error)
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
}

// AttachEvidence stores a file of remediation evidence for an item p may
// work and returns its SHA-256, to pass to the remediate step.
func (s *Service) AttachEvidence(ctx context.Context, p auth.Principal, id string, content io.Reader) (string, error) {
	if s.d.Blobs == nil {
		return "", errs.New(errs.KindUnavailable, "action.files_unavailable", "attachments are not available")
	}
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return "", err
	}
	if !p.IsSystem() && !p.CanOn(auth.PermActionWork, it.OrgID) {
		return "", errs.New(errs.KindForbidden, "action.forbidden", "your role may not take this step")
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(content, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	if !evidenceType(head[:n], n < len(head)) {
		return "", errs.Invalid("action.bad_file", "this kind of file is not kept as evidence",
			errs.Field("file", "action.bad_file", "a picture (PNG, JPEG, GIF, WebP), a PDF, an office document or a text file"))
	}
	d, err := s.d.Blobs.Put(ctx, io.MultiReader(bytes.NewReader(head[:n]), content), blob.Expect{}, MaxEvidence)
	if err != nil {
		return "", err
	}
	e := audit.New(p, "action.attach", "action_item", it.ID, it.OrgID).WithDetail(map[string]string{"sha256": d.SHA256})
	if err := s.d.Store.RecordActionAttachment(ctx, it.ID, d.SHA256, d.Size, e); err != nil {
		return "", err
	}
	return d.SHA256, nil
}

// OpenEvidence opens the remediation evidence of an item p may see.
func (s *Service) OpenEvidence(ctx context.Context, p auth.Principal, id string) (io.ReadCloser, int64, error) {
	it, err := s.d.Store.GetActionItem(ctx, p.Scope(auth.PermActionRead), id)
	if err != nil {
		return nil, 0, err
	}
	if it.Attachment == "" || s.d.Blobs == nil {
		return nil, 0, errs.NotFound("action.no_attachment")
	}
	return s.d.Blobs.Open(ctx, it.Attachment)
}

// evidenceMagic are the openings of the binary kinds of evidence kept:
// pictures, PDF, and ZIP (office documents, archives of logs).
var evidenceMagic = [][]byte{[]byte("\x89PNG\r\n\x1a\n"), []byte("\xff\xd8\xff"), []byte("GIF87a"), []byte("GIF89a"),
	[]byte("%PDF-"), []byte("PK\x03\x04")}

// evidenceType reports whether a file opening with head (all of it when
// whole) is a kind of remediation evidence Khiên keeps: one of
// evidenceMagic, WebP, or plain text (UTF-8 without control characters)
// that is not markup, which a browser could run (HTML, SVG, XML).
func evidenceType(head []byte, whole bool) bool {
	for _, m := range evidenceMagic {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	if len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		return true
	}
	if !whole {
		for i := 0; i < utf8.UTFMax-1 && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1] // a character cut at the end of the head
		}
	}
	if len(head) == 0 || !utf8.Valid(head) {
		return false
	}
	for _, r := range string(head) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != 0x1b || r == 0x7f {
			return false
		}
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n\f")
	return !bytes.HasPrefix(t, []byte("<"))
}
