package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// systemListView lists information systems with a filter.
type systemListView struct {
	Base
	Query  string
	Level  string
	OrgID  string
	Items  []org.System
	Orgs   Orgs
	Levels []Option
	Pager  Pager
	CanNew bool
}

func levelOptions() []Option {
	out := make([]Option, 0, org.MaxLevel)
	for l := org.MinLevel; l <= org.MaxLevel; l++ {
		out = append(out, Option{Value: strconv.Itoa(l), Key: "level." + strconv.Itoa(l)})
	}
	return out
}

func (w *Web) systemList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := systemListView{Base: w.newBase(rw, r, s, "systems", "systems.title"), Orgs: all,
		Query: strings.TrimSpace(q.Get("q")), Level: q.Get("level"), OrgID: q.Get("org"),
		Levels: levelOptions(), CanNew: p.Can(auth.PermSystemWrite)}
	level, _ := strconv.Atoi(v.Level)
	res, err := w.org.ListSystems(ctx, p, org.SystemFilter{OrgID: v.OrgID, Level: level, Query: v.Query},
		page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/systems", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "systems", &v)
}

// systemFormView registers or edits an information system.
type systemFormView struct {
	Base
	Form       *Form
	System     org.System // zero when creating
	Orgs       []Option
	Composites []Option
	Levels     []Option
	Statuses   []Option
}

var systemFields = []string{"org_id", "name", "description", "security_level", "level_basis", "personal_data",
	"state_secrets", "national_database", "internet_facing", "status", "parent_id"}

func (w *Web) renderSystemForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form, sys org.System) error {
	ctx, p := r.Context(), s.P
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	orgID := f.Get("org_id")
	v := systemFormView{Base: w.newBase(rw, r, s, "systems", "system.new_title"), Form: f, System: sys,
		Orgs:   all.Options(func(id string) bool { return p.CanOn(auth.PermSystemWrite, id) }),
		Levels: levelOptions(), Statuses: enumOptions("system_status.", org.SystemStatuses)}
	if sys.ID != "" {
		v.TitleKey, v.Title = "system.edit_title", sys.Name
	}
	if orgID != "" {
		list, err := collect(func(pr page.Request) (page.Result[org.System], error) {
			return w.org.ListSystems(ctx, p, org.SystemFilter{OrgID: orgID}, pr)
		}, "name")
		if err != nil {
			return err
		}
		for _, c := range list {
			if c.ParentID == "" && c.ID != sys.ID {
				v.Composites = append(v.Composites, Option{Value: c.ID, Label: c.Name})
			}
		}
	}
	return w.views.render(rw, r, f.Status(), "system_form", &v)
}

func systemFromForm(f *Form) org.System {
	return org.System{OrgID: f.Get("org_id"), ParentID: f.Get("parent_id"), Name: f.Get("name"),
		Description: f.Get("description"), Level: f.Int("security_level"), LevelBasis: f.Get("level_basis"),
		PersonalData: f.Bool("personal_data"), StateSecrets: f.Bool("state_secrets"),
		NationalDB: f.Bool("national_database"), InternetFacing: f.Bool("internet_facing"),
		Status: org.SystemStatus(f.Get("status"))}
}

func systemToForm(f *Form, sys org.System) {
	f.Set("org_id", sys.OrgID)
	f.Set("parent_id", sys.ParentID)
	f.Set("name", sys.Name)
	f.Set("description", sys.Description)
	f.Set("security_level", strconv.Itoa(sys.Level))
	f.Set("level_basis", sys.LevelBasis)
	f.SetBool("personal_data", sys.PersonalData)
	f.SetBool("state_secrets", sys.StateSecrets)
	f.SetBool("national_database", sys.NationalDB)
	f.SetBool("internet_facing", sys.InternetFacing)
	f.Set("status", string(sys.Status))
}

func (w *Web) systemNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	f := newForm(systemFields...)
	orgID := r.URL.Query().Get("org")
	if orgID == "" && len(s.P.Orgs) == 1 {
		orgID = s.P.Orgs[0]
	}
	f.Set("org_id", orgID)
	f.Set("status", string(org.SystemOperating))
	return w.renderSystemForm(rw, r, s, f, org.System{})
}

func (w *Web) systemCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, systemFields...)
	if err != nil {
		return err
	}
	sys, err := w.org.CreateSystem(r.Context(), s.P, systemFromForm(f))
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderSystemForm(rw, r, s, f, org.System{})
	}
	return w.redirect(rw, r, "/systems/"+url.PathEscape(sys.ID), "flash.system_created")
}

func (w *Web) systemEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	sys, err := w.org.GetSystem(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(systemFields...)
	systemToForm(f, sys)
	return w.renderSystemForm(rw, r, s, f, sys)
}

func (w *Web) systemUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	cur, err := w.org.GetSystem(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, systemFields...)
	if err != nil {
		return err
	}
	f.Set("org_id", cur.OrgID) // a system does not move between organisations
	sys := systemFromForm(f)
	sys.ID, sys.CreatedAt = cur.ID, cur.CreatedAt
	if _, err := w.org.UpdateSystem(r.Context(), s.P, sys); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderSystemForm(rw, r, s, f, cur)
	}
	return w.redirect(rw, r, "/systems/"+url.PathEscape(cur.ID), "flash.system_saved")
}

// systemView is one system with its components and software inventory.
type systemView struct {
	Base
	System     org.System
	OrgName    string
	Parent     *org.System
	Components []org.System
	Software   []org.Software
	Pager      Pager
	Form       *Form // add one inventory item
	CanEdit    bool
	CanAdd     bool
}

var softwareFields = []string{"cpe", "purl", "vendor", "product", "version"}

func (w *Web) systemShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderSystem(rw, r, s, newForm(softwareFields...))
}

func (w *Web) renderSystem(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	sys, err := w.org.GetSystem(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := systemView{Base: w.newBase(rw, r, s, "systems", "system.title"), System: sys, Form: f,
		CanEdit: p.CanOn(auth.PermSystemWrite, sys.OrgID), CanAdd: p.CanOn(auth.PermInventoryWrite, sys.OrgID)}
	v.Title = sys.Name
	if o, err := w.org.GetOrg(ctx, p, sys.OrgID); err == nil {
		v.OrgName = o.Name
	}
	siblings, err := collect(func(pr page.Request) (page.Result[org.System], error) {
		return w.org.ListSystems(ctx, p, org.SystemFilter{OrgID: sys.OrgID}, pr)
	}, "name")
	if err != nil {
		return err
	}
	for i := range siblings {
		switch {
		case siblings[i].ParentID == sys.ID:
			v.Components = append(v.Components, siblings[i])
		case siblings[i].ID == sys.ParentID:
			v.Parent = &siblings[i]
		}
	}
	res, err := w.org.ListSoftware(ctx, p, org.SoftwareFilter{SystemID: sys.ID}, page.Request{Limit: 100, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Software, v.Pager = res.Items, pager("/systems/"+url.PathEscape(sys.ID), url.Values{"cursor": {q.Get("cursor")}}, res.Next)
	return w.views.render(rw, r, f.Status(), "system", &v)
}

func (w *Web) softwareAdd(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, softwareFields...)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	item := org.Software{SystemID: id, CPE: f.Get("cpe"), PURL: f.Get("purl"), Vendor: f.Get("vendor"),
		Product: f.Get("product"), Version: f.Get("version")}
	if _, err := w.org.AddSoftware(r.Context(), s.P, item); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderSystem(rw, r, s, f)
	}
	return w.redirect(rw, r, "/systems/"+url.PathEscape(id)+"#inventory", "flash.software_added")
}

func (w *Web) softwareDelete(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "system_id")
	if err != nil {
		return err
	}
	if err := w.org.DeleteSoftware(r.Context(), s.P, r.PathValue("id")); err != nil {
		return err
	}
	back := "/systems"
	if id := f.Get("system_id"); id != "" {
		back = "/systems/" + url.PathEscape(id) + "#inventory"
	}
	return w.redirect(rw, r, back, "flash.software_deleted")
}
