package app

// This file wires the CSAF 2.0 trusted provider: the OpenPGP signing key
// kept in the data directory (made on first start), the cached provider
// tree over the published advisories (csaf.Source, advisory.go), and the
// public, unauthenticated mount at /.well-known/csaf/ — which only ever
// holds TLP:CLEAR documents (csaf.BuildProvider filters), with HTML
// listings of its directories.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/csaf"
)

// csafKeyName is the provider's OpenPGP key in the data directory.
const csafKeyName = "keys/csaf-openpgp.asc"

// csafRecheck is how often the provider asks the store whether the
// published advisories changed.
const csafRecheck = 30 * time.Second

// openCSAF loads (or makes) the signing key and builds the tree cache.
func (a *App) openCSAF(root *os.Root, src csaf.Source) (*csaf.Cache, error) {
	// config.Load fills these; an App built from a bare Config (tests)
	// gets the same defaults here, without changing the Config others read
	// (an empty BaseURL means "the address the server really listens on").
	base, publisher, namespace := a.Config.BaseURL, a.Config.CSAFPublisher, a.Config.CSAFNamespace
	if base == "" {
		base = "http://" + a.Config.Listen
	}
	if publisher == "" {
		publisher = "Khiên CERT"
	}
	if namespace == "" {
		namespace = base
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	host, _, _ = strings.Cut(host, "/")
	host, _, _ = strings.Cut(host, ":")
	signer, err := csaf.LoadOrCreateSigner(root, csafKeyName, publisher, "csaf@"+host)
	if err != nil {
		return nil, fmt.Errorf("csaf signing key: %w", err)
	}
	opts := csaf.ProviderOptions{
		BaseURL: base,
		Issuer:  csaf.Issuer{Name: publisher, Namespace: namespace, Contact: a.Config.CSAFContact, Engine: "khien"},
		Signer:  signer,
	}
	return csaf.NewCache(src, opts, csafRecheck, a.now), nil
}

// csafHandler serves the provider tree.
func csafHandler(c *csaf.Cache) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		tree, err := c.Tree(r.Context())
		if err != nil {
			http.Error(w, "the advisories cannot be published right now", http.StatusServiceUnavailable)
			return
		}
		rel := strings.TrimPrefix(r.URL.Path, csaf.WellKnown)
		if rel == r.URL.Path { // "/.well-known/csaf" without the slash
			http.Redirect(w, r, csaf.WellKnown, http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if f, ok := tree.Files[rel]; ok {
			sum := sha256.Sum256(f.Body)
			w.Header().Set("Content-Type", f.Type)
			w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
			w.Header().Set("Cache-Control", "public, max-age=60")
			http.ServeContent(w, r, "", tree.Updated, bytes.NewReader(f.Body))
			return
		}
		dirs := tree.Dirs()
		if entries, ok := dirs[rel]; ok && (rel == "" || strings.HasSuffix(rel, "/")) {
			listing(w, r.URL.Path, entries)
			return
		}
		if _, ok := dirs[rel+"/"]; ok {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		http.NotFound(w, r)
	})
}

// listing writes a directory listing: links to the entries, as CSAF's
// directory-based distribution asks.
func listing(w http.ResponseWriter, path string, entries []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head><body>\n<h1>%s</h1>\n<ul>\n", html.EscapeString(path), html.EscapeString(path))
	for _, e := range entries {
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", html.EscapeString(e), html.EscapeString(e))
	}
	b.WriteString("</ul>\n</body></html>\n")
	w.Write([]byte(b.String()))
}

// mountCSAF mounts the provider tree at /.well-known/csaf/ (public: no
// session, no token).
func (a *App) mountCSAF(mux *http.ServeMux) {
	h := csafHandler(a.csaf)
	mux.Handle(csaf.WellKnown, h)
	mux.Handle(strings.TrimSuffix(csaf.WellKnown, "/"), h)
	if a.Config.CSAFContact != "" {
		// RFC 9116 wants a contact; with one configured, security.txt
		// points CSAF tools at the provider metadata.
		mux.HandleFunc("GET /.well-known/security.txt", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(csaf.SecurityTxt(a.Config.BaseURL, a.Config.CSAFContact, a.now().AddDate(1, 0, 0)))
		})
	}
}
