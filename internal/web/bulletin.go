package web

import (
	"errors"
	"io"
	"mime"
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

// bulletinNav is the bulletins' navigation entry for those who publish
// them: coordinators, and alliance members' administrators.
func bulletinNav(p auth.Principal) []NavItem {
	if p.Can(auth.PermBulletinPublish) {
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

// bulletinFields are the form's inputs; each picture slot has a file, the
// SHA-256 of the picture it holds (when editing), a removal box and two
// descriptions.
var bulletinFields = func() []string {
	fs := []string{"org_id", "category", "title_vi", "title_en", "body_vi", "body_en", "published_at", "version"}
	for i := range portal.MaxBulletinImages {
		fs = append(fs, portal.ImageField(i, ""), portal.ImageField(i, "_keep"), portal.ImageField(i, "_remove"),
			portal.ImageField(i, "_alt_vi"), portal.ImageField(i, "_alt_en"))
	}
	return fs
}()

type bulletinFormView struct {
	Base
	Form       *Form
	Categories []Option
	Publishers []Option
	Slots      []imageSlot
	ID         string // "" for a new bulletin
	MaxMiB     int
}

// imageSlot is one picture input of the form.
type imageSlot struct {
	N                          int    // from 1
	File, Keep, Remove, AV, AE string // input names
	Preview                    string // URL of the picture the slot holds, "" for none
}

func (w *Web) renderBulletinForm(rw http.ResponseWriter, r *http.Request, s *session, id string, f *Form) error {
	title := "bulletin.new_title"
	if id != "" {
		title = "bulletin.edit_title"
	}
	pubs, err := w.portal.Publishers(r.Context(), s.P)
	if err != nil {
		return err
	}
	if len(pubs) == 0 {
		return errs.New(errs.KindForbidden, "portal.bulletin_not_member", "only alliance members and the coordinating body publish bulletins")
	}
	v := bulletinFormView{Base: w.newBase(rw, r, s, "bulletins", title), Form: f, ID: id,
		Categories: enumOptions("bulletin_cat.", portal.BulletinCategories), MaxMiB: portal.MaxBulletinImageBytes >> 20}
	for _, p := range pubs {
		v.Publishers = append(v.Publishers, Option{Value: p.ID, Label: p.Name})
	}
	if len(pubs) == 1 && f.Get("org_id") == "" {
		f.Set("org_id", pubs[0].ID)
	}
	for i := range portal.MaxBulletinImages {
		sl := imageSlot{N: i + 1, File: portal.ImageField(i, ""), Keep: portal.ImageField(i, "_keep"),
			Remove: portal.ImageField(i, "_remove"), AV: portal.ImageField(i, "_alt_vi"), AE: portal.ImageField(i, "_alt_en")}
		if k := f.Get(sl.Keep); k != "" && id != "" {
			sl.Preview = "/portal-bulletins/" + id + "/images/" + k
		}
		v.Slots = append(v.Slots, sl)
	}
	return w.views.render(rw, r, f.Status(), "bulletin_form", &v)
}

func (w *Web) bulletinNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if !s.P.Can(auth.PermBulletinPublish) {
		return errs.New(errs.KindForbidden, "portal.bulletin_forbidden", "you may not publish bulletins")
	}
	return w.renderBulletinForm(rw, r, s, "", newForm(bulletinFields...))
}

func (w *Web) bulletinEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	b, err := w.portal.StaffBulletin(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(bulletinFields...)
	f.Set("org_id", b.OrgID)
	f.Set("category", string(b.Category))
	f.Set("title_vi", b.TitleVI)
	f.Set("title_en", b.TitleEN)
	f.Set("body_vi", b.BodyVI)
	f.Set("body_en", b.BodyEN)
	f.Set("version", strconv.Itoa(b.Version))
	if !b.PublishedAt.IsZero() {
		f.Set("published_at", b.PublishedAt.In(w.zone()).Format("2006-01-02T15:04"))
	}
	for i, im := range b.Images {
		f.Set(portal.ImageField(i, "_keep"), im.SHA256)
		f.Set(portal.ImageField(i, "_alt_vi"), im.AltVI)
		f.Set(portal.ImageField(i, "_alt_en"), im.AltEN)
	}
	return w.renderBulletinForm(rw, r, s, b.ID, f)
}

// maxBulletinBody bounds the whole multipart form: the pictures and the text.
const maxBulletinBody = portal.MaxBulletinImages*(portal.MaxBulletinImageBytes+64<<10) + maxFormBody

// readBulletinForm reads the form, urlencoded or multipart, and the
// pictures' bytes. A file over the limit is marked beside its input (the
// portal checks everything else of it).
func readBulletinForm(rw http.ResponseWriter, r *http.Request) (*Form, [][]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		f, err := readForm(rw, r, bulletinFields...)
		return f, make([][]byte, portal.MaxBulletinImages), err
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxBulletinBody)
	if err := r.ParseMultipartForm(maxFormBody); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, nil, errs.New(errs.KindTooLarge, "request.too_large", "the form is too large")
		}
		return nil, nil, errs.New(errs.KindBadRequest, "request.bad_form", "the form could not be read")
	}
	defer r.MultipartForm.RemoveAll()
	f := newForm(bulletinFields...)
	for _, name := range bulletinFields {
		if v, ok := r.MultipartForm.Value[name]; ok {
			f.Values[name] = v
		}
	}
	files := make([][]byte, portal.MaxBulletinImages)
	for i := range files {
		name := portal.ImageField(i, "")
		hs := r.MultipartForm.File[name]
		if len(hs) == 0 || hs[0].Size == 0 {
			continue
		}
		if hs[0].Size > portal.MaxBulletinImageBytes {
			f.Fail(errs.Field(name, portal.CodeImageLarge, "a picture may be at most 2 MiB"))
			continue
		}
		fh, err := hs[0].Open()
		if err != nil {
			return nil, nil, err
		}
		files[i], err = io.ReadAll(io.LimitReader(fh, portal.MaxBulletinImageBytes+1))
		fh.Close()
		if err != nil {
			return nil, nil, err
		}
	}
	return f, files, nil
}

// bulletinInput reads the form; a publication time it cannot read is
// marked beside its input.
func (w *Web) bulletinInput(f *Form, files [][]byte) (portal.BulletinInput, bool) {
	in := portal.BulletinInput{OrgID: f.Get("org_id"), Category: portal.BulletinCategory(f.Get("category")),
		TitleVI: f.Get("title_vi"), TitleEN: f.Get("title_en"), BodyVI: f.Get("body_vi"), BodyEN: f.Get("body_en")}
	ok := len(f.Errors) == 0
	if v := strings.TrimSpace(f.Get("published_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, w.zone())
		if err != nil {
			f.Fail(errs.Field("published_at", "portal.bad_time", "a date and time such as 2026-03-01T08:00"))
			ok = false
		}
		in.PublishedAt = t
	}
	for i := range portal.MaxBulletinImages {
		im := portal.BulletinImageInput{Data: files[i], AltVI: f.Get(portal.ImageField(i, "_alt_vi")),
			AltEN: f.Get(portal.ImageField(i, "_alt_en"))}
		if !f.Bool(portal.ImageField(i, "_remove")) {
			im.Keep = f.Get(portal.ImageField(i, "_keep"))
		}
		in.Images = append(in.Images, im)
	}
	return in, ok
}

func (w *Web) bulletinCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, files, err := readBulletinForm(rw, r)
	if err != nil {
		return err
	}
	in, ok := w.bulletinInput(f, files)
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
	f, files, err := readBulletinForm(rw, r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	in, ok := w.bulletinInput(f, files)
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

// bulletinImage serves a picture of a bulletin the user may publish for,
// drafts too, for the form's previews.
func (w *Web) bulletinImage(rw http.ResponseWriter, r *http.Request, s *session) error {
	im, rc, err := w.portal.StaffBulletinImage(r.Context(), s.P, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	defer rc.Close()
	rw.Header().Set("Content-Type", im.Type)
	rw.Header().Set("Content-Length", strconv.FormatInt(im.Size, 10))
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Cache-Control", "private, no-store")
	_, err = io.Copy(rw, rc)
	return err
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
