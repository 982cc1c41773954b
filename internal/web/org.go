package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// OrgNode is an organisation with the visible organisations below it.
type OrgNode struct {
	Org      org.Org
	Children []*OrgNode
}

// orgListView is the tree of organisations, or the matches of a search.
type orgListView struct {
	Base
	Query     string
	Tree      []*OrgNode
	Matches   []org.Org
	Orgs      Orgs
	CanCreate bool
}

// buildTree nests orgs (sorted by name) by parent; an organisation whose
// parent is not visible is a root.
func buildTree(list []org.Org) []*OrgNode {
	nodes := make(map[string]*OrgNode, len(list))
	for _, o := range list {
		nodes[o.ID] = &OrgNode{Org: o}
	}
	var roots []*OrgNode
	for _, o := range list {
		n := nodes[o.ID]
		if parent, ok := nodes[o.ParentID]; ok && o.ParentID != o.ID {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

func (w *Web) orgList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p := r.Context(), s.P
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := orgListView{Base: w.newBase(rw, r, s, "orgs", "orgs.title"), Orgs: all,
		Query: strings.TrimSpace(r.URL.Query().Get("q")), CanCreate: p.Can(auth.PermOrgCreate)}
	if v.Query == "" {
		v.Tree = buildTree(all.List)
		return w.views.render(rw, r, http.StatusOK, "orgs", &v)
	}
	res, err := w.org.ListOrgs(ctx, p, org.OrgFilter{Query: v.Query}, page.Request{Limit: 200})
	if err != nil {
		return err
	}
	v.Matches = res.Items
	return w.views.render(rw, r, http.StatusOK, "orgs", &v)
}

// orgTabs are the sections of an organisation's page.
var orgTabs = []string{"contacts", "systems", "resources", "inventory"}

// orgView is one organisation with one of its sections.
type orgView struct {
	Base
	Org      org.Org
	Parent   *org.Org
	Children []org.Org
	Tab      string
	Tabs     []string

	Contacts  []ContactRow
	Systems   []org.System
	Resources []org.Resource
	Software  []org.Software
	SysNames  map[string]string
	Pager     Pager

	CanEdit, CanContact, CanSystem, CanClaim, CanInventory, CanApprove bool
}

// ContactRow is a contact and whether it needs confirming again.
type ContactRow struct {
	org.Contact
	Stale bool
}

func (w *Web) orgShow(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p := r.Context(), s.P
	o, err := w.org.GetOrg(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := orgView{Base: w.newBase(rw, r, s, "orgs", "org.title"), Org: o, Tabs: orgTabs, Tab: q.Get("tab"),
		CanEdit: p.CanOn(auth.PermOrgUpdate, o.ID), CanContact: p.CanOn(auth.PermContactWrite, o.ID),
		CanSystem: p.CanOn(auth.PermSystemWrite, o.ID), CanClaim: p.CanOn(auth.PermResourceClaim, o.ID),
		CanInventory: p.CanOn(auth.PermInventoryWrite, o.ID), CanApprove: p.Can(auth.PermResourceApprove)}
	v.Title = o.Name
	if !slices.Contains(orgTabs, v.Tab) {
		v.Tab = orgTabs[0]
	}
	if o.ParentID != "" {
		if parent, err := w.org.GetOrg(ctx, p, o.ParentID); err == nil {
			v.Parent = &parent
		}
	}
	kids, err := w.org.ListOrgs(ctx, p, org.OrgFilter{ParentID: o.ID}, page.Request{Limit: 200})
	if err != nil {
		return err
	}
	v.Children = kids.Items
	if err := w.loadOrgTab(r, &v, q.Get("cursor")); err != nil {
		return err
	}
	return w.views.render(rw, r, http.StatusOK, "org", &v)
}

// loadOrgTab reads one page of the chosen section.
func (w *Web) loadOrgTab(r *http.Request, v *orgView, cursor string) error {
	ctx, p, id := r.Context(), v.User, v.Org.ID
	pr := page.Request{Limit: 100, Cursor: cursor}
	var next string
	switch v.Tab {
	case "contacts":
		res, err := w.org.ListContacts(ctx, *p, org.ContactFilter{OrgID: id}, pr)
		if err != nil {
			return err
		}
		now := w.now()
		for _, c := range res.Items {
			v.Contacts = append(v.Contacts, ContactRow{Contact: c, Stale: c.NeedsReminder(now)})
		}
		next = res.Next
	case "systems":
		res, err := w.org.ListSystems(ctx, *p, org.SystemFilter{OrgID: id}, pr)
		if err != nil {
			return err
		}
		v.Systems, next = res.Items, res.Next
	case "resources":
		res, err := w.org.ListResources(ctx, *p, org.ResourceFilter{OrgID: id}, pr)
		if err != nil {
			return err
		}
		v.Resources, next = res.Items, res.Next
	case "inventory":
		res, err := w.org.ListSoftware(ctx, *p, org.SoftwareFilter{OrgID: id}, pr)
		if err != nil {
			return err
		}
		v.Software, next = res.Items, res.Next
		if v.SysNames, err = w.systemNames(r, *p, id); err != nil {
			return err
		}
	}
	v.Pager = pager("/orgs/"+url.PathEscape(id), url.Values{"tab": {v.Tab}, "cursor": {cursor}}, next)
	return nil
}

// systemNames maps the IDs of an organisation's systems to their names.
func (w *Web) systemNames(r *http.Request, p auth.Principal, orgID string) (map[string]string, error) {
	list, err := collect(func(pr page.Request) (page.Result[org.System], error) {
		return w.org.ListSystems(r.Context(), p, org.SystemFilter{OrgID: orgID}, pr)
	}, "name")
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, x := range list {
		m[x.ID] = x.Name
	}
	return m, nil
}

// orgFormView creates or edits an organisation.
type orgFormView struct {
	Base
	Form        *Form
	Org         org.Org // the organisation edited; zero when creating
	Parents     []Option
	Kinds       []Option
	Coordinator bool // may set the tree, kind, slug and coordinating flag
}

var orgFields = []string{"slug", "name", "parent_id", "kind", "sector", "province", "coordinating"}

func (w *Web) renderOrgForm(rw http.ResponseWriter, r *http.Request, s *session, f *Form, o org.Org) error {
	all, err := w.orgs(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := orgFormView{Base: w.newBase(rw, r, s, "orgs", "org.new_title"), Form: f, Org: o,
		Parents: all.Options(func(id string) bool { return id != o.ID }),
		Kinds:   enumOptions("kind.", org.Kinds), Coordinator: s.P.Can(auth.PermOrgCreate)}
	if o.ID != "" {
		v.TitleKey, v.Title = "org.edit_title", o.Name
	}
	return w.views.render(rw, r, f.Status(), "org_form", &v)
}

func (w *Web) orgNew(rw http.ResponseWriter, r *http.Request, s *session) error {
	if !s.P.Can(auth.PermOrgCreate) {
		return errs.New(errs.KindForbidden, "org.forbidden", "you may not create organisations")
	}
	f := newForm(orgFields...)
	f.Set("parent_id", r.URL.Query().Get("parent"))
	return w.renderOrgForm(rw, r, s, f, org.Org{})
}

func orgFromForm(f *Form) org.Org {
	return org.Org{Slug: f.Get("slug"), Name: f.Get("name"), ParentID: f.Get("parent_id"),
		Kind: org.Kind(f.Get("kind")), Sector: f.Get("sector"), Province: f.Get("province"),
		Coordinating: f.Bool("coordinating")}
}

func (w *Web) orgCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, orgFields...)
	if err != nil {
		return err
	}
	o, err := w.org.CreateOrg(r.Context(), s.P, orgFromForm(f))
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderOrgForm(rw, r, s, f, org.Org{})
	}
	return w.redirect(rw, r, "/orgs/"+url.PathEscape(o.ID), "flash.org_created")
}

func (w *Web) orgEdit(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(orgFields...)
	f.Set("slug", o.Slug)
	f.Set("name", o.Name)
	f.Set("parent_id", o.ParentID)
	f.Set("kind", string(o.Kind))
	f.Set("sector", o.Sector)
	f.Set("province", o.Province)
	f.SetBool("coordinating", o.Coordinating)
	return w.renderOrgForm(rw, r, s, f, o)
}

func (w *Web) orgUpdate(rw http.ResponseWriter, r *http.Request, s *session) error {
	cur, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, orgFields...)
	if err != nil {
		return err
	}
	o := orgFromForm(f)
	o.ID = cur.ID
	if !s.P.Can(auth.PermOrgCreate) { // the service keeps these for constituents
		o.Slug, o.Kind, o.ParentID, o.Coordinating = cur.Slug, cur.Kind, cur.ParentID, cur.Coordinating
	}
	if _, err := w.org.UpdateOrg(r.Context(), s.P, o); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderOrgForm(rw, r, s, f, cur)
	}
	return w.redirect(rw, r, "/orgs/"+url.PathEscape(cur.ID), "flash.org_saved")
}
