package api

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/tlp"
)

// Evidence routes. Evidence is hidden, not refused: a caller whose role has
// no evidence permission at all gets the same 404 as one who is not
// assigned to the case or whose clearance is below the item's TLP (hide).
// Item content travels as raw bytes (application/octet-stream), bounded by
// the vault's maximum item size, never by the 1 MiB JSON limit; the metadata
// of a one-shot upload rides in query parameters (itemQuery), so that any
// UTF-8 text can be sent percent-encoded.

// hide turns the vault's "you may not work with evidence" into not-found on
// routes that name an object, so its existence is not revealed.
func hide(err error) error {
	if e, ok := errors.AsType[*errs.Error](err); ok && e.Code == "evidence.forbidden" {
		return errs.NotFound("evidence.not_found")
	}
	return err
}

// caseInput is the body of POST /evidence/cases.
type caseInput struct {
	ID        string `json:"id"` // optional: an incident's ID; opening is idempotent
	OrgID     string `json:"org_id"`
	Reference string `json:"reference"`
	Title     string `json:"title"`
}

// caseJSON is a case with who works on it.
type caseJSON struct {
	evidence.Case
	Assignments []evidence.Assignment `json:"assignments"`
}

func (a *API) openCase(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in caseInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := a.evidence.OpenCase(r.Context(), p, evidence.Case{ID: in.ID, OrgID: in.OrgID, Reference: in.Reference, Title: in.Title})
	if err != nil {
		return err
	}
	return created(w, caseJSON{Case: c, Assignments: []evidence.Assignment{}})
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := a.evidence.Case(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hide(err)
	}
	as, err := a.evidence.Assignments(r.Context(), p, c.ID)
	if err != nil {
		return hide(err)
	}
	if as == nil {
		as = []evidence.Assignment{}
	}
	return ok(w, caseJSON{Case: c, Assignments: as})
}

// assignInput is the body of POST /evidence/cases/{id}/assignments.
type assignInput struct {
	UserID string            `json:"user_id"`
	Role   evidence.CaseRole `json:"role"`
	// Clearance caps the TLP the user sees in this case (optional).
	Clearance string `json:"clearance"`
}

func (a *API) assignCase(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if _, err := a.evidence.Case(r.Context(), p, r.PathValue("id")); err != nil {
		return hide(err)
	}
	var in assignInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	var ceiling tlp.Level
	if in.Clearance != "" {
		var err error
		if ceiling, err = tlp.Parse(in.Clearance); err != nil {
			return errs.Invalid("evidence.bad_tlp", "not a TLP level",
				errs.Field("clearance", "evidence.bad_tlp", "one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"))
		}
	}
	as, err := a.evidence.AssignCleared(r.Context(), p, r.PathValue("id"), in.UserID, in.Role, ceiling)
	if err != nil {
		return hide(err)
	}
	return created(w, as)
}

func (a *API) unassignCase(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.evidence.Unassign(r.Context(), p, r.PathValue("id"), r.PathValue("user")); err != nil {
		return hide(err)
	}
	return noContent(w)
}

func (a *API) listItems(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	items, err := a.evidence.List(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return hide(err)
	}
	if items == nil {
		items = []evidence.Item{}
	}
	return ok(w, map[string]any{"items": items})
}

// itemJSON is an item with its custody timeline and pending hand-overs.
type itemJSON struct {
	Item      evidence.Item       `json:"item"`
	Custody   []custody.Event     `json:"custody"`
	Transfers []evidence.Transfer `json:"pending_transfers"`
}

func (a *API) getItem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	it, evs, err := a.evidence.Get(r.Context(), p, r.PathValue("id"), evidence.Note{Location: r.URL.Query().Get("location"),
		Reason: r.URL.Query().Get("reason")})
	if err != nil {
		return hide(err)
	}
	ts, err := a.evidence.PendingTransfers(r.Context(), p, it.ID)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []evidence.Transfer{}
	}
	return ok(w, itemJSON{Item: it, Custody: evs, Transfers: ts})
}

// itemQuery lists the query parameters of a one-shot upload: the item's
// metadata, and where and why it is received.
var itemQuery = []string{"name", "description", "source_device", "source_system", "source_location",
	"collected_by", "collected_at", "method", "tool", "tool_version", "legal_basis", "seal_number", "tlp",
	"retain_until", "supplied_hash", "location", "reason"}

// metadataFrom reads an item's metadata from query parameters.
func metadataFrom(q url.Values) (evidence.Metadata, evidence.Note, error) {
	m := evidence.Metadata{Name: q.Get("name"), Description: q.Get("description"), SourceDevice: q.Get("source_device"),
		SourceSystem: q.Get("source_system"), SourceLocation: q.Get("source_location"), CollectedBy: q.Get("collected_by"),
		Method: q.Get("method"), Tool: q.Get("tool"), ToolVersion: q.Get("tool_version"), LegalBasis: q.Get("legal_basis"),
		SealNumber: q.Get("seal_number"), SuppliedHash: q.Get("supplied_hash")}
	n := evidence.Note{Location: q.Get("location"), Reason: q.Get("reason")}
	var err error
	if m.CollectedAt, err = timeParam(q, "collected_at"); err != nil {
		return m, n, err
	}
	if m.RetainUntil, err = timeParam(q, "retain_until"); err != nil {
		return m, n, err
	}
	if s := q.Get("tlp"); s != "" {
		if m.TLP, err = tlp.Parse(s); err != nil {
			return m, n, errs.Invalid("evidence.bad_tlp", "choose a TLP level",
				errs.Field("tlp", "evidence.bad_tlp", "one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"))
		}
	}
	return m, n, nil
}

// longBody lifts the server's read deadline for a body that may take long
// (gigabytes of evidence); the vault bounds its size.
func longBody(w http.ResponseWriter) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
}

func (a *API) addItem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	caseID := r.PathValue("id")
	if _, err := a.evidence.Case(r.Context(), p, caseID); err != nil { // the case first: another's is 404
		return hide(err)
	}
	m, n, err := metadataFrom(r.URL.Query())
	if err != nil {
		return err
	}
	longBody(w)
	it, err := a.evidence.Add(r.Context(), p, caseID, m, n, r.Body)
	if err != nil {
		return hide(err)
	}
	return created(w, it)
}

func (a *API) downloadItem(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	rc, it, err := a.evidence.Download(r.Context(), p, r.PathValue("id"), evidence.Note{Reason: q.Get("reason"), Location: q.Get("location")})
	if err != nil {
		return hide(err)
	}
	defer rc.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(it.Name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-SHA256", it.SHA256)
	h.Set("Content-Length", strconv.FormatInt(it.Size, 10))
	if _, err := io.Copy(w, rc); err != nil {
		a.log.ErrorContext(r.Context(), "api: evidence download broke off", "item", it.ID, "err", err)
	}
	return nil
}
