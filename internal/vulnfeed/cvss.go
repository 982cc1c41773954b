package vulnfeed

import (
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/khien-cert/khien/internal/advisory"
)

// ParseCVSS parses a CVSS vector (2.0 bare, or "CVSS:3.0/", "CVSS:3.1/",
// "CVSS:4.0/") and computes its base score. The source names who scored it.
func ParseCVSS(vector, source string) (advisory.Score, error) {
	v := strings.TrimSpace(vector)
	s := advisory.Score{Vector: v, Source: source}
	switch {
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return s, invalid("CVSS 3.1 vector %q: %v", v, err)
		}
		s.Version, s.Base = "3.1", c.BaseScore()
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return s, invalid("CVSS 3.0 vector %q: %v", v, err)
		}
		s.Version, s.Base = "3.0", c.BaseScore()
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return s, invalid("CVSS 4.0 vector %q: %v", v, err)
		}
		s.Version, s.Base = "4.0", c.Score()
	case strings.HasPrefix(v, "AV:"), strings.HasPrefix(v, "(AV:"):
		c, err := gocvss20.ParseVector(strings.Trim(v, "()"))
		if err != nil {
			return s, invalid("CVSS 2.0 vector %q: %v", v, err)
		}
		s.Version, s.Base = "2.0", c.BaseScore()
	default:
		return s, invalid("CVSS vector %q: unknown version", v)
	}
	s.Base = math.Round(s.Base*10) / 10
	return s, nil
}

// Severity is the advisory's severity from its highest base score, or
// fallback (a source's own rating, lower case) when it has no score.
func Severity(scores []advisory.Score, fallback string) string {
	best := -1.0
	for _, s := range scores {
		best = max(best, s.Base)
	}
	if best >= 0 {
		return advisory.SeverityOf(best)
	}
	switch f := strings.ToLower(strings.TrimSpace(fallback)); f {
	case advisory.SeverityCritical, advisory.SeverityHigh, advisory.SeverityLow:
		return f
	case "medium", "moderate", "important":
		if f == "important" {
			return advisory.SeverityHigh
		}
		return advisory.SeverityMedium
	}
	return advisory.SeverityNone
}

// scoreProblem is the problem text for a vector that did not parse.
func scoreProblem(vector string, err error) string {
	return fmt.Sprintf("score %q ignored: %v", vector, err)
}
