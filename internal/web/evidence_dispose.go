package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
)

// The end of an item's life on its page: placing and releasing the legal
// hold, setting the retention date, and destruction. The vault enforces
// the safeguards (destruction only with the hold released, the retention
// date passed and no hand-over pending; releasing, retention and
// destruction only for evidence:dispose); the page adds one of its own:
// destruction is confirmed by typing the start of the item's SHA-256
// (DestroyConfirmed), so that no stray click on the wrong item destroys it.

var (
	holdFields      = []string{"hold", "reason", "location"}
	retentionFields = []string{"retain_until", "reason"}
	destroyFields   = []string{"confirm", "reason", "location"}
	shareFields     = []string{"shared", "reason"}
)

// confirmCode is what a person types to confirm an item's destruction.
func confirmCode(it evidence.Item) string {
	if len(it.SHA256) < evidence.MinConfirm {
		return it.SHA256
	}
	return it.SHA256[:evidence.MinConfirm]
}

func (w *Web) itemHold(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, holdFields...)
	if err != nil {
		return err
	}
	var on bool
	switch f.Get("hold") {
	case "on":
		on = true
	case "off":
	default:
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	_, err = w.evidence.SetHold(r.Context(), s.P, r.PathValue("id"), on, evidence.Note{Reason: f.Get("reason"), Location: f.Get("location")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{hold: f})
	}
	if on {
		return w.itemBack(rw, r, "flash.hold_placed")
	}
	return w.itemBack(rw, r, "flash.hold_released")
}

func (w *Web) itemRetention(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, retentionFields...)
	if err != nil {
		return err
	}
	day, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.Get("retain_until")), w.zone())
	if err != nil {
		f.Fail(errs.Field("retain_until", "evidence.bad_date", "a date such as 2031-12-31"))
		return w.renderItem(rw, r, s, itemForms{retention: f})
	}
	_, err = w.evidence.SetRetention(r.Context(), s.P, r.PathValue("id"), day, evidence.Note{Reason: f.Get("reason")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{retention: f})
	}
	return w.itemBack(rw, r, "flash.retention_set")
}

func (w *Web) itemDestroy(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, destroyFields...)
	if err != nil {
		return err
	}
	_, err = w.evidence.DestroyConfirmed(r.Context(), s.P, r.PathValue("id"), f.Get("confirm"),
		evidence.Note{Reason: f.Get("reason"), Location: f.Get("location")})
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{destroy: f})
	}
	return w.itemBack(rw, r, "flash.item_destroyed")
}

// itemShare shares the item with the responders mobilised to its case's
// incident, or withdraws it (a custody event either way).
func (w *Web) itemShare(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, shareFields...)
	if err != nil {
		return err
	}
	var on bool
	switch f.Get("shared") {
	case "on":
		on = true
	case "off":
	default:
		return errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	if _, err = w.evidence.Share(r.Context(), s.P, r.PathValue("id"), on, evidence.Note{Reason: f.Get("reason")}); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderItem(rw, r, s, itemForms{share: f})
	}
	if on {
		return w.itemBack(rw, r, "flash.item_shared")
	}
	return w.itemBack(rw, r, "flash.item_unshared")
}
