package telemetry

import (
	"net/netip"
	"testing"

	"github.com/khien-cert/khien/internal/event"
	"github.com/khien-cert/khien/internal/intel"
)

// TestCanonicalFormsAgreeWithIntel checks that the host names and URLs
// events carry are spelled as threat intel spells them, so that matching is
// plain equality: for every host and URL value in the corpus and a list of
// awkward ones, event's canonical form equals intel's.
func TestCanonicalFormsAgreeWithIntel(t *testing.T) {
	hosts := []string{"WWW.Example.COM.", "bücher.example", "xn--bcher-kva.example", "_ldap._tcp.Corp.example",
		"a-.example", "-", "a..b", "exa mple.com", "tên-miền.vn", "SNOZBERRY", "x.example:80"}
	urls := []string{"HTTP://Example.COM", "http://example.com:80/a/./b/../c?q=%2f#f", "https://bücher.example/é",
		"http://[2001:DB8::1]:8080/x", "http://[::ffff:192.0.2.1]/", "ftp://u:p@files.example:21/", "http://x.example/%7e%41%2F",
		"http://x.example/a b", "ws://x.example:0080/", "http://x.example:99999/", "mailto:a@b.example", "http://x.example/177v2.dll"}
	for _, dir := range []string{"suricata-eve/*.json", "zeek/*", "cef-syslog/*.out"} {
		for _, r := range decodeGlob(t, dir) {
			for _, k := range []string{"http.hostname", "tls.sni", "dns.rrname", "query", "server_name", "host", "dhost", "shost"} {
				if v := r.ev.Fields[k]; v != "" {
					hosts = append(hosts, v)
				}
			}
			urls = append(urls, r.ev.URLs...)
		}
	}
	for _, h := range hosts {
		ours, ok := event.CanonicalHost(h)
		theirs, ok2 := intel.CanonicalHost(h)
		if _, err := netip.ParseAddr(theirs); err == nil && ok2 {
			continue // an address: events carry those in SrcIP/DstIP, not Hosts
		}
		if ours != theirs || ok != ok2 {
			t.Errorf("host %q: event %q %v, intel %q %v", h, ours, ok, theirs, ok2)
		}
	}
	for _, u := range urls {
		ours, ok := event.CanonicalURL(u)
		theirs, ok2 := intel.CanonicalURL(u)
		if ours != theirs || ok != ok2 {
			t.Errorf("URL %q: event %q %v, intel %q %v", u, ours, ok, theirs, ok2)
		}
	}
}
