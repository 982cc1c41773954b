package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/tlp"
)

// itemFields are the inputs of the add-item form; the file input,
// "content", must come last so that the metadata is known before the
// content streams into the vault.
var itemFields = []string{"name", "description", "source_device", "source_system", "source_location",
	"collected_by", "collected_at", "method", "tool", "tool_version", "legal_basis", "seal_number", "tlp",
	"supplied_hash", "location", "reason", "content"}

// maxItemField bounds one text input of the multipart add-item form.
const maxItemField = 64 << 10

// itemFormView adds an item to a case.
type itemFormView struct {
	Base
	Case evidence.Case
	Form *Form
	TLPs []Option
}

func (w *Web) renderItemForm(rw http.ResponseWriter, r *http.Request, s *session, c evidence.Case, f *Form) error {
	v := itemFormView{Base: w.newBase(rw, r, s, "evidence", "evidence.add_title"), Case: c, Form: f}
	for _, l := range []tlp.Level{tlp.Clear, tlp.Green, tlp.Amber, tlp.AmberStrict, tlp.Red} {
		if s.P.Clearance().Allows(l) {
			v.TLPs = append(v.TLPs, Option{Value: l.String(), Label: "TLP:" + l.String()})
		}
	}
	return w.views.render(rw, r, f.Status(), "evidence_item_form", &v)
}

func (w *Web) itemNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	c, err := w.evidence.Case(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(itemFields...)
	f.Set("tlp", tlp.Amber.String())
	f.Set("collected_at", w.now().In(w.zone()).Format("2006-01-02T15:04"))
	return w.renderItemForm(rw, r, s, c, f)
}

// zone is where people's times are read and shown.
func (w *Web) zone() *time.Location {
	z, err := time.LoadLocation(DisplayZone)
	if err != nil {
		return time.UTC
	}
	return z
}

// itemCreate streams the multipart form's file straight into the vault:
// the text inputs before it are read (each bounded), then the file part is
// the reader the vault hashes as it stores.
func (w *Web) itemCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx := r.Context()
	c, err := w.evidence.Case(ctx, s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	_ = http.NewResponseController(rw).SetReadDeadline(time.Time{})
	f := newForm(itemFields...)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
		}
		if part.FormName() != "content" {
			if err := readPart(f, part); err != nil {
				return err
			}
			continue
		}
		return w.addItem(rw, r, s, c, f, part)
	}
	f.Fail(errs.Field("content", "evidence.file_required", "choose the file to add"))
	return w.renderItemForm(rw, r, s, c, f)
}

func readPart(f *Form, part *multipart.Part) error {
	b, err := io.ReadAll(io.LimitReader(part, maxItemField+1))
	if err != nil {
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	if len(b) > maxItemField {
		return errs.New(errs.KindTooLarge, "request.too_large", "a field of the form is too large")
	}
	f.Set(part.FormName(), string(b))
	return nil
}

func (w *Web) addItem(rw http.ResponseWriter, r *http.Request, s *session, c evidence.Case, f *Form, part *multipart.Part) error {
	m, ok := w.itemMetadata(f)
	if part.FileName() == "" {
		f.Fail(errs.Field("content", "evidence.file_required", "choose the file to add"))
		ok = false
	}
	if !ok {
		return w.renderItemForm(rw, r, s, c, f)
	}
	if m.Name == "" {
		m.Name = part.FileName()
	}
	it, err := w.evidence.Add(r.Context(), s.P, c.ID, m, evidence.Note{Location: f.Get("location"), Reason: f.Get("reason")}, part)
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItemForm(rw, r, s, c, f)
	}
	return w.redirect(rw, r, "/evidence/items/"+url.PathEscape(it.ID), "flash.item_added")
}

// itemMetadata reads the form's metadata; a time or TLP it cannot read is
// marked beside its input.
func (w *Web) itemMetadata(f *Form) (evidence.Metadata, bool) {
	m := evidence.Metadata{Name: f.Get("name"), Description: f.Get("description"), SourceDevice: f.Get("source_device"),
		SourceSystem: f.Get("source_system"), SourceLocation: f.Get("source_location"), CollectedBy: f.Get("collected_by"),
		Method: f.Get("method"), Tool: f.Get("tool"), ToolVersion: f.Get("tool_version"), LegalBasis: f.Get("legal_basis"),
		SealNumber: f.Get("seal_number"), SuppliedHash: f.Get("supplied_hash")}
	ok := true
	if v := strings.TrimSpace(f.Get("collected_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, w.zone())
		if err != nil {
			f.Fail(errs.Field("collected_at", "evidence.bad_time", "a date and time such as 2026-03-01T08:00"))
			ok = false
		}
		m.CollectedAt = t
	}
	l, err := tlp.Parse(f.Get("tlp"))
	if err != nil {
		f.Fail(errs.Field("tlp", "evidence.bad_tlp", "choose a TLP level"))
		ok = false
	}
	m.TLP = l
	return m, ok
}

// evidenceAssignees lists the other people on an item's case, for the
// transfer form.
func (w *Web) evidenceAssignees(r *http.Request, p auth.Principal, caseID string) []Option {
	as, err := w.evidence.Assignments(r.Context(), p, caseID)
	if err != nil {
		return nil
	}
	var out []Option
	for _, a := range as {
		if a.UserID != p.UserID {
			out = append(out, Option{Value: a.UserID, Label: a.Email})
		}
	}
	return out
}
