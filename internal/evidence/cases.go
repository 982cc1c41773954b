package evidence

import (
	"context"
	"fmt"
	"slices"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/tlp"
)

// OpenCase opens a case for evidence. With an ID (an incident's, later) it
// is idempotent: a case that exists for the same organisation is returned
// as it is; for another organisation it is a conflict.
func (s *Service) OpenCase(ctx context.Context, p auth.Principal, c Case) (Case, error) {
	if !p.Can(auth.PermEvidenceAssign) {
		return Case{}, errForbidden
	}
	if c.ID == "" {
		c.ID = newID()
	}
	if err := checkCaseID(c.ID); err != nil {
		return Case{}, err
	}
	var ck checker
	ck.text("reference", c.Reference, maxShort, false)
	ck.text("title", c.Title, maxShort, false)
	if c.OrgID == "" {
		ck.fields.Add("org_id", "evidence.required", "required")
	}
	if err := ck.err("evidence.invalid_case"); err != nil {
		return Case{}, err
	}
	if !p.CanOn(auth.PermEvidenceAssign, c.OrgID) {
		return Case{}, errs.Invalid("evidence.bad_org", "no such organisation",
			errs.Field("org_id", "evidence.bad_org", "no such organisation"))
	}
	c.CreatedBy, c.CreatedAt = p.Email, s.clock()
	return s.store.OpenCase(ctx, c, audit.New(p, "evidence.case_open", "evidence_case", c.ID, c.OrgID))
}

// Assign puts a user on a case in a role, or changes their role. Only
// investigators and coordinators can be assigned: administrators, who
// assign, never see evidence themselves.
func (s *Service) Assign(ctx context.Context, p auth.Principal, caseID, userID string, role CaseRole) (Assignment, error) {
	return s.AssignCleared(ctx, p, caseID, userID, role, 0)
}

// AssignCleared is Assign with a ceiling on the TLP the user sees in this
// case (zero: their role's clearance). A ceiling above the role's
// clearance changes nothing: the lower of the two applies.
func (s *Service) AssignCleared(ctx context.Context, p auth.Principal, caseID, userID string, role CaseRole, ceiling tlp.Level) (Assignment, error) {
	c, err := s.managedCase(ctx, p, caseID)
	if err != nil {
		return Assignment{}, err
	}
	if !role.Valid() {
		return Assignment{}, errs.Invalid("evidence.bad_case_role", "unknown case role",
			errs.Field("role", "evidence.bad_case_role", fmt.Sprintf("one of %v", CaseRoles)))
	}
	who, err := s.store.EvidencePerson(ctx, userID)
	if errs.Is(err, errs.KindNotFound) {
		return Assignment{}, errs.Invalid("evidence.bad_user", "no such user", errs.Field("user_id", "evidence.bad_user", "no such user"))
	}
	if err != nil {
		return Assignment{}, err
	}
	if who.Disabled || !slices.Contains([]auth.Role{auth.RoleInvestigator, auth.RoleCoordinator}, who.Role) {
		return Assignment{}, errs.Invalid("evidence.not_assignable", "only active investigators and coordinators can be assigned to a case",
			errs.Field("user_id", "evidence.not_assignable", fmt.Sprintf("%s is a %s", who.Email, who.Role)))
	}
	if ceiling != 0 && !ceiling.Valid() {
		return Assignment{}, errs.Invalid("evidence.bad_tlp", "not a TLP level",
			errs.Field("clearance", "evidence.bad_tlp", "one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"))
	}
	if ceiling == who.Role.Clearance() {
		ceiling = 0 // the role's own clearance: nothing to cap
	}
	a := Assignment{CaseID: c.ID, UserID: who.ID, Email: who.Email, Role: role, Clearance: ceiling, AssignedBy: p.Email, AssignedAt: s.clock()}
	detail := map[string]any{"user": who.ID, "email": who.Email, "role": role}
	if ceiling != 0 {
		detail["clearance"] = ceiling.String()
	}
	return s.store.AssignCase(ctx, a, audit.New(p, "evidence.assign", "evidence_case", c.ID, c.OrgID).WithDetail(detail))
}

// Unassign takes a user off a case. A user who still holds items of the
// case must hand them over first.
func (s *Service) Unassign(ctx context.Context, p auth.Principal, caseID, userID string) error {
	c, err := s.managedCase(ctx, p, caseID)
	if err != nil {
		return err
	}
	n, err := s.store.CountHeld(ctx, caseID, userID)
	if err != nil {
		return err
	}
	if n > 0 {
		return errs.Conflict("evidence.still_holding",
			fmt.Sprintf("the user still holds %d items of this case: they must be handed over first", n))
	}
	return s.store.UnassignCase(ctx, caseID, userID, audit.New(p, "evidence.unassign", "evidence_case", c.ID, c.OrgID).
		WithDetail(map[string]any{"user": userID}))
}

// Assignments lists who is on a case, for those who assign and for the
// case's own members.
func (s *Service) Assignments(ctx context.Context, p auth.Principal, caseID string) ([]Assignment, error) {
	var err error
	if p.Can(auth.PermEvidenceAssign) {
		_, err = s.managedCase(ctx, p, caseID)
	} else {
		var v Viewer
		if _, v, err = s.caseAccess(ctx, p, auth.PermEvidenceRead, caseID); err == nil && v.Responder {
			return []Assignment{}, nil // a responder reads shared items, not who works the case
		}
	}
	if err != nil {
		return nil, err
	}
	return s.store.CaseAssignments(ctx, caseID)
}

// managedCase returns a case p may staff.
func (s *Service) managedCase(ctx context.Context, p auth.Principal, caseID string) (Case, error) {
	if err := checkCaseID(caseID); err != nil {
		return Case{}, err
	}
	if !p.Can(auth.PermEvidenceAssign) {
		return Case{}, errForbidden
	}
	return s.store.GetCase(ctx, p.Scope(auth.PermEvidenceAssign), caseID)
}
