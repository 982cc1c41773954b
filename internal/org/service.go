package org

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// Store is the storage the registry needs. Every method that reads or changes
// tenant data takes the caller's scope; a record outside it is errs.NotFound.
// Methods that change state append the given audit entry in the same
// transaction, filling its target and before/after digests.
type Store interface {
	CreateOrg(ctx context.Context, o Org, e audit.Entry) (Org, error)
	UpdateOrg(ctx context.Context, scope auth.Scope, o Org, e audit.Entry) (Org, error)
	GetOrg(ctx context.Context, scope auth.Scope, idOrSlug string) (Org, error)
	ListOrgs(ctx context.Context, scope auth.Scope, f OrgFilter, pr page.Request) (page.Result[Org], error)

	CreateContact(ctx context.Context, scope auth.Scope, c Contact, e audit.Entry) (Contact, error)
	UpdateContact(ctx context.Context, scope auth.Scope, c Contact, e audit.Entry) (Contact, error)
	DeleteContact(ctx context.Context, scope auth.Scope, id string, e audit.Entry) error
	GetContact(ctx context.Context, scope auth.Scope, id string) (Contact, error)
	ListContacts(ctx context.Context, scope auth.Scope, f ContactFilter, pr page.Request) (page.Result[Contact], error)

	CreateSystem(ctx context.Context, scope auth.Scope, s System, e audit.Entry) (System, error)
	UpdateSystem(ctx context.Context, scope auth.Scope, s System, e audit.Entry) (System, error)
	GetSystem(ctx context.Context, scope auth.Scope, id string) (System, error)
	ListSystems(ctx context.Context, scope auth.Scope, f SystemFilter, pr page.Request) (page.Result[System], error)

	ClaimResource(ctx context.Context, scope auth.Scope, r Resource, e audit.Entry) (Resource, error)
	DecideResource(ctx context.Context, scope auth.Scope, id string, d Decision, e audit.Entry) (Resource, error)
	DeleteResource(ctx context.Context, scope auth.Scope, id string, e audit.Entry) error
	GetResource(ctx context.Context, scope auth.Scope, id string) (Resource, error)
	ListResources(ctx context.Context, scope auth.Scope, f ResourceFilter, pr page.Request) (page.Result[Resource], error)
	ApprovedResources(ctx context.Context) ([]Resource, error)

	AddSoftware(ctx context.Context, scope auth.Scope, items []Software, e audit.Entry) ([]Software, error)
	DeleteSoftware(ctx context.Context, scope auth.Scope, id string, e audit.Entry) error
	GetSoftware(ctx context.Context, scope auth.Scope, id string) (Software, error)
	ListSoftware(ctx context.Context, scope auth.Scope, f SoftwareFilter, pr page.Request) (page.Result[Software], error)
}

// OrgFilter narrows an organisation list.
type OrgFilter struct {
	Query    string // substring of name or slug, accent- and case-insensitive
	Kind     Kind
	Sector   string
	Province string
	ParentID string
}

// ContactFilter narrows a contact list.
type ContactFilter struct {
	OrgID string
	Role  ContactRole
}

// SystemFilter narrows a system list.
type SystemFilter struct {
	OrgID string
	Level int
	Query string
}

// ResourceFilter narrows a resource list.
type ResourceFilter struct {
	OrgID  string
	Type   ResourceType
	Status ClaimStatus
	Query  string
}

// SoftwareFilter narrows an inventory list.
type SoftwareFilter struct {
	OrgID    string
	SystemID string
	Query    string
}

// Decision is a coordinator's ruling on a resource claim.
type Decision struct {
	Approve bool
	Reason  string
	By      string // user e-mail, filled by the service
	At      time.Time
}

// Sortable fields per list, the first being the default.
var (
	OrgSorts      = []string{"name", "slug", "created_at"}
	ContactSorts  = []string{"name", "role", "confirmed_at"}
	SystemSorts   = []string{"name", "security_level", "created_at"}
	ResourceSorts = []string{"claimed_at", "value", "status"}
	SoftwareSorts = []string{"product", "vendor", "created_at"}
)

// MaxInventoryRows bounds one CSV upload.
const MaxInventoryRows = 20000

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
}

// Service is the constituency registry.
type Service struct {
	store  Store
	now    func() time.Time
	log    *slog.Logger
	owners Live
}

// New returns a Service. Call RebuildIndex before answering ownership look-ups.
func New(d Deps) *Service {
	s := &Service{store: d.Store, now: d.Now, log: d.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

func notFound(kind string) error { return errs.NotFound(kind + ".not_found") }

// CreateOrg adds an organisation.
func (s *Service) CreateOrg(ctx context.Context, p auth.Principal, o Org) (Org, error) {
	if !p.Can(auth.PermOrgCreate) {
		return Org{}, errs.New(errs.KindForbidden, "org.forbidden", "you may not create organisations")
	}
	if err := ValidateOrg(&o); err != nil {
		return Org{}, err
	}
	if o.ParentID != "" {
		parent, err := s.store.GetOrg(ctx, p.Scope(auth.PermOrgRead), o.ParentID)
		if err != nil {
			return Org{}, parentErr(err)
		}
		o.ParentID = parent.ID
	}
	return s.store.CreateOrg(ctx, o, audit.New(p, "org.create", "organisation", "", ""))
}

func parentErr(err error) error {
	if errs.Is(err, errs.KindNotFound) {
		return errs.Invalid("org.bad_parent", "the parent organisation does not exist",
			errs.Field("parent_id", "org.bad_parent", "no such organisation"))
	}
	return err
}

// UpdateOrg changes an organisation's details. Constituents may change name,
// sector and province of their own organisation; the tree, kind, slug and
// the coordinating flag are for coordinators.
func (s *Service) UpdateOrg(ctx context.Context, p auth.Principal, o Org) (Org, error) {
	scope := p.Scope(auth.PermOrgUpdate)
	cur, err := s.store.GetOrg(ctx, p.Scope(auth.PermOrgRead), o.ID)
	if err != nil {
		return Org{}, err
	}
	if !scope.Allows(cur.ID) {
		return Org{}, errs.New(errs.KindForbidden, "org.forbidden", "you may not edit this organisation")
	}
	if !p.Can(auth.PermOrgCreate) {
		o.Slug, o.Kind, o.ParentID, o.Coordinating = cur.Slug, cur.Kind, cur.ParentID, cur.Coordinating
	}
	if err := ValidateOrg(&o); err != nil {
		return Org{}, err
	}
	if o.ParentID != "" {
		if err := s.checkNoCycle(ctx, p, o.ID, o.ParentID); err != nil {
			return Org{}, err
		}
	}
	return s.store.UpdateOrg(ctx, scope, o, audit.New(p, "org.update", "organisation", o.ID, o.ID))
}

// checkNoCycle refuses a parent that is the organisation itself or below it.
func (s *Service) checkNoCycle(ctx context.Context, p auth.Principal, id, parentID string) error {
	scope := p.Scope(auth.PermOrgRead)
	for cur, depth := parentID, 0; cur != "" && depth < 64; depth++ {
		if cur == id {
			return errs.Invalid("org.parent_cycle", "an organisation cannot be below itself",
				errs.Field("parent_id", "org.parent_cycle", "this parent is the organisation itself or one of its descendants"))
		}
		o, err := s.store.GetOrg(ctx, scope, cur)
		if err != nil {
			return parentErr(err)
		}
		cur = o.ParentID
	}
	return nil
}

// GetOrg returns an organisation by ID or slug.
func (s *Service) GetOrg(ctx context.Context, p auth.Principal, idOrSlug string) (Org, error) {
	return s.store.GetOrg(ctx, p.Scope(auth.PermOrgRead), idOrSlug)
}

// ListOrgs lists the organisations p may see.
func (s *Service) ListOrgs(ctx context.Context, p auth.Principal, f OrgFilter, pr page.Request) (page.Result[Org], error) {
	pr, err := pr.Normalize(OrgSorts)
	if err != nil {
		return page.Result[Org]{}, err
	}
	return s.store.ListOrgs(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// CreateContact adds a contact to an organisation.
func (s *Service) CreateContact(ctx context.Context, p auth.Principal, c Contact) (Contact, error) {
	if err := s.writable(ctx, p, auth.PermContactWrite, c.OrgID); err != nil {
		return Contact{}, err
	}
	if err := ValidateContact(&c); err != nil {
		return Contact{}, err
	}
	c.ConfirmedAt = s.now().UTC()
	return s.store.CreateContact(ctx, p.Scope(auth.PermContactWrite), c,
		audit.New(p, "contact.create", "contact", "", c.OrgID))
}

// UpdateContact changes a contact; it counts as a confirmation.
func (s *Service) UpdateContact(ctx context.Context, p auth.Principal, c Contact) (Contact, error) {
	cur, err := s.store.GetContact(ctx, p.Scope(auth.PermOrgRead), c.ID)
	if err != nil {
		return Contact{}, err
	}
	if err := s.writable(ctx, p, auth.PermContactWrite, cur.OrgID); err != nil {
		return Contact{}, err
	}
	c.OrgID = cur.OrgID
	if err := ValidateContact(&c); err != nil {
		return Contact{}, err
	}
	c.ConfirmedAt = s.now().UTC()
	return s.store.UpdateContact(ctx, p.Scope(auth.PermContactWrite), c,
		audit.New(p, "contact.update", "contact", c.ID, ""))
}

// ConfirmContact records that a contact's details are still right.
func (s *Service) ConfirmContact(ctx context.Context, p auth.Principal, id string) (Contact, error) {
	c, err := s.store.GetContact(ctx, p.Scope(auth.PermOrgRead), id)
	if err != nil {
		return Contact{}, err
	}
	if err := s.writable(ctx, p, auth.PermContactWrite, c.OrgID); err != nil {
		return Contact{}, err
	}
	c.ConfirmedAt = s.now().UTC()
	return s.store.UpdateContact(ctx, p.Scope(auth.PermContactWrite), c,
		audit.New(p, "contact.confirm", "contact", c.ID, c.OrgID))
}

// DeleteContact removes a contact.
func (s *Service) DeleteContact(ctx context.Context, p auth.Principal, id string) error {
	c, err := s.store.GetContact(ctx, p.Scope(auth.PermOrgRead), id)
	if err != nil {
		return err
	}
	if err := s.writable(ctx, p, auth.PermContactWrite, c.OrgID); err != nil {
		return err
	}
	return s.store.DeleteContact(ctx, p.Scope(auth.PermContactWrite), id,
		audit.New(p, "contact.delete", "contact", id, ""))
}

// GetContact returns one contact.
func (s *Service) GetContact(ctx context.Context, p auth.Principal, id string) (Contact, error) {
	return s.store.GetContact(ctx, p.Scope(auth.PermOrgRead), id)
}

// ListContacts lists contacts p may see.
func (s *Service) ListContacts(ctx context.Context, p auth.Principal, f ContactFilter, pr page.Request) (page.Result[Contact], error) {
	pr, err := pr.Normalize(ContactSorts)
	if err != nil {
		return page.Result[Contact]{}, err
	}
	return s.store.ListContacts(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// writable answers NotFound when p cannot see organisation orgID and
// Forbidden when p can see it but lacks perm there.
func (s *Service) writable(ctx context.Context, p auth.Principal, perm auth.Permission, orgID string) error {
	if err := s.visible(ctx, p, orgID); err != nil {
		return err
	}
	if !p.CanOn(perm, orgID) {
		return errs.New(errs.KindForbidden, "org.forbidden", "your role may not make this change")
	}
	return nil
}

// visible answers NotFound when p cannot see organisation orgID, so that a
// write into another tenant looks exactly like a write into nothing.
func (s *Service) visible(ctx context.Context, p auth.Principal, orgID string) error {
	if orgID == "" {
		return errs.Invalid("org.required", "an organisation is required",
			errs.Field("org_id", "org.required", "choose an organisation"))
	}
	if _, err := s.store.GetOrg(ctx, p.Scope(auth.PermOrgRead), orgID); err != nil {
		return err
	}
	return nil
}

// CreateSystem registers an information system.
func (s *Service) CreateSystem(ctx context.Context, p auth.Principal, sys System) (System, error) {
	if err := s.writable(ctx, p, auth.PermSystemWrite, sys.OrgID); err != nil {
		return System{}, err
	}
	if err := ValidateSystem(&sys); err != nil {
		return System{}, err
	}
	if err := s.checkComponent(ctx, p, sys); err != nil {
		return System{}, err
	}
	return s.store.CreateSystem(ctx, p.Scope(auth.PermSystemWrite), sys,
		audit.New(p, "system.create", "system", "", sys.OrgID))
}

// checkComponent: a component belongs to a composite system of the same
// organisation, and composites nest one level only.
func (s *Service) checkComponent(ctx context.Context, p auth.Principal, sys System) error {
	if sys.ParentID == "" {
		return nil
	}
	bad := func(msg string) error {
		return errs.Invalid("system.bad_parent", "the composite system is not valid",
			errs.Field("parent_id", "system.bad_parent", msg))
	}
	if sys.ParentID == sys.ID {
		return bad("a system cannot be its own component")
	}
	parent, err := s.store.GetSystem(ctx, p.Scope(auth.PermOrgRead), sys.ParentID)
	if errs.Is(err, errs.KindNotFound) {
		return bad("no such system")
	} else if err != nil {
		return err
	}
	if parent.OrgID != sys.OrgID {
		return bad("the composite system belongs to another organisation")
	}
	if parent.ParentID != "" {
		return bad("the composite system is itself a component")
	}
	return nil
}

// UpdateSystem changes an information system.
func (s *Service) UpdateSystem(ctx context.Context, p auth.Principal, sys System) (System, error) {
	cur, err := s.store.GetSystem(ctx, p.Scope(auth.PermOrgRead), sys.ID)
	if err != nil {
		return System{}, err
	}
	if err := s.writable(ctx, p, auth.PermSystemWrite, cur.OrgID); err != nil {
		return System{}, err
	}
	sys.OrgID = cur.OrgID
	if err := ValidateSystem(&sys); err != nil {
		return System{}, err
	}
	if err := s.checkComponent(ctx, p, sys); err != nil {
		return System{}, err
	}
	return s.store.UpdateSystem(ctx, p.Scope(auth.PermSystemWrite), sys,
		audit.New(p, "system.update", "system", sys.ID, sys.OrgID))
}

// GetSystem returns one information system.
func (s *Service) GetSystem(ctx context.Context, p auth.Principal, id string) (System, error) {
	return s.store.GetSystem(ctx, p.Scope(auth.PermOrgRead), id)
}

// ListSystems lists the systems p may see.
func (s *Service) ListSystems(ctx context.Context, p auth.Principal, f SystemFilter, pr page.Request) (page.Result[System], error) {
	pr, err := pr.Normalize(SystemSorts)
	if err != nil {
		return page.Result[System]{}, err
	}
	return s.store.ListSystems(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// ClaimResource records an organisation's claim on a CIDR, ASN or domain.
// A claim by a coordinator is still pending until decided, so that every
// entry in the ownership index passed the approval queue.
func (s *Service) ClaimResource(ctx context.Context, p auth.Principal, r Resource) (Resource, error) {
	if err := s.writable(ctx, p, auth.PermResourceClaim, r.OrgID); err != nil {
		return Resource{}, err
	}
	v, err := CanonicalResource(r.Type, r.Value)
	if err != nil {
		return Resource{}, err
	}
	r.Value, r.Note = v, strings.TrimSpace(r.Note)
	if len(r.Note) > 1000 {
		return Resource{}, errs.Invalid("resource.invalid", "the note is too long",
			errs.Field("note", "resource.note_too_long", "at most 1000 characters"))
	}
	r.Status, r.ClaimedBy, r.ClaimedAt = ClaimPending, p.Email, s.now().UTC()
	return s.store.ClaimResource(ctx, p.Scope(auth.PermResourceClaim), r,
		audit.New(p, "resource.claim", "resource", "", r.OrgID))
}

// DecideResource approves or rejects a pending claim and rebuilds the
// ownership index.
func (s *Service) DecideResource(ctx context.Context, p auth.Principal, id string, d Decision) (Resource, error) {
	if !p.Can(auth.PermResourceApprove) {
		if _, err := s.store.GetResource(ctx, p.Scope(auth.PermOrgRead), id); err != nil {
			return Resource{}, err
		}
		return Resource{}, errs.New(errs.KindForbidden, "resource.forbidden", "only coordinators decide claims")
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if !d.Approve && d.Reason == "" {
		return Resource{}, errs.Invalid("resource.reason_required", "a rejection needs a reason",
			errs.Field("reason", "resource.reason_required", "say why the claim is rejected"))
	}
	d.By, d.At = p.Email, s.now().UTC()
	action := "resource.reject"
	if d.Approve {
		action = "resource.approve"
	}
	r, err := s.store.DecideResource(ctx, p.Scope(auth.PermResourceApprove), id, d,
		audit.New(p, action, "resource", id, ""))
	if err != nil {
		return Resource{}, err
	}
	if d.Approve {
		if err := s.RebuildIndex(ctx); err != nil {
			s.log.Error("ownership index rebuild failed", "err", err)
		}
	}
	return r, nil
}

// DeleteResource withdraws a claim (or an approved resource).
func (s *Service) DeleteResource(ctx context.Context, p auth.Principal, id string) error {
	r, err := s.store.GetResource(ctx, p.Scope(auth.PermOrgRead), id)
	if err != nil {
		return err
	}
	if err := s.writable(ctx, p, auth.PermResourceClaim, r.OrgID); err != nil {
		return err
	}
	if err := s.store.DeleteResource(ctx, p.Scope(auth.PermResourceClaim), id,
		audit.New(p, "resource.delete", "resource", id, "")); err != nil {
		return err
	}
	return s.RebuildIndex(ctx)
}

// GetResource returns one resource claim.
func (s *Service) GetResource(ctx context.Context, p auth.Principal, id string) (Resource, error) {
	return s.store.GetResource(ctx, p.Scope(auth.PermOrgRead), id)
}

// ListResources lists the claims p may see.
func (s *Service) ListResources(ctx context.Context, p auth.Principal, f ResourceFilter, pr page.Request) (page.Result[Resource], error) {
	pr, err := pr.Normalize(ResourceSorts)
	if err != nil {
		return page.Result[Resource]{}, err
	}
	return s.store.ListResources(ctx, p.Scope(auth.PermOrgRead), f, pr)
}

// RebuildIndex reloads approved resources and swaps the ownership index.
func (s *Service) RebuildIndex(ctx context.Context) error {
	rs, err := s.store.ApprovedResources(ctx)
	if err != nil {
		return err
	}
	ix, err := BuildIndex(rs)
	if err != nil {
		return err
	}
	s.owners.Swap(ix)
	p, d, a := ix.Len()
	s.log.Info("ownership index rebuilt", "prefixes", p, "domains", d, "asns", a)
	return nil
}

// Owners is the live ownership index, for look-ups by other capabilities.
func (s *Service) Owners() *Index { return s.owners.Load() }

// Lookup answers who owns an IP address, a domain or an ASN given as text.
func (s *Service) Lookup(q string) (Owner, bool) {
	ix := s.owners.Load()
	q = strings.TrimSpace(q)
	if a, err := netip.ParseAddr(q); err == nil {
		return ix.LookupIP(a)
	}
	if n, err := ParseASN(q); err == nil && (strings.HasPrefix(strings.ToUpper(q), "AS") || !strings.Contains(q, ".")) {
		return ix.LookupASN(n)
	}
	return ix.LookupDomain(q)
}
