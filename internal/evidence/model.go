package evidence

import (
	"context"
	"slices"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/evidence/custody"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Store is the storage the vault needs. Reads and changes of items take a
// Viewer and answer errs.NotFound for anything it may not see. Methods that
// change state append the given audit entries in the same transaction.
type Store interface {
	OpenCase(ctx context.Context, c Case, e audit.Entry) (Case, error)
	GetCase(ctx context.Context, scope auth.Scope, id string) (Case, error)
	AssignCase(ctx context.Context, a Assignment, e audit.Entry) (Assignment, error)
	UnassignCase(ctx context.Context, caseID, userID string, e audit.Entry) error
	CaseAssignment(ctx context.Context, caseID, userID string) (Assignment, error)
	CaseAssignments(ctx context.Context, caseID string) ([]Assignment, error)
	CountHeld(ctx context.Context, caseID, userID string) (int, error)
	// CountEvidence counts the live items of a case v may see.
	CountEvidence(ctx context.Context, v Viewer, caseID string) (int, error)
	EvidencePerson(ctx context.Context, userID string) (Person, error)
	// ListMyCases lists the cases v.UserID is assigned to in a viewing role,
	// within v.Orgs, sorted and paged by pr (normalised against MyCaseSort);
	// for a Responder viewer, the cases of the incidents it is actively
	// mobilised to that have an item shared with it.
	ListMyCases(ctx context.Context, v Viewer, pr page.Request) (page.Result[MyCase], error)

	AddEvidence(ctx context.Context, it Item, events []custody.Event, e []audit.Entry) (Item, error)
	GetEvidence(ctx context.Context, v Viewer, id string) (Item, error)
	EvidenceByUpload(ctx context.Context, v Viewer, uploadID string) (Item, error)
	ListEvidence(ctx context.Context, v Viewer, caseID string, e audit.Entry) ([]Item, error)
	CustodyEvents(ctx context.Context, v Viewer, itemID string) ([]custody.Event, error)
	ApplyCustody(ctx context.Context, v Viewer, c Change) (Item, error)

	CreateTransfer(ctx context.Context, v Viewer, t Transfer, e audit.Entry) (Transfer, error)
	GetTransfer(ctx context.Context, v Viewer, id string) (Transfer, error)
	EndTransfer(ctx context.Context, v Viewer, t Transfer, e audit.Entry) (Transfer, error)
	PendingTransfers(ctx context.Context, v Viewer, itemID string) ([]Transfer, error)

	// AllEvidence lists every item, live and destroyed, for re-verification
	// by the platform itself; no person's request reaches it.
	AllEvidence(ctx context.Context) ([]Item, error)
	BlobInUse(ctx context.Context, sha256 string) (bool, error)
	AuditEvidence(ctx context.Context, e audit.Entry) error
}

// Viewer is who reads or changes evidence, as the store filters by it.
type Viewer struct {
	UserID    string     // must be assigned to the item's case in a viewing role
	Orgs      auth.Scope // organisations on which the permission holds
	Clearance tlp.Level  // the highest TLP the viewer may see
	System    bool       // the platform itself (re-verification): every item
	// Responder is a mobilised responder (evidence:shared): instead of an
	// assignment to the case, it sees only live items shared with the
	// responders (Item.Shared) of a case whose incident it holds an
	// un-revoked incident membership of, within Orgs and Clearance.
	Responder bool
}

// CaseRole is what a user does in a case.
type CaseRole string

// Case roles. Both see the case's evidence.
const (
	CaseInvestigator CaseRole = "investigator"
	CaseCoordinator  CaseRole = "coordinator"
)

// CaseResponder is not assignable: it is how a case appears in the case
// list of a responder mobilised to its incident, who sees only the items
// shared with the responders.
const CaseResponder CaseRole = "responder"

// CaseRoles lists the roles that see a case's evidence.
var CaseRoles = []CaseRole{CaseInvestigator, CaseCoordinator}

// Valid reports whether r is a known case role.
func (r CaseRole) Valid() bool { return slices.Contains(CaseRoles, r) }

// Case is what evidence is attached to (an incident, once incidents exist).
type Case struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Reference string    `json:"reference"`
	Title     string    `json:"title"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Assignment puts a user on a case.
type Assignment struct {
	CaseID string   `json:"case_id"`
	UserID string   `json:"user_id"`
	Email  string   `json:"email"`
	Role   CaseRole `json:"role"`
	// Clearance caps the TLP the user sees in this case below their role's
	// clearance; zero leaves the role's. It never raises it.
	Clearance  tlp.Level `json:"clearance,omitzero"`
	AssignedBy string    `json:"assigned_by"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Person is what the vault needs to know of a user.
type Person struct {
	ID       string
	Email    string
	Role     auth.Role
	Disabled bool
}

// State is where an item is in its life.
type State string

// Item states.
const (
	StateHeld      State = "held"
	StateDestroyed State = "destroyed"
)

// Metadata is what the collector says about an item.
type Metadata struct {
	Name           string    `json:"name"` // original file name, display only
	Description    string    `json:"description"`
	SourceDevice   string    `json:"source_device"`
	SourceSystem   string    `json:"source_system"`
	SourceLocation string    `json:"source_location"`
	CollectedBy    string    `json:"collected_by"`
	CollectedAt    time.Time `json:"collected_at"`
	Method         string    `json:"method"`
	Tool           string    `json:"tool"`
	ToolVersion    string    `json:"tool_version"`
	LegalBasis     string    `json:"legal_basis"` // legal basis or warrant reference
	SealNumber     string    `json:"seal_number"` // seal applied at collection
	TLP            tlp.Level `json:"tlp"`
	RetainUntil    time.Time `json:"retain_until"` // zero: kept until a retention date is set
	// SuppliedHash is the collector's hash: "sha256:<hex>", "sha512:<hex>"
	// or bare hex of either length. It is checked against the content.
	SuppliedHash string `json:"supplied_hash"`
}

// Item is one piece of evidence.
type Item struct {
	Metadata
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	OrgID     string    `json:"org_id"`
	UploadID  string    `json:"upload_id,omitempty"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	SHA512    string    `json:"sha512"`
	LegalHold bool      `json:"legal_hold"`
	Shared    bool      `json:"shared"` // shared with the responders mobilised to the case's incident
	Sealed    bool      `json:"sealed"`
	Seal      string    `json:"seal"` // current seal number when sealed
	HolderID  string    `json:"holder_id"`
	Holder    string    `json:"holder"` // e-mail of the current custodian
	State     State     `json:"state"`
	LastSeq   int64     `json:"last_seq"`
	LastHash  string    `json:"last_hash"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Note is what a person says about a custody event.
type Note struct {
	At       time.Time // when it happened; now when zero
	Location string    // where; "online from <address>" when empty
	Reason   string    // why
	To       string    // returned or copied: to whom or where; export: the recipient
	Seal     string    // sealed: the seal number
	Detail   string    // anything else (analysis tool, findings reference …)
}

// Change is one step of an item's custody, as the store applies it.
type Change struct {
	Item     Item            // the item as it becomes
	PrevSeq  int64           // the LastSeq it was built on; stale means rebuild
	Events   []custody.Event // numbered, chained and signed
	Audit    []audit.Entry   // one per event
	Transfer *Transfer       // a pending transfer this change settles, if any
}

// TransferState is where a hand-over stands.
type TransferState string

// Transfer states.
const (
	TransferPending   TransferState = "pending"
	TransferConfirmed TransferState = "confirmed"
	TransferDeclined  TransferState = "declined"  // by the receiver
	TransferCancelled TransferState = "cancelled" // by the sender
)

// Transfer is a hand-over of an item from its custodian to another user.
type Transfer struct {
	ID          string        `json:"id"`
	ItemID      string        `json:"item_id"`
	FromID      string        `json:"from_id"`
	From        string        `json:"from"`
	ToID        string        `json:"to_id"`
	To          string        `json:"to"`
	Location    string        `json:"location"`
	Reason      string        `json:"reason"`
	State       TransferState `json:"state"`
	RequestedAt time.Time     `json:"requested_at"`
	DecidedAt   time.Time     `json:"decided_at"`
	DecidedBy   string        `json:"decided_by"`
	Note        string        `json:"note"`
}

// Upload is a resumable upload of an item's content.
type Upload struct {
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	Size      int64     `json:"size"`
	Received  int64     `json:"received"`
	Metadata  Metadata  `json:"metadata"`
	CreatedAt time.Time `json:"created_at"`
	Committed bool      `json:"committed"`
}
