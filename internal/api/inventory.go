package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
)

// MaxCSVBody bounds an inventory upload.
const MaxCSVBody = 5 << 20

// softwareInput is the body of POST /systems/{id}/software.
type softwareInput struct {
	CPE     string `json:"cpe"`
	PURL    string `json:"purl"`
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
}

// listSoftware lists a system's inventory. The system is read first so that
// one outside the caller's scope answers 404 rather than an empty list.
func (a *API) listSoftware(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	sys, err := a.org.GetSystem(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	res, err := a.org.ListSoftware(r.Context(), p, org.SoftwareFilter{OrgID: sys.OrgID, SystemID: sys.ID, Query: q.Get("q")}, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// addSoftware adds one item. The system comes from the path, so a system
// the caller cannot see is 404 here (the service would call it a bad field).
func (a *API) addSoftware(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in softwareInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	sys, err := a.org.GetSystem(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	s, err := a.org.AddSoftware(r.Context(), p, org.Software{SystemID: sys.ID, CPE: in.CPE, PURL: in.PURL,
		Vendor: in.Vendor, Product: in.Product, Version: in.Version})
	if err != nil {
		return err
	}
	return created(w, s)
}

func (a *API) deleteSoftware(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.org.DeleteSoftware(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// importInventory reads a text/csv body of at most MaxCSVBody bytes. The
// body is read whole before parsing so that an oversized upload is a clean
// 413 and never a half-parsed file. Bad rows come back as per-field problems
// named "rows[N].field", N being the spreadsheet line; nothing is imported.
func (a *API) importInventory(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body, err := readCSV(w, r)
	if err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	res, err := a.org.ImportInventoryCSV(r.Context(), p, orgID, bytes.NewReader(body))
	if err != nil {
		return withRowErrors(err, res.Errors)
	}
	return created(w, res)
}

func readCSV(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/csv" {
		return nil, errs.New(errs.KindBadRequest, "request.content_type", "the body must be text/csv")
	}
	if r.ContentLength > MaxCSVBody {
		return nil, tooLarge(MaxCSVBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCSVBody))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, tooLarge(MaxCSVBody)
	} else if err != nil {
		return nil, errs.New(errs.KindBadRequest, "request.unreadable", "the body could not be read")
	}
	return body, nil
}

func tooLarge(limit int64) error {
	return errs.New(errs.KindTooLarge, "request.too_large", fmt.Sprintf("the body is larger than %d bytes", limit))
}

// withRowErrors adds the rows' problems to err as per-field problems.
func withRowErrors(err error, rows []org.RowError) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || len(rows) == 0 {
		return err
	}
	c := *e
	c.Fields = append([]errs.FieldError(nil), e.Fields...)
	for _, re := range rows {
		name := fmt.Sprintf("rows[%d]", re.Row)
		if re.Field != "" {
			name += "." + re.Field
		}
		c.Fields = append(c.Fields, errs.Field(name, re.Code, re.Message))
	}
	return &c
}
