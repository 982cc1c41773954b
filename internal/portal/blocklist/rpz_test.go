package blocklist

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// rr is one resource record of a zone file, with its owner made absolute.
type rr struct {
	owner string
	ttl   int
	typ   string
	rdata []string
}

// parseZone reads the zone-file subset RFC 1035 section 5 defines that an
// RPZ needs: $ORIGIN and $TTL, comments, parentheses across lines, "@",
// relative and absolute owner names, an optional TTL and class IN. It
// refuses anything else, and names that break the DNS length and character
// rules.
func parseZone(text string) (origin string, rrs []rr, err error) {
	logical, err := logicalLines(text)
	if err != nil {
		return "", nil, err
	}
	ttl, prevOwner := -1, ""
	for _, l := range logical {
		f := strings.Fields(l)
		switch {
		case len(f) == 0:
			continue
		case f[0] == "$ORIGIN":
			if len(f) != 2 || !strings.HasSuffix(f[1], ".") {
				return "", nil, fmt.Errorf("bad $ORIGIN %q", l)
			}
			origin = f[1]
			continue
		case f[0] == "$TTL":
			if ttl, err = strconv.Atoi(f[1]); err != nil || len(f) != 2 {
				return "", nil, fmt.Errorf("bad $TTL %q", l)
			}
			continue
		case origin == "" || ttl < 0:
			return "", nil, fmt.Errorf("a record before $ORIGIN and $TTL: %q", l)
		}
		r := rr{owner: prevOwner, ttl: ttl}
		if l[0] != ' ' && l[0] != '\t' {
			r.owner, f = absolute(f[0], origin), f[1:]
		}
		if err := checkName(r.owner); err != nil {
			return "", nil, err
		}
		if len(f) > 0 && isNumber(f[0]) {
			r.ttl, _ = strconv.Atoi(f[0])
			f = f[1:]
		}
		if len(f) > 0 && f[0] == "IN" {
			f = f[1:]
		}
		if len(f) < 2 {
			return "", nil, fmt.Errorf("no type or data: %q", l)
		}
		r.typ, r.rdata = f[0], f[1:]
		rrs, prevOwner = append(rrs, r), r.owner
	}
	return origin, rrs, nil
}

// logicalLines drops comments and joins the lines of a parenthesised
// record into one.
func logicalLines(text string) ([]string, error) {
	var out []string
	var cur strings.Builder
	depth := 0
	for line := range strings.Lines(text) {
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		depth += strings.Count(line, "(") - strings.Count(line, ")")
		if depth < 0 {
			return nil, fmt.Errorf("unbalanced parentheses")
		}
		cur.WriteString(strings.NewReplacer("(", " ", ")", " ", "\n", " ").Replace(line))
		if depth == 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unclosed parenthesis")
	}
	return out, nil
}

// absolute makes an owner name absolute under origin.
func absolute(owner, origin string) string {
	switch {
	case owner == "@":
		return origin
	case strings.HasSuffix(owner, "."):
		return owner
	}
	return owner + "." + origin
}

func isNumber(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func checkName(n string) error {
	if len(n) > 255 {
		return fmt.Errorf("name %q is %d octets long", n, len(n))
	}
	labels := strings.Split(strings.TrimSuffix(n, "."), ".")
	for i, l := range labels {
		if l == "*" && i == 0 {
			continue
		}
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return fmt.Errorf("name %q has a bad label %q", n, l)
		}
	}
	return nil
}

// TestRPZParsesBack reads the zone back and checks it is a well-formed
// zone whose policy records are exactly the published domains and their
// subdomains, each with the NXDOMAIN action.
func TestRPZParsesBack(t *testing.T) {
	out, st := render(t, FormatRPZ, Options{Zone: "scam.rpz.cert.example", Serial: 2026060101})
	origin, rrs, err := parseZone(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if origin != "scam.rpz.cert.example." || len(rrs) < 2 {
		t.Fatalf("origin %q, %d records", origin, len(rrs))
	}
	soa := rrs[0]
	if soa.owner != origin || soa.typ != "SOA" || len(soa.rdata) != 7 || soa.rdata[2] != "2026060101" || soa.ttl != DefaultTTL {
		t.Fatalf("first record is not the SOA: %+v", soa)
	}
	for _, n := range soa.rdata[3:] {
		if !isNumber(n) {
			t.Errorf("SOA timer %q", n)
		}
	}
	if rrs[1].owner != origin || rrs[1].typ != "NS" || len(rrs[1].rdata) != 1 {
		t.Fatalf("second record is not the NS: %+v", rrs[1])
	}
	var got []string
	for _, r := range rrs[2:] {
		if r.typ != "CNAME" || !slices.Equal(r.rdata, []string{"."}) {
			t.Fatalf("record %+v is not the NXDOMAIN action", r)
		}
		got = append(got, strings.TrimSuffix(r.owner, "."+origin))
	}
	var want []string
	for _, d := range wantDomains {
		want = append(want, d, "*."+d)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("policy names = %q\nwant %q", got, want)
	}
	if st.Written != 2 || st.Skipped["name_too_long"] != 1 || st.Skipped["not_a_domain"] != 5 || st.Skipped["not_published"] != 3 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRPZDefaultsAndRefusals(t *testing.T) {
	out, _ := render(t, FormatRPZ, Options{})
	origin, rrs, err := parseZone(out)
	if err != nil || origin != DefaultZone || rrs[0].rdata[2] != strconv.FormatInt(now.Unix(), 10) {
		t.Fatalf("default zone: %q %+v %v", origin, rrs[0], err)
	}
	for _, zone := range []string{"not a zone", "bad..zone.", "UPPER.example"} {
		if _, err := New(FormatRPZ, nil, Options{Now: now, Zone: zone}); err == nil {
			t.Errorf("zone %q accepted", zone)
		}
	}
	for _, bad := range []string{"$ORIGIN x.\n$TTL 5\n@ IN SOA (a b\n", "a CNAME .\n", "$ORIGIN x.\n$TTL 5\nb@d CNAME .\n"} {
		if _, _, err := parseZone(bad); err == nil {
			t.Errorf("parseZone accepted %q", bad)
		}
	}
}
