package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/portal"
)

// The trusted reviewers page: coordinators designate users of alliance
// member organisations to work the scam review queue, and revoke them.
// The portal.Service decides who may; these pages only ask it.

// withTrustedReviewerNav adds the review queue to the navigation of a
// user who works it by designation rather than by role; the designation
// is read on every page, so a revocation hides the entry at once.
func (w *Web) withTrustedReviewerNav(ctx context.Context, p auth.Principal, nav []NavItem) []NavItem {
	if w.portal == nil || p.Can(auth.PermPortalReview) ||
		slices.ContainsFunc(nav, func(n NavItem) bool { return n.ID == "portal" }) || !w.portal.MayReview(ctx, p) {
		return nav
	}
	item := NavItem{ID: "portal", Key: "nav.portal", Href: "/portal-review"}
	i := slices.IndexFunc(nav, func(n NavItem) bool { return n.ID == "account" })
	if i < 0 {
		return append(nav, item)
	}
	return slices.Insert(nav, i, item)
}

// portalReviewersView lists designations with the form to add one.
type portalReviewersView struct {
	Base
	Reviewers []portal.Designation
	All       bool
	Form      *Form
}

// requireDesignator answers 404 to those who may not designate, so the
// page's existence is not advertised.
func requireDesignator(p auth.Principal) error {
	if !portal.MayDesignate(p) {
		return errs.NotFound("portal.reviewers_not_found")
	}
	return nil
}

func (w *Web) portalReviewers(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderPortalReviewers(rw, r, s, nil)
}

func (w *Web) renderPortalReviewers(rw http.ResponseWriter, r *http.Request, s *session, failed *Form) error {
	if err := requireDesignator(s.P); err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1"
	ds, err := w.portal.Reviewers(r.Context(), s.P, all)
	if err != nil {
		return err
	}
	f, status := newForm("email", "reason"), http.StatusOK
	if failed != nil {
		f, status = failed, failed.Status()
	}
	v := portalReviewersView{Base: w.newBase(rw, r, s, "portal-reviewers", "portal_reviewers.title"), Reviewers: ds,
		All: all, Form: f}
	return w.views.render(rw, r, status, "portal_reviewers", &v)
}

func (w *Web) portalDesignate(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := requireDesignator(s.P); err != nil {
		return err
	}
	f, err := readForm(rw, r, "email", "reason")
	if err != nil {
		return err
	}
	if _, err := w.portal.Designate(r.Context(), s.P, f.Get("email"), f.Get("reason")); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderPortalReviewers(rw, r, s, f)
	}
	return w.redirect(rw, r, "/portal-review/reviewers", "flash.portal_reviewer_designated")
}

func (w *Web) portalRevokeReviewer(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := requireDesignator(s.P); err != nil {
		return err
	}
	if _, err := readForm(rw, r); err != nil {
		return err
	}
	if _, err := w.portal.RevokeReviewer(r.Context(), s.P, r.PathValue("id")); err != nil {
		return err
	}
	return w.redirect(rw, r, "/portal-review/reviewers", "flash.portal_reviewer_revoked")
}
