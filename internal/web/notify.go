package web

import (
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// notifyOn answers 404 for the notification pages of a UI built without
// the service.
func (w *Web) notifyOn() error {
	if w.notify == nil {
		return errs.NotFound("page.not_found")
	}
	return nil
}

// prefGroup is one capability's kinds of notice on the preferences page.
type prefGroup struct {
	Key   string // catalogue key of the heading
	Prefs []notify.Preference
}

// notifyPrefsView is the user's notification preferences.
type notifyPrefsView struct {
	Base
	Groups []prefGroup
	Form   *Form
}

func (w *Web) renderPrefs(rw http.ResponseWriter, r *http.Request, s *session, f *Form) error {
	ps, err := w.notify.Preferences(r.Context(), s.P)
	if err != nil {
		return err
	}
	v := notifyPrefsView{Base: w.newBase(rw, r, s, "account", "notify.prefs_title"), Form: f}
	for _, p := range ps {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Key != p.Kind.GroupKey() {
			v.Groups = append(v.Groups, prefGroup{Key: p.Kind.GroupKey()})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Prefs = append(g.Prefs, p)
	}
	return w.views.render(rw, r, f.Status(), "notify_prefs", &v)
}

func (w *Web) notifyPrefs(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	return w.renderPrefs(rw, r, s, newForm("kind"))
}

// notifyPrefsSave sets every kind: those ticked on, the rest off.
func (w *Web) notifyPrefsSave(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	f, err := readForm(rw, r, "kind")
	if err != nil {
		return err
	}
	prefs := map[string]bool{}
	for _, k := range notify.KindNames() {
		prefs[k] = false
	}
	for _, k := range f.Values["kind"] {
		prefs[k] = true
	}
	if err := w.notify.SetPreferences(r.Context(), s.P, prefs); err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderPrefs(rw, r, s, f)
	}
	return w.redirect(rw, r, "/account/notifications", "flash.notify_prefs_saved")
}

// outboxView is the outbox for administrators and coordinators.
type outboxView struct {
	Base
	Items      []notify.Delivery
	Pager      Pager
	State      string
	Ref        string
	States     []Option
	EmailReady bool
	Waiting    int // e-mail deliveries waiting for an SMTP server
	Orgs       Orgs
	KindKeys   map[string]string // kind → catalogue key of its label
}

func (w *Web) outbox(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	ctx, q := r.Context(), r.URL.Query()
	v := outboxView{Base: w.newBase(rw, r, s, "notifications", "notify.outbox_title"), State: q.Get("state"),
		Ref: strings.TrimSpace(q.Get("ref")), States: enumOptions("notify.state_", notify.States), EmailReady: w.notify.EmailReady(),
		KindKeys: map[string]string{}}
	for _, k := range notify.Kinds() {
		v.KindKeys[k.Name] = k.LabelKey()
	}
	res, err := w.notify.Outbox(ctx, s.P, notify.Filter{State: v.State, Ref: v.Ref},
		page.Request{Limit: 50, Cursor: q.Get("cursor"), Sort: "created_at", Desc: true})
	if err != nil {
		return err
	}
	counts, err := w.notify.Pending(ctx, s.P)
	if err != nil {
		return err
	}
	if !v.EmailReady {
		v.Waiting = counts[notify.ChannelEmail]
	}
	if v.Orgs, err = w.orgs(ctx, s.P); err != nil {
		return err
	}
	v.Items, v.Pager = res.Items, pager("/notifications", q, res.Next)
	return w.views.render(rw, r, http.StatusOK, "notify_outbox", &v)
}

func (w *Web) outboxRetry(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	if _, err := w.notify.Retry(r.Context(), s.P, r.PathValue("id")); err != nil {
		if errs.Is(err, errs.KindConflict) {
			return w.redirect(rw, r, "/notifications", "flash.notify_not_failed")
		}
		return err
	}
	return w.redirect(rw, r, "/notifications?state=pending", "flash.notify_retried")
}

// webhooksView lists an organisation's webhooks (or, with no Org, the
// national ones) with the form that adds one, and once shows a secret.
type webhooksView struct {
	Base
	Org       *org.Org
	Action    string // the form's and the list's path
	Items     []notify.Webhook
	Last      map[string]*notify.Delivery // newest delivery by webhook
	Form      *Form
	Kinds     []Option
	Secret    string
	AllowHTTP bool
}

var webhookFields = []string{"name", "url", "kinds"}

// webhookPlace reads the page's organisation ("" for the national page)
// and checks p may manage its webhooks.
func (w *Web) webhookPlace(r *http.Request, s *session) (*org.Org, string, error) {
	if err := w.notifyOn(); err != nil {
		return nil, "", err
	}
	id := r.PathValue("id")
	if id == "" {
		if !notify.WebhookScopeOf(s.P).National {
			return nil, "", errs.NotFound("page.not_found")
		}
		return nil, "/webhooks", nil
	}
	o, err := w.org.GetOrg(r.Context(), s.P, id)
	if err != nil {
		return nil, "", err
	}
	if !s.P.CanOn(auth.PermOrgUpdate, o.ID) {
		return nil, "", errs.NotFound("org.not_found")
	}
	return &o, "/orgs/" + o.ID + "/webhooks", nil
}

func (w *Web) renderWebhooks(rw http.ResponseWriter, r *http.Request, s *session, f *Form, secret string) error {
	o, action, err := w.webhookPlace(r, s)
	if err != nil {
		return err
	}
	filter := notify.WebhookFilter{National: o == nil}
	if o != nil {
		filter.OrgID = o.ID
	}
	hs, err := w.notify.Webhooks(r.Context(), s.P, filter)
	if err != nil {
		return err
	}
	last, err := w.notify.LastDeliveries(r.Context(), s.P, hs)
	if err != nil {
		return err
	}
	v := webhooksView{Base: w.newBase(rw, r, s, "notifications", "notify.webhooks_title"), Org: o, Action: action,
		Items: hs, Last: map[string]*notify.Delivery{}, Form: f, Secret: secret, AllowHTTP: w.notify.AllowHTTP()}
	for id, d := range last {
		v.Last[id] = &d
	}
	if o != nil {
		v.Section, v.Title = "orgs", o.Name
	}
	for _, k := range notify.Kinds() {
		v.Kinds = append(v.Kinds, Option{Value: k.Name, Key: k.LabelKey()})
	}
	return w.views.render(rw, r, f.Status(), "notify_webhooks", &v)
}

func (w *Web) webhookList(rw http.ResponseWriter, r *http.Request, s *session) error {
	return w.renderWebhooks(rw, r, s, newForm(webhookFields...), "")
}

func (w *Web) webhookCreate(rw http.ResponseWriter, r *http.Request, s *session) error {
	o, _, err := w.webhookPlace(r, s)
	if err != nil {
		return err
	}
	f, err := readForm(rw, r, webhookFields...)
	if err != nil {
		return err
	}
	h := notify.Webhook{Name: f.Get("name"), URL: strings.TrimSpace(f.Get("url")), Kinds: f.Values["kinds"]}
	if o != nil {
		h.OrgID = o.ID
	}
	_, secret, err := w.notify.CreateWebhook(r.Context(), s.P, h)
	if err != nil {
		if !f.Take(err) {
			return err
		}
		return w.renderWebhooks(rw, r, s, f, "")
	}
	return w.renderWebhooks(rw, r, s, newForm(webhookFields...), secret)
}

// webhookBack is the page a webhook's actions return to.
func webhookBack(h notify.Webhook) string {
	if h.OrgID == "" {
		return "/webhooks"
	}
	return "/orgs/" + h.OrgID + "/webhooks"
}

func (w *Web) webhookToggle(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	h, err := w.notify.Webhook(r.Context(), s.P, r.PathValue("hid"))
	if err != nil {
		return err
	}
	on := !h.Active
	if _, err := w.notify.UpdateWebhook(r.Context(), s.P, h.ID, notify.WebhookPatch{Active: &on}); err != nil {
		return err
	}
	return w.redirect(rw, r, webhookBack(h), "flash.webhook_saved")
}

func (w *Web) webhookDelete(rw http.ResponseWriter, r *http.Request, s *session) error {
	if err := w.notifyOn(); err != nil {
		return err
	}
	h, err := w.notify.Webhook(r.Context(), s.P, r.PathValue("hid"))
	if err != nil {
		return err
	}
	if err := w.notify.DeleteWebhook(r.Context(), s.P, h.ID); err != nil {
		return err
	}
	return w.redirect(rw, r, webhookBack(h), "flash.webhook_deleted")
}

// notifyNav is the outbox entry of the navigation.
func notifyNav(p auth.Principal) []NavItem {
	if p.Can(auth.PermNotifyManage) {
		return []NavItem{{ID: "notifications", Key: "nav.notifications", Href: "/notifications"}}
	}
	return nil
}
