package telemetry

import (
	"strconv"
	"strings"
	"time"
)

// parseTimestamp parses the ISO 8601 spellings sensors use:
//
//	2016-09-19T15:13:55.657295+0000   (Suricata EVE: offset without a colon)
//	2018-03-24T17:15:20.865716Z       (Zeek JSON, ECS, evtx_dump)
//	2021-10-08T12:40:00.965786+03:00  (RFC 3339)
//	2025-12-25 14:30:27.352           (Sysmon UtcTime: a space, no zone)
//
// A fraction may have any number of digits (beyond nanoseconds they are
// dropped); the offset may be Z, ±hh:mm, ±hhmm or ±hh; without one the time
// is taken as UTC. Fields out of range (month 13, 24:00:00) are refused.
// The result is in UTC.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := atoiN(s[0:4])
	month, ok2 := atoiN(s[5:7])
	day, ok3 := atoiN(s[8:10])
	hour, ok4 := atoiN(s[11:13])
	minute, ok5 := atoiN(s[14:16])
	sec, ok6 := atoiN(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if rest != "" && (rest[0] == '.' || rest[0] == ',') {
		var n int
		nsec, n = fraction(rest[1:])
		if n == 0 {
			return time.Time{}, false
		}
		rest = rest[1+n:]
	}
	off, ok := zoneOffset(rest)
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(off) * time.Second), true
}

// atoiN parses a run of ASCII digits only (no sign).
func atoiN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, s != ""
}

// fraction reads the digits of a fractional second and returns nanoseconds
// and how many digits it consumed.
func fraction(s string) (int, int) {
	ns, n := 0, 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		if n < 9 {
			ns = ns*10 + int(s[n]-'0')
		}
		n++
	}
	for i := n; i < 9; i++ {
		ns *= 10
	}
	return ns, n
}

// zoneOffset parses "", "Z", "±hh", "±hhmm" or "±hh:mm" into seconds east of UTC.
func zoneOffset(s string) (int, bool) {
	switch {
	case s == "" || s == "Z" || s == "z":
		return 0, true
	case s[0] != '+' && s[0] != '-':
		return 0, false
	}
	sign, d := 1, s[1:]
	if s[0] == '-' {
		sign = -1
	}
	var hh, mm string
	switch len(d) {
	case 2:
		hh = d
	case 4:
		hh, mm = d[:2], d[2:]
	case 5:
		if d[2] != ':' {
			return 0, false
		}
		hh, mm = d[:2], d[3:]
	default:
		return 0, false
	}
	h, ok := atoiN(hh)
	m := 0
	if mm != "" {
		var ok2 bool
		if m, ok2 = atoiN(mm); !ok2 {
			return 0, false
		}
	}
	if !ok || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseEpoch parses seconds since 1970 as a decimal ("1521911720.615923",
// Zeek's ts) without going through float64, so microseconds survive.
func parseEpoch(s string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	if sec == "" || len(sec) > 11 {
		return parseEpochFloat(s)
	}
	n, ok := atoiN(sec)
	if !ok {
		return parseEpochFloat(s)
	}
	ns, digits := fraction(frac)
	if digits != len(frac) {
		return parseEpochFloat(s)
	}
	return time.Unix(int64(n), int64(ns)).UTC(), true
}

// parseEpochFloat handles the rarer spellings (exponent, sign) through float64.
func parseEpochFloat(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
}

// parseEpochMillis parses milliseconds since 1970, as CEF's rt/start/end
// commonly carry them.
func parseEpochMillis(s string) (time.Time, bool) {
	if len(s) < 12 || len(s) > 14 {
		return time.Time{}, false
	}
	n, ok := atoiN(s)
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n)).UTC(), true
}
