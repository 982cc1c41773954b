// Package portal is the public scam portal: citizens report a scam's web
// address, domain, phone number, bank account, social-media profile or
// e-mail address; reviewers work a queue of the reported values; anyone
// checks a value; published entries are given out as lists and become
// threat-intel indicators.
//
// Sub-packages: canon normalises values (and reads look-up input), guard
// holds back abuse (proof of work, honeypot, rate limits), blocklist
// writes the published entries in the distribution formats.
//
// # Model
//
// An Entry is one normalised value (its canon key is unique); every report
// of the same value merges into it. An entry is pending (under review)
// until either two different reviewers confirm it — it is then published
// for the TTL (six months by default) and may be renewed before it ends —
// or a reviewer rejects it. A published entry past its expiry is expired;
// a new report puts an expired entry back under review in a new round.
// The owner of a listed value may appeal; an upheld appeal withdraws the
// entry. Rejected and withdrawn entries stay closed when reported again
// (the reports are counted as new for reviewers), so a wave of reports
// cannot put a cleared site back on show; a reviewer may reopen them.
//
// # Invariants
//
//   - An entry is published only by the confirmations of two different
//     reviewers in the same round. A reviewer who filed a report on the
//     entry (FileReport, for hotline calls) may not confirm it; a reviewer
//     who confirmed it may not decide an appeal against it.
//   - Every change of state — a report, each review step, expiry, an appeal
//     and its decision — appends an audit entry in the same transaction;
//     so does every read of reports and screenshots. Citizens are audited
//     as "citizen" without their address.
//   - A report or appeal that is refused (abuse checks, then validation)
//     stores nothing. Text is stored as written (NFC, bounded, without
//     control characters): it is escaped where it is shown, never stripped.
//     Screenshots are typed by their bytes and re-encoded without metadata.
//   - Nothing a reporter or appellant wrote or gave (description, contact,
//     screenshots, name) and nothing about reviewers reaches the public:
//     look-up answers, receipts and every output are made of Listings and
//     Hits, which hold none of it.
//   - Look-ups do not touch the store: they read an immutable Index held
//     in memory, replaced (never changed) on every change of an entry;
//     expiry takes effect at the instant it falls, without a rebuild.
//   - Saves use the entry's Version: a change that lost a race with another
//     change of the same entry is retried from a fresh read, so two
//     reviewers confirming at once publish the entry exactly once.
//   - Awareness bulletins (bulletin.go) are written by portal reviewers in
//     Vietnamese and English; one is public only from its publication time
//     (a draft or a scheduled one answers not found), and edits need the
//     version the writer saw. Their text is plain, escaped wherever shown.
//   - The public statistics (stats.go) are counts only, per calendar month
//     in Vietnam time, computed at most every StatsTTL.
package portal
