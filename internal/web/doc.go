// Package web is Khiên's server-rendered browser UI: html/template pages,
// small hand-written CSS, and JavaScript only where a page must change
// without a reload (static/live.js inserts the alert rows the server renders
// and streams over Server-Sent Events), for coordinators and constituents on
// a laptop or a phone.
//
// The whole route surface is in routes.go. Pages are thin: they read a form,
// call the domain services (auth, org, audit, ingest, alert, intel) with the session's principal
// and render a typed page struct; the services decide what the principal may
// see and do.
//
// Invariants:
//   - Templates, the stylesheet and the vi/en catalogues are embedded and
//     parsed once, in New. Each page is its own template set (the layout plus
//     the page), cloned once per language so that the template function t is
//     bound to that language's catalogue. Nothing is parsed per request.
//   - Every user-facing string goes through the catalogue (t, tn); an error is
//     translated by its code ("err.<code>"), falling back to its English text.
//     Both catalogues hold exactly the same keys (a test checks it).
//   - A form that fails validation is rendered again with the typed values
//     and each errs.FieldError beside the input of the same name; problems
//     that name no input of the form go to a banner.
//   - The session lives in the khien_session cookie (HttpOnly, SameSite=Lax,
//     Secure when configured, Path=/); a log-in always makes a new session and
//     ends the old one. Every state-changing request passes
//     http.CrossOriginProtection; every response carries a strict
//     Content-Security-Policy, so the pages have no inline script or style.
//   - A request without a session is sent to /login?next=…; next is followed
//     only when it is a local path.
//   - Times are stored in UTC and shown in Asia/Ho_Chi_Minh.
package web
