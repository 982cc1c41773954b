// Package alliance is the responder alliance: member companies (organisations
// of kind alliance-member in the registry), their responders with skills,
// certifications, clearance, languages, province, capacity and on-call
// availability, and the mobilisation of responders to incidents.
//
// # Ranking
//
// For a mobilisation request ("N responders with skills S for incident I")
// Rank scores every responder out of 100 from five parts, each kept on the
// candidate so the UI can show why one ranks above another:
//
//	skills        40  share of the requested skills the responder has
//	availability  20  on call now (20), on call within 12 hours (10), else 0
//	distance      15  same province 15; else falling with the distance
//	                  between province centroids (data/provinces.json)
//	load          15  free share of the responder's capacity
//	rating        10  mean of past ratings (1–5); no ratings count as 3
//
// Ties break on the user ID, so the same inputs always give the same order.
// Some responders are never candidates, and carry the reason instead of a
// score: their member company is the affected organisation, or they
// declared a conflict of interest with it; their clearance is below the
// incident's TLP; their profile is inactive; or they were already asked on
// this request.
//
// # Mobilisation
//
// A coordinator opens a request on an incident (skills, how many, deadline
// to answer) and asks responders picked from the ranked list. Each ask is
// pending until the responder accepts or declines; after the deadline a
// pending ask is expired and can no longer be answered. An accepted ask
// grants the responder access to that incident alone, until the coordinator
// releases them or the incident closes, which revokes it. Responders log
// their hours on incidents they accepted; once released (or once the
// incident is resolved) the coordinator rates them 1–5, and ratings feed
// later rankings.
//
// Availability is a weekly schedule in Asia/Ho_Chi_Minh wall-clock time plus
// explicit periods of unavailability; instants are stored in UTC.
//
// The package holds rules only; it imports no transport and no SQL. It talks
// to storage through the Store interface, which internal/store implements.
// Who may do what follows auth's policy table: alliance:read to see members,
// responders and the roster; alliance:manage to register responders and
// rate them; incident:manage (on the incident's organisation) to mobilise;
// a responder answers, logs hours on and sees only their own asks — anyone
// else's answer as not found.
package alliance
