// Package evidence is the evidence vault: cases, evidence items with their
// content in a content-addressed blob store, the chain of custody of every
// item, sealed export bundles and re-verification.
//
// # Who sees what
//
// Evidence is attached to a case: an opaque case ID owned by one
// organisation. Issue 4's incidents become cases by opening a case with the
// incident's ID and organisation (OpenCase is idempotent) and assigning the
// mobilised people; nothing here needs to change for that.
//
// A user sees a case's evidence only when all of these hold: the policy
// gives their role evidence:read on the case's organisation (investigators
// and coordinators); they are assigned to the case (case_assignments) as
// investigator or coordinator; and the item's TLP is within their clearance.
// Anything else answers errs.NotFound, as if it did not exist. An
// assignment may carry a TLP ceiling below the role's clearance (a partner
// agency's investigator cleared for AMBER): the lower of the two applies,
// to reads, to what the person may add and to what may be handed to them. The store
// applies these conditions in every query through a Viewer; there is no
// unscoped read a handler can reach.
//
// Administrators (and coordinators) hold evidence:assign: they open cases and
// assign staff. Administrators never see evidence: only users whose role is
// investigator or coordinator can be assigned, so an administrator cannot
// assign themselves. Releasing a legal hold, setting retention and
// destroying need evidence:dispose (coordinators) as well as the assignment.
//
// Responders see only what is shared with them. The item's custodian, or a
// coordinator assigned to its case, shares an item with the responders
// mobilised to the case's incident, and may withdraw it (Share): each is a
// custody event ("shared", "unshared") and Item.Shared holds the current
// state. A responder holds evidence:shared (reach all, but it takes effect
// only this way) and reads through a Responder Viewer, for which the store's
// one scoping condition replaces the case assignment by: the item is live
// and shared, its TLP is within the responder's clearance, and the
// responder has an un-revoked incident_members row for the incident whose
// ID is the item's case (incident pages open cases with the incident's
// ID). Such a responder lists those cases (MyCases, role "responder") and
// their shared items, opens and downloads them — custody events, as for
// investigators — and does nothing else: every change needs evidence:write,
// which responders lack, and the case's assignments are not shown to them.
// Unsharing the item, releasing the responder (revoked_at set) or the
// item's destruction ends the access at once; anything else answers
// errs.NotFound.
//
// # Invariants
//
//   - An item row is written only after its blob is durable and its hashes
//     are known from the bytes themselves, so no item claims a hash whose
//     bytes the vault does not hold (a crash leaves at most an unclaimed blob
//     or an upload session to resume). Content that fails the collector's
//     hash is not stored at all.
//   - Every change to an item, and every read of it (opening its record,
//     downloading it, exporting it), is a custody event: numbered, chained by
//     hash to the item's previous event, signed with the platform's custody
//     key (keys/custody.key, separate from the audit key) and appended to the
//     audit log in the same transaction, whose entry carries the event's
//     hash. Listing a case's items is audited (one entry per list).
//   - Events are appended with optimistic concurrency: a change is built from
//     the item's last event and stored only if that is still the last event;
//     otherwise it is rebuilt. Two events never share a number.
//   - The current custodian (holder) alone hands an item over, seals,
//     unseals, analyses, copies or returns it. A transfer is pending until
//     the receiver confirms it; only then is the "transferred" event written
//     and the holder changed.
//   - Items enter on legal hold. A blob is deleted only by destruction, which
//     needs the hold released and the retention date passed, and only once
//     no other live item has the same content.
//   - Destruction from a person's request (DestroyConfirmed) also needs the
//     start of the item's SHA-256 typed back, so a wrong ID destroys nothing.
//   - Sweep removes upload sessions older than their age and content no
//     live item (and no open committed session) claims after a grace
//     period, asking the records again just before each deletion; each
//     removal is audited.
//   - Re-verification re-hashes every live blob and checks every custody
//     chain; a blob that no longer matches gets a "verification_failed"
//     event on each item that has it.
package evidence
