package org

// The ownership index answers "which organisation owns this IP address,
// domain name or AS number" from the approved resource claims.
//
// IP prefixes live in a bart.Table (a multibit trie with popcount-compressed
// nodes, github.com/gaissmai/bart): the balanced choice between its Lite
// (no payload, so no Owner to return) and Fast (about 25% quicker look-ups
// for several times the memory) tables. The table is filled with Insert
// while BuildIndex owns it and never written again, so concurrent readers
// need no lock; a change of approvals builds a new Index and swaps it whole
// through Live.
//
// Domains are a map from canonical name to owner; a look-up tries the whole
// name, then drops one leading label at a time, so the longest claimed
// suffix on a label boundary wins. AS numbers are a map.

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gaissmai/bart"

	"github.com/khien-cert/khien/internal/errs"
)

// Owner is the answer of an ownership look-up: the organisation and the
// canonical value of the resource that matched (a prefix such as
// "203.0.113.0/24", a domain such as "example.gov.vn", or "AS13335").
type Owner struct {
	OrgID    string `json:"org_id"`
	Resource string `json:"resource"`
}

// Index is an immutable ownership index. Build it with BuildIndex; its
// methods are safe for concurrent use. A nil *Index answers not found.
type Index struct {
	prefixes bart.Table[Owner]
	domains  map[string]Owner
	asns     map[uint32]Owner
}

// BuildIndex builds an index from resource claims. Only approved claims are
// used; pending and rejected ones are ignored. Values are canonicalised
// again, so a claim stored in a non-canonical form still matches. The same
// value approved twice for one organisation is kept once; approved for two
// organisations, or unparseable, it breaks an invariant of the registry and
// BuildIndex fails with a KindInternal error naming the claim.
func BuildIndex(rs []Resource) (*Index, error) {
	ix := &Index{domains: make(map[string]Owner), asns: make(map[uint32]Owner)}
	orgIDs := make(map[string]string) // one copy of each organisation ID
	for i := range rs {
		r := &rs[i]
		if r.Status != ClaimApproved {
			continue
		}
		org, ok := orgIDs[r.OrgID]
		if !ok {
			org = strings.Clone(r.OrgID)
			orgIDs[org] = org
		}
		if err := ix.add(r, org); err != nil {
			return nil, errs.Internal("org.BuildIndex", err)
		}
	}
	return ix, nil
}

// add inserts one approved claim.
func (ix *Index) add(r *Resource, org string) error {
	switch r.Type {
	case ResourceCIDR:
		p, err := ParseCIDR(r.Value)
		if err != nil {
			return fmt.Errorf("resource %s: cidr %q: %w", r.ID, r.Value, err)
		}
		if prev, ok := ix.prefixes.Get(p); ok {
			return sameOwner(r, prev, org)
		}
		ix.prefixes.Insert(p, Owner{OrgID: org, Resource: p.String()})
	case ResourceDomain:
		d, err := ParseDomain(r.Value)
		if err != nil {
			return fmt.Errorf("resource %s: domain %q: %w", r.ID, r.Value, err)
		}
		if prev, ok := ix.domains[d]; ok {
			return sameOwner(r, prev, org)
		}
		d = strings.Clone(d) // do not pin the caller's string
		ix.domains[d] = Owner{OrgID: org, Resource: d}
	case ResourceASN:
		n, err := ParseASN(r.Value)
		if err != nil {
			return fmt.Errorf("resource %s: asn %q: %w", r.ID, r.Value, err)
		}
		if prev, ok := ix.asns[n]; ok {
			return sameOwner(r, prev, org)
		}
		ix.asns[n] = Owner{OrgID: org, Resource: FormatASN(n)}
	default:
		return fmt.Errorf("resource %s: unknown type %q", r.ID, r.Type)
	}
	return nil
}

// sameOwner accepts a repeated claim by the same organisation.
func sameOwner(r *Resource, prev Owner, org string) error {
	if prev.OrgID == org {
		return nil
	}
	return fmt.Errorf("resource %s: %s is approved for both %s and %s", r.ID, prev.Resource, prev.OrgID, org)
}

// LookupIP returns the owner of the longest approved prefix holding a. An
// IPv4-mapped IPv6 address is looked up as IPv4; a zone is ignored.
func (ix *Index) LookupIP(a netip.Addr) (Owner, bool) {
	if ix == nil {
		return Owner{}, false
	}
	return ix.prefixes.Lookup(a.Unmap())
}

// LookupDomain returns the owner of the longest approved domain that is name
// or a parent of it on a label boundary: "a.b.example.vn" matches
// "example.vn", "badexample.vn" does not. Case and one trailing dot are
// ignored. An ASCII name is looked up without allocating; a Unicode name is
// converted to A-labels first.
func (ix *Index) LookupDomain(name string) (Owner, bool) {
	if ix == nil || len(ix.domains) == 0 {
		return Owner{}, false
	}
	name = strings.TrimSuffix(name, ".")
	if len(name) > maxDomainLen || !isASCII(name) {
		return ix.lookupIDN(name)
	}
	var buf [maxDomainLen]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return ix.lookupSuffix(buf[:len(name)])
}

// lookupIDN converts a Unicode name to A-labels and looks it up.
func (ix *Index) lookupIDN(name string) (Owner, bool) {
	if !utf8.ValidString(name) {
		return Owner{}, false
	}
	a, err := domainProfile.ToASCII(name)
	if err != nil || len(a) > maxDomainLen || !isASCII(a) {
		return Owner{}, false
	}
	return ix.lookupSuffix([]byte(strings.ToLower(a)))
}

// lookupSuffix tries b, then b without its first label, and so on. The map
// index with string(b) does not allocate.
func (ix *Index) lookupSuffix(b []byte) (Owner, bool) {
	for len(b) > 0 {
		if o, ok := ix.domains[string(b)]; ok {
			return o, true
		}
		i := bytes.IndexByte(b, '.')
		if i < 0 {
			break
		}
		b = b[i+1:]
	}
	return Owner{}, false
}

// LookupASN returns the owner of an AS number.
func (ix *Index) LookupASN(asn uint32) (Owner, bool) {
	if ix == nil {
		return Owner{}, false
	}
	o, ok := ix.asns[asn]
	return o, ok
}

// Len returns how many prefixes, domains and AS numbers the index holds.
func (ix *Index) Len() (prefixes, domains, asns int) {
	if ix == nil {
		return 0, 0, 0
	}
	return ix.prefixes.Size(), len(ix.domains), len(ix.asns)
}

// Live holds the current Index. Readers call Load and never lock; whoever
// rebuilds the index calls Swap (or Store) with the new one. The zero Live
// holds nil, which answers every look-up with not found.
type Live struct {
	atomic.Pointer[Index]
}
