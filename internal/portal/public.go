package portal

// This file is what the portal gives out: the published entries, for the
// distribution formats (package blocklist) and, as indicators, for threat
// intel. Both are made of Listings, which carry nothing about reporters.

import (
	"context"
	"strings"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/tlp"
)

// Published calls fn for every entry confirmed now, oldest entry first.
func (s *Service) Published(ctx context.Context, fn func(Listing) error) error {
	return s.d.Store.Listings(ctx, ListingFilter{States: []State{StatePublished}, ValidAt: s.now()}, fn)
}

// IntelFeedName is the name of the built-in feed that carries the portal's
// published entries into threat intel.
const IntelFeedName = "portal"

// IntelPull has the shape of an intel.Puller: it returns the published
// entries as indicators for the built-in "portal" feed, replacing the
// feed's set on every pull, so that monitoring matches the same scams in
// telemetry. The feed's defaults give TLP and confidence.
func (s *Service) IntelPull(ctx context.Context, _ intel.Feed, defaults intel.Indicator) (intel.ImportResult, error) {
	var ls []Listing
	if err := s.Published(ctx, func(l Listing) error {
		ls = append(ls, l)
		return nil
	}); err != nil {
		return intel.ImportResult{}, err
	}
	return Indicators(ls, defaults), nil
}

// Indicators turns published listings into intel indicators: a domain
// (its key, without "www.") as a domain indicator, which covers its
// subdomains; a web address or a social profile as a URL indicator; an
// e-mail address as an e-mail indicator. Phone numbers and bank accounts
// have no indicator type in intel (nor in STIX 2.1) and are counted as
// skipped "no_intel_type". The indicator is in force from publication to
// expiry; its source is "portal", its external ID "portal:<entry id>",
// its labels "scam" and the category. Public data: TLP:CLEAR unless the
// defaults say otherwise.
func Indicators(ls []Listing, defaults intel.Indicator) intel.ImportResult {
	var res intel.ImportResult
	if !defaults.TLP.Valid() {
		defaults.TLP = tlp.Clear
	}
	if defaults.Confidence == 0 {
		defaults.Confidence = 80
	}
	for _, l := range ls {
		t, v := intelValue(l)
		if t == "" {
			res.Skip("no_intel_type", "entry "+l.ID, string(l.Kind))
			continue
		}
		c, err := intel.Canonical(t, v)
		if err != nil {
			res.Skip("bad_value", "entry "+l.ID, err.Error())
			continue
		}
		ind := defaults
		ind.Type, ind.Value = t, c
		ind.Source, ind.ExternalID = IntelFeedName, "portal:"+l.ID
		ind.Labels = []string{"scam"}
		if l.Category != "" {
			ind.Labels = append(ind.Labels, string(l.Category))
		}
		ind.Description = "Scam " + string(l.Kind) + " confirmed by two reviewers on the public portal"
		ind.ValidFrom, ind.ValidUntil = l.PublishedAt, l.ExpiresAt
		res.Indicators = append(res.Indicators, ind)
	}
	res.Dedupe()
	return res
}

// intelValue is the intel type and value a listing becomes, if any.
func intelValue(l Listing) (intel.Type, string) {
	switch l.Kind {
	case canon.KindDomain:
		return intel.TypeDomain, canon.Display(l.Key)
	case canon.KindURL, canon.KindSocial:
		return intel.TypeURL, l.Value
	case canon.KindEmail:
		return intel.TypeEmail, l.Value
	}
	return "", ""
}

// DomainOf is the domain a listing blocks by name, for hosts files and
// response policy zones: a domain entry's key without "www.". Web
// addresses are not blocked by name (the site may be shared), nor is
// anything else.
func DomainOf(l Listing) (string, bool) {
	if l.Kind != canon.KindDomain {
		return "", false
	}
	d := canon.Display(l.Key)
	return d, d != "" && !strings.ContainsAny(d, ":/")
}
