package publicweb

import (
	"net/http"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

func clientIP(r *http.Request) string { return httpx.ClientIP(r) }

type checkView struct {
	Base
	Form   *Form
	Answer *portal.Answer
}

// check answers a look-up as a page: confirmed, under review or nothing
// known, with advice.
func (s *Site) check(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	v := &checkView{Base: s.base(r, "check.title"), Form: f}
	q := r.URL.Query().Get("q")
	if q == "" {
		s.render(w, http.StatusOK, "check", v)
		return nil
	}
	f.Values.Set("q", q)
	a, err := s.lookup(r, q)
	if err != nil {
		if !s.take(f, v.Lang, err) {
			return err
		}
		if len(f.Errors[""]) == 0 && len(f.Errors["q"]) == 0 {
			for k, m := range f.Errors {
				f.Errors["q"], f.Errors[k] = append(f.Errors["q"], m...), nil
			}
		}
		retryAfter(w, err, 2)
		s.render(w, formStatus(err), "check", v)
		return nil
	}
	v.Answer = &a
	s.render(w, http.StatusOK, "check", v)
	return nil
}

// lookup bounds the input before the portal reads it.
func (s *Site) lookup(r *http.Request, q string) (portal.Answer, error) {
	if len(q) > canon.MaxInput || !utf8.ValidString(q) {
		const msg = "the text to check is too long or not readable"
		return portal.Answer{}, errs.Invalid(canon.CodeTooLong, msg, errs.Field("q", canon.CodeTooLong, msg))
	}
	return s.svc.Lookup(q, portal.Client{Remote: clientIP(r)})
}

// checkJSON is the look-up for programs: GET /portal/v1/check?q=…
func (s *Site) checkJSON(w http.ResponseWriter, r *http.Request) error {
	a, err := s.lookup(r, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

// maxAppealBody bounds an appeal form.
const maxAppealBody = 64 << 10

var appealFields = []string{"kind", "value", "bank", "name", "contact", "statement"}

type appealView struct {
	Base
	Form  *Form
	Kinds []canon.Kind
}

func (s *Site) renderAppeal(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	f.Challenge = s.svc.Challenge()
	s.render(w, status, "appeal", &appealView{Base: s.base(r, "appeal.title"), Form: f, Kinds: canon.Kinds})
}

func (s *Site) appealForm(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	f.Values.Set("value", r.URL.Query().Get("value"))
	s.renderAppeal(w, r, http.StatusOK, f)
	return nil
}

// appealSubmit files an appeal; refused appeals store nothing.
func (s *Site) appealSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxAppealBody)
	if err := r.ParseForm(); err != nil {
		return bodyError(err)
	}
	lang := langOf(r.FormValue("lang"))
	f := newForm()
	for _, k := range appealFields {
		f.Values.Set(k, r.PostFormValue(k))
	}
	in := portal.AppealInput{Kind: canon.Kind(f.Get("kind")), Value: f.Get("value"), Bank: f.Get("bank"),
		Name: f.Get("name"), Contact: f.Get("contact"), Statement: f.Get("statement"), Lang: lang}
	sent, err := s.svc.Appeal(r.Context(), in, client(r))
	if err == nil {
		s.render(w, http.StatusOK, "receipt", &receiptView{Base: s.base(r, "receipt.appeal_title"), Sent: sent, Appeal: true})
		return nil
	}
	if errs.Is(err, errs.KindNotFound) {
		f.Errors["value"] = append(f.Errors["value"], s.cat.errorText(lang, portal.CodeNothingListed, ""))
	} else if !s.take(f, lang, err) {
		return err
	}
	retryAfter(w, err, 120)
	s.renderAppeal(w, r, formStatus(err), f)
	return nil
}
