package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// contactFormView adds or edits a contact of an organisation.
type contactFormView struct {
	Base
	Form      *Form
	Org       org.Org
	Contact   org.Contact // zero when adding
	Roles     []Option
	Languages []Option
}

var contactFields = []string{"name", "role", "email", "phone", "pgp_fingerprint", "language"}

func (w *Web) renderContactForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form, o org.Org, c org.Contact) error {
	v := contactFormView{Base: w.newBase(rw, r, s, "orgs", "contact.new_title"), Form: f, Org: o, Contact: c,
		Roles: enumOptions("contact_role.", org.ContactRoles), Languages: enumOptions("lang.", Langs)}
	v.Title = o.Name
	if c.ID != "" {
		v.TitleKey = "contact.edit_title"
	}
	return w.views.render(rw, r, f.Status(), "contact_form", &v)
}

// contactOrg loads the organisation of the path, for a contact form.
func (w *Web) contactOrg(r *http.Request, s *session) (org.Org, error) {
	return w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
}

// findContact finds contact id among an organisation's contacts.
func (w *Web) findContact(ctx context.Context, p auth.Principal, orgID, id string) (org.Contact, error) {
	list, err := collect(func(pr page.Request) (page.Result[org.Contact], error) {
		return w.org.ListContacts(ctx, p, org.ContactFilter{OrgID: orgID}, pr)
	}, "name")
	if err != nil {
		return org.Contact{}, err
	}
	for _, c := range list {
		if c.ID == id {
			return c, nil
		}
	}
	return org.Contact{}, errs.NotFound("contact.not_found")
}

func contactFromForm(f *Form) org.Contact {
	return org.Contact{Name: f.Get("name"), Role: org.ContactRole(f.Get("role")), Email: f.Get("email"),
		Phone: f.Get("phone"), PGPFingerprint: f.Get("pgp_fingerprint"), Language: f.Get("language")}
}

func contactsURL(orgID string) string { return "/orgs/" + url.PathEscape(orgID) + "?tab=contacts" }

func (w *Web) contactNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	f := newForm(contactFields...)
	f.Set("language", "vi")
	return w.renderContactForm(rw, r, s, f, o, org.Contact{})
}

func (w *Web) contactCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, contactFields...)
	if err != nil {
		return err
	}
	c := contactFromForm(f)
	c.OrgID = o.ID
	if _, err := w.org.CreateContact(r.Context(), s.P, c); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderContactForm(rw, r, s, f, o, org.Contact{})
	}
	return w.redirect(rw, r, contactsURL(o.ID), "flash.contact_saved")
}

func (w *Web) contactEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	c, err := w.findContact(r.Context(), s.P, o.ID, r.PathValue("cid"))
	if err != nil {
		return err
	}
	f := newForm(contactFields...)
	for name, val := range map[string]string{"name": c.Name, "role": string(c.Role), "email": c.Email,
		"phone": c.Phone, "pgp_fingerprint": c.PGPFingerprint, "language": c.Language} {
		f.Set(name, val)
	}
	return w.renderContactForm(rw, r, s, f, o, c)
}

func (w *Web) contactUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	cur, err := w.findContact(r.Context(), s.P, o.ID, r.PathValue("cid"))
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, contactFields...)
	if err != nil {
		return err
	}
	c := contactFromForm(f)
	c.ID, c.OrgID, c.CreatedAt = cur.ID, cur.OrgID, cur.CreatedAt
	if _, err := w.org.UpdateContact(r.Context(), s.P, c); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderContactForm(rw, r, s, f, o, cur)
	}
	return w.redirect(rw, r, contactsURL(o.ID), "flash.contact_saved")
}

func (w *Web) contactConfirm(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	c, err := w.findContact(r.Context(), s.P, o.ID, r.PathValue("cid"))
	if err != nil {
		return err
	}
	if _, err := w.org.ConfirmContact(r.Context(), s.P, c.ID); err != nil {
		return err
	}
	return w.redirect(rw, r, contactsURL(o.ID), "flash.contact_confirmed")
}

func (w *Web) contactDelete(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.contactOrg(r, s)
	if err != nil {
		return err
	}
	c, err := w.findContact(r.Context(), s.P, o.ID, r.PathValue("cid"))
	if err != nil {
		return err
	}
	if err := w.org.DeleteContact(r.Context(), s.P, c.ID); err != nil {
		return err
	}
	return w.redirect(rw, r, contactsURL(o.ID), "flash.contact_deleted")
}
