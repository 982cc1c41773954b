// Package api is Khiên's REST API v1: JSON over HTTP for programs, under
// /api/v1/, authenticated by API tokens (Authorization: Bearer khn_…).
//
// The whole route surface is one table, routes() in routes.go; Routes()
// exports it (method, path, the kind of tenant object the path names, the
// query parameters taken) so that tests iterate it. openapi.yaml describes
// every route by hand; it is embedded, converted to JSON at start-up and
// served at /api/v1/openapi.json, and a test holds the table and the
// document to the same surface. One file per domain holds the handlers.
//
// Invariants:
//   - Every route but openapi.json needs a token. A missing one answers 401
//     auth.required with WWW-Authenticate: Bearer. Browser session cookies
//     are never accepted here, so the API needs no CSRF defence.
//   - Handlers get the Principal as an argument, never from the context, and
//     pass it to the services, which hold the whole authorization policy.
//     The API makes no permission decision of its own (one exception: the
//     ownership look-up, whose index has no scope, reads its answer back
//     through org.Service.GetOrg with the caller's scope, so an owner the
//     caller may not see looks like no owner).
//   - An object outside the caller's scope answers 404, like one that does
//     not exist. Where a path names an object, it is resolved through the
//     caller's scope before anything else is done with it, so that, for
//     example, adding software to another tenant's system is 404, not a
//     complaint about a field.
//   - Errors leave only through httpx: the status comes from the errs kind,
//     the body is an httpx.Problem with a stable code and per-field
//     problems; internal causes are logged with the request ID, not shown.
//   - JSON bodies go through httpx.DecodeJSON (1 MiB, unknown fields 400
//     naming the field, wrong types 422 naming the field, a content type
//     other than application/json 400). The inventory CSV is text/csv of at
//     most MaxCSVBody bytes, read whole before parsing so that an oversized
//     upload is a clean 413; bad rows come back as fields "rows[N].column".
//   - Query parameters are whitelisted per route: any other, or one given
//     twice, answers 400 naming it, before the handler runs. Lists take
//     limit, cursor and sort; the services check sort against their own
//     whitelist (page.Request.Normalize), so "sort=name;DROP TABLE" is 422 on
//     the field sort. Lists answer {"items": [...], "next_cursor": "..."}.
//
// Decisions:
//   - Contacts are replaced with PUT, not patched: org.Service has no read
//     of a single contact to merge a patch into, and the API does not go
//     around the service to the store.
//   - Tokens are revoked with DELETE /tokens/{id}; a revoked token stays in
//     the list with revoked_at, and revoking twice is not an error.
//   - GET /tokens is not paged (a user has few tokens) but keeps the
//     {"items": [...]} shape.
//   - A path that exists for other methods answers 404 with the code
//     api.method_not_allowed and an Allow header: errs has no kind for 405,
//     and the status table lives in httpx alone.
//   - The route table says which kind of tenant object a path names rather
//     than listing test fixtures by route, so a new route on an existing
//     kind of object is covered by the cross-tenant tests with no new code,
//     and a route on a new kind fails them until it has a fixture. Request
//     bodies for those tests are the examples in openapi.yaml, which must
//     therefore be valid input.
package api
