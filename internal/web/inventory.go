package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
)

// maxUpload bounds an uploaded inventory file (and the rest of its form).
const maxUpload = 10 << 20

// importView uploads an inventory CSV for an organisation and, when rows are
// bad, lists them (nothing is imported then).
type importView struct {
	Base
	Org      org.Org
	SystemID string // the system page the upload came from, to go back to
	Form     *Form
	Rows     []org.RowError
}

func (w *Web) renderImport(rw http.ResponseWriter, r *http.Request, s *session, v *importView) error {
	v.Base = w.newBase(rw, r, s, "systems", "import.title")
	v.Title = v.Org.Name
	return w.views.render(rw, r, v.Form.Status(), "import", v)
}

func (w *Web) importForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := importView{Org: o, SystemID: r.URL.Query().Get("system"), Form: newForm("file")}
	return w.renderImport(rw, r, s, &v)
}

func (w *Web) importCSV(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := importView{Org: o, Form: newForm("file")}
	r.Body = http.MaxBytesReader(rw, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			v.Form.Take(errs.Invalid("inventory.too_large", "the file is too large",
				errs.Field("file", "inventory.too_large", "the file is larger than 10 MiB")))
			return w.renderImport(rw, r, s, &v)
		}
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	defer r.MultipartForm.RemoveAll()
	v.SystemID = r.FormValue("system")
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Form.Take(errs.Invalid("inventory.no_file", "choose a file",
			errs.Field("file", "inventory.no_file", "choose a CSV file to upload")))
		return w.renderImport(rw, r, s, &v)
	}
	defer file.Close()
	res, err := w.org.ImportInventoryCSV(r.Context(), s.P, o.ID, file)
	if err != nil {
		if !v.Form.Take(err) {
			return err
		}
		v.Rows = res.Errors
		return w.renderImport(rw, r, s, &v)
	}
	w.flash(rw, "flash.inventory_imported")
	back := "/orgs/" + url.PathEscape(o.ID) + "?tab=inventory"
	if v.SystemID != "" {
		back = "/systems/" + url.PathEscape(v.SystemID) + "#inventory"
	}
	http.Redirect(rw, r, back, http.StatusSeeOther)
	return nil
}
