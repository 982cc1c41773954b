package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

var (
	resourceTypes = []org.ResourceType{org.ResourceCIDR, org.ResourceASN, org.ResourceDomain}
	claimStatuses = []org.ClaimStatus{org.ClaimPending, org.ClaimApproved, org.ClaimRejected}
)

// resourceListView lists internet resource claims with a filter.
type resourceListView struct {
	Base
	Query, Type, Status, OrgID string
	Items                      []org.Resource
	Orgs                       Orgs
	Types, Statuses            []Option
	Pager                      Pager
	CanApprove                 bool
}

func (w *Web) resourceList(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	v := resourceListView{Base: w.newBase(rw, r, s, "resources", "resources.title"), Orgs: all,
		Query: strings.TrimSpace(q.Get("q")), Type: q.Get("type"), Status: q.Get("status"), OrgID: q.Get("org"),
		Types: enumOptions("resource_type.", resourceTypes), Statuses: enumOptions("claim_status.", claimStatuses),
		CanApprove: p.Can(auth.PermResourceApprove)}
	f := org.ResourceFilter{OrgID: v.OrgID, Type: org.ResourceType(v.Type), Status: org.ClaimStatus(v.Status), Query: v.Query}
	res, err := w.org.ListResources(ctx, p, f, page.Request{Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/resources", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "resources", &v)
}

// QueueItem is one pending claim with its own reject form.
type QueueItem struct {
	org.Resource
	Form *Form
}

// queueView is the coordinators' approval queue.
type queueView struct {
	Base
	Items []QueueItem
	Orgs  Orgs
	Pager Pager
}

func (w *Web) resourceQueue(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderQueue(rw, r, s, "", nil)
}

// renderQueue shows the pending claims; failed is the reject form of item
// failedID when it was refused.
func (w *Web) renderQueue(rw http.ResponseWriter, r *http.Request, s *session, failedID string, failed *Form) error {
	ctx, p, q := r.Context(), s.P, r.URL.Query()
	if !p.Can(auth.PermResourceApprove) {
		return errs.New(errs.KindForbidden, "resource.forbidden", "only coordinators decide claims")
	}
	all, err := w.orgs(ctx, p)
	if err != nil {
		return err
	}
	res, err := w.org.ListResources(ctx, p, org.ResourceFilter{Status: org.ClaimPending},
		page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: "claimed_at"})
	if err != nil {
		return err
	}
	v := queueView{Base: w.newBase(rw, r, s, "queue", "queue.title"), Orgs: all,
		Pager: pager("/resources/queue", q, res.Next)}
	status := http.StatusOK
	for _, it := range res.Items {
		f := newForm("reason")
		if it.ID == failedID && failed != nil {
			f, status = failed, failed.Status()
		}
		v.Items = append(v.Items, QueueItem{Resource: it, Form: f})
	}
	return w.views.render(rw, r, status, "queue", &v)
}

func (w *Web) approve(rw http.ResponseWriter, r *http.Request, s *session) error {
	if _, err := w.org.DecideResource(r.Context(), s.P, r.PathValue("id"), org.Decision{Approve: true}); err != nil {
		return err
	}
	return w.redirect(rw, r, "/resources/queue", "flash.claim_approved")
}

func (w *Web) reject(rw http.ResponseWriter, r *http.Request, s *session) error {
	f, err := readForm(rw, r, "reason")
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := w.org.DecideResource(r.Context(), s.P, id, org.Decision{Reason: f.Get("reason")}); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderQueue(rw, r, s, id, f)
	}
	return w.redirect(rw, r, "/resources/queue", "flash.claim_rejected")
}

func (w *Web) withdraw(rw http.ResponseWriter, r *http.Request, s *session) error {
	res, err := w.org.GetResource(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := w.org.DeleteResource(r.Context(), s.P, res.ID); err != nil {
		return err
	}
	return w.redirect(rw, r, "/orgs/"+url.PathEscape(res.OrgID)+"?tab=resources", "flash.claim_withdrawn")
}

// claimFormView claims a CIDR, ASN or domain for an organisation.
type claimFormView struct {
	Base
	Form  *Form
	Org   org.Org
	Types []Option
}

var claimFields = []string{"type", "value", "note"}

func (w *Web) renderClaim(rw http.ResponseWriter, r *http.Request, s *session, f *Form, o org.Org) error {
	v := claimFormView{Base: w.newBase(rw, r, s, "resources", "claim.title"), Form: f, Org: o,
		Types: enumOptions("resource_type.", resourceTypes)}
	v.Title = o.Name
	return w.views.render(rw, r, f.Status(), "claim_form", &v)
}

func (w *Web) claimForm(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f := newForm(claimFields...)
	f.Set("type", string(org.ResourceCIDR))
	return w.renderClaim(rw, r, s, f, o)
}

func (w *Web) claim(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, err := w.org.GetOrg(r.Context(), s.P, r.PathValue("id"))
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, claimFields...)
	if err != nil {
		return err
	}
	res := org.Resource{OrgID: o.ID, Type: org.ResourceType(f.Get("type")), Value: f.Get("value"), Note: f.Get("note")}
	if _, err := w.org.ClaimResource(r.Context(), s.P, res); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderClaim(rw, r, s, f, o)
	}
	return w.redirect(rw, r, "/orgs/"+url.PathEscape(o.ID)+"?tab=resources", "flash.claim_sent")
}
