package csaf

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// version is a document or revision number: an integer or a semantic version.
type version struct {
	integer             bool
	major, minor, patch int
	pre, build          string
	ok                  bool
}

var semverRe = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func parseVersion(s string) version {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && (s == "0" || s[0] != '0') {
		return version{integer: true, major: n, ok: true}
	}
	mm := semverRe.FindStringSubmatch(s)
	if mm == nil {
		return version{}
	}
	a, _ := strconv.Atoi(mm[1])
	b, _ := strconv.Atoi(mm[2])
	c, _ := strconv.Atoi(mm[3])
	return version{major: a, minor: b, patch: c, pre: mm[4], build: mm[5], ok: true}
}

func (v version) zero() bool { return v.major == 0 }

func compareVersions(a, b version) int {
	if c := cmpInts(a.major, b.major, a.minor, b.minor, a.patch, b.patch); c != 0 {
		return c
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return strings.Compare(a.pre, b.pre)
}

func cmpInts(p ...int) int {
	for i := 0; i+1 < len(p); i += 2 {
		if p[i] != p[i+1] {
			if p[i] < p[i+1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// revisions runs 6.1.14 and 6.1.16 to 6.1.22 and 6.1.30.
func (m *checker) revisions() {
	t := m.doc.Document.Tracking
	released := t.Status == "final" || t.Status == "interim"
	doc := parseVersion(t.Version)
	type rev struct {
		v    version
		date string
		i    int
	}
	var revs []rev
	integer, semver := doc.ok && doc.integer, doc.ok && !doc.integer
	seen := map[string]int{}
	for i, r := range t.RevisionHistory {
		path := fmt.Sprintf("/document/tracking/revision_history/%d/number", i)
		v := parseVersion(r.Number)
		if !v.ok {
			continue // the schema reports it
		}
		integer, semver = integer || v.integer, semver || !v.integer
		key := r.Number
		if !v.integer {
			key = fmt.Sprintf("%d.%d.%d-%s", v.major, v.minor, v.patch, v.pre)
		}
		if j, ok := seen[key]; ok {
			m.add("6.1.22", path, "revision %s is already listed at index %d", r.Number, j)
		}
		seen[key] = i
		if released && v.zero() {
			m.add("6.1.18", path, "a %s document lists revision %s", t.Status, r.Number)
		}
		if v.pre != "" {
			m.add("6.1.19", path, "revision %s is a pre-release", r.Number)
		}
		revs = append(revs, rev{v, normDate(r.Date), i})
	}
	if integer && semver {
		m.add("6.1.30", "/document/tracking", "integer and semantic versioning are mixed")
		return
	}
	if doc.ok {
		if (doc.zero() || doc.pre != "") && t.Status != "draft" {
			m.add("6.1.17", "/document/tracking/status", "version %s requires status draft, not %s", t.Version, t.Status)
		}
		if released && doc.pre != "" {
			m.add("6.1.20", "/document/tracking/version", "a %s document has the pre-release version %s", t.Status, t.Version)
		}
	}
	if len(revs) == 0 {
		return
	}
	byDate := slices.Clone(revs)
	slices.SortStableFunc(byDate, func(a, b rev) int {
		if c := strings.Compare(a.date, b.date); c != 0 {
			return c
		}
		return compareVersions(a.v, b.v)
	})
	for k := 1; k < len(byDate); k++ {
		if compareVersions(byDate[k-1].v, byDate[k].v) > 0 {
			m.add("6.1.14", fmt.Sprintf("/document/tracking/revision_history/%d", byDate[k].i), "revision %s is dated after a higher number", t.RevisionHistory[byDate[k].i].Number)
			break
		}
	}
	last := byDate[len(byDate)-1]
	if doc.ok {
		lv := last.v
		same := compareVersions(lv, doc) == 0
		if t.Status == "draft" {
			same = cmpInts(lv.major, doc.major, lv.minor, doc.minor, lv.patch, doc.patch) == 0
		}
		if !same {
			m.add("6.1.16", "/document/tracking/version", "version %s is not the latest revision %s", t.Version, t.RevisionHistory[last.i].Number)
		}
	}
	majors := map[int]bool{}
	for _, r := range revs {
		majors[r.v.major] = true
	}
	start := 1
	if majors[0] {
		start = 0
	}
	for n := start; n < start+len(majors); n++ {
		if !majors[n] {
			m.add("6.1.21", "/document/tracking/revision_history", "revision %d is missing", n)
			break
		}
	}
}

// normDate makes RFC 3339 dates comparable as strings (UTC, fixed width)
// where it can; otherwise returns the text.
func normDate(s string) string {
	if t, err := parseRFC3339(s); err == nil {
		return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	return s
}
