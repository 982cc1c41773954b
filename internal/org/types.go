// Package org is the constituency registry: organisations as a tree, their
// contacts, information systems with security levels, claimed internet
// resources, software inventory, and the ownership index that answers "who
// owns this IP, domain or ASN".
//
// Invariants:
//   - an organisation's parent chain has no cycle;
//   - a system's security level is 1–5; a composite system's effective level
//     is the highest of its own and its components' (Decree 85/2016);
//   - an internet resource value is stored in canonical form (CIDR masked,
//     domain lower-case A-label without trailing dot, ASN as "AS<number>") and is
//     claimed by at most one organisation at a time unless rejected;
//   - only approved resources enter the ownership index; the index is
//     immutable and swapped whole when approvals change.
//
// The package holds rules only; it imports no transport and no SQL. It talks
// to storage through the Store interface, which internal/store implements.
package org

import "time"

// Kind is what sort of body an organisation is.
type Kind string

const (
	KindCoordinator     Kind = "coordinator" // the coordinating CERT itself
	KindMinistry        Kind = "ministry"
	KindProvince        Kind = "province"
	KindAgency          Kind = "agency"
	KindStateEnterprise Kind = "state-enterprise"
	KindEnterprise      Kind = "enterprise"
	KindISP             Kind = "isp"
	KindAllianceMember  Kind = "alliance-member"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindCoordinator, KindMinistry, KindProvince, KindAgency,
	KindStateEnterprise, KindEnterprise, KindISP, KindAllianceMember}

// Org is one organisation in the constituency.
type Org struct {
	ID           string    `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	ParentID     string    `json:"parent_id,omitempty"`
	Kind         Kind      `json:"kind"`
	Sector       string    `json:"sector,omitempty"`
	Province     string    `json:"province,omitempty"`
	Coordinating bool      `json:"coordinating"` // the coordinating body
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ContactRole is what a contact is reached for.
type ContactRole string

const (
	ContactDuty      ContactRole = "duty-24x7"
	ContactCISO      ContactRole = "ciso"
	ContactAbuse     ContactRole = "abuse"
	ContactTechnical ContactRole = "technical"
	ContactLegal     ContactRole = "legal"
)

// ContactRoles lists every contact role.
var ContactRoles = []ContactRole{ContactDuty, ContactCISO, ContactAbuse, ContactTechnical, ContactLegal}

// ConfirmInterval is how long a contact stays confirmed before a reminder.
const ConfirmInterval = 180 * 24 * time.Hour

// Contact is a person or mailbox of an organisation.
type Contact struct {
	ID             string      `json:"id"`
	OrgID          string      `json:"org_id"`
	Name           string      `json:"name"`
	Role           ContactRole `json:"role"`
	Email          string      `json:"email"`
	Phone          string      `json:"phone,omitempty"`
	PGPFingerprint string      `json:"pgp_fingerprint,omitempty"`
	Language       string      `json:"language"` // "vi" or "en"
	ConfirmedAt    time.Time   `json:"confirmed_at"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// NeedsReminder reports whether the contact has gone unconfirmed too long.
func (c Contact) NeedsReminder(now time.Time) bool {
	return now.Sub(c.ConfirmedAt) > ConfirmInterval
}

// SystemStatus is the life-cycle state of an information system.
type SystemStatus string

const (
	SystemPlanned   SystemStatus = "planned"
	SystemOperating SystemStatus = "operating"
	SystemRetired   SystemStatus = "retired"
)

// SystemStatuses lists every status.
var SystemStatuses = []SystemStatus{SystemPlanned, SystemOperating, SystemRetired}

// System is an information system with its security level (1–5).
type System struct {
	ID             string       `json:"id"`
	OrgID          string       `json:"org_id"`
	ParentID       string       `json:"parent_id,omitempty"` // the composite system this is a component of
	Name           string       `json:"name"`
	Description    string       `json:"description,omitempty"`
	Level          int          `json:"security_level"`
	EffectiveLevel int          `json:"effective_level"`       // max of own and components' levels (read-only)
	LevelBasis     string       `json:"level_basis,omitempty"` // why this level (decision, criteria)
	PersonalData   bool         `json:"personal_data"`
	StateSecrets   bool         `json:"state_secrets"`
	NationalDB     bool         `json:"national_database"`
	InternetFacing bool         `json:"internet_facing"`
	Status         SystemStatus `json:"status"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// ResourceType is the kind of internet resource.
type ResourceType string

const (
	ResourceCIDR   ResourceType = "cidr"
	ResourceASN    ResourceType = "asn"
	ResourceDomain ResourceType = "domain"
)

// ClaimStatus is the state of a resource claim.
type ClaimStatus string

const (
	ClaimPending  ClaimStatus = "pending"
	ClaimApproved ClaimStatus = "approved"
	ClaimRejected ClaimStatus = "rejected"
)

// Resource is an internet resource claimed by an organisation.
type Resource struct {
	ID        string       `json:"id"`
	OrgID     string       `json:"org_id"`
	Type      ResourceType `json:"type"`
	Value     string       `json:"value"` // canonical form
	Note      string       `json:"note,omitempty"`
	Status    ClaimStatus  `json:"status"`
	ClaimedBy string       `json:"claimed_by"`
	ClaimedAt time.Time    `json:"claimed_at"`
	DecidedBy string       `json:"decided_by,omitempty"`
	DecidedAt time.Time    `json:"decided_at,omitzero"`
	Reason    string       `json:"reason,omitempty"` // for a rejection
}

// Software is one item of an information system's software inventory.
// At least one of CPE and PURL is set; Vendor, Product and Version are
// filled from them when not given.
type Software struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	SystemID  string    `json:"system_id"`
	CPE       string    `json:"cpe,omitempty"`  // CPE 2.3 formatted string
	PURL      string    `json:"purl,omitempty"` // package URL
	Vendor    string    `json:"vendor,omitempty"`
	Product   string    `json:"product"`
	Version   string    `json:"version,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
