package web

import (
	"net/http"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// dashboardView is the home page: registry and monitoring counts now, the
// capabilities to come as placeholders (no made-up figures).
type dashboardView struct {
	Base
	Orgs, Systems, Pending Count
	CanApprove             bool
	Own                    []org.Org // a constituent's organisations
	Coming                 []NavItem
	Monitoring             monitoringCounts
}

func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request, s *session) error {
	ctx, p := r.Context(), s.P
	v := dashboardView{Base: w.newBase(rw, r, s, "dashboard", "dashboard.title"),
		CanApprove: p.Can(auth.PermResourceApprove), Coming: comingNav}
	var err error
	if v.Monitoring, err = w.monitoringCounts(ctx, p); err != nil {
		return err
	}
	if !p.Can(auth.PermOrgRead) {
		return w.views.render(rw, r, http.StatusOK, "dashboard", &v)
	}
	if v.Orgs, err = countAll(func(pr page.Request) (page.Result[org.Org], error) {
		return w.org.ListOrgs(ctx, p, org.OrgFilter{}, pr)
	}); err != nil {
		return err
	}
	if v.Systems, err = countAll(func(pr page.Request) (page.Result[org.System], error) {
		return w.org.ListSystems(ctx, p, org.SystemFilter{}, pr)
	}); err != nil {
		return err
	}
	if v.Pending, err = countAll(func(pr page.Request) (page.Result[org.Resource], error) {
		return w.org.ListResources(ctx, p, org.ResourceFilter{Status: org.ClaimPending}, pr)
	}); err != nil {
		return err
	}
	if !p.Scope(auth.PermOrgRead).All {
		for _, id := range p.Orgs {
			if o, err := w.org.GetOrg(ctx, p, id); err == nil {
				v.Own = append(v.Own, o)
			}
		}
	}
	return w.views.render(rw, r, http.StatusOK, "dashboard", &v)
}
