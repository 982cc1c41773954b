package api

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/org"
)

// claimInput is the body of POST /orgs/{org}/resources.
type claimInput struct {
	Type  org.ResourceType `json:"type"`
	Value string           `json:"value"`
	Note  string           `json:"note"`
}

// rejectInput is the body of POST /resources/{id}/reject.
type rejectInput struct {
	Reason string `json:"reason"`
}

var (
	resourceTypes = []org.ResourceType{org.ResourceCIDR, org.ResourceASN, org.ResourceDomain}
	claimStatuses = []org.ClaimStatus{org.ClaimPending, org.ClaimApproved, org.ClaimRejected}
)

func (a *API) claimResource(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in claimInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	orgID, err := a.orgID(r, p)
	if err != nil {
		return err
	}
	res, err := a.org.ClaimResource(r.Context(), p, org.Resource{OrgID: orgID, Type: in.Type, Value: in.Value, Note: in.Note})
	if err != nil {
		return err
	}
	return created(w, res)
}

// listResources is also the approval queue: GET /resources?status=pending.
func (a *API) listResources(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	pr, err := pageRequest(q)
	if err != nil {
		return err
	}
	typ, err := enumParam(q, "type", resourceTypes)
	if err != nil {
		return err
	}
	status, err := enumParam(q, "status", claimStatuses)
	if err != nil {
		return err
	}
	f := org.ResourceFilter{OrgID: q.Get("org"), Type: typ, Status: status, Query: q.Get("q")}
	res, err := a.org.ListResources(r.Context(), p, f, pr)
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) getResource(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	res, err := a.org.GetResource(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) deleteResource(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.org.DeleteResource(r.Context(), p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) approveResource(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	res, err := a.org.DecideResource(r.Context(), p, r.PathValue("id"), org.Decision{Approve: true})
	if err != nil {
		return err
	}
	return ok(w, res)
}

func (a *API) rejectResource(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in rejectInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := a.org.DecideResource(r.Context(), p, r.PathValue("id"), org.Decision{Reason: in.Reason})
	if err != nil {
		return err
	}
	return ok(w, res)
}

// ownershipAnswer is the body of GET /ownership.
type ownershipAnswer struct {
	Query    string  `json:"query"`
	Resource string  `json:"resource"` // the approved resource that matched
	Org      org.Org `json:"org"`
}

// ownership answers who owns an IP address, domain or AS number. The index
// holds every organisation's approved resources; the answer is then read
// through GetOrg with the caller's scope, so a caller learns only owners it
// may see, and "owned by someone you cannot see" looks like "owned by nobody".
func (a *API) ownership(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if err := checkLookup(q); err != nil {
		return err
	}
	owner, found := a.org.Lookup(q)
	if !found {
		return errs.NotFound("ownership.not_found")
	}
	o, err := a.org.GetOrg(r.Context(), p, owner.OrgID)
	if errs.Is(err, errs.KindNotFound) {
		return errs.NotFound("ownership.not_found")
	} else if err != nil {
		return err
	}
	return ok(w, ownershipAnswer{Query: q, Resource: owner.Resource, Org: o})
}

// checkLookup refuses a query that is no IP address, AS number or domain.
func checkLookup(q string) error {
	if q == "" {
		return errs.Invalid("ownership.bad_query", "say what to look up",
			errs.Field("q", "ownership.required", "an IP address, a domain or an AS number"))
	}
	if _, err := netip.ParseAddr(q); err == nil {
		return nil
	}
	if _, err := org.ParseASN(q); err == nil {
		return nil
	}
	if _, err := org.ParseDomain(q); err == nil {
		return nil
	}
	return errs.Invalid("ownership.bad_query", "the query is not an IP address, a domain or an AS number",
		errs.Field("q", "ownership.bad_query", "an IP address, a domain or an AS number"))
}
