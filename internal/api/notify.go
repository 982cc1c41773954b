package api

import (
	"net/http"
	"strconv"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/notify"
)

// preferenceJSON is one kind of notice and whether the caller gets it.
type preferenceJSON struct {
	Kind  string `json:"kind"`
	Group string `json:"group"`
	Email bool   `json:"email"`
}

// preferencesJSON is the body of GET and PUT /me/notifications. A PUT
// names the kinds to change: {"preferences": {"incident.note": false}}.
type preferencesJSON struct {
	Preferences []preferenceJSON `json:"preferences"`
}

type preferencesInput struct {
	Preferences map[string]bool `json:"preferences"`
}

func (a *API) notifyReady() error {
	if a.notify == nil {
		return errs.New(errs.KindUnavailable, "notify.unavailable", "notifications are not available in this process")
	}
	return nil
}

func (a *API) myPreferences(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ps, err := a.notify.Preferences(r.Context(), p)
	if err != nil {
		return err
	}
	out := preferencesJSON{Preferences: make([]preferenceJSON, len(ps))}
	for i, x := range ps {
		out.Preferences[i] = preferenceJSON{Kind: x.Kind.Name, Group: x.Kind.Group, Email: x.Email}
	}
	return ok(w, out)
}

func (a *API) setMyPreferences(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in preferencesInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.notify.SetPreferences(r.Context(), p, in.Preferences); err != nil {
		return err
	}
	return a.myPreferences(w, r, p)
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	if pr.Sort == "" {
		pr.Sort = "-created_at"
	}
	f := notify.Filter{State: q.Get("state"), Kind: q.Get("kind"), Ref: q.Get("ref"), Channel: q.Get("channel"), OrgID: q.Get("org")}
	res, err := a.notify.Outbox(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) retryNotification(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := a.notify.Retry(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, d)
}

// webhookInput is the body of POST /webhooks; org_id empty registers a
// national webhook (coordinating body only).
type webhookInput struct {
	OrgID string   `json:"org_id"`
	Name  string   `json:"name"`
	URL   string   `json:"url"`
	Kinds []string `json:"kinds"`
}

// webhookPatch is the body of PATCH /webhooks/{id}.
type webhookPatch struct {
	Name   *string   `json:"name"`
	URL    *string   `json:"url"`
	Kinds  *[]string `json:"kinds"`
	Active *bool     `json:"active"`
}

// webhookCreated carries the signing secret, shown only in this answer.
type webhookCreated struct {
	Webhook notify.Webhook `json:"webhook"`
	Secret  string         `json:"secret"`
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	f := notify.WebhookFilter{OrgID: q.Get("org")}
	if s := q.Get("national"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errs.Invalid("request.bad_parameter", "a query parameter is not valid",
				errs.Field("national", "request.bad_parameter", "true or false"))
		}
		f.National = b
	}
	hs, err := a.notify.Webhooks(r.Context(), p, f)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"items": hs})
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in webhookInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	h, secret, err := a.notify.CreateWebhook(r.Context(), p, notify.Webhook{OrgID: in.OrgID, Name: in.Name, URL: in.URL, Kinds: in.Kinds})
	if err != nil {
		return err
	}
	return created(w, webhookCreated{Webhook: h, Secret: secret})
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	h, err := a.notify.Webhook(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, h)
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in webhookPatch
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := a.notify.UpdateWebhook(r.Context(), p, r.PathValue("id"),
		notify.WebhookPatch{Name: in.Name, URL: in.URL, Kinds: in.Kinds, Active: in.Active})
	if err != nil {
		return err
	}
	return ok(w, h)
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.notify.DeleteWebhook(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
