package blocklist

import (
	"slices"
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/stix"
	"github.com/khien-cert/khien/internal/tlp"
)

// TestSTIXParsesBack reads the bundle with internal/stix: every published
// domain, web address, profile and e-mail address comes back as an
// indicator with its validity and TLP:CLEAR, and nothing else does.
func TestSTIXParsesBack(t *testing.T) {
	out, st := render(t, FormatSTIX, Options{})
	res, err := stix.Read(strings.NewReader(out), stix.Options{Defaults: intel.Indicator{TLP: tlp.Red}})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	for _, ind := range res.Indicators {
		got = append(got, ind.Key())
		if ind.TLP != tlp.Clear || !ind.ValidFrom.Equal(pub) || !ind.ValidUntil.Equal(validTil) || !strings.HasPrefix(ind.ExternalID, "indicator--") {
			t.Errorf("indicator %+v", ind)
		}
	}
	want := []string{
		"domain|vietcombank-hotro.example", "domain|xn--thu-in-t-ocb2907evcatw.vn",
		"domain|" + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 50) + ".vn",
		"url|https://sites.example/view/nhan-qua?id=1&x='2'", "email|=cmd@evil.example", "url|https://t.me/hotro_nganhang",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("indicators = %q\nwant %q", got, want)
	}
	if len(res.Skipped) != 1 || res.Skipped["not_indicator"] != 1 /* the identity */ || st.Written != 6 || st.Skipped["no_stix_type"] != 2 {
		t.Errorf("reader skipped %v; writer %+v", res.Skipped, st)
	}
	// The same entry has the same id in every bundle.
	again, _ := render(t, FormatSTIX, Options{})
	res2, _ := stix.Read(strings.NewReader(again), stix.Options{})
	if res2.Indicators[0].ExternalID != res.Indicators[0].ExternalID {
		t.Error("indicator ids are not stable")
	}
}

func TestPatternQuotes(t *testing.T) {
	p := Pattern("url", `https://x.example/a'b\c`)
	parsed, err := stix.Parse(p)
	if err != nil || parsed.String() != p {
		t.Fatalf("Pattern = %s: %v", p, err)
	}
	obs, skips := stix.Extract(parsed)
	want, _ := intel.Canonical(intel.TypeURL, `https://x.example/a'b\c`)
	if len(skips) != 0 || len(obs) != 1 || obs[0].Value != want {
		t.Errorf("Extract = %+v, %+v", obs, skips)
	}
}
