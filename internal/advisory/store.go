package advisory

import (
	"context"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/tlp"
)

// Store is the storage the advisory service needs; internal/store
// implements it. Every tenant read and write takes the caller's scope.
type Store interface {
	// Advisories.
	CreateAdvisory(ctx context.Context, r Record, e audit.Entry) (Record, error)
	UpdateAdvisory(ctx context.Context, r Record, e audit.Entry) (Record, error)
	GetAdvisory(ctx context.Context, clearance tlp.Level, id string) (Record, error)
	ListAdvisories(ctx context.Context, f Filter, pr page.Request) (page.Result[Record], error)
	// ImportAdvisory stores r in its own transaction: created when no
	// advisory has its Source and SourceID, replaced when newer(stored)
	// says r is a newer revision, else left unchanged.
	ImportAdvisory(ctx context.Context, r Record, newer func(stored Advisory) bool, e audit.Entry) (id, outcome string, err error)
	// MatchableAdvisories returns every advisory that produces action
	// items (ids nil), or those of ids that do.
	MatchableAdvisories(ctx context.Context, ids []string) ([]Record, error)

	// Inventory returns the software inventory of organisation orgID, or
	// of every organisation when orgID is "".
	InventoryForMatching(ctx context.Context, orgID string) ([]InventoryItem, error)

	// SyncActionItems applies one matching run in one transaction.
	SyncActionItems(ctx context.Context, run SyncRun, e audit.Entry) (SyncResult, error)

	// Action items.
	GetActionItem(ctx context.Context, scope auth.Scope, id string) (ActionItem, error)
	ListActionItems(ctx context.Context, scope auth.Scope, f ActionFilter, pr page.Request) (page.Result[ActionItem], error)
	// MoveActionItem applies c to an item within scope when it is still in
	// state c.From (else a conflict).
	MoveActionItem(ctx context.Context, scope auth.Scope, id string, c Change, e audit.Entry) (ActionItem, error)
	// RecordActionAttachment binds an uploaded file to the item it was
	// uploaded for; MoveActionItem accepts as an item's evidence only a file
	// bound to it.
	RecordActionAttachment(ctx context.Context, itemID, sha256 string, size int64, e audit.Entry) error

	// Exceptions.
	RequestActionException(ctx context.Context, scope auth.Scope, x Exception, e audit.Entry) (Exception, error)
	DecideActionException(ctx context.Context, scope auth.Scope, id string, approve bool, approver, note string, at time.Time, e audit.Entry) (Exception, error)
	GetActionException(ctx context.Context, scope auth.Scope, id string) (Exception, error)
	ListActionExceptions(ctx context.Context, scope auth.Scope, state, itemID string) ([]Exception, error)
	// ExpireExceptions ends the approved exceptions whose date passed.
	ExpireActionExceptions(ctx context.Context, now time.Time) (int, error)

	// Escalation: overdue active items, and applying one step.
	OverdueActionItems(ctx context.Context, now time.Time) ([]ActionItem, error)
	EscalateActionItem(ctx context.Context, s Step, now time.Time, notice func(it ActionItem, targetOrg string) notify.Notice) error
	ActionEscalations(ctx context.Context, scope auth.Scope, itemID string) ([]Escalation, error)

	// Compliance debt.
	DebtItems(ctx context.Context, scope auth.Scope) ([]DebtItem, error)
	SaveDebtSnapshots(ctx context.Context, snaps []Snapshot, now time.Time) error
	DebtSnapshots(ctx context.Context, scope auth.Scope, from, to string) ([]Snapshot, error)

	// Feeds.
	CreateAdvisoryFeed(ctx context.Context, f Feed, e audit.Entry) (Feed, error)
	UpdateAdvisoryFeed(ctx context.Context, f Feed, e audit.Entry) (Feed, error)
	GetAdvisoryFeed(ctx context.Context, id string) (Feed, error)
	ListAdvisoryFeeds(ctx context.Context) ([]Feed, error)
	RecordAdvisoryPull(ctx context.Context, id string, at time.Time, res ImportResult, pullErr string) error
}

// InventoryItem is one software item as matching sees it, with the security
// level of its information system.
type InventoryItem struct {
	ID, OrgID, SystemID string
	CPE, PURL, Version  string
	Level               int
}

// Match says an inventory item is affected by an advisory.
type Match struct {
	AdvisoryID, ItemID, OrgID, SystemID string
	Product                             int // index into the advisory's Products
}

// Pending is one action item a matching run wants to exist.
type Pending struct {
	OrgID, SystemID, AdvisoryID string
	Items                       []string
	Severity                    string
	Level                       int
	KnownExploited              bool
	DueAt                       time.Time
}

// SyncRun is one matching run: the action items it wants (Want) within its
// reach, which is either some advisories, one organisation, or everything.
// Existing items within reach that Want lacks are closed as no longer
// affected; closed ones Want has again are reopened.
type SyncRun struct {
	AdvisoryIDs []string // reach: these advisories
	OrgID       string   // reach: this organisation
	All         bool     // reach: everything
	Want        []Pending
	Now         time.Time
	// Digest builds the one notice an organisation gets for the items the
	// run opened for it.
	Digest func(orgID string, opened []ActionItem) notify.Notice
}

// SyncResult counts what a run changed.
type SyncResult struct {
	Opened   int `json:"opened"`
	Reopened int `json:"reopened"`
	Updated  int `json:"updated"`
	Closed   int `json:"closed"`
	Orgs     int `json:"orgs_notified"`
}
