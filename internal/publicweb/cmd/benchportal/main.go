// Command benchportal serves the public portal's look-up over loopback
// with a million published entries in memory, for `make bench-portal`:
// it loads the entries from a deterministic generator, writes a wrk Lua
// script of look-up requests (hits of every kind, typed as people type
// them, and misses), prints "ready <addr>" and serves until killed.
//
// The look-up rate limit is raised here, through portal.Deps, so that one
// load generator on loopback measures the index and not the limiter; the
// production defaults are untouched. The store is a stand-in that only
// streams the generated listings: nothing else is called by look-ups.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/khien-cert/khien/internal/portal"
	"github.com/khien-cert/khien/internal/portal/guard"
	"github.com/khien-cert/khien/internal/publicweb"
)

func main() {
	n := flag.Int("entries", 1_000_000, "published entries to load")
	addr := flag.String("listen", "127.0.0.1:0", "address to serve on")
	script := flag.String("script", "/tmp/bench-portal.lua", "wrk script to write")
	flag.Parse()
	if err := run(*n, *addr, *script); err != nil {
		log.Fatal(err)
	}
}

func run(n int, addr, script string) error {
	now := time.Now().UTC()
	st := &genStore{n: n, now: now}
	svc := portal.New(portal.Deps{Store: st, Lookup: guard.LimitOptions{Every: time.Nanosecond, Burst: 1 << 30}})
	start := time.Now()
	if err := svc.RebuildIndex(context.Background()); err != nil {
		return err
	}
	keys, _ := svc.Index().Len()
	fmt.Fprintf(os.Stderr, "loaded %d entries (%d keys) in %s\n", n, keys, time.Since(start).Round(time.Millisecond))
	if err := writeScript(script, n); err != nil {
		return err
	}
	site, err := publicweb.New(publicweb.Deps{Portal: svc})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("ready %s\n", ln.Addr())
	mux := http.NewServeMux()
	mux.Handle(publicweb.Prefix, site.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// genStore streams the generated listings; it is not a full portal.Store
// (the embedded nil interface panics if anything else is asked for).
type genStore struct {
	portal.Store
	n   int
	now time.Time
}

func (g *genStore) Listings(_ context.Context, _ portal.ListingFilter, fn func(portal.Listing) error) error {
	for i := range g.n {
		l, err := listing(i, g.now)
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}
