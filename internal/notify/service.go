package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/page"
)

// WebhookScope is what webhooks a principal manages: those of the
// organisations it may update, and the national ones (org_id NULL) when it
// holds notify:manage everywhere.
type WebhookScope struct {
	Orgs     auth.Scope
	National bool
}

// WebhookScopeOf is p's webhook scope.
func WebhookScopeOf(p auth.Principal) WebhookScope {
	return WebhookScope{Orgs: p.Scope(auth.PermOrgUpdate), National: p.Scope(auth.PermNotifyManage).All}
}

// WebhookFilter narrows a webhook listing.
type WebhookFilter struct {
	OrgID    string // only this organisation's
	National bool   // only the national ones
}

// Store is the storage the notification service needs.
type Store interface {
	// NotifyPreferences returns the kinds a user set explicitly.
	NotifyPreferences(ctx context.Context, userID string) (map[string]bool, error)
	SetNotifyPreferences(ctx context.Context, userID string, prefs map[string]bool, e audit.Entry) error
	ListDeliveries(ctx context.Context, scope auth.Scope, f Filter, pr page.Request) (page.Result[Delivery], error)
	// RetryDelivery puts a failed delivery in scope back in the queue.
	RetryDelivery(ctx context.Context, scope auth.Scope, id string, now time.Time, e audit.Entry) (Delivery, error)
	// PendingCounts counts pending deliveries in scope by channel.
	PendingCounts(ctx context.Context, scope auth.Scope) (map[string]int, error)
	ListWebhooks(ctx context.Context, ws WebhookScope, f WebhookFilter) ([]Webhook, error)
	GetWebhook(ctx context.Context, ws WebhookScope, id string) (Webhook, error)
	CreateWebhook(ctx context.Context, h Webhook, e audit.Entry) (Webhook, error)
	UpdateWebhook(ctx context.Context, ws WebhookScope, h Webhook, e audit.Entry) (Webhook, error)
	DeleteWebhook(ctx context.Context, ws WebhookScope, id string, e audit.Entry) error
	// LastWebhookDeliveries returns the newest delivery of each webhook.
	LastWebhookDeliveries(ctx context.Context, ws WebhookScope, ids []string) (map[string]Delivery, error)
}

// Deps are the Service's dependencies.
type Deps struct {
	Store  Store
	Now    func() time.Time
	Logger *slog.Logger
	// Wake tells the dispatcher there is something to send (after a retry).
	Wake func()
	// AllowHTTP lets webhooks use plain http:// to a loopback address.
	AllowHTTP bool
	// EmailReady says whether an SMTP server is configured; without one,
	// e-mail deliveries wait in the outbox.
	EmailReady bool
}

// Service manages preferences, the outbox and webhooks.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	return &Service{d: d}
}

// EmailReady reports whether e-mail can be sent.
func (s *Service) EmailReady() bool { return s.d.EmailReady }

// AllowHTTP reports whether loopback http:// webhooks are allowed.
func (s *Service) AllowHTTP() bool { return s.d.AllowHTTP }

func needUser(p auth.Principal) error {
	if p.UserID == "" || p.Stage != auth.StageDone {
		return errs.New(errs.KindUnauthenticated, "auth.required", "log in first")
	}
	return nil
}

// Preferences lists every kind of notice and whether p is told it by
// e-mail (on unless turned off).
func (s *Service) Preferences(ctx context.Context, p auth.Principal) ([]Preference, error) {
	if err := needUser(p); err != nil {
		return nil, err
	}
	set, err := s.d.Store.NotifyPreferences(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Preference, 0, len(registry))
	for _, k := range registry {
		on, ok := set[k.Name]
		out = append(out, Preference{Kind: k, Email: on || !ok})
	}
	return out, nil
}

// SetPreferences records p's choices for the kinds named in prefs; kinds
// not named keep their setting. An unknown kind refuses the whole change.
func (s *Service) SetPreferences(ctx context.Context, p auth.Principal, prefs map[string]bool) error {
	if err := needUser(p); err != nil {
		return err
	}
	var fe errs.Fields
	names := make([]string, 0, len(prefs))
	for k := range prefs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !Known(k) {
			fe.Add("preferences."+k, "notify.unknown_kind", "no kind of notice is called "+truncate(k, 80))
		}
	}
	if err := fe.Err("notify.bad_preferences"); err != nil {
		return err
	}
	if len(prefs) == 0 {
		return nil
	}
	e := audit.New(p, "notify.preferences", "user", p.UserID, "").WithDetail(prefs)
	return s.d.Store.SetNotifyPreferences(ctx, p.UserID, prefs, e)
}

// manage is p's outbox scope, or an error when p may not see the outbox.
func manage(p auth.Principal) (auth.Scope, error) {
	sc := p.Scope(auth.PermNotifyManage)
	if sc.Empty() {
		return sc, errs.New(errs.KindForbidden, "notify.forbidden", "only administrators and coordinators see the outbox")
	}
	return sc, nil
}

// Outbox lists deliveries, newest first unless another order is asked.
func (s *Service) Outbox(ctx context.Context, p auth.Principal, f Filter, pr page.Request) (page.Result[Delivery], error) {
	sc, err := manage(p)
	if err != nil {
		return page.Result[Delivery]{}, err
	}
	if err := f.Validate(); err != nil {
		return page.Result[Delivery]{}, err
	}
	if pr.Sort == "" {
		pr.Sort, pr.Desc = "created_at", true
	}
	if pr, err = pr.Normalize(Sorts); err != nil {
		return page.Result[Delivery]{}, err
	}
	return s.d.Store.ListDeliveries(ctx, sc, f, pr)
}

// Pending counts the deliveries waiting, by channel.
func (s *Service) Pending(ctx context.Context, p auth.Principal) (map[string]int, error) {
	sc, err := manage(p)
	if err != nil {
		return nil, err
	}
	return s.d.Store.PendingCounts(ctx, sc)
}

// Retry puts a failed delivery back in the queue, to be tried now.
func (s *Service) Retry(ctx context.Context, p auth.Principal, id string) (Delivery, error) {
	sc := p.Scope(auth.PermNotifyManage)
	if sc.Empty() {
		return Delivery{}, errs.NotFound("notification.not_found")
	}
	d, err := s.d.Store.RetryDelivery(ctx, sc, id, s.d.Now().UTC(), audit.New(p, "notify.retry", "notification", id, ""))
	if err == nil {
		s.d.Wake()
	}
	return d, err
}

// Webhooks lists the webhooks p manages.
func (s *Service) Webhooks(ctx context.Context, p auth.Principal, f WebhookFilter) ([]Webhook, error) {
	ws := WebhookScopeOf(p)
	if f.OrgID != "" && !ws.Orgs.Allows(f.OrgID) {
		return nil, errs.NotFound("org.not_found")
	}
	return s.d.Store.ListWebhooks(ctx, ws, f)
}

// LastDeliveries returns the newest delivery of each of hs (webhooks p
// manages), so that an organisation sees whether its receiver works.
func (s *Service) LastDeliveries(ctx context.Context, p auth.Principal, hs []Webhook) (map[string]Delivery, error) {
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	return s.d.Store.LastWebhookDeliveries(ctx, WebhookScopeOf(p), ids)
}

// Webhook returns one webhook p manages.
func (s *Service) Webhook(ctx context.Context, p auth.Principal, id string) (Webhook, error) {
	return s.d.Store.GetWebhook(ctx, WebhookScopeOf(p), id)
}

// newSecret makes a webhook signing secret.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

// check validates a webhook's fields, normalising its kinds.
func (s *Service) check(h *Webhook) error {
	var fe errs.Fields
	h.Name = strings.TrimSpace(h.Name)
	if h.Name == "" || utf8.RuneCountInString(h.Name) > 100 {
		fe.Add("name", "webhook.bad_name", "give a name of 1 to 100 characters")
	}
	if err := ValidateWebhookURL(h.URL, s.d.AllowHTTP); err != nil {
		fe = append(fe, err.(*errs.Error).Fields...)
	} else if u, _ := url.Parse(h.URL); h.OrgID != "" && InternalHost(u.Hostname()) && !(s.d.AllowHTTP && Loopback(u.Hostname())) {
		// An organisation's admin must not make Khiên post into the
		// CERT's own network (national webhooks are the coordinators').
		fe.Add("url", "webhook.internal_address", "an organisation's webhook must be a public internet address")
	}
	ks, err := validateKinds(h.Kinds)
	if err != nil {
		fe = append(fe, err.(*errs.Error).Fields...)
	}
	h.Kinds = ks
	return fe.Err("webhook.invalid")
}

// CreateWebhook registers a webhook and returns it with its signing
// secret, which is shown this once.
func (s *Service) CreateWebhook(ctx context.Context, p auth.Principal, h Webhook) (Webhook, string, error) {
	ws := WebhookScopeOf(p)
	switch {
	case h.OrgID == "" && !ws.National:
		return Webhook{}, "", errs.New(errs.KindForbidden, "webhook.forbidden", "only the coordinating body registers national webhooks")
	case h.OrgID != "" && !ws.Orgs.Allows(h.OrgID):
		return Webhook{}, "", errs.NotFound("org.not_found")
	}
	if err := s.check(&h); err != nil {
		return Webhook{}, "", err
	}
	h.Active, h.Secret = true, newSecret()
	out, err := s.d.Store.CreateWebhook(ctx, h, audit.New(p, "webhook.create", "webhook", "", h.OrgID))
	if err != nil {
		return Webhook{}, "", err
	}
	return out, h.Secret, nil
}

// WebhookPatch is a change to a webhook; nil fields stay.
type WebhookPatch struct {
	Name   *string
	URL    *string
	Kinds  *[]string
	Active *bool
}

// UpdateWebhook changes a webhook p manages.
func (s *Service) UpdateWebhook(ctx context.Context, p auth.Principal, id string, c WebhookPatch) (Webhook, error) {
	ws := WebhookScopeOf(p)
	h, err := s.d.Store.GetWebhook(ctx, ws, id)
	if err != nil {
		return Webhook{}, err
	}
	if c.Name != nil {
		h.Name = *c.Name
	}
	if c.URL != nil {
		h.URL = *c.URL
	}
	if c.Kinds != nil {
		h.Kinds = *c.Kinds
	}
	if c.Active != nil {
		h.Active = *c.Active
	}
	if err := s.check(&h); err != nil {
		return Webhook{}, err
	}
	return s.d.Store.UpdateWebhook(ctx, ws, h, audit.New(p, "webhook.update", "webhook", id, h.OrgID))
}

// DeleteWebhook removes a webhook p manages; its pending deliveries fail.
func (s *Service) DeleteWebhook(ctx context.Context, p auth.Principal, id string) error {
	ws := WebhookScopeOf(p)
	h, err := s.d.Store.GetWebhook(ctx, ws, id)
	if err != nil {
		return err
	}
	return s.d.Store.DeleteWebhook(ctx, ws, id, audit.New(p, "webhook.delete", "webhook", id, h.OrgID))
}
