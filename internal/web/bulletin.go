package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal"
)

// Awareness bulletins, staff side: the list (drafts, scheduled and
// published), writing one and editing one. Bulletins are written in
// Vietnamese and English side by side; the public portal shows them and
// serves their feeds (internal/publicweb). Who may write them, and the
// rules of their text, are the portal.Service's.

// bulletinNav is the bulletins' navigation entry for those who write them.
func bulletinNav(p auth.Principal) []NavItem {
	if p.Can(auth.PermPortalReview) {
		return []NavItem{{ID: "bulletins", Key: "nav.bulletins", Href: "/portal-bulletins"}}
	}
	return nil
}

type bulletinListView struct {
	Base
	Items []bulletinRow
	Pager Pager
}

// bulletinRow is a bulletin with its state now.
type bulletinRow struct {
	portal.Bulletin
	State string // draft, scheduled, published
}

func (w *Web) bulletinList(rw http.ResponseWriter, r *http.Request, s *session) error {
	q := r.URL.Query()
	res, err := w.portal.StaffBulletins(r.Context(), s.P, page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v := bulletinListView{Base: w.newBase(rw, r, s, "bulletins", "bulletin.title"), Pager: pager("/portal-bulletins", q, res.Next)}
	for _, b := range res.Items {
		v.Items = append(v.Items, bulletinRow{Bulletin: b, State: bulletinState(b, w.now())})
	}
	return w.views.render(rw, r, http.StatusOK, "bulletins", &v)
}

var bulletinFields = []string{"category", "title_vi", "title_en", "body_vi", "body_en", "published_at", "version"}

type bulletinFormView struct {
	Base
	Form       *Form
	Categories []Option
	ID         string // "" for a new bulletin
}

func (w *Web) renderBulletinForm(rw http.ResponseWriter, r *http.Request, s *session, id string, f *Form) error {
	title := "bulletin.new_title"
	if id != "" {
		title = "bulletin.edit_title"
	}
	v := bulletinFormView{Base: w.newBase(rw, r, s, "bulletins", title), Form: f, ID: id,
		Categories: enumOptions("bulletin_cat.", portal.BulletinCategories)}
	return w.views.render(rw, r, f.Status(), "bulletin_form", &v)
}

func (w *Web) bulletinNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if !s.P.Can(auth.PermPortalReview) {
		return errs.New(errs.KindForbidden, "portal.forbidden", "you may not write bulletins")
	}
	return w.renderBulletinForm(rw, r, s, "", newForm(bulletinFields...))
}

func (w *Web) bulletinEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	b, err := w.portal.StaffBulletin(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(bulletinFields...)
	f.Set("category", string(b.Category))
	f.Set("title_vi", b.TitleVI)
	f.Set("title_en", b.TitleEN)
	f.Set("body_vi", b.BodyVI)
	f.Set("body_en", b.BodyEN)
	f.Set("version", strconv.Itoa(b.Version))
	if !b.PublishedAt.IsZero() {
		f.Set("published_at", b.PublishedAt.In(w.zone()).Format("2006-01-02T15:04"))
	}
	return w.renderBulletinForm(rw, r, s, b.ID, f)
}

// bulletinInput reads the form; a publication time it cannot read is
// marked beside its input.
func (w *Web) bulletinInput(f *Form) (portal.BulletinInput, bool) {
	in := portal.BulletinInput{Category: portal.BulletinCategory(f.Get("category")), TitleVI: f.Get("title_vi"),
		TitleEN: f.Get("title_en"), BodyVI: f.Get("body_vi"), BodyEN: f.Get("body_en")}
	if v := strings.TrimSpace(f.Get("published_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, w.zone())
		if err != nil {
			f.Fail(errs.Field("published_at", "portal.bad_time", "a date and time such as 2026-03-01T08:00"))
			return in, false
		}
		in.PublishedAt = t
	}
	return in, true
}

func (w *Web) bulletinCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, bulletinFields...)
	if err != nil {
		return err
	}
	in, ok := w.bulletinInput(f)
	if !ok {
		return w.renderBulletinForm(rw, r, s, "", f)
	}
	if _, err := w.portal.CreateBulletin(r.Context(), s.P, in); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderBulletinForm(rw, r, s, "", f)
	}
	return w.redirect(rw, r, "/portal-bulletins", "flash.bulletin_saved")
}

func (w *Web) bulletinUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, bulletinFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in, ok := w.bulletinInput(f)
	if !ok {
		return w.renderBulletinForm(rw, r, s, id, f)
	}
	if _, err := w.portal.UpdateBulletin(r.Context(), s.P, id, f.Int("version"), in); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderBulletinForm(rw, r, s, id, f)
	}
	return w.redirect(rw, r, "/portal-bulletins", "flash.bulletin_saved")
}

// bulletinState is "draft", "scheduled" or "published" at now.
func bulletinState(b portal.Bulletin, now time.Time) string {
	switch {
	case b.PublishedAt.IsZero():
		return "draft"
	case b.PublishedAt.After(now):
		return "scheduled"
	}
	return "published"
}
