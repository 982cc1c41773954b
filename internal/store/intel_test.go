package store_test

import (
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/page"
	"github.com/khien-cert/khien/internal/store/storetest"
	"github.com/khien-cert/khien/internal/tlp"
)

func TestIntelStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := t.Context()
		e := audit.New(auth.System(), "intel.feed_create", "feed", "", "")
		f := got(db.CreateFeed(ctx, intel.Feed{Name: "Spamhaus DROP", Format: intel.FormatList, TLP: tlp.Clear, Confidence: 80, Enabled: true}, e))
		if _, err := db.CreateFeed(ctx, intel.Feed{Name: "Spamhaus DROP", Format: intel.FormatList, TLP: tlp.Clear}, e); !errs.Is(err, errs.KindConflict) {
			t.Errorf("duplicate feed name: %v", err)
		}
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		inds := []intel.Indicator{
			{Type: intel.TypeCIDR, Value: "192.0.2.0/24", TLP: tlp.Clear, Confidence: 80},
			{Type: intel.TypeDomain, Value: "evil.example", TLP: tlp.Amber, Confidence: 60, Labels: []string{"phishing", "bank"}},
			{Type: intel.TypeSHA256, Value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TLP: tlp.Red},
			{Type: intel.TypeURL, Value: "http://old.example/x", TLP: tlp.Clear, ValidUntil: t0.Add(-time.Hour)},
		}
		imp := audit.New(auth.System(), "intel.import", "feed", f.ID, "").WithDetail(map[string]string{"document": "drop.txt"})
		st := got(db.SaveIndicators(ctx, f.ID, inds, false, t0, imp))
		if st.Added != 4 || st.Updated != 0 {
			t.Errorf("first save = %+v", st)
		}
		st = got(db.SaveIndicators(ctx, f.ID, inds[:2], true, t0.Add(time.Minute), imp))
		if st.Added != 0 || st.Updated != 2 || st.Removed != 2 {
			t.Errorf("replacing save = %+v, want 0 added, 2 updated, 2 removed", st)
		}
		if g := got(db.GetFeed(ctx, f.ID)); g.Count != 2 || g.LastSuccess.IsZero() {
			t.Errorf("feed after save = %+v", g)
		}
		// TLP: an AMBER reader does not see RED; a GREEN reader sees only CLEAR/GREEN.
		got(db.SaveIndicators(ctx, f.ID, inds[2:3], false, t0.Add(2*time.Minute), imp))
		list := func(c tlp.Level) int {
			return len(got(db.ListIndicators(ctx, c, intel.Filter{}, page.Request{Limit: 50, Sort: "value"})).Items)
		}
		if n := list(tlp.Green); n != 1 {
			t.Errorf("GREEN reader sees %d indicators, want 1", n)
		}
		if n := list(tlp.Amber); n != 2 {
			t.Errorf("AMBER reader sees %d, want 2", n)
		}
		if n := list(tlp.Red); n != 3 {
			t.Errorf("RED reader sees %d, want 3", n)
		}
		var active []intel.Indicator
		if err := db.ActiveIndicators(ctx, t0, func(in intel.Indicator) error { active = append(active, in); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(active) != 3 || active[0].Source != "Spamhaus DROP" {
			t.Errorf("active = %+v", active)
		}
		for _, in := range active {
			if in.Value == "evil.example" && len(in.Labels) != 2 {
				t.Errorf("labels did not round-trip: %v", in.Labels)
			}
		}
		if err := db.FeedFailed(ctx, f.ID, "HTTP 404", t0); err != nil {
			t.Fatal(err)
		}
		if g := got(db.GetFeed(ctx, f.ID)); g.LastError != "HTTP 404" {
			t.Errorf("last error = %q", g.LastError)
		}
	})
}
