package detect

// The oracle is the slow, obviously correct matcher the index is held to:
// a linear scan over every indicator in force, with net/netip Contains for
// prefixes, strings.HasSuffix on "."+domain for domains and string equality
// for the rest, on values canonicalised by package intel.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
)

type oracle struct {
	inds []intel.Indicator // every indicator given and not removed or replaced since
	now  time.Time
}

// ref is an indicator's Ref with its value canonical, or false.
func ref(r Ref) (Ref, bool) {
	v, err := intel.Canonical(r.Type, r.Value)
	r.Value = v
	return r, err == nil
}

// apply follows Delta's rules: removals first, then every added indicator
// replaces the older ones with its Ref.
func (o *oracle) apply(d Delta) {
	gone := map[Ref]bool{}
	for _, r := range d.Removed {
		if c, ok := ref(r); ok {
			gone[c] = true
		}
	}
	for i := range d.Added {
		if c, ok := ref(RefOf(&d.Added[i])); ok {
			gone[c] = true
		}
	}
	o.inds = slices.DeleteFunc(o.inds, func(i intel.Indicator) bool {
		c, ok := ref(RefOf(&i))
		return ok && gone[c]
	})
	o.inds = append(o.inds, d.Added...)
}

// inForce is an indicator in force with its canonical value, parsed when
// it is an address or a prefix.
type inForce struct {
	intel.Indicator
	pfx    netip.Prefix
	dotted string // "." + Value, for a domain
}

// scan returns the in-force indicators with canonical values, by type.
func (o *oracle) scan() map[intel.Type][]inForce {
	out := map[intel.Type][]inForce{}
	for _, i := range o.inds {
		c, err := intel.Canonical(i.Type, i.Value)
		if err != nil || !i.ValidAt(o.now) {
			continue
		}
		i.Value = c
		f := inForce{Indicator: i, dotted: "." + c}
		switch i.Type {
		case intel.TypeIPv4, intel.TypeIPv6:
			a := netip.MustParseAddr(c)
			f.pfx = netip.PrefixFrom(a, a.BitLen())
		case intel.TypeCIDR:
			f.pfx = netip.MustParsePrefix(c)
		}
		out[i.Type] = append(out[i.Type], f)
	}
	return out
}

// match returns the hits of one event as sorted keys.
func oracleMatch(inds map[intel.Type][]inForce, ev *event.Event) []string {
	var hits []string
	hit := func(i inForce, field, value string) { hits = append(hits, hitKey(i.Indicator, field, value)) }
	addr := func(a netip.Addr, field, value string) {
		a = a.Unmap()
		for _, t := range []intel.Type{intel.TypeIPv4, intel.TypeIPv6, intel.TypeCIDR} {
			for _, i := range inds[t] {
				if i.pfx.Contains(a) {
					hit(i, field, value)
				}
			}
		}
	}
	if ev.SrcIP.IsValid() {
		addr(ev.SrcIP, FieldSrcIP, ev.SrcIP.String())
	}
	if ev.DstIP.IsValid() {
		addr(ev.DstIP, FieldDstIP, ev.DstIP.String())
	}
	for _, h := range ev.Hosts {
		c, ok := intel.CanonicalHost(h)
		if !ok {
			continue
		}
		if a, err := netip.ParseAddr(c); err == nil {
			addr(a, FieldHost, h)
			continue
		}
		for _, i := range inds[intel.TypeDomain] {
			if c == i.Value || strings.HasSuffix(c, i.dotted) {
				hit(i, FieldHost, h)
			}
		}
	}
	exact := func(values []string, field string, canon func(string) (string, bool), types ...intel.Type) {
		for _, v := range values {
			c, ok := canon(v)
			for _, t := range types {
				for _, i := range inds[t] {
					if ok && i.Value == c {
						hit(i, field, v)
					}
				}
			}
		}
	}
	exact(ev.URLs, FieldURL, intel.CanonicalURL, intel.TypeURL)
	exact(ev.Hashes, FieldHash, func(s string) (string, bool) { return strings.ToLower(s), isHexString(s) },
		intel.TypeMD5, intel.TypeSHA1, intel.TypeSHA256)
	exact(ev.Emails, FieldEmail, func(s string) (string, bool) {
		c, err := intel.Canonical(intel.TypeEmail, s)
		return c, err == nil
	}, intel.TypeEmail)
	slices.Sort(hits)
	return hits
}

func isHexString(s string) bool {
	for _, c := range strings.ToLower(s) {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func hitKey(i intel.Indicator, field, value string) string {
	return fmt.Sprintf("%s %s %s %s | %s=%s", i.ID, i.Type, i.Value, i.Source, field, value)
}

func indexMatch(ix *Index, ev *event.Event) []string {
	var hits []string
	ix.Match(ev, func(h Hit) { hits = append(hits, hitKey(h.Indicator, h.Field, h.Value)) })
	slices.Sort(hits)
	return hits
}

// compareOracle matches every event with the index and the oracle, on
// every CPU, and fails on the first few differences. It returns how many
// hits there were.
func compareOracle(t *testing.T, ix *Index, o *oracle, evs []event.Event) int {
	t.Helper()
	inds := o.scan()
	var mu sync.Mutex
	var wg sync.WaitGroup
	bad, total := 0, 0
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(evs); i += workers {
				got, want := indexMatch(ix, &evs[i]), oracleMatch(inds, &evs[i])
				mu.Lock()
				total += len(want)
				if !slices.Equal(got, want) && bad < 5 {
					bad++
					t.Errorf("event %d %v %v %v %v %v %v:\n got %q\nwant %q", i, evs[i].SrcIP, evs[i].DstIP,
						evs[i].Hosts, evs[i].URLs, evs[i].Hashes, evs[i].Emails, got, want)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return total
}
