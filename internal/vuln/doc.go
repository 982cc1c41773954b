// Package vuln decides which inventory items an advisory concerns. It is
// pure: no storage, no transport; the advisory service calls it for a full
// recompute, when one organisation's inventory changes (AdvisoryIndex) and
// when one advisory is written or imported (InventoryIndex).
//
// # Versions
//
// Each ecosystem's order is written here from its specification, one file
// per scheme (see ADR 0007): SemVer 2.0 (semver.go), PEP 440 (pep440.go),
// Maven's ComparableVersion (maven.go), Debian (deb.go), RPM's rpmvercmp
// (rpm.go) and the generic dotted versions of CPE names and NVD ranges
// (generic.go). Parse does the work once; Version.Compare allocates
// nothing. A string a scheme cannot compare is an error that names the
// scheme and the value. Every comparator is a total order on what its
// parser accepts (reflexive, antisymmetric, transitive, equal versions
// interchangeable), which the fuzz targets check on three versions at a
// time; where an ecosystem's own tool is not a total order (Maven 3.9:
// "1.0.alpha" < "1" < "1.sp" < "1.0.alpha"; rpm ignoring a missing
// release) the file says what is done instead.
//
// # Identities
//
// An item and a product agree when their CPE part:vendor:product or their
// purl type/namespace/name agree after each naming scheme's normalisation
// (identity.go); the CPE's other attributes constrain only where both sides
// name a value.
//
// # Matching
//
// A product matches an item when the identities agree and the item's
// version is in one of its ranges or equal to one of its exact versions
// (Product.Versions, or the version a CPE name or purl carries). A product
// with neither matches every version, also of an item without a version;
// a product whose every range failed to parse matches nothing (never
// "every version"). A range compares in its Scheme, or in the identity's
// scheme when empty (cpe for CPE names, SchemeForPURL for purls); exact
// versions compare in the identity's scheme. An inclusive lower bound "0"
// is no bound, as OSV means it: pre-releases of 0 (Go's v0.0.0-…
// pseudo-versions) are in. An item's version is the one
// its CPE or purl carries, else Item.Version. Unparsable names, bounds and
// versions are Problems, and only the pairs they touch are skipped. One
// Match per (advisory, item), naming the first product that matched;
// results sorted by advisory id, item id, organisation, system.
//
// # Invariants
//
//   - AdvisoryIndex is immutable: any number of goroutines may Match.
//     InventoryIndex's Match may run concurrently too; Add and Remove
//     must not run beside anything else.
//   - Naive, AdvisoryIndex and InventoryIndex give identical results; the
//     tests hold the indexes to Naive on generated data and on hand-written
//     cases per scheme.
//   - The indexes keep no reference to the advisories' products, only to
//     the strings of ids (and an InventoryIndex to a copy of its items).
//
// # Design, and the measurements behind it
//
// Products are compiled into rules (a range, an exact version, or "every
// version") grouped by identity key. Per key and scheme the distinct
// versions the rules name are sorted once; a rule becomes an interval of
// ranks in that table, so matching an item costs one map look-up for its
// key, one binary search per scheme, and then two integer comparisons per
// rule, with no pointer followed. Names and versions are parsed once per
// distinct string while building. Advisories are numbered by the rank of
// their id, so sorting the matches is sorting integers.
//
// Measured with make bench-advisory on the 2-core AMD EPYC shared with
// other work, with package gen's 300k advisories (600k products, 1.6M
// matches) and 100k items, as CPU time on one core (GOMAXPROCS=1; wall
// time was two to four times more while other processes held the cores,
// and the spreads below follow that load): a full recompute (build +
// match) 1.3–1.7 s, of which building the advisory index 0.7–0.8 s
// (45 MiB) and matching 0.7–0.8 s; a 1k-item upload 5–8 ms (16.5k
// matches); one new advisory against the inventory index (54 MiB)
// 0.03 ms. Comparing parsed versions per rule instead of ranks took 7 s
// for the matching alone, each comparison a cache miss through the parsed
// values. The naive pair scan would take 12–23 minutes of CPU for the full
// set, 460–940 times the indexed recompute.
package vuln
