package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/httpx"
)

// uploadInput is the body of POST /evidence/cases/{id}/uploads: the size
// of the content to come and the item's metadata.
type uploadInput struct {
	Size     int64             `json:"size"`
	Metadata evidence.Metadata `json:"metadata"`
	Location string            `json:"location"`
	Reason   string            `json:"reason"`
}

func (a *API) startUpload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	caseID := r.PathValue("id")
	if _, err := a.evidence.Case(r.Context(), p, caseID); err != nil {
		return hide(err)
	}
	var in uploadInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := a.evidence.StartUpload(r.Context(), p, caseID, in.Metadata, evidence.Note{Location: in.Location, Reason: in.Reason}, in.Size)
	if err != nil {
		return hide(err)
	}
	return created(w, u)
}

func (a *API) uploadStatus(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	u, err := a.evidence.UploadStatus(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hide(err)
	}
	return ok(w, u)
}

// appendUpload adds the chunk in the body at ?offset=N, which must be the
// bytes received so far (GET the upload to learn it after a break).
func (a *API) appendUpload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if _, err := a.evidence.UploadStatus(r.Context(), p, r.PathValue("id")); err != nil {
		return hide(err)
	}
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err != nil || offset < 0 {
		return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
			errs.Field("offset", "request.bad_parameter", "the number of bytes received so far"))
	}
	longBody(w)
	u, err := a.evidence.AppendUpload(r.Context(), p, r.PathValue("id"), offset, r.Body)
	if err != nil {
		return hide(err)
	}
	return ok(w, u)
}

func (a *API) commitUpload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	it, err := a.evidence.CommitUpload(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hide(err)
	}
	return created(w, it)
}

func (a *API) abortUpload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.evidence.AbortUpload(r.Context(), p, r.PathValue("id")); err != nil {
		return hide(err)
	}
	return noContent(w)
}

// noteInput is what a person says about a custody act.
type noteInput struct {
	At       time.Time `json:"at"`
	Location string    `json:"location"`
	Reason   string    `json:"reason"`
	To       string    `json:"to"`
	Seal     string    `json:"seal"`
	Detail   string    `json:"detail"`
}

func (n noteInput) note() evidence.Note {
	return evidence.Note{At: n.At, Location: n.Location, Reason: n.Reason, To: n.To, Seal: n.Seal, Detail: n.Detail}
}

// custodyInput is the body of POST /evidence/items/{id}/custody.
type custodyInput struct {
	Kind custody.Kind `json:"kind"`
	noteInput
}

// recordCustody writes analysed, sealed, unsealed, copied or returned.
func (a *API) recordCustody(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in custodyInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.evidence.Record(r.Context(), p, r.PathValue("id"), in.Kind, in.note())
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}

// transferInput is the body of POST /evidence/items/{id}/transfers.
type transferInput struct {
	To       string `json:"to"` // the receiver's user ID
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

func (a *API) requestTransfer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in transferInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := a.evidence.RequestTransfer(r.Context(), p, r.PathValue("id"), in.To, evidence.Note{Location: in.Location, Reason: in.Reason})
	if err != nil {
		return hide(err)
	}
	return created(w, t)
}

// decisionInput is the body of confirming or declining a hand-over.
type decisionInput struct {
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

func (a *API) confirmTransfer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in decisionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.evidence.ConfirmTransfer(r.Context(), p, r.PathValue("id"), evidence.Note{Location: in.Location, Reason: in.Reason})
	if err != nil {
		return hide(err)
	}
	return ok(w, it)
}

// declineTransfer ends a pending hand-over: declined when the receiver
// calls it, cancelled when the sender does.
func (a *API) declineTransfer(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in decisionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := a.evidence.EndTransfer(r.Context(), p, r.PathValue("id"), evidence.Note{Location: in.Location, Reason: in.Reason})
	if err != nil {
		return hide(err)
	}
	return ok(w, t)
}

// exportInput is the body of POST /evidence/cases/{id}/export.
type exportInput struct {
	ItemIDs  []string `json:"item_ids"` // empty: every live item of the case
	To       string   `json:"to"`       // the recipient
	Location string   `json:"location"`
	Reason   string   `json:"reason"`
}

// exportCase streams the sealed bundle. Everything is checked before the
// first byte, so a refusal is still a JSON problem; a failure while
// streaming can only cut the bundle short, which verification detects.
func (a *API) exportCase(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	caseID := r.PathValue("id")
	if _, err := a.evidence.Case(r.Context(), p, caseID); err != nil {
		return hide(err)
	}
	var in exportInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	bw := &bundleWriter{w: w, name: "evidence-" + caseID + ".tar"}
	_, err := a.evidence.Export(r.Context(), p, caseID, in.ItemIDs, evidence.Note{To: in.To, Location: in.Location, Reason: in.Reason}, bw)
	if err != nil && bw.started {
		a.log.ErrorContext(r.Context(), "api: evidence export broke off", "case", caseID, "err", err)
		return nil
	}
	return hide(err)
}

// bundleWriter sends the bundle's headers with its first byte, so that an
// error before any byte can still be answered as JSON.
type bundleWriter struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (b *bundleWriter) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		h := b.w.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", `attachment; filename="`+b.name+`"`)
		h.Set("Cache-Control", "no-store")
		b.w.WriteHeader(http.StatusOK)
	}
	return b.w.Write(p)
}
