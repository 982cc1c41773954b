package publicweb

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

// maxReportBody bounds a report: every screenshot at its limit and room
// for the text fields and the multipart framing.
const maxReportBody = portal.MaxScreenshots*portal.MaxScreenshotBytes + 256<<10

// reportFields are the text fields of the report form.
var reportFields = []string{"kind", "value", "bank", "category", "description", "loss", "currency", "contact"}

type homeView struct{ Base }

func (s *Site) home(w http.ResponseWriter, r *http.Request) error {
	s.render(w, http.StatusOK, "home", &homeView{Base: s.base(r, "home.title")})
	return nil
}

type reportView struct {
	Base
	Form       *Form
	Kinds      []canon.Kind
	Categories []portal.Category
	Currencies []string
	MaxShots   int
	MaxMB      int
}

func (s *Site) renderReport(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	f.Challenge = s.svc.Challenge()
	s.render(w, status, "report", &reportView{Base: s.base(r, "report.title"), Form: f, Kinds: canon.Kinds,
		Categories: portal.Categories, Currencies: []string{"VND", "USD", "EUR", "USDT"}, MaxShots: portal.MaxScreenshots, MaxMB: portal.MaxScreenshotBytes >> 20})
}

func (s *Site) reportForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	if k := r.URL.Query().Get("kind"); canon.Kind(k).Valid() {
		f.Values.Set("kind", k)
	}
	f.Values.Set("value", r.URL.Query().Get("value"))
	s.renderReport(w, r, http.StatusOK, f)
	return nil
}

type receiptView struct {
	Base
	Sent   portal.Submitted
	Appeal bool
}

// reportSubmit files a report. Refused reports are shown again with their
// errors; nothing is stored.
func (s *Site) reportSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	f := newForm()
	lang := langOf(r.URL.Query().Get("lang"))
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return bodyError(err)
	}
	defer r.MultipartForm.RemoveAll()
	lang = langOf(r.FormValue("lang"))
	for _, k := range reportFields {
		f.Values.Set(k, r.PostFormValue(k))
	}
	shots, err := readShots(r.MultipartForm.File["screenshots"])
	if err == nil {
		in := portal.ReportInput{Kind: canon.Kind(f.Get("kind")), Value: f.Get("value"), Bank: f.Get("bank"),
			Category: portal.Category(f.Get("category")), Description: f.Get("description"), LossAmount: f.Get("loss"),
			Currency: f.Get("currency"), Contact: f.Get("contact"), Lang: lang, Screenshots: shots}
		var sent portal.Submitted
		if sent, err = s.svc.Submit(r.Context(), in, client(r)); err == nil {
			s.render(w, http.StatusOK, "receipt", &receiptView{Base: s.base(r, "receipt.title"), Sent: sent})
			return nil
		}
	}
	if !s.take(f, lang, err) {
		return err
	}
	retryAfter(w, err, 120)
	s.renderReport(w, r, formStatus(err), f)
	return nil
}

// formStatus is the status a refused form is shown again with.
func formStatus(err error) int {
	var e *errs.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case errs.KindTooLarge:
			return http.StatusRequestEntityTooLarge
		case errs.KindRateLimited:
			return http.StatusTooManyRequests
		}
	}
	return http.StatusUnprocessableEntity
}

// bodyError turns a body that could not be read into a refusal.
func bodyError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errs.New(errs.KindTooLarge, "portal.body_too_large", "the form is too large")
	}
	return errs.New(errs.KindBadRequest, "portal.bad_form", "the form could not be read")
}

// readShots reads the attached files, each bounded; empty file inputs
// (nothing chosen) are skipped. The portal types and cleans them.
func readShots(files []*multipart.FileHeader) ([][]byte, error) {
	var out [][]byte
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if len(out) == portal.MaxScreenshots {
			return nil, errs.Invalid("portal.too_many_screenshots", "too many pictures",
				errs.Field("screenshots", "portal.too_many_screenshots", "too many pictures"))
		}
		if fh.Size > portal.MaxScreenshotBytes {
			return nil, &errs.Error{Kind: errs.KindTooLarge, Code: portal.CodeShotLarge, Public: "picture too large",
				Fields: []errs.FieldError{errs.Field("screenshots", portal.CodeShotLarge, "picture too large")}}
		}
		fl, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(fl, portal.MaxScreenshotBytes+1))
		fl.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

type statusView struct {
	Base
	Form   *Form
	Status *portal.ReceiptStatus
}

// receiptStatus looks a receipt number up (rate-limited like a look-up).
func (s *Site) receiptStatus(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	v := &statusView{Base: s.base(r, "status.title"), Form: f}
	rc := r.URL.Query().Get("r")
	if rc == "" {
		s.render(w, http.StatusOK, "status", v)
		return nil
	}
	f.Values.Set("r", rc)
	st, err := s.svc.Receipt(r.Context(), rc, portal.Client{Remote: clientIP(r)})
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			err = errs.Invalid("portal.receipt_not_found", "no report or appeal has this number",
				errs.Field("receipt", "portal.receipt_not_found", "no report or appeal has this number"))
		}
		if !s.take(f, v.Lang, err) {
			return err
		}
		f.Errors["r"], f.Errors["receipt"] = f.Errors["receipt"], nil
		retryAfter(w, err, 2)
		s.render(w, formStatus(err), "status", v)
		return nil
	}
	v.Status = &st
	s.render(w, http.StatusOK, "status", v)
	return nil
}
