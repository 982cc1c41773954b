package notify

import (
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/errs"
)

// Delivery is one row of the outbox: one notice to one address or webhook.
type Delivery struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Ref         string    `json:"ref"`
	OrgID       string    `json:"org_id,omitempty"`
	Channel     string    `json:"channel"`
	UserID      string    `json:"user_id,omitempty"`
	WebhookID   string    `json:"webhook_id,omitempty"`
	Recipient   string    `json:"recipient"` // an e-mail address or the webhook's URL
	Lang        string    `json:"lang"`
	Subject     string    `json:"subject"`
	Body        string    `json:"body"`
	Link        string    `json:"link,omitempty"`
	Payload     string    `json:"-"` // the webhook's JSON body
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt_at"`
	NotAfter    time.Time `json:"not_after,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`

	// Set by a claim, for the dispatcher only.
	Claim  string `json:"-"` // the claim token the marks must present
	Secret string `json:"-"` // the webhook's signing secret
	// Restricted: the webhook is an organisation's, so it is sent only to
	// a public address (InternalHost, PublicAddr).
	Restricted bool `json:"-"`
}

// States lists the delivery states, for filters.
var States = []string{StatePending, StateSent, StateFailed, StateSuppressed}

// Channels lists the channels.
var Channels = []string{ChannelEmail, ChannelWebhook}

// Filter narrows an outbox listing.
type Filter struct {
	State   string
	Kind    string
	Ref     string
	Channel string
	OrgID   string
}

// Sorts are the sortable outbox fields; the first is the default.
var Sorts = []string{"created_at", "next_attempt_at"}

// Validate refuses a filter naming an unknown state or channel.
func (f Filter) Validate() error {
	var fe []errs.FieldError
	if f.State != "" && !slices.Contains(States, f.State) {
		fe = append(fe, errs.Field("state", "notify.bad_state", "one of: "+strings.Join(States, ", ")))
	}
	if f.Channel != "" && !slices.Contains(Channels, f.Channel) {
		fe = append(fe, errs.Field("channel", "notify.bad_channel", "one of: "+strings.Join(Channels, ", ")))
	}
	if len(f.Ref) > 200 || len(f.Kind) > 100 {
		fe = append(fe, errs.Field("ref", "notify.bad_filter", "too long"))
	}
	if len(fe) > 0 {
		return errs.Invalid("notify.bad_filter", "the filter is not valid", fe...)
	}
	return nil
}

// Webhook is an address that receives notices as signed JSON POSTs. OrgID
// is "" for the coordinating body's own (national) webhooks, which receive
// the notices of every organisation.
type Webhook struct {
	ID     string   `json:"id"`
	OrgID  string   `json:"org_id,omitempty"`
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Kinds  []string `json:"kinds"` // kinds or "group.*" prefixes; empty for every kind
	Active bool     `json:"active"`
	// DisabledReason says why Khiên turned the webhook off ("" when it did not).
	DisabledReason string    `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Secret         string    `json:"-"` // shown once, at creation
}

// Preference is whether a user is told one kind of notice by e-mail.
type Preference struct {
	Kind  Kind
	Email bool
}

// ValidateWebhookURL checks a webhook's address: an absolute https URL
// without credentials or fragment; plain http only when allowHTTP is set and
// the host is a loopback address (tests, a receiver on the same machine).
func ValidateWebhookURL(raw string, allowHTTP bool) error {
	bad := func(msg string) error {
		return errs.Invalid("webhook.bad_url", "the webhook address is not valid", errs.Field("url", "webhook.bad_url", msg))
	}
	if raw == "" || len(raw) > 2000 || strings.TrimSpace(raw) != raw {
		return bad("give an https:// address of at most 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("give an absolute https:// address")
	}
	if u.User != nil || u.Fragment != "" {
		return bad("the address must not carry a user name, password or #fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowHTTP && Loopback(u.Hostname()) {
			return nil
		}
		return bad("the address must start with https://")
	}
	return bad("the address must start with https://")
}

// Loopback reports whether host names this machine.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// InternalHost reports whether host (a URL's host name, without port) names
// this machine or an address that is not on the public internet: loopback,
// private (RFC 1918, RFC 4193), shared (RFC 6598), link-local, unspecified
// or multicast. An organisation's webhook may not point there.
func InternalHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return false // a name: the sender checks the address it resolves to
	}
	return !PublicAddr(ip)
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// PublicAddr reports whether ip is a public unicast address.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// validateKinds checks a webhook's subscription list.
func validateKinds(ks []string) ([]string, error) {
	out := []string{}
	for _, k := range ks {
		k = strings.TrimSpace(k)
		if k == "" || slices.Contains(out, k) {
			continue
		}
		if prefix, ok := strings.CutSuffix(k, ".*"); ok {
			if !slices.ContainsFunc(registry, func(r Kind) bool { return strings.HasPrefix(r.Name, prefix+".") }) {
				return nil, errs.Invalid("webhook.bad_kind", "unknown kind of notice",
					errs.Field("kinds", "webhook.bad_kind", "no kind of notice starts with "+prefix+"."))
			}
		} else if !Known(k) {
			return nil, errs.Invalid("webhook.bad_kind", "unknown kind of notice",
				errs.Field("kinds", "webhook.bad_kind", "unknown kind "+k))
		}
		out = append(out, k)
	}
	return out, nil
}
