// Package detect matches events, as they arrive, against threat
// intelligence and detection rules. Its core is the indicator (IoC) index:
// Build compiles indicators into an immutable Index, Match reports every
// indicator a value of an event matches, and Apply derives the next Index
// from a Delta while readers keep using the current one through Live.
//
// # Invariants of the index
//
//   - An Index is never written after Build or Apply returns it: any number
//     of goroutines may Match against it without locks, and Apply leaves the
//     index it is called on untouched.
//   - It holds exactly the indicators valid at the time given to the Build or
//     Apply that made it (intel.Indicator.ValidAt), with canonical values
//     (intel.Canonical; values without one are left out and counted).
//     Expiry and ValidFrom take effect at the next Apply: Stats().Next says
//     when that is due.
//   - Several indicators with the same value (different sources) all match;
//     Hit carries each. An indicator is identified by Ref: type, value and
//     source.
//   - Match reports every match, never a false one: an address against every
//     address and covering CIDR, a host against the domain itself and every
//     parent domain on a label boundary ("evil.example" matches
//     "a.b.evil.example", not "notevil.example"), URLs, hashes and e-mail
//     addresses exactly, all after canonicalising the event's value the way
//     indicators are. The oracle test holds it to a linear scan.
//   - Match does not allocate when nothing matches and the event's values are
//     canonical, as decoders make them.
//   - Build and Apply keep their own packed copy of the indicators: the
//     caller may drop or reuse its slice. Hits report the indicator with its
//     canonical value and its times in UTC.
//
// # Design, and the measurements behind it
//
// Measured on the 2-core AMD EPYC this project runs its benchmarks on, with
// data from package gen (make bench-detect; BenchmarkDesign* for the
// alternatives).
//
// Records and ids. Records are packed in chunks of 1,024: a chunk's
// strings in one text, the rest in a slice without pointers (records.go);
// tables hold 32-bit ids, so no map key or value holds a pointer or a
// string. An off-set (a bitset) marks ids that must not match: expired,
// removed, replaced, not yet valid. The tables take 34 MiB per million
// indicators at 1M and 28 at 10M (23 B per address, 90 per CIDR, 35 per
// domain, URL or hash); with the packed records the index takes 164 MiB
// per million at 1M, where gen's []intel.Indicator alone takes 242.
// Records were first kept as windows onto the caller's slice (no copy),
// but a million intel.Indicator values are millions of strings that the
// garbage collector marks on every cycle, and under ingest's allocation
// rate that marking cost more CPU per event than matching did. Packing
// costs Build a fifth more time (404 against 337 ms for 1M) and a hit
// ~0.2 µs to unpack its record.
//
// Addresses and CIDRs. Single addresses (and /32, /128 CIDRs) sit in exact
// maps (uint32 and [16]byte keys) behind the filter; real prefixes in a
// bart.Table, bart's balanced variant. Against one bart.Table holding every
// IP indicator this is 2.5 times smaller (29 against 74 B per IP indicator
// at 10M, 37 against 88 at 1M), faster at 10M (medians of 6 runs: 135
// against 223 ns per address, when the tables no longer fit in cache and
// the filter does) and slower at 1M (52 against 35 ns), where everything is
// in cache anyway; on this shared machine the 10M figures vary by half
// between runs. bart.Fast was no faster for 1.5 to 2 times the memory;
// bart.Lite carries no payload. A prefix stores its length and whether a
// shorter stored prefix covers it; a look-up follows that chain
// (LookupPrefix one bit shorter) to report every covering CIDR, not only
// the longest.
//
// Names. Domains, URLs, hashes and e-mail addresses share one map from a
// 64-bit fingerprint (maphash with a per-index random seed, salted by kind)
// to ids; a candidate is confirmed against the record's value, so a
// collision costs a comparison, never a false hit. A fingerprint key takes
// about 34 B per hash where the 32 bytes of a SHA-256 take 75. A domain's
// fingerprint is built label by label from the right, so a host is looked
// up with one probe per label and every byte hashed once, without
// allocating.
//
// Filter. Every exact key also goes into a register-blocked Bloom filter
// (20 bits a key, 5 bits in one 64-bit word, 0.2% false positives) checked
// before the maps: the whole matcher is about twice as fast with it, at 1M
// indicators (2.3M against 1.2M events/s) and at 10M (0.81M against 0.37M).
//
// Deltas. Apply does not touch the base tables: it marks replaced and
// removed ids off in a copy of the off-set and rebuilds a small overlay of
// everything added since the base was built, which Match probes after the
// base. When the overlay outgrows an eighth of the base it is merged (the
// base is rebuilt from the live ids), and when most records are dead the
// whole index is rebuilt from a compact copy. Go maps have no persistent
// form, so the names and addresses need the overlay anyway; for prefixes,
// bart's InsertPersist exists but clones a trie path per prefix: the 600
// CIDRs of a 10,000-indicator delta took 4.3 ms that way against 0.08 ms
// for a fresh overlay table. A delta of 10,000 takes 14 ms against 1M
// indicators and 33 ms against 10M (17 and 36 ms once records were
// packed).
//
// Canonical forms. Build calls intel.Canonical on every value rather than
// trusting a fast check of its own: the rules are intel's, and it costs
// little next to the rest of a build. Events are the hot side: there a
// scan that does not allocate proves a host, URL or e-mail address
// canonical (FuzzCanonicalChecks holds the scans to intel's functions), and
// only values that fail it are canonicalised.
package detect
