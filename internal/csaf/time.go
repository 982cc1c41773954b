package csaf

import "time"

func parseRFC3339(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// stamp formats a time the way CSAF dates are written (RFC 3339, UTC).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
