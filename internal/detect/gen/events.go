package gen

import (
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
)

// Constituency sizes: the networks of the organisations a national CERT
// serves.
const (
	ConstituencyV4 = 500_000
	ConstituencyV6 = 100_000
)

// Sample is one generated event: the raw EVE line a sensor would send and
// the event a decoder makes of it.
type Sample struct {
	Raw   []byte      // one EVE JSON object, without the newline
	Event event.Event // built directly, not by decoding Raw
	// Carried is the indicator whose value the event carries, when it
	// carries one. It still need not match: the indicator may be expired.
	Carried *intel.Indicator
}

// Events returns events 0…n-1 of seed's stream; about hitRate of them carry
// the value of one of the first HitPool indicators of the same seed, one in
// five of those in an edge-case form (IPv4-mapped IPv6, upper case, a
// trailing dot, a subdomain). One in fifty DNS events asks for a near miss:
// a name that ends with an indicator's domain but not on a label boundary.
// Events are about 500 bytes of JSON.
func Events(n int, seed uint64, hitRate float64) []Sample {
	out := make([]Sample, n)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/5_000))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				out[i] = EventAt(i, seed, hitRate)
			}
		})
	}
	wg.Wait()
	return out
}

// NDJSON joins the raw events, one per line.
func NDJSON(s []Sample) []byte {
	size := 0
	for i := range s {
		size += len(s[i].Raw) + 1
	}
	b := make([]byte, 0, size)
	for i := range s {
		b = append(append(b, s[i].Raw...), '\n')
	}
	return b
}

// Constituency returns ConstituencyV4 distinct IPv4 prefixes, /8 to /32 and
// mostly /16 to /24 like a routing table, and ConstituencyV6 distinct IPv6
// prefixes of /32 to /64.
func Constituency(seed uint64) (v4, v6 []netip.Prefix) {
	seen := make(map[netip.Prefix]struct{}, ConstituencyV4+ConstituencyV6)
	for k := 0; len(v4) < ConstituencyV4 || len(v6) < ConstituencyV6; k++ {
		p := constituencyPrefix(k, seed)
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		if p.Addr().Is4() && len(v4) < ConstituencyV4 {
			v4 = append(v4, p)
		} else if p.Addr().Is6() && len(v6) < ConstituencyV6 {
			v6 = append(v6, p)
		}
	}
	return v4, v6
}

// constituencyPrefix is prefix k of the constituency stream: five in six
// are IPv4.
func constituencyPrefix(k int, seed uint64) netip.Prefix {
	r := newRnd(seed, streamPrefix, k)
	if r.n(6) == 0 {
		return netip.PrefixFrom(randomV6(&r), 32+r.n(33)).Masked()
	}
	var bits int
	switch x := r.n(100); {
	case x < 55:
		bits = 24
	case x < 85:
		bits = 17 + r.n(7)
	case x < 93:
		bits = 16
	case x < 98:
		bits = 25 + r.n(8)
	default:
		bits = 8 + r.n(8)
	}
	return netip.PrefixFrom(netip.AddrFrom4(u32Bytes(uint32(r.u64()))), bits).Masked()
}

// draft is what both the raw line and the decoded event are made from.
type draft struct {
	kind                 string
	ts                   time.Time
	flowID               uint64
	sensor, org          string
	src, dst             netip.Addr
	sport, dport         uint16
	proto, app           string
	host, url, path      string
	md5, sha256          string
	mailFrom, mailTo     string
	signature            string
	sigID, severity, pkt int
	carried              *intel.Indicator
}

var kinds = []struct {
	name string
	pct  int
}{{"flow", 35}, {"dns", 25}, {"http", 15}, {"tls", 12}, {"fileinfo", 6}, {"alert", 5}, {"smtp", 2}}

// EventAt returns event i of seed's stream (see Events).
func EventAt(i int, seed uint64, hitRate float64) Sample {
	r := newRnd(seed, streamEvent, i)
	d := benign(i, seed, &r)
	if float64(r.u64()>>11)/(1<<53) < hitRate {
		carry(&d, seed, &r)
	} else if d.kind == "dns" && r.pct(2) {
		d.host = "not" + domainValue(r.n(HitPool/blockLen)*blockLen+domainSlots[0], seed)
	}
	return Sample{Raw: raw(&d), Event: decoded(&d), Carried: d.carried}
}

// benign draws an event with no indicator in it: one side inside the
// constituency, the other a random public address.
func benign(i int, seed uint64, r *rnd) draft {
	d := draft{
		ts:     Now.Add(time.Duration(i) * time.Millisecond),
		flowID: r.u64() >> 14,
		sensor: "sensor-" + strconv.Itoa(r.n(400)),
		org:    "org-" + strconv.Itoa(r.n(5000)),
		sport:  uint16(1024 + r.n(64_000)),
		proto:  "TCP",
		pkt:    r.n(1 << 20),
	}
	x := r.n(100)
	for _, k := range kinds {
		if x < k.pct {
			d.kind = k.name
			break
		}
		x -= k.pct
	}
	inside := addrIn(r, constituencyPrefix(r.n(ConstituencyV4+ConstituencyV6), seed))
	outside := netip.AddrFrom4(u32Bytes(uint32(r.u64())))
	if inside.Is6() {
		outside = randomV6(r)
	}
	d.src, d.dst = inside, outside
	if r.pct(40) {
		d.src, d.dst = outside, inside
	}
	d.host = words[r.n(len(words))] + "." + words[r.n(len(words))] + strconv.FormatUint(r.u64()>>40, 36) + "." +
		[]string{"com", "net", "vn", "gov.vn", "com.vn", "org"}[r.n(6)]
	d.path = "/" + words[r.n(len(words))] + "/" + strconv.FormatUint(r.u64()>>34, 36) + ".html"
	d.url = "http://" + d.host + d.path
	d.md5, d.sha256 = randomHex(r, 16), randomHex(r, 32)
	d.mailFrom, d.mailTo = "noreply@"+d.host, "contact@"+words[r.n(len(words))]+".gov.vn"
	d.signature, d.sigID, d.severity = "ET POLICY Observed suspicious user agent", 2_010_000+r.n(90_000), 1+r.n(3)
	switch d.kind {
	case "dns":
		d.proto, d.dport, d.app = "UDP", 53, "dns"
	case "http", "fileinfo":
		d.dport, d.app = 80, "http"
	case "tls":
		d.dport, d.app = 443, "tls"
	case "smtp":
		d.dport, d.app = 25, "smtp"
	default:
		d.dport = uint16([]int{22, 80, 443, 445, 3389, 8080}[r.n(6)])
	}
	return d
}

// carry puts the value of one of the first HitPool indicators into d,
// changing the kind of event where the value needs one.
func carry(d *draft, seed uint64, r *rnd) {
	ind := Indicator(r.n(HitPool), seed)
	d.carried = &ind
	edge := r.pct(20)
	switch ind.Type {
	case intel.TypeIPv4, intel.TypeIPv6:
		a := netip.MustParseAddr(ind.Value)
		if edge && a.Is4() {
			a = netip.AddrFrom16(a.As16()) // IPv4-mapped IPv6
		}
		d.dst = a
	case intel.TypeCIDR:
		d.dst = addrIn(r, netip.MustParsePrefix(ind.Value))
	case intel.TypeDomain:
		d.kind = []string{"dns", "http", "tls"}[r.n(3)]
		d.host = ind.Value
		if r.pct(60) {
			d.host = words[r.n(len(words))] + strconv.Itoa(r.n(100)) + "." + ind.Value
		}
		if edge {
			d.host = []string{strings.ToUpper(d.host), d.host + "."}[r.n(2)]
		}
		d.url = "http://" + d.host + d.path
	case intel.TypeURL:
		d.kind, d.url = "http", ind.Value
		rest := ind.Value[strings.Index(ind.Value, "://")+3:]
		slash := strings.IndexByte(rest, '/')
		d.host, d.path = rest[:slash], rest[slash:]
		if edge {
			d.url = strings.ToUpper(ind.Value[:strings.Index(ind.Value, "/")]) + "//" + strings.ToUpper(d.host) + d.path
		}
	case intel.TypeMD5, intel.TypeSHA1, intel.TypeSHA256:
		d.kind = "fileinfo"
		v := ind.Value
		if edge {
			v = strings.ToUpper(v)
		}
		if ind.Type == intel.TypeMD5 {
			d.md5 = v
		} else {
			d.sha256 = v // a SHA-1 in the SHA-256 slot is a sloppy sensor, fine for matching
		}
	case intel.TypeEmail:
		d.kind, d.mailFrom = "smtp", ind.Value
		if edge {
			d.mailFrom = strings.ToUpper(ind.Value)
		}
	}
	switch d.kind {
	case "http", "fileinfo":
		d.dport, d.app, d.proto = 80, "http", "TCP"
	case "smtp":
		d.dport, d.app, d.proto = 25, "smtp", "TCP"
	case "dns":
		d.dport, d.app, d.proto = 53, "dns", "UDP"
	case "tls":
		d.dport, d.app, d.proto = 443, "tls", "TCP"
	}
}

func randomHex(r *rnd, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*n)
	for k := 0; k < len(b); k += 16 {
		v := r.u64()
		for j := k; j < min(k+16, len(b)); j++ {
			b[j] = digits[v&15]
			v >>= 4
		}
	}
	return string(b)
}
