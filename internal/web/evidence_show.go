package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// itemView is one item: its facts, its custody timeline, the hand-overs
// waiting for an answer and the custody acts the viewer may do.
type itemView struct {
	Base
	Item      evidence.Item
	Events    []custody.Event
	Pending   []evidence.Transfer
	IsHolder  bool
	People    []Option
	Kinds     []Option
	Transfer  *Form
	Record    *Form
	Download  *Form
	Hold      *Form
	Retention *Form
	Destroy   *Form
	Share     *Form
	// CanShare: the viewer may share the item with the incident's
	// responders or withdraw it (its custodian, or a coordinator);
	// ReadOnly: the viewer is a responder reading a shared item.
	CanShare, ReadOnly bool
	// What the viewer may do at the end of the item's life: place a hold
	// (evidence:write), release it, set retention and destroy
	// (evidence:dispose); Live is false once the item is destroyed.
	Live, CanHold, CanDispose bool
	Destroyable               bool   // hold released, retention passed
	Confirm                   string // what confirms destruction
	PrintedAt                 time.Time
}

var (
	transferFields = []string{"to", "reason", "location"}
	recordFields   = []string{"kind", "reason", "location", "seal", "to", "detail"}
	downloadFields = []string{"reason"}
	recordKinds    = []custody.Kind{custody.Analysed, custody.Sealed, custody.Unsealed, custody.Copied, custody.Returned}
)

// itemForms are the item page's forms, fresh unless one is being corrected.
type itemForms struct{ transfer, record, download, hold, retention, destroy, share *Form }

func (fs *itemForms) fill() {
	if fs.transfer == nil {
		fs.transfer = newForm(transferFields...)
	}
	if fs.record == nil {
		fs.record = newForm(recordFields...)
	}
	if fs.download == nil {
		fs.download = newForm(downloadFields...)
	}
	if fs.hold == nil {
		fs.hold = newForm(holdFields...)
	}
	if fs.retention == nil {
		fs.retention = newForm(retentionFields...)
	}
	if fs.destroy == nil {
		fs.destroy = newForm(destroyFields...)
	}
	if fs.share == nil {
		fs.share = newForm(shareFields...)
	}
}

// loadItem opens the item (an "accessed" custody event) for a page.
func (w *Web) loadItem(rw http.ResponseWriter, r *http.Request, s *session, titleKey string, fs itemForms) (itemView, error) {
	ctx, p := r.Context(), s.P
	it, evs, err := w.evidence.Get(ctx, p, r.PathValue("id"), evidence.Note{})
	if err != nil {
		return itemView{}, err
	}
	readOnly := !p.Can(auth.PermEvidenceRead) // a responder reading a shared item
	var pending []evidence.Transfer
	if !readOnly {
		if pending, err = w.evidence.PendingTransfers(ctx, p, it.ID); err != nil {
			return itemView{}, err
		}
	}
	fs.fill()
	v := itemView{Base: w.newBase(rw, r, s, "evidence", titleKey), Item: it, Events: evs, Pending: pending,
		IsHolder: it.HolderID == p.UserID, Kinds: enumOptions("custody_kind.", recordKinds),
		Transfer: fs.transfer, Record: fs.record, Download: fs.download, Hold: fs.hold, Retention: fs.retention,
		Destroy: fs.destroy, Share: fs.share, ReadOnly: readOnly, PrintedAt: w.now(), Live: it.State != evidence.StateDestroyed, Confirm: confirmCode(it),
		CanHold: p.CanOn(auth.PermEvidenceWrite, it.OrgID), CanDispose: p.CanOn(auth.PermEvidenceDispose, it.OrgID)}
	v.CanShare = v.Live && v.CanHold && (v.IsHolder || p.Role == auth.RoleCoordinator)
	v.Destroyable = !it.LegalHold && !it.RetainUntil.IsZero() && !w.now().Before(it.RetainUntil)
	if v.Retention.Get("retain_until") == "" && !it.RetainUntil.IsZero() {
		v.Retention.Set("retain_until", it.RetainUntil.In(w.zone()).Format(time.DateOnly))
	}
	v.Title = it.Name
	if v.IsHolder {
		v.People = w.evidenceAssignees(r, p, it.CaseID)
	}
	return v, nil
}

func (w *Web) renderItem(rw http.ResponseWriter, r *http.Request, s *session, fs itemForms) error {
	v, err := w.loadItem(rw, r, s, "evidence.item_title", fs)
	if err != nil {
		return err
	}
	status := max(v.Transfer.Status(), v.Record.Status(), v.Download.Status(), v.Hold.Status(), v.Retention.Status(),
		v.Destroy.Status(), v.Share.Status())
	return w.views.render(rw, r, status, "evidence_item", &v)
}

func (w *Web) itemShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderItem(rw, r, s, itemForms{})
}

// itemCustodyForm is the printable chain-of-custody form.
func (w *Web) itemCustodyForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	v, err := w.loadItem(rw, r, s, "evidence.print_title", itemForms{})
	if err != nil {
		return err
	}
	return w.views.render(rw, r, http.StatusOK, "evidence_print", &v)
}

func (w *Web) itemBack(rw http.ResponseWriter, r *http.Request, flash string) error {
	return w.redirect(rw, r, "/evidence/items/"+url.PathEscape(r.PathValue("id")), flash)
}

func (w *Web) itemRecord(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, recordFields...)
	if err != nil {
		return err
	}
	_, err = w.evidence.Record(r.Context(), s.P, r.PathValue("id"), custody.Kind(f.Get("kind")), evidence.Note{
		Reason: f.Get("reason"), Location: f.Get("location"), Seal: f.Get("seal"), To: f.Get("to"), Detail: f.Get("detail")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{record: f})
	}
	return w.itemBack(rw, r, "flash.custody_recorded")
}

func (w *Web) itemTransfer(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, transferFields...)
	if err != nil {
		return err
	}
	_, err = w.evidence.RequestTransfer(r.Context(), s.P, r.PathValue("id"), f.Get("to"),
		evidence.Note{Reason: f.Get("reason"), Location: f.Get("location")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{transfer: f})
	}
	return w.itemBack(rw, r, "flash.transfer_requested")
}

// transferConfirm and transferDecline answer a hand-over; the form carries
// the item so the page can be shown again.
func (w *Web) transferConfirm(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "item", "reason")
	if err != nil {
		return err
	}
	it, err := w.evidence.ConfirmTransfer(r.Context(), s.P, r.PathValue("id"), evidence.Note{Reason: f.Get("reason")})
	if err != nil {
		return err
	}
	return w.redirect(rw, r, "/evidence/items/"+url.PathEscape(it.ID), "flash.transfer_confirmed")
}

func (w *Web) transferDecline(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "item", "reason")
	if err != nil {
		return err
	}
	t, err := w.evidence.EndTransfer(r.Context(), s.P, r.PathValue("id"), evidence.Note{Reason: f.Get("reason")})
	if err != nil {
		return err
	}
	return w.redirect(rw, r, "/evidence/items/"+url.PathEscape(t.ItemID), "flash.transfer_"+string(t.State))
}

// itemDownload streams the content; the "downloaded" custody event, with
// the reason given, is recorded first.
func (w *Web) itemDownload(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, downloadFields...)
	if err != nil {
		return err
	}
	rc, it, err := w.evidence.Download(r.Context(), s.P, r.PathValue("id"), evidence.Note{Reason: f.Get("reason")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{download: f})
	}
	defer rc.Close()
	_ = http.NewResponseController(rw).SetWriteDeadline(time.Time{})
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(it.Name))
	h.Set("Content-Length", strconv.FormatInt(it.Size, 10))
	h.Set("Cache-Control", "no-store")
	if _, err := io.Copy(rw, rc); err != nil {
		w.log.ErrorContext(r.Context(), "web: evidence download broke off", "item", it.ID, "err", err)
	}
	return nil
}
