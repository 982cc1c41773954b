package portal

import (
	"context"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
)

// Trusted alliance reviewers. Besides the roles holding PermPortalReview
// (administrators, coordinators), a coordinator may designate individual
// users of an alliance member organisation as trusted reviewers: they work
// the review queue like a coordinator and count as one of the two
// different reviewers an entry needs, but they see no reporter's contact,
// decide no appeal, file no report and designate nobody. A designation
// acts through the user's browser session only: API tokens carry a subset
// of their role's permissions, and portal review is not one of them.

// Designation is one user's standing as a trusted reviewer.
type Designation struct {
	ID             string    `json:"id"`
	UserID         string    `json:"user_id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Org            string    `json:"org"` // the user's alliance member organisation (the first by name)
	Reason         string    `json:"reason"`
	GrantedBy      string    `json:"granted_by"`
	GrantedByEmail string    `json:"granted_by_email"`
	GrantedAt      time.Time `json:"granted_at"`
	RevokedBy      string    `json:"revoked_by,omitempty"`
	RevokedAt      time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether the designation is still in force.
func (d Designation) Active() bool { return d.RevokedAt.IsZero() }

// Candidate is what the store knows of a user who may be designated.
type Candidate struct {
	UserID         string
	Email          string
	Name           string
	Active         bool // an enabled account
	AllianceMember bool // a member of at least one alliance member organisation
}

// ReviewerStore keeps the designations. Changes append the given audit
// entry in the same transaction, filling its target.
type ReviewerStore interface {
	// ReviewerCandidate finds a user by e-mail (KindNotFound when none).
	ReviewerCandidate(ctx context.Context, email string) (Candidate, error)
	// TrustedReviewer reports whether the user holds a designation not
	// revoked and still qualifies (enabled, an alliance member's member).
	TrustedReviewer(ctx context.Context, userID string) (bool, error)
	// ListReviewers lists designations, newest first; revoked ones too
	// when all is set.
	ListReviewers(ctx context.Context, all bool) ([]Designation, error)
	// Designate stores a new designation; a user already designated is
	// errs.KindConflict with CodeAlreadyReviewer.
	Designate(ctx context.Context, d Designation, a audit.Entry) (Designation, error)
	// RevokeReviewer revokes a user's designation in force (KindNotFound
	// when there is none).
	RevokeReviewer(ctx context.Context, userID, by string, at time.Time, a audit.Entry) (Designation, error)
}

// Codes of the designation rules.
const (
	CodeAlreadyReviewer = "portal.reviewer_exists"
	CodeNotEligible     = "portal.reviewer_not_eligible"
	CodeBadDesignation  = "portal.bad_designation"
)

var designationReasonRule = textRule{field: "reason", max: 500, required: true, multiLine: true}

// mayReview is THE decision of who may work the review queue: a principal
// holding PermPortalReview, or a user whose designation as a trusted
// reviewer is in force right now (so a revocation takes effect at once).
// trusted reports the second case.
func (s *Service) mayReview(ctx context.Context, p auth.Principal) (r Reviewer, trusted bool, err error) {
	if p.Can(auth.PermPortalReview) {
		return Reviewer{ID: p.UserID, Label: p.Email}, false, nil
	}
	if s.d.Reviewers != nil && p.Stage == auth.StageDone && p.TokenID == "" && p.UserID != "" {
		ok, err := s.d.Reviewers.TrustedReviewer(ctx, p.UserID)
		if err != nil {
			return Reviewer{}, false, err
		}
		if ok {
			return Reviewer{ID: p.UserID, Label: p.Email, Trusted: true}, true, nil
		}
	}
	return Reviewer{}, false, errs.New(errs.KindForbidden, "portal.forbidden", "you may not review reports")
}

// MayReview reports whether p may work the review queue now, for pages
// deciding what to offer; the Service checks again on every call.
func (s *Service) MayReview(ctx context.Context, p auth.Principal) bool {
	_, _, err := s.mayReview(ctx, p)
	return err == nil
}

// MayDesignate reports whether p may designate trusted reviewers.
func MayDesignate(p auth.Principal) bool { return p.Can(auth.PermPortalReview) }

func (s *Service) reviewerStore() (ReviewerStore, error) {
	if s.d.Reviewers == nil {
		return nil, errs.New(errs.KindUnavailable, "portal.reviewers_off", "trusted reviewers are not kept by this process")
	}
	return s.d.Reviewers, nil
}

func designator(p auth.Principal) error {
	if !MayDesignate(p) {
		return errs.New(errs.KindForbidden, "portal.forbidden", "only coordinators designate trusted reviewers")
	}
	return nil
}

// Reviewers lists the designations for a coordinator; all includes the
// revoked ones.
func (s *Service) Reviewers(ctx context.Context, p auth.Principal, all bool) ([]Designation, error) {
	if err := designator(p); err != nil {
		return nil, err
	}
	st, err := s.reviewerStore()
	if err != nil {
		return nil, err
	}
	return st.ListReviewers(ctx, all)
}

// Designate makes the user with the given e-mail a trusted reviewer. Only
// an enabled member of an alliance member organisation qualifies; every
// refusal names its field and stores nothing.
func (s *Service) Designate(ctx context.Context, p auth.Principal, email, reason string) (Designation, error) {
	if err := designator(p); err != nil {
		return Designation{}, err
	}
	st, err := s.reviewerStore()
	if err != nil {
		return Designation{}, err
	}
	var fs errs.Fields
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		fs.Add("email", "portal.email_required", "give the e-mail address of the user to designate")
	} else if len(email) > 254 || !strings.Contains(email, "@") {
		fs.Add("email", "portal.bad_email", "give a valid e-mail address")
	}
	reason = designationReasonRule.clean(reason, &fs)
	var c Candidate
	if len(fs) == 0 {
		c, err = st.ReviewerCandidate(ctx, email)
		switch {
		case errs.Is(err, errs.KindNotFound):
			fs.Add("email", "portal.reviewer_unknown", "no user has this e-mail address")
		case err != nil:
			return Designation{}, err
		case !c.Active:
			fs.Add("email", "portal.reviewer_disabled", "this user's account is disabled")
		case !c.AllianceMember:
			fs.Add("email", CodeNotEligible, "only members of an alliance member organisation may be designated")
		case c.UserID == p.UserID:
			fs.Add("email", "portal.reviewer_self", "you may not designate yourself")
		}
	}
	if err := fs.Err(CodeBadDesignation); err != nil {
		return Designation{}, err
	}
	d := Designation{UserID: c.UserID, Email: c.Email, Name: c.Name, Reason: reason, GrantedBy: p.UserID,
		GrantedByEmail: p.Email, GrantedAt: s.now()}
	a := audit.New(p, "portal.reviewer_designate", "portal_reviewer", "", "").WithDetail(map[string]any{
		"user_id": c.UserID, "email": c.Email})
	return st.Designate(ctx, d, a)
}

// RevokeReviewer ends a user's designation; it takes effect at once.
func (s *Service) RevokeReviewer(ctx context.Context, p auth.Principal, userID string) (Designation, error) {
	if err := designator(p); err != nil {
		return Designation{}, err
	}
	st, err := s.reviewerStore()
	if err != nil {
		return Designation{}, err
	}
	a := audit.New(p, "portal.reviewer_revoke", "portal_reviewer", "", "").WithDetail(map[string]any{"user_id": userID})
	return st.RevokeReviewer(ctx, userID, p.UserID, s.now(), a)
}
