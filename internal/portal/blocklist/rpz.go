package blocklist

// This file writes a DNS response policy zone (RPZ, draft-vixie-dnsop-dns-rpz)
// that a resolver such as BIND, Unbound, Knot Resolver or PowerDNS Recursor
// loads to answer NXDOMAIN for every published scam domain and every name
// under it: "name CNAME ." is the NXDOMAIN action, "*.name CNAME ." extends
// it to subdomains. The zone has the SOA and NS records a zone needs; owner
// names are relative to $ORIGIN.

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/khien-cert/khien/internal/portal"
)

// Defaults of an RPZ.
const (
	DefaultZone = "scam.rpz.khien.invalid."
	DefaultTTL  = 300
)

type rpz struct {
	w     *bufio.Writer
	o     Options
	stats Stats
	err   error
}

func newRPZ(w io.Writer, o Options) (*rpz, error) {
	if o.Zone == "" {
		o.Zone = DefaultZone
	}
	if !strings.HasSuffix(o.Zone, ".") {
		o.Zone += "."
	}
	if !validName(strings.TrimSuffix(o.Zone, ".")) {
		return nil, fmt.Errorf("blocklist: zone %q is not a domain name", o.Zone)
	}
	if o.NS == "" {
		o.NS = "localhost."
	}
	if o.Mbox == "" {
		o.Mbox = "hostmaster." + o.Zone
	}
	if o.Serial == 0 {
		o.Serial = uint32(o.Now.Unix())
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	z := &rpz{w: bufio.NewWriter(w), o: o}
	z.put("; Khiên public portal: response policy zone of confirmed scam domains")
	z.put("; generated " + stamp(o.Now) + "; each name and every name under it answers NXDOMAIN")
	z.put("$ORIGIN " + o.Zone)
	z.put(fmt.Sprintf("$TTL %d", o.TTL))
	z.put(fmt.Sprintf("@ IN SOA %s %s (%d 3600 600 604800 %d)", o.NS, o.Mbox, o.Serial, o.TTL))
	z.put("@ IN NS " + o.NS)
	return z, z.err
}

func (z *rpz) put(s string) {
	if z.err == nil {
		_, z.err = z.w.WriteString(s + "\n")
	}
}

func (z *rpz) Write(l portal.Listing) error {
	if !published(l, z.o.Now) {
		z.stats.skip("not_published")
		return z.err
	}
	d, ok := portal.DomainOf(l)
	switch {
	case !ok:
		z.stats.skip("not_a_domain")
	case !validName(d):
		z.stats.skip("bad_name")
	case len(d)+2+len(z.o.Zone) > 254: // "*." + name + "." + zone, without the root's dot
		z.stats.skip("name_too_long")
	default:
		z.put(d + " CNAME .")
		z.put("*." + d + " CNAME .")
		z.stats.Written++
	}
	return z.err
}

func (z *rpz) Close() error {
	if z.err != nil {
		return z.err
	}
	return z.w.Flush()
}

func (z *rpz) Stats() Stats { return z.stats }

// validName reports a lower-case host name that a zone file can carry as
// it is: labels of 1 to 63 letters, digits, '-' or '_'.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for l := range strings.SplitSeq(s, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
