// Package publicweb is the public scam portal's own mux: the pages a
// citizen uses without an account, on a phone or a laptop, in Vietnamese
// (the default) or English. It reports a scam, shows and looks up a
// receipt, checks a value, files an appeal, hands out the published lists
// (rate-limited per client network), reads awareness bulletins and their
// RSS 2.0 and Atom feeds (bulletins.go, feeds.go) and the statistics page,
// whose charts are SVG drawn on the server (stats.go). All rules live in internal/portal; this package reads forms,
// calls the portal.Service and renders the answer.
//
// It is separate from the staff UI (internal/web) on purpose (STYLE rule
// 9): it sets no cookie and reads none, so it needs no session or CSRF
// token; its Content-Security-Policy allows only its own files and no
// inline script or style; it has its own templates, static files and
// vi/en catalogue. The language is chosen by the "lang" query or form
// field, carried on every link, never stored.
//
// Invariants:
//   - every body is bounded (http.MaxBytesReader) before it is parsed;
//   - a refused form stores nothing (portal.Service checks first, then
//     stores) and is shown again with the errors beside their fields;
//   - a client over its rate answers 429 with Retry-After;
//   - pages show only what portal.Answer, portal.ReceiptStatus and
//     portal.Submitted carry, which hold nothing about reporters;
//   - the proof of work is solved by static/pow.js; with script off, the
//     form says so and a refused submission explains what to do.
package publicweb
