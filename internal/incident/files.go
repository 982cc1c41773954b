package incident

import (
	"context"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/blob"
	"github.com/khien-cert/khien/internal/errs"
)

// File is a file attached to an incident. Its content is a blob named by
// SHA256; who sees it follows its visibility, as for timeline entries.
type File struct {
	ID          string     `json:"id"`
	IncidentID  string     `json:"incident_id"`
	Name        string     `json:"name"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	Visibility  Visibility `json:"visibility"`
	UploadedBy  string     `json:"uploaded_by"`
	CreatedAt   time.Time  `json:"created_at"`
}

// MaxFile bounds one attachment.
const MaxFile = 64 << 20

// Blobs is where attachment content is kept (a blob.Store of its own, so
// the evidence vault's sweeper never sees it).
type Blobs interface {
	Put(ctx context.Context, r io.Reader, want blob.Expect, limit int64) (blob.Digest, error)
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
}

// cleanName keeps the last element of a client's file name, without control
// characters, bounded.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// AttachFile stores content as a file of incident id. The reporting
// organisation, mobilised responders and the coordinating body attach shared
// files; only the coordinating body attaches internal ones.
func (s *Service) AttachFile(ctx context.Context, p auth.Principal, id, name, contentType string, vis Visibility, content io.Reader) (File, error) {
	if s.d.Blobs == nil {
		return File{}, errs.New(errs.KindUnavailable, "incident.files_unavailable", "attachments are not available")
	}
	v := ViewerOf(p)
	l, err := s.d.Store.GetIncident(ctx, v, id)
	if err != nil {
		return File{}, err
	}
	if vis == "" {
		vis = Shared
	}
	if !vis.Valid() {
		return File{}, errs.Invalid("incident.invalid", "unknown visibility",
			errs.Field("visibility", "incident.bad_visibility", "must be internal or shared"))
	}
	if !v.ActorOn(l.Incident, l.Member).CanNote(vis) {
		return File{}, forbidden("incident.not_allowed", "you may not attach this kind of file")
	}
	if !l.Incident.State.Open() {
		return File{}, errs.Conflict("incident.not_open", "the incident is closed")
	}
	dg, err := s.d.Blobs.Put(ctx, content, blob.Expect{}, MaxFile)
	if err != nil {
		return File{}, err
	}
	if dg.Size == 0 {
		return File{}, errs.Invalid("incident.invalid", "the file is empty", errs.Field("file", "incident.empty_file", "the file is empty"))
	}
	ct := strings.TrimSpace(contentType)
	if len(ct) > 200 || strings.ContainsAny(ct, "\r\n") {
		ct = ""
	}
	var out File
	_, err = s.mutate(ctx, p, id, func(l *Loaded, a Actor, now time.Time) (Change, error) {
		if !a.CanNote(vis) {
			return Change{}, forbidden("incident.not_allowed", "you may not attach this kind of file")
		}
		out = File{ID: newID(), IncidentID: l.Incident.ID, Name: cleanName(name), ContentType: ct, Size: dg.Size,
			SHA256: dg.SHA256, Visibility: vis, UploadedBy: p.Email, CreatedAt: now}
		return Change{Files: []File{out},
			Entries: []Entry{{IncidentID: l.Incident.ID, At: now, ActorID: p.UserID, Actor: p.Email, Kind: "file.added",
				Visibility: vis, Body: out.Name, Detail: `{"file_id":"` + out.ID + `","sha256":"` + out.SHA256 + `"}`}},
			Audit: []audit.Entry{audit.New(p, "incident.file.add", "incident", l.Incident.ID, l.Incident.OrgID).
				WithDetail(map[string]any{"file": out.ID, "sha256": out.SHA256, "size": out.Size, "visibility": vis})},
		}, nil
	})
	return out, err
}

// OpenFile returns a file of incident id that p may see, and its content.
// An internal file is NotFound to anyone but the coordinating body, as is a
// file of another incident.
func (s *Service) OpenFile(ctx context.Context, p auth.Principal, id, fileID string) (File, io.ReadCloser, error) {
	if s.d.Blobs == nil {
		return File{}, nil, errs.New(errs.KindUnavailable, "incident.files_unavailable", "attachments are not available")
	}
	v := ViewerOf(p)
	l, err := s.d.Store.GetIncident(ctx, v, id)
	if err != nil {
		return File{}, nil, err
	}
	a := v.ActorOn(l.Incident, l.Member)
	i := slices.IndexFunc(l.Files, func(f File) bool { return f.ID == fileID && (f.Visibility == Shared || a.SeesInternal()) })
	if i < 0 {
		return File{}, nil, errs.NotFound("incident.file_not_found")
	}
	f := l.Files[i]
	rc, _, err := s.d.Blobs.Open(ctx, f.SHA256)
	if err != nil {
		return File{}, nil, err
	}
	return f, rc, nil
}
