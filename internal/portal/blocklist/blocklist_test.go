package blocklist

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/canon"
)

var (
	now      = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	pub      = now.Add(-30 * 24 * time.Hour)
	validTil = pub.Add(portal.DefaultTTL)
)

func listing(id string, kind canon.Kind, value string, state portal.State, expires time.Time) portal.Listing {
	s, err := canon.Normalize(kind, value)
	if err != nil {
		panic(err)
	}
	l := portal.Listing{ID: id, Kind: kind, Value: s.Value, Key: s.Key, State: state, Reports: 3, Category: "phishing",
		UpdatedAt: pub.Add(time.Hour)}
	if state == portal.StatePublished {
		l.PublishedAt, l.ExpiresAt = pub, expires
	}
	return l
}

// fixture has every kind published, and listings no output may carry.
func fixture() []portal.Listing {
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 50) + ".vn"
	return []portal.Listing{
		listing("e01", canon.KindDomain, "www.vietcombank-hotro.example", portal.StatePublished, validTil),
		listing("e02", canon.KindDomain, "thuế-điện-tử.vn", portal.StatePublished, validTil),
		listing("e03", canon.KindDomain, "still-pending.example", portal.StatePending, time.Time{}),
		listing("e04", canon.KindDomain, "long-gone.example", portal.StatePublished, now.Add(-time.Second)),
		listing("e05", canon.KindDomain, long, portal.StatePublished, validTil),
		listing("e06", canon.KindURL, "https://sites.example/view/nhan-qua?id=1&x='2'", portal.StatePublished, validTil),
		listing("e07", canon.KindPhone, "0912 345 678", portal.StatePublished, validTil),
		listing("e08", canon.KindBank, "VCB 0011001234567", portal.StatePublished, validTil),
		listing("e09", canon.KindEmail, "=cmd@evil.example", portal.StatePublished, validTil),
		listing("e10", canon.KindSocial, "https://t.me/hotro_nganhang", portal.StatePublished, validTil),
		listing("e11", canon.KindDomain, "withdrawn.example", portal.StateWithdrawn, time.Time{}),
	}
}

// published domains of the fixture, as blocked by name.
var wantDomains = []string{"vietcombank-hotro.example", "xn--thu-in-t-ocb2907evcatw.vn"}

func render(t *testing.T, f Format, o Options) (string, Stats) {
	t.Helper()
	var b bytes.Buffer
	o.Now = now
	w, err := New(f, &b, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(w, fixture()); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.Stats()
}

func dataLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestPlainLists(t *testing.T) {
	for kind, want := range map[canon.Kind][]string{
		canon.KindDomain: append(slices.Clone(wantDomains), strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 50)+".vn"),
		canon.KindURL:    {"https://sites.example/view/nhan-qua?id=1&x='2'"},
		canon.KindPhone:  {"+84912345678"},
		canon.KindBank:   {"970436:0011001234567"},
		canon.KindEmail:  {"=cmd@evil.example"},
		canon.KindSocial: {"https://t.me/hotro_nganhang"},
	} {
		out, st := render(t, FormatPlain, Options{Kind: kind})
		got := dataLines(out)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || st.Written != len(want) || st.Skipped["not_published"] != 3 {
			t.Errorf("plain %s = %q (%+v), want %q", kind, got, st, want)
		}
	}
	if _, err := New(FormatPlain, &bytes.Buffer{}, Options{Now: now}); err == nil {
		t.Error("a plain list without a kind")
	}
}

func TestHosts(t *testing.T) {
	out, st := render(t, FormatHosts, Options{})
	var got []string
	for _, l := range dataLines(out) {
		ip, name, ok := strings.Cut(l, " ")
		if !ok || ip != "0.0.0.0" || strings.Contains(name, " ") {
			t.Fatalf("hosts line %q", l)
		}
		got = append(got, name)
	}
	var want []string
	for _, d := range append(slices.Clone(wantDomains), strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 50)+".vn") {
		want = append(want, d, "www."+d)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || st.Written != 3 {
		t.Errorf("hosts = %q (%+v), want %q", got, st, want)
	}
}

func TestCSV(t *testing.T) {
	out, st := render(t, FormatCSV, Options{})
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], csvHeader) || len(recs) != 1+8 || st.Written != 8 {
		t.Fatalf("csv = %q", recs)
	}
	byID := map[string][]string{}
	for _, r := range recs[1:] {
		byID[r[0]] = r
	}
	if r := byID["e01"]; r[2] != "www.vietcombank-hotro.example" || r[3] != "vietcombank-hotro.example" || r[6] != stamp(pub) {
		t.Errorf("domain row = %q", r)
	}
	if r := byID["e07"]; r[2] != "+84912345678" {
		t.Errorf("a phone number was mangled: %q", r)
	}
	if r := byID["e09"]; r[2] != "'=cmd@evil.example" {
		t.Errorf("a formula was not defused: %q", r)
	}
}

func TestJSON(t *testing.T) {
	out, st := render(t, FormatJSON, Options{})
	var doc struct {
		Source      string           `json:"source"`
		GeneratedAt string           `json:"generated_at"`
		Entries     []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.GeneratedAt != stamp(now) || len(doc.Entries) != 8 || st.Written != 8 {
		t.Fatalf("json = %+v", doc)
	}
	for _, e := range doc.Entries {
		var keys []string
		for k := range e {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"category", "expires_at", "id", "kind", "match", "published_at", "reports", "value"}) {
			t.Errorf("entry fields %q: a new public field must be checked for personal data first", keys)
		}
	}
	// An empty list is a valid document too.
	var b bytes.Buffer
	w, _ := New(FormatJSON, &b, Options{Now: now})
	w.Close()
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc.Entries) != 0 {
		t.Errorf("empty json %q: %v", b.String(), err)
	}
}
