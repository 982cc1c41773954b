package auth

import (
	"slices"

	"github.com/khien-cert/khien/internal/tlp"
)

// Role is what a user is to the platform.
type Role string

const (
	RoleAdministrator      Role = "administrator"
	RoleCoordinator        Role = "coordinator"
	RoleConstituentAdmin   Role = "constituent-admin"
	RoleConstituentAnalyst Role = "constituent-analyst"
	RoleResponder          Role = "responder"
	RoleInvestigator       Role = "investigator"
	RoleLeadership         Role = "leadership"
)

// Roles lists every role, in the order the UI shows them.
var Roles = []Role{RoleAdministrator, RoleCoordinator, RoleConstituentAdmin,
	RoleConstituentAnalyst, RoleResponder, RoleInvestigator, RoleLeadership}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// National reports whether the role works across every organisation
// (as opposed to a constituent or responder role bound to memberships).
func (r Role) National() bool {
	switch r {
	case RoleAdministrator, RoleCoordinator, RoleInvestigator, RoleLeadership:
		return true
	}
	return false
}

// RequiresTOTP reports whether users of this role must enrol a second factor.
func (r Role) RequiresTOTP() bool {
	switch r {
	case RoleAdministrator, RoleCoordinator, RoleInvestigator:
		return true
	}
	return false
}

// Permission names one kind of action. Tokens carry a subset of their user's.
type Permission string

const (
	PermOrgRead         Permission = "org:read"         // see organisations and their registry
	PermOrgCreate       Permission = "org:create"       // create organisations anywhere in the tree
	PermOrgUpdate       Permission = "org:update"       // edit an organisation's own details
	PermContactWrite    Permission = "contact:write"    // add, edit, confirm contacts
	PermSystemWrite     Permission = "system:write"     // register information systems
	PermResourceClaim   Permission = "resource:claim"   // claim CIDRs, ASNs, domains
	PermResourceApprove Permission = "resource:approve" // approve or reject claims
	PermInventoryWrite  Permission = "inventory:write"  // software inventory, CSV import
	PermUserManage      Permission = "user:manage"      // users and memberships
	PermTokenManage     Permission = "token:manage"     // API tokens of other users
	PermAuditRead       Permission = "audit:read"       // read and verify the audit trail
	PermSensorManage    Permission = "sensor:manage"    // register sensors, rotate their tokens
	PermIntelRead       Permission = "intel:read"       // read indicators and feeds (TLP applies)
	PermIntelManage     Permission = "intel:manage"     // feeds, imports, indicators
	PermAlertRead       Permission = "alert:read"       // see alerts concerning an organisation
	PermAlertTriage     Permission = "alert:triage"     // acknowledge, false positive, escalate
	// Evidence: reach says on which organisations' cases; seeing a case's
	// evidence also needs an assignment to the case (see package evidence).
	PermEvidenceRead    Permission = "evidence:read"    // see assigned cases' evidence and custody
	PermEvidenceWrite   Permission = "evidence:write"   // add items, record custody, transfer, export
	PermEvidenceAssign  Permission = "evidence:assign"  // open cases and assign investigators to them
	PermEvidenceDispose Permission = "evidence:dispose" // release legal holds, set retention, destroy
	// evidence:shared lets a responder read, never change, the items shared
	// with the responders of an incident. Its reach is all, but it takes
	// effect only through an active mobilisation: the evidence store shows
	// such a reader only shared items of cases whose incident it holds an
	// un-revoked incident_members row for (see package evidence).
	PermEvidenceShared Permission = "evidence:shared" // read items shared with a mobilised responder
	// Public portal: the scam-report review queue is national.
	PermPortalReview Permission = "portal:review" // work the review queue: read reports, confirm, reject, renew
	PermPortalAppeal Permission = "portal:appeal" // decide appeals against listed entries
	// Awareness bulletins: an alliance member publishes on its own behalf,
	// the coordinating body on its own or any member's.
	PermBulletinPublish Permission = "bulletin:publish" // write and publish awareness bulletins
	// Incidents: constituents report and follow their own; the coordinating
	// body triages and runs them. A responder's reach is their member company,
	// and the incident service further requires an active mobilisation.
	PermIncidentReport  Permission = "incident:report"  // report incidents, add notes and files to them
	PermIncidentRead    Permission = "incident:read"    // see incidents of an organisation
	PermIncidentManage  Permission = "incident:manage"  // triage, classify, assign, merge, reject, close, mobilise
	PermIncidentRespond Permission = "incident:respond" // work an incident one was mobilised to
	PermAllianceRead    Permission = "alliance:read"    // see alliance members, responders, the roster
	PermAllianceManage  Permission = "alliance:manage"  // register members and responders, rate them
	PermReportRead      Permission = "report:read"      // statistics and national dashboards
	// Advisories and compliance debt.
	PermAdvisoryRead   Permission = "advisory:read"   // read advisories (TLP applies)
	PermAdvisoryManage Permission = "advisory:manage" // write, import, publish advisories; feeds
	PermActionRead     Permission = "action:read"     // see an organisation's action items
	PermActionWork     Permission = "action:work"     // acknowledge, remediate, claim not applicable
	PermActionReview   Permission = "action:review"   // review not-applicable claims, grant exceptions, verify
	PermDebtRead       Permission = "debt:read"       // compliance-debt scores and rankings
	// Notifications.
	PermNotifyManage Permission = "notify:manage" // see the outbox, retry failed deliveries, webhooks
)

// AllPermissions lists every permission.
var AllPermissions = []Permission{PermOrgRead, PermOrgCreate, PermOrgUpdate, PermContactWrite,
	PermSystemWrite, PermResourceClaim, PermResourceApprove, PermInventoryWrite,
	PermUserManage, PermTokenManage, PermAuditRead, PermSensorManage, PermIntelRead, PermIntelManage,
	PermAlertRead, PermAlertTriage, PermEvidenceRead, PermEvidenceWrite, PermEvidenceAssign, PermEvidenceDispose,
	PermEvidenceShared, PermPortalReview, PermPortalAppeal, PermBulletinPublish,
	PermIncidentReport, PermIncidentRead, PermIncidentManage, PermIncidentRespond,
	PermAllianceRead, PermAllianceManage, PermReportRead,
	PermAdvisoryRead, PermAdvisoryManage, PermActionRead, PermActionWork, PermActionReview, PermDebtRead,
	PermNotifyManage}

// reach says, for one role and permission, whether it applies to every
// organisation (all) or only to the principal's own (own).
type reach uint8

const (
	none reach = iota
	own
	all
)

// policy is THE authorization table. Every scope in Khiên is derived from it.
var policy = map[Role]map[Permission]reach{
	RoleAdministrator: {
		PermOrgRead: all, PermOrgCreate: all, PermOrgUpdate: all, PermContactWrite: all,
		PermSystemWrite: all, PermResourceClaim: all, PermResourceApprove: all,
		PermInventoryWrite: all, PermUserManage: all, PermTokenManage: all, PermAuditRead: all,
		PermSensorManage: all, PermIntelRead: all, PermIntelManage: all, PermAlertRead: all, PermAlertTriage: all,
		PermEvidenceAssign: all, // staffs cases, never sees evidence
		PermPortalReview:   all, PermPortalAppeal: all, PermBulletinPublish: all,
		PermIncidentReport: all, PermIncidentRead: all, PermIncidentManage: all,
		PermAllianceRead: all, PermAllianceManage: all, PermReportRead: all,
		PermAdvisoryRead: all, PermAdvisoryManage: all, PermActionRead: all, PermActionReview: all, PermDebtRead: all,
		PermNotifyManage: all,
	},
	RoleCoordinator: {
		PermOrgRead: all, PermOrgCreate: all, PermOrgUpdate: all, PermContactWrite: all,
		PermSystemWrite: all, PermResourceClaim: all, PermResourceApprove: all,
		PermInventoryWrite: all, PermAuditRead: all,
		PermSensorManage: all, PermIntelRead: all, PermIntelManage: all, PermAlertRead: all, PermAlertTriage: all,
		PermEvidenceRead: all, PermEvidenceWrite: all, PermEvidenceAssign: all, PermEvidenceDispose: all,
		PermPortalReview: all, PermPortalAppeal: all, PermBulletinPublish: all,
		PermIncidentReport: all, PermIncidentRead: all, PermIncidentManage: all,
		PermAllianceRead: all, PermAllianceManage: all, PermReportRead: all,
		PermAdvisoryRead: all, PermAdvisoryManage: all, PermActionRead: all, PermActionWork: all,
		PermActionReview: all, PermDebtRead: all, PermNotifyManage: all,
	},
	RoleConstituentAdmin: {
		PermOrgRead: own, PermOrgUpdate: own, PermContactWrite: own, PermSystemWrite: own,
		PermResourceClaim: own, PermInventoryWrite: own, PermAuditRead: own,
		PermSensorManage: own, PermIntelRead: own, PermAlertRead: own, PermAlertTriage: own,
		PermIncidentReport: own, PermIncidentRead: own,
		PermAdvisoryRead: own, PermActionRead: own, PermActionWork: own, PermDebtRead: own,
		PermBulletinPublish: own,
	},
	RoleConstituentAnalyst: {
		PermOrgRead: own, PermSystemWrite: own, PermResourceClaim: own, PermInventoryWrite: own,
		PermIntelRead: own, PermAlertRead: own, PermAlertTriage: own,
		PermIncidentReport: own, PermIncidentRead: own,
		PermAdvisoryRead: own, PermActionRead: own, PermActionWork: own,
	},
	RoleResponder: {PermOrgRead: own, PermIncidentRespond: own, PermAllianceRead: own, PermAdvisoryRead: own,
		PermEvidenceShared: all}, // only through an active mobilisation: see PermEvidenceShared
	RoleInvestigator: {PermOrgRead: all, PermIntelRead: all, PermAlertRead: all,
		PermEvidenceRead: all, PermEvidenceWrite: all, PermIncidentRead: all, PermAdvisoryRead: all},
	RoleLeadership: {PermOrgRead: all, PermAlertRead: all, PermIncidentRead: all, PermReportRead: all,
		PermAllianceRead: all, PermAdvisoryRead: all, PermActionRead: all, PermDebtRead: all},
}

// Clearance is the highest TLP level a role may read by default.
func (r Role) Clearance() tlp.Level {
	switch r {
	case RoleAdministrator, RoleCoordinator, RoleInvestigator:
		return tlp.Red
	case RoleLeadership:
		return tlp.AmberStrict
	default:
		return tlp.Amber
	}
}

// Scope is the set of organisations a principal may act on for one
// permission. The zero Scope allows nothing. Every store query that lists,
// reads or changes tenant data takes a Scope.
type Scope struct {
	All  bool     // every organisation
	Orgs []string // otherwise, these organisation IDs
}

// Allows reports whether the scope covers organisation orgID.
func (s Scope) Allows(orgID string) bool {
	return s.All || (orgID != "" && slices.Contains(s.Orgs, orgID))
}

// Empty reports whether the scope allows nothing.
func (s Scope) Empty() bool { return !s.All && len(s.Orgs) == 0 }

// Principal is who is asking: a user through a session, or a user's API token.
type Principal struct {
	UserID    string
	Email     string
	Role      Role
	Orgs      []string     // organisations the user is a member of
	TokenID   string       // set when the request came with an API token
	TokenPerm []Permission // a token's permissions; nil for sessions
	TokenOrg  string       // a token bound to one organisation; "" for none
	Lang      string       // "vi" or "en"
	Remote    string       // client address, for audit
	RequestID string
	Session   string // public ID of the browser session (never its secret); "" for tokens
	Stage     Stage  // log-in stage of a session; anything but StageDone holds no permission
}

// System is the principal of work Khiên does by itself (migrations, demo data,
// scheduled jobs). It may do everything and is audited as "system".
func System() Principal {
	return Principal{UserID: "", Email: "system", Role: RoleAdministrator}
}

// IsSystem reports whether p is the built-in system principal.
func (p Principal) IsSystem() bool { return p.UserID == "" && p.Email == "system" }

// Can reports whether p holds perm for at least one organisation.
func (p Principal) Can(perm Permission) bool { return !p.Scope(perm).Empty() }

// CanOn reports whether p holds perm on organisation orgID.
func (p Principal) CanOn(perm Permission, orgID string) bool { return p.Scope(perm).Allows(orgID) }

// Scope returns the organisations on which p holds perm.
func (p Principal) Scope(perm Permission) Scope {
	if p.Stage != StageDone { // a session that still owes its second factor
		return Scope{}
	}
	if p.TokenPerm != nil && !slices.Contains(p.TokenPerm, perm) {
		return Scope{}
	}
	var s Scope
	switch policy[p.Role][perm] {
	case all:
		s = Scope{All: true}
	case own:
		s = Scope{Orgs: slices.Clone(p.Orgs)}
	}
	if p.TokenOrg != "" {
		if !s.Allows(p.TokenOrg) {
			return Scope{}
		}
		return Scope{Orgs: []string{p.TokenOrg}}
	}
	return s
}

// Clearance is the highest TLP level p may read.
func (p Principal) Clearance() tlp.Level { return p.Role.Clearance() }

// RolePermissions lists the permissions a role holds anywhere, for token
// issuance and for the UI.
func RolePermissions(r Role) []Permission {
	var out []Permission
	for _, perm := range AllPermissions {
		if policy[r][perm] != none {
			out = append(out, perm)
		}
	}
	return out
}
