package portal

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/portal/canon"
	"github.com/khien-cert/khien/internal/tlp"
)

var zeroIndicator intel.Indicator

func pageReq() page.Request { return page.Request{Limit: 50} }

func TestIntelPull(t *testing.T) {
	f := newFake()
	s := newService(t, f)
	for _, v := range []struct {
		kind  canon.Kind
		value string
	}{
		{canon.KindDomain, "www.evil.example"},
		{canon.KindURL, "https://sites.example/scam-page"},
		{canon.KindSocial, "https://t.me/hotro_nganhang"},
		{canon.KindEmail, "CSKH@evil.example"},
		{canon.KindPhone, "0912 345 678"},
		{canon.KindBank, "VCB 0011001234567"},
	} {
		published(t, s, f, v.kind, v.value)
	}
	mustSubmit(t, s, ReportInput{Kind: canon.KindDomain, Value: "only-pending.example"})
	res, err := s.IntelPull(t.Context(), intel.Feed{Name: IntelFeedName}, intel.Indicator{TLP: tlp.Clear, Confidence: 90})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]intel.Indicator{}
	for _, ind := range res.Indicators {
		got[ind.Key()] = ind
	}
	for _, k := range []string{"domain|evil.example", "url|https://sites.example/scam-page", "url|https://t.me/hotro_nganhang",
		"email|cskh@evil.example"} {
		ind, ok := got[k]
		if !ok {
			t.Errorf("missing indicator %s in %+v", k, res.Indicators)
			continue
		}
		if ind.Source != "portal" || ind.TLP != tlp.Clear || ind.Confidence != 90 || ind.ValidUntil.Sub(ind.ValidFrom) != DefaultTTL ||
			ind.Labels[0] != "scam" || ind.ExternalID == "portal:" {
			t.Errorf("indicator %+v", ind)
		}
		if c, err := intel.Canonical(ind.Type, ind.Value); err != nil || c != ind.Value {
			t.Errorf("%s is not canonical", k)
		}
	}
	if len(res.Indicators) != 4 || res.Skipped["no_intel_type"] != 2 {
		t.Errorf("indicators %d, skipped %v", len(res.Indicators), res.Skipped)
	}
	if !res.Indicators[0].ValidAt(time.Now()) {
		t.Error("a fresh indicator is not in force")
	}
}
