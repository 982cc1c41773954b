package org

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

func approved(org string, t ResourceType, value string) Resource {
	return Resource{ID: org + ":" + value, OrgID: org, Type: t, Value: value, Status: ClaimApproved}
}

// edgeIndex is a small index with nested prefixes and domains of different
// organisations, and claims that must be ignored.
func edgeIndex(t *testing.T) *Index {
	t.Helper()
	rs := []Resource{
		approved("default4", ResourceCIDR, "0.0.0.0/0"),
		approved("a", ResourceCIDR, "10.0.0.0/8"),
		approved("b", ResourceCIDR, "10.1.0.0/16"),
		approved("c", ResourceCIDR, "10.1.2.3/32"),
		approved("c", ResourceCIDR, "10.1.2.3"), // the same claim again, written differently
		approved("default6", ResourceCIDR, "::/0"),
		approved("d", ResourceCIDR, "2001:db8::/32"),
		approved("e", ResourceCIDR, "2001:db8:1::/48"),
		approved("f", ResourceCIDR, "2001:db8:1::1/128"),
		approved("g", ResourceDomain, "example.vn"),
		approved("h", ResourceDomain, "Sub.Example.VN."),
		approved("bca", ResourceDomain, "bộcôngan.vn"),
		approved("cf", ResourceASN, "AS13335"),
		approved("big", ResourceASN, "1.10"),
		{OrgID: "p", Type: ResourceCIDR, Value: "192.0.2.0/24", Status: ClaimPending},
		{OrgID: "r", Type: ResourceCIDR, Value: "198.51.100.0/24", Status: ClaimRejected},
		{OrgID: "p", Type: ResourceDomain, Value: "pending.vn", Status: ClaimPending},
		{OrgID: "r", Type: ResourceASN, Value: "AS64500", Status: ClaimRejected},
		{OrgID: "x", Type: ResourceCIDR, Value: "not even a prefix", Status: ClaimPending},
	}
	ix, err := BuildIndex(rs)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestLookupIPEdges(t *testing.T) {
	ix := edgeIndex(t)
	tests := []struct {
		name, addr, org, resource string
	}{
		{"host route wins", "10.1.2.3", "c", "10.1.2.3/32"},
		{"/16 under /8", "10.1.2.4", "b", "10.1.0.0/16"},
		{"/8", "10.200.0.1", "a", "10.0.0.0/8"},
		{"ipv4 default", "11.0.0.1", "default4", "0.0.0.0/0"},
		{"pending ignored", "192.0.2.1", "default4", "0.0.0.0/0"},
		{"rejected ignored", "198.51.100.7", "default4", "0.0.0.0/0"},
		{"4-in-6 unmapped", "::ffff:10.1.2.3", "c", "10.1.2.3/32"},
		{"/128", "2001:db8:1::1", "f", "2001:db8:1::1/128"},
		{"/48", "2001:db8:1::2", "e", "2001:db8:1::/48"},
		{"/32", "2001:db8:2::", "d", "2001:db8::/32"},
		{"ipv6 default", "2001:db9::1", "default6", "::/0"},
		{"zone ignored", "2001:db8:1::1%eth0", "f", "2001:db8:1::1/128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.LookupIP(netip.MustParseAddr(tt.addr))
			if !ok || got.OrgID != tt.org || got.Resource != tt.resource {
				t.Errorf("LookupIP(%s) = %+v, %v; want %s %s", tt.addr, got, ok, tt.org, tt.resource)
			}
		})
	}
	if o, ok := ix.LookupIP(netip.Addr{}); ok {
		t.Errorf("zero address found %+v", o)
	}
	if p, d, a := ix.Len(); p != 8 || d != 3 || a != 2 {
		t.Errorf("Len = %d, %d, %d; want 8, 3, 2", p, d, a)
	}
}

func TestLookupDomainEdges(t *testing.T) {
	ix := edgeIndex(t)
	tests := []struct {
		name, query, org, resource string
	}{
		{"exact", "example.vn", "g", "example.vn"},
		{"deep child", "a.b.example.vn", "g", "example.vn"},
		{"longest suffix wins", "x.sub.example.vn", "h", "sub.example.vn"},
		{"exact child claim", "sub.example.vn", "h", "sub.example.vn"},
		{"case and trailing dot", "WWW.SUB.Example.VN.", "h", "sub.example.vn"},
		{"not on a label boundary", "badexample.vn", "", ""},
		{"suffix without dot", "xsub.example.vn", "g", "example.vn"},
		{"tld only", "vn", "", ""},
		{"other tld", "example.com", "", ""},
		{"unicode query", "www.BỘCÔNGAN.vn", "bca", "xn--bcngan-jxa6332d.vn"},
		{"a-label query", "mail.xn--bcngan-jxa6332d.vn", "bca", "xn--bcngan-jxa6332d.vn"},
		{"pending ignored", "pending.vn", "", ""},
		{"empty", "", "", ""},
		{"dot", ".", "", ""},
		{"leading dot", ".example.vn", "g", "example.vn"},
		{"too long", strings.Repeat("a.", 200) + "example.vn", "", ""},
		{"bad unicode", "\xff.example.vn", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.LookupDomain(tt.query)
			if ok != (tt.org != "") || got.OrgID != tt.org || got.Resource != tt.resource {
				t.Errorf("LookupDomain(%q) = %+v, %v; want %q %q", tt.query, got, ok, tt.org, tt.resource)
			}
		})
	}
}

func TestLookupASN(t *testing.T) {
	ix := edgeIndex(t)
	tests := []struct {
		name string
		asn  uint32
		org  string
	}{
		{"found", 13335, "cf"},
		{"asdot claim", 65546, "big"},
		{"rejected ignored", 64500, ""},
		{"unknown", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.LookupASN(tt.asn)
			if ok != (tt.org != "") || got.OrgID != tt.org || (ok && got.Resource != FormatASN(tt.asn)) {
				t.Errorf("LookupASN(%d) = %+v, %v; want %q", tt.asn, got, ok, tt.org)
			}
		})
	}
}

func TestBuildIndexErrors(t *testing.T) {
	tests := []struct {
		name string
		rs   []Resource
		hint string
	}{
		{"prefix claimed twice", []Resource{approved("a", ResourceCIDR, "10.0.0.0/8"), approved("b", ResourceCIDR, "10.1.0.0/8")},
			"approved for both a and b"},
		{"domain claimed twice", []Resource{approved("a", ResourceDomain, "x.vn"), approved("b", ResourceDomain, "X.vn.")},
			"approved for both"},
		{"asn claimed twice", []Resource{approved("a", ResourceASN, "AS1"), approved("b", ResourceASN, "1")}, "approved for both"},
		{"bad stored value", []Resource{approved("a", ResourceCIDR, "10.0.0.0/40")}, "cidr"},
		{"unknown type", []Resource{approved("a", "url", "https://x.vn")}, "unknown type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := BuildIndex(tt.rs)
			if ix != nil || !errs.Is(err, errs.KindInternal) || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("BuildIndex = %v, %v; want an internal error mentioning %q", ix, err, tt.hint)
			}
		})
	}
}

func TestNilIndexAndLive(t *testing.T) {
	var live Live
	ix := live.Load()
	if _, ok := ix.LookupIP(netip.MustParseAddr("10.0.0.1")); ok {
		t.Error("nil index found an IP")
	}
	if _, ok := ix.LookupDomain("example.vn"); ok {
		t.Error("nil index found a domain")
	}
	if _, ok := ix.LookupASN(13335); ok {
		t.Error("nil index found an ASN")
	}
	if p, d, a := ix.Len(); p+d+a != 0 {
		t.Error("nil index is not empty")
	}
	first := edgeIndex(t)
	if old := live.Swap(first); old != nil {
		t.Errorf("first Swap returned %p", old)
	}
	second, _ := BuildIndex(nil)
	if old := live.Swap(second); old != first {
		t.Error("Swap did not return the previous index")
	}
	if live.Load() != second {
		t.Error("Load did not return the new index")
	}
}

// TestLiveConcurrent swaps indexes while readers look up; run with -race.
func TestLiveConcurrent(t *testing.T) {
	var live Live
	a := edgeIndex(t)
	b, _ := BuildIndex([]Resource{approved("z", ResourceCIDR, "10.0.0.0/8")})
	live.Store(a)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				o, ok := live.Load().LookupIP(netip.MustParseAddr("10.9.9.9"))
				if !ok || (o.OrgID != "a" && o.OrgID != "z") {
					t.Errorf("got %+v, %v", o, ok)
					return
				}
			}
		})
	}
	for i := range 200 {
		live.Store([]*Index{a, b}[i%2])
	}
	wg.Wait()
}

func TestLookupDomainDoesNotAllocate(t *testing.T) {
	ix := edgeIndex(t)
	for _, q := range []string{"a.b.c.SUB.example.vn.", "nothing.here.com", "badexample.vn"} {
		if n := testing.AllocsPerRun(100, func() { ix.LookupDomain(q) }); n != 0 {
			t.Errorf("LookupDomain(%q) allocates %v times", q, n)
		}
	}
	a := netip.MustParseAddr("2001:db8:1::2")
	if n := testing.AllocsPerRun(100, func() { ix.LookupIP(a) }); n != 0 {
		t.Errorf("LookupIP allocates %v times", n)
	}
}

// TestIndexMatchesReference compares the index with a linear scan over
// random nested prefixes and domains.
func TestIndexMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var rs []Resource
	var prefixes []netip.Prefix
	var owners []string
	seen := map[netip.Prefix]bool{}
	add := func(p netip.Prefix) {
		p = p.Masked()
		if seen[p] {
			return
		}
		seen[p] = true
		org := fmt.Sprintf("org-%d", rng.IntN(50))
		prefixes, owners = append(prefixes, p), append(owners, org)
		status := ClaimApproved
		if rng.IntN(10) == 0 {
			status = ClaimPending
		}
		rs = append(rs, Resource{OrgID: org, Type: ResourceCIDR, Value: p.String(), Status: status})
	}
	// Addresses from a few /8s and one /32 of IPv6 so that prefixes nest.
	for range 3000 {
		add(netip.PrefixFrom(randV4(rng), rng.IntN(33)))
		add(netip.PrefixFrom(randV6(rng), 16+rng.IntN(113)))
	}
	ix, err := BuildIndex(rs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		a := randV4(rng)
		if i%2 == 1 {
			a = randV6(rng)
		}
		want, wantOK := "", false
		bestBits := -1
		for j, p := range prefixes {
			if rs[j].Status == ClaimApproved && p.Contains(a) && p.Bits() > bestBits {
				want, wantOK, bestBits = owners[j]+" "+p.String(), true, p.Bits()
			}
		}
		got, ok := ix.LookupIP(a)
		if ok != wantOK || (ok && got.OrgID+" "+got.Resource != want) {
			t.Fatalf("LookupIP(%s) = %+v, %v; reference %q, %v", a, got, ok, want, wantOK)
		}
	}
	checkDomainsAgainstReference(t, rng)
}

// randV4 returns an address in 10/8, 172.16/12-ish or a random /8, mostly
// inside a small space so that random prefixes overlap.
func randV4(rng *rand.Rand) netip.Addr {
	first := []byte{10, 172, 192, byte(rng.IntN(256))}[rng.IntN(4)]
	return netip.AddrFrom4([4]byte{first, byte(rng.IntN(4)), byte(rng.IntN(256)), byte(rng.IntN(256))})
}

func randV6(rng *rand.Rand) netip.Addr {
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	b[4], b[5] = byte(rng.IntN(2)), byte(rng.IntN(4))
	for i := 6; i < 16; i++ {
		b[i] = byte(rng.IntN(4))
	}
	return netip.AddrFrom16(b)
}

func checkDomainsAgainstReference(t *testing.T, rng *rand.Rand) {
	labels := []string{"a", "b", "ab", "ba", "www", "mail", "x-1"}
	name := func(n int) string {
		parts := make([]string, 0, n+1)
		for range n {
			parts = append(parts, labels[rng.IntN(len(labels))])
		}
		return strings.Join(append(parts, "vn"), ".")
	}
	claims := map[string]string{}
	var rs []Resource
	for range 300 {
		d := name(1 + rng.IntN(3))
		if _, dup := claims[d]; dup {
			continue
		}
		claims[d] = fmt.Sprintf("org-%d", rng.IntN(20))
		rs = append(rs, approved(claims[d], ResourceDomain, d))
	}
	ix, err := BuildIndex(rs)
	if err != nil {
		t.Fatal(err)
	}
	for range 5000 {
		q := name(1 + rng.IntN(5))
		want := ""
		for d := range claims {
			if (q == d || strings.HasSuffix(q, "."+d)) && len(d) > len(want) {
				want = d
			}
		}
		got, ok := ix.LookupDomain(strings.ToUpper(q))
		if ok != (want != "") || got.Resource != want || (ok && got.OrgID != claims[want]) {
			t.Fatalf("LookupDomain(%q) = %+v, %v; reference %q", q, got, ok, want)
		}
	}
}
